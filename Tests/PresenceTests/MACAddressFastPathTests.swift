import Testing
@testable import Presence

/// `MACAddress.normalized` reads ASCII byte by byte for speed; it must agree with the string-based
/// reading it replaced on every spelling, good or bad.
@Suite("MAC normalization: the byte-level path agrees with the string-based one")
struct MACAddressFastPathTests {
    static let spellings: [String] = {
        var list = [
            "AA:BB:CC:DD:EE:FF", "aa-bb-cc-dd-ee-ff", "aabb.ccdd.eeff", "AABBCCDDEEFF", "a:b:c:d:e:f", "0:1:2:3:4:5",
            " aa:bb:cc:dd:ee:ff\t", "\taabbccddeeff ", "aa:bb:cc:dd:ee", "aa:bb:cc:dd:ee:ff:00", "gg:bb:cc:dd:ee:ff", "",
            " ", "aa::cc:dd:ee:ff", ":aa:bb:cc:dd:ee", "aa:bb:cc:dd:ee:", "aaa:bb:cc:dd:ee:ff", "aa-bb:cc-dd:ee-ff",
            "aa:bb-cc:dd:ee:ff", "aa-bb-cc-dd-ee", "aabb.ccdd.eef", "aabb.ccdd.eeff.", "aab.bccdd.eeff", "aabbccddeef",
            "aabbccddeeff0", "AaBb.CcDd.EeFf", "aa.bb.cc.dd.ee.ff", "3C:22:FB:10:00:11", "02-5B-26-A8-DC-12",
            "aa bb cc dd ee ff", "aa:bb:cc:dd:ee:fg", "\naa:bb:cc:dd:ee:ff", "aa:bb:cc:dd:ee:ff\n", "-", ".", ":",
            "aa:bb:cc:dd:ee:ff ", "  AABB.CCDD.EEFF  ", "a-b-c-d-e-f", "aa-bb-cc-dd-ee-f", "1:23:45:67:89:ab",
        ]
        // Every short string over the characters that matter, to reach odd combinations.
        let alphabet: [Character] = ["a", "F", "0", ":", "-", ".", " ", "g"]
        var words: [String] = [""]
        for _ in 0..<4 {
            words = words.flatMap { word in alphabet.map { word + String($0) } }
            list += words
        }
        return list
    }()

    @Test("agrees on ASCII spellings")
    func agrees() {
        for text in Self.spellings {
            #expect(MACAddress.normalized(text) == MACAddress.normalizedUnicode(text), "\(text.debugDescription)")
        }
    }

    @Test("non-ASCII text takes the string-based path", arguments: ["\u{00A0}aa:bb:cc:dd:ee:ff", "aa:bb:cc:dd:ee:ﬀ", "ａａ:bb:cc:dd:ee:ff"])
    func unicode(text: String) {
        #expect(MACAddress.normalized(text) == MACAddress.normalizedUnicode(text))
    }

    @Test("device ids drop the colons")
    func deviceIDs() {
        #expect(MACAddress.deviceID(forMAC: "3c:22:fb:10:00:11") == "3c22fb100011")
    }
}
