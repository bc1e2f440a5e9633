import Foundation
import NetworkAddresses
import Testing

/// `MACAddress(_:)` reads text byte by byte for speed; it must agree, on every spelling good or bad,
/// with the plain string-based reading below (the one the project used before).
@Suite("MAC spellings: the byte-level reading agrees with a string-based reference")
struct MACAddressSpellingTests {
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

    /// The reference: split on the separator, pad single digits, lower-case.
    static func reference(_ text: String) -> String? {
        let text = text.trimmingCharacters(in: .whitespaces).lowercased()
        let groups: [Substring]
        if text.contains(":") {
            groups = text.split(separator: ":", omittingEmptySubsequences: false)
        } else if text.contains("-") {
            groups = text.split(separator: "-", omittingEmptySubsequences: false)
        } else if text.contains(".") {
            let words = text.split(separator: ".", omittingEmptySubsequences: false)
            guard words.count == 3, words.allSatisfy({ $0.count == 4 }) else { return nil }
            groups = words.flatMap { [$0.prefix(2), $0.suffix(2)] }
        } else {
            guard text.count == 12 else { return nil }
            let characters = Array(text)
            groups = stride(from: 0, to: 12, by: 2).map { Substring(String(characters[$0..<$0 + 2])) }
        }
        guard groups.count == 6 else { return nil }
        var bytes: [String] = []
        for group in groups {
            guard (1...2).contains(group.count), group.allSatisfy({ $0.isHexDigit && $0.isASCII }) else { return nil }
            bytes.append(group.count == 1 ? "0\(group)" : String(group))
        }
        return bytes.joined(separator: ":")
    }

    @Test("agrees on ASCII spellings")
    func agrees() {
        for text in Self.spellings {
            #expect(MACAddress.normalized(text) == Self.reference(text), "\(text.debugDescription)")
        }
    }

    @Test(
        "Unicode blanks around a MAC are dropped; non-ASCII digits are no MAC",
        arguments: [
            ("\u{00A0}aa:bb:cc:dd:ee:ff", "aa:bb:cc:dd:ee:ff"), ("aa:bb:cc:dd:ee:ﬀ", nil), ("ａａ:bb:cc:dd:ee:ff", nil),
        ] as [(String, String?)])
    func unicode(text: String, expected: String?) {
        #expect(MACAddress.normalized(text) == expected)
    }
}
