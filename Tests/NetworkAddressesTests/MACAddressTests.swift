import NetworkAddresses
import Testing

struct MACAddressTests {
    @Test func spellsLowerCaseWithColons() {
        #expect(MACAddress(0x3C, 0x22, 0xFB, 0x10, 0x00, 0x11).description == "3c:22:fb:10:00:11")
        #expect(MACAddress(0, 0, 0, 0, 0, 0x0a).description == "00:00:00:00:00:0a")
        #expect(MACAddress(rawValue: 0xffff_ffff_ffff)?.description == "ff:ff:ff:ff:ff:ff")
        #expect(MACAddress(rawValue: 0x1_0000_0000_0000) == nil)
        #expect(MACAddress(0x3C, 0x22, 0xFB, 0x10, 0x00, 0x11).upperHex == "3C22FB100011")
    }

    @Test func readsItsOwnSpellingBack() {
        let mac = MACAddress(0x02, 0x5B, 0x26, 0xA8, 0xDC, 0x12)
        #expect(MACAddress(mac.description) == mac)
        #expect(MACAddress("02-5B-26-A8-DC-12") == mac)
        #expect(MACAddress("2:5b:26:a8:dc:12") == mac)
        for bad in ["", "02:5b:26:a8:dc", "02:5b:26:a8:dc:12:00", "02:5b:26:a8:dc:1g", "+2:5b:26:a8:dc:12", "002:5b:26:a8:dc:12"] {
            #expect(MACAddress(bad) == nil, "\(bad)")
        }
    }

    @Test func knowsGroupRandomAndZeroAddresses() {
        #expect(MACAddress(0x3C, 0x22, 0xFB, 0x10, 0x00, 0x11).isUnicast)
        #expect(!MACAddress(0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF).isUnicast)
        #expect(!MACAddress(0x01, 0x00, 0x5E, 0x00, 0x00, 0x01).isUnicast)
        #expect(MACAddress(0x02, 0x5B, 0x26, 0xA8, 0xDC, 0x12).isLocallyAdministered)
        #expect(!MACAddress(0xB8, 0x27, 0xEB, 0x10, 0x00, 0x12).isLocallyAdministered)
        #expect(MACAddress("00:00:00:00:00:00")?.isZero == true)
        #expect(MACAddress(0, 0, 0, 0, 0, 1).isZero == false)
    }

    @Test func ordersByValue() {
        #expect(MACAddress(0, 0, 0, 0, 0, 1) < MACAddress(0, 0, 0, 0, 1, 0))
    }
}
