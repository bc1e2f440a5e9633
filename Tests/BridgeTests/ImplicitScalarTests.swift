import Testing
import Yams

@testable import Bridge

/// The hand-written implicit typing agrees with Yams' default (regex) resolver.
@Suite struct ImplicitScalarTests {
    static let corpus: [String] = [
        "", "~", "null", "Null", "NULL", "nul", "yes", "Yes", "YES", "yEs", "no", "on", "OFF", "true", "False", "y", "n",
        "0", "5", "-5", "+5", "12_000", "0b101", "0b", "0x1F", "0xg", "017", "019", "0o17", "1:30", "1:30:00", "00:03:00", "1:75",
        "1.5", "-1.5", "1.", "1e5", "1.5e-3", "1e", ".5", ".5e+3", ".5e3", ".inf", "-.Inf", "+.INF", ".nan", ".NaN", "1:30.5",
        "<<", "=", "2026-11-26", "2026-11-26T15:00:00Z", "2026-1-2 3:04:05.5 +01:00", "2026-11-26t15:00:00",
        "192.168.1.0/24", "198.18.42.1", "localhost", "aa:bb:cc:dd:ee:ff", "nmap2mqtt", "-F --host-timeout 5s", "3m", "90s",
        "1h30m", "v5", "3.1.1", "5.0", "abc", "a b", "+", "-", ".", "_", "1_", "0x", "+0", "-0", "1__2",
    ]

    @Test("matches Yams' default resolver", arguments: corpus)
    func matchesYams(_ text: String) {
        #expect(ImplicitScalar.type(of: text) == Resolver.default.resolveTag(of: Node(text)), "\(text)")
    }
}
