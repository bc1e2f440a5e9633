import Testing

@testable import PassiveListener

struct DHCPHostNameTests {
    func sanitised(_ text: String) -> String? {
        sanitised(Array(text.utf8))
    }

    func sanitised(_ bytes: [UInt8]) -> String? {
        DHCPHostName.sanitised(bytes.span)
    }

    @Test func ordinaryNamesAreKept() {
        #expect(sanitised("annas-iphone") == "annas-iphone")
        #expect(sanitised("Galaxy-S23") == "Galaxy-S23")
        #expect(sanitised("DESKTOP_7QK2") == "DESKTOP_7QK2")
        #expect(sanitised("laptop.corp.example") == "laptop.corp.example")
    }

    @Test func separatorsAndSymbolsBecomeDashes() {
        #expect(sanitised("Anna's iPhone") == "Anna-s-iPhone")
        #expect(sanitised("a/b+c#d\"e") == "a-b-c-d-e")
        #expect(sanitised("  padded  ") == "padded")
        #expect(sanitised("--.name.--") == "name")
    }

    @Test func nulTerminatorsAreDropped() {
        #expect(sanitised(Array("printer".utf8) + [0, 0]) == "printer")
    }

    @Test func controlCharactersOrNonASCIIRefuseTheName() {
        #expect(sanitised(Array("evil\nname".utf8)) == nil)
        #expect(sanitised([0x61, 0x1B, 0x5B, 0x33, 0x31, 0x6D]) == nil)
        #expect(sanitised("Jürgens-Handy") == nil)
        #expect(sanitised([0x61, 0x00, 0x62]) == nil)
        #expect(sanitised([0x61, 0x7F]) == nil)
    }

    @Test func emptyOrOnlySeparatorsIsNoName() {
        #expect(sanitised("") == nil)
        #expect(sanitised("    ") == nil)
        #expect(sanitised("'''") == nil)
        #expect(sanitised([0, 0, 0]) == nil)
    }

    @Test func longNamesAreCutToOneLabel() {
        let long = String(repeating: "x", count: 200)
        #expect(sanitised(long) == String(repeating: "x", count: DHCPHostName.maximumLength))
        // A cut that ends on a separator drops it.
        let dashy = String(repeating: "a", count: 62) + "-bbbb"
        #expect(sanitised(dashy) == String(repeating: "a", count: 62))
    }
}
