import Testing

@testable import NmapScanner

@Suite("Which addresses the targets cover, as nmap reads them")
struct AddressMatcherTests {
    @Test(
        "CIDR, single addresses, octet ranges and lists; excludes win",
        arguments: [
            (["192.0.2.0/24"], [String](), "192.0.2.77", true),
            (["192.0.2.0/24"], [], "192.0.3.1", false),
            (["198.18.0.0/15"], [], "198.19.255.255", true),
            (["198.18.0.0/15"], [], "198.20.0.0", false),
            (["10.0.0.5"], [], "10.0.0.5", true),
            (["10.0.0.5"], [], "10.0.0.6", false),
            (["192.0.2.1-50"], [], "192.0.2.50", true),
            (["192.0.2.1-50"], [], "192.0.2.51", false),
            (["192.0.1-3.*"], [], "192.0.3.200", true),
            (["10.0.0.1,3,7-9"], [], "10.0.0.8", true),
            (["10.0.0.1,3,7-9"], [], "10.0.0.4", false),
            (["192.0.2.0/24 198.51.100.7"], [], "198.51.100.7", true),
            (["192.0.2.0/24"], ["192.0.2.1"], "192.0.2.1", false),
            (["192.0.2.0/24"], ["192.0.2.128/25"], "192.0.2.200", false),
            (["0.0.0.0/0"], [], "203.0.113.9", true),
            (["router.lan"], [], "192.0.2.1", false),
            (["192.0.2.0/24"], [], "192.0.2", false),
            (["192.0.2.0/24"], [], "192.0.2.256", false),
            (["192.0.2.0/24"], [], "", false),
            (["192.0.2.0/33"], [], "192.0.2.1", false),
            (["192.0.2.50-1"], [], "192.0.2.20", false),
        ])
    func covers(targets: [String], exclude: [String], address: String, expected: Bool) {
        #expect(AddressMatcher(targets: targets, exclude: exclude).contains(address) == expected)
    }
}
