import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Certificates for TLS tests, made with `openssl` once per test run in a temporary directory
/// (readable by the `mosquitto` user, which a broker started as root drops to): a CA, a server
/// certificate it signs for 127.0.0.1 and localhost (subjectAltName), a client certificate it signs,
/// and a second, unrelated CA that signs nothing the broker presents (for refusal tests).
/// EC P-256 keys, valid two days.
public struct TestCertificates: Sendable {
    public let directory: String
    public var caFile: String { directory + "/ca.crt" }
    public var serverCertificateFile: String { directory + "/server.crt" }
    public var serverKeyFile: String { directory + "/server.key" }
    public var clientCertificateFile: String { directory + "/client.crt" }
    public var clientKeyFile: String { directory + "/client.key" }
    /// A CA that did not sign the broker's certificate.
    public var unrelatedCAFile: String { directory + "/unrelated-ca.crt" }

    private static let cache = Mutex<Task<TestCertificates, any Error>?>(nil)

    /// The certificates of this test run, made on first use.
    public static func shared() async throws -> TestCertificates {
        let task = cache.withLock { cached in
            if let cached { return cached }
            let task = Task { try await make() }
            cached = task
            return task
        }
        return try await task.value
    }

    private static func make() async throws -> TestCertificates {
        removeStaleDirectories()
        let directory = NSTemporaryDirectory() + "nmap2mqtt-test-certs-\(getpid())"
        try? FileManager.default.removeItem(atPath: directory)
        try FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o755])
        let certificates = TestCertificates(directory: directory)
        let key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        for (name, subject) in [("ca", "nmap2mqtt test CA"), ("unrelated-ca", "nmap2mqtt unrelated test CA")] {
            try await ChildProcess.run(
                "openssl",
                ["req", "-x509"] + key + [
                    "-keyout", "\(directory)/\(name).key", "-out", "\(directory)/\(name).crt", "-days", "2", "-subj", "/CN=\(subject)",
                    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
                ])
        }
        let leaves = [
            ("server", "localhost", "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n"),
            ("client", "nmap2mqtt test client", "extendedKeyUsage=clientAuth\n"),
        ]
        for (name, subject, extensions) in leaves {
            let extensionFile = "\(directory)/\(name).ext"
            try ("basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n" + extensions)
                .write(toFile: extensionFile, atomically: true, encoding: .utf8)
            try await ChildProcess.run(
                "openssl",
                ["req"] + key + [
                    "-keyout", "\(directory)/\(name).key", "-out", "\(directory)/\(name).csr", "-subj", "/CN=\(subject)",
                ])
            try await ChildProcess.run(
                "openssl",
                [
                    "x509", "-req", "-in", "\(directory)/\(name).csr", "-CA", certificates.caFile, "-CAkey", "\(directory)/ca.key",
                    "-CAcreateserial", "-out", "\(directory)/\(name).crt", "-days", "2", "-extfile", extensionFile,
                ])
        }
        for file in try FileManager.default.contentsOfDirectory(atPath: directory) {
            chmod("\(directory)/\(file)", 0o644)
        }
        return certificates
    }

    /// Removes the directories of earlier test runs whose process is gone.
    private static func removeStaleDirectories() {
        let parent = NSTemporaryDirectory()
        let prefix = "nmap2mqtt-test-certs-"
        for name in (try? FileManager.default.contentsOfDirectory(atPath: parent)) ?? [] where name.hasPrefix(prefix) {
            if let pid = pid_t(name.dropFirst(prefix.count)), kill(pid, 0) != 0, errno == ESRCH {
                try? FileManager.default.removeItem(atPath: parent + name)
            }
        }
    }
}
