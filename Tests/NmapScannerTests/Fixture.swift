import Foundation

/// Files captured from real nmap runs on the test LAN (see Fixtures/README.md).
enum Fixture {
    /// Every nmap output among the fixtures, the ones nmap would never write included.
    static let documents = [
        "root-fast.xml", "root-sn.xml", "root-sn-verbose.xml", "unprivileged-fast.xml", "netraw-privileged-sn.xml",
        "root-sn-hostname-target.xml", "root-sn-odd-names.xml", "derived-odd-names.xml", "derived-table-edges.xml",
        "nmap-error-empty-exclude.xml", "nmap-error-bad-ports.xml", "truncated-fast.xml", "garbage.bin",
    ]

    static func url(_ name: String) -> URL {
        Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent(name)
    }

    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: url(name)))
    }

    static func text(_ name: String) throws -> String {
        String(decoding: try bytes(name), as: UTF8.self)
    }
}
