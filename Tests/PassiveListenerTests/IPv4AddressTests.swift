import PassiveListener
import Testing

struct IPv4AddressTests {
    @Test func dottedQuadBothWays() {
        #expect(IPv4Address(198, 18, 42, 1).rawValue == 0xC612_2A01)
        #expect(IPv4Address(198, 18, 42, 1).description == "198.18.42.1")
        #expect(IPv4Address("198.18.42.109") == IPv4Address(198, 18, 42, 109))
        for bad in ["", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.-4", "1..3.4", " 1.2.3.4"] {
            #expect(IPv4Address(bad) == nil, "\(bad)")
        }
    }

    @Test func plausibleHostAddresses() {
        #expect(IPv4Address(198, 18, 42, 11).isPlausibleHost)
        #expect(IPv4Address(169, 254, 3, 4).isPlausibleHost)
        for address in [
            IPv4Address(0, 0, 0, 0), IPv4Address(127, 0, 0, 1), IPv4Address(224, 0, 0, 251), IPv4Address(240, 0, 0, 1),
            IPv4Address(255, 255, 255, 255),
        ] {
            #expect(!address.isPlausibleHost, "\(address)")
        }
    }
}
