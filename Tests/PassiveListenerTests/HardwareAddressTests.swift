import PassiveListener
import Testing

struct HardwareAddressTests {
    @Test func spellsLowerCaseWithColonsLikeThePresenceModule() {
        #expect(HardwareAddress(0x3C, 0x22, 0xFB, 0x10, 0x00, 0x11).description == "3c:22:fb:10:00:11")
        #expect(HardwareAddress(0, 0, 0, 0, 0, 0x0a).description == "00:00:00:00:00:0a")
        #expect(HardwareAddress(rawValue: 0xffff_ffff_ffff)?.description == "ff:ff:ff:ff:ff:ff")
        #expect(HardwareAddress(rawValue: 0x1_0000_0000_0000) == nil)
    }

    @Test func readsItsOwnSpellingBack() {
        let mac = HardwareAddress(0x02, 0x5B, 0x26, 0xA8, 0xDC, 0x12)
        #expect(HardwareAddress(mac.description) == mac)
        #expect(HardwareAddress("02-5B-26-A8-DC-12") == mac)
        for bad in ["", "02:5b:26:a8:dc", "02:5b:26:a8:dc:12:00", "2:5b:26:a8:dc:12", "02:5b:26:a8:dc:1g", "+2:5b:26:a8:dc:12"] {
            #expect(HardwareAddress(bad) == nil, "\(bad)")
        }
    }

    @Test func knowsGroupAndRandomAddresses() {
        #expect(HardwareAddress(0x3C, 0x22, 0xFB, 0x10, 0x00, 0x11).isUnicast)
        #expect(!HardwareAddress(0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF).isUnicast)
        #expect(!HardwareAddress(0x01, 0x00, 0x5E, 0x00, 0x00, 0x01).isUnicast)
        #expect(HardwareAddress(0x02, 0x5B, 0x26, 0xA8, 0xDC, 0x12).isLocallyAdministered)
        #expect(!HardwareAddress(0xB8, 0x27, 0xEB, 0x10, 0x00, 0x12).isLocallyAdministered)
    }
}
