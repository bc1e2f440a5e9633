import Foundation

/// What a test broker runs with: a config template (one listener per scenario, checked in under
/// `Tests/TestSupport/MosquittoConfigs/`), the values of its placeholders, and the files it needs.
///
/// The harness always fills in `{{PORT}}` and `{{DIR}}` (the broker's own directory, where
/// ``files`` and the password file are written).
public struct MosquittoBrokerConfig: Sendable {
    public enum Template: Sendable {
        /// A template shipped with TestSupport, by name without `.conf`: `anonymous`, `password`, `tls`, `acl`.
        case bundled(String)
        /// Config text with `{{NAME}}` placeholders.
        case text(String)
    }

    public var template: Template
    /// Values for placeholders other than `{{PORT}}` and `{{DIR}}`. Default: none.
    public var values: [String: String]
    /// Files to write into the broker's directory before it starts, by name. Default: none.
    public var files: [String: String]
    /// Users for `{{DIR}}/passwords`, made with `mosquitto_passwd`; none: no password file. Default: none.
    public var users: [String: String]
    /// Lines appended to the config (e.g. `max_packet_size 1000`). Default: none.
    public var extraLines: [String]

    public init(
        template: Template, values: [String: String] = [:], files: [String: String] = [:],
        users: [String: String] = [:], extraLines: [String] = []
    ) {
        self.template = template
        self.values = values
        self.files = files
        self.users = users
        self.extraLines = extraLines
    }

    /// Anonymous MQTT (3.1.1 and 5) on loopback.
    public static var anonymous: MosquittoBrokerConfig { .init(template: .bundled("anonymous")) }

    /// Only these users, with these passwords.
    public static func password(users: [String: String]) -> MosquittoBrokerConfig {
        .init(template: .bundled("password"), users: users)
    }

    /// TLS with ``TestCertificates``; with `requireClientCertificate`, clients must present one the test CA signed.
    public static func tls(_ certificates: TestCertificates, requireClientCertificate: Bool = false) -> MosquittoBrokerConfig {
        .init(
            template: .bundled("tls"),
            values: [
                "CA_FILE": certificates.caFile,
                "CERT_FILE": certificates.serverCertificateFile,
                "KEY_FILE": certificates.serverKeyFile,
                "REQUIRE_CERTIFICATE": requireClientCertificate ? "true" : "false",
            ])
    }

    /// Anonymous MQTT with these mosquitto ACL rules (`topic readwrite a/#`, `topic read b/#`, ...).
    public static func acl(_ rules: String) -> MosquittoBrokerConfig {
        .init(template: .bundled("acl"), files: ["acl": rules])
    }

    /// The same, with more config lines.
    public func adding(_ lines: String...) -> MosquittoBrokerConfig {
        var copy = self
        copy.extraLines += lines
        return copy
    }

    /// The config text with every placeholder filled in.
    func render(port: Int, directory: String) throws -> String {
        var text: String
        switch template {
        case .text(let given):
            text = given
        case .bundled(let name):
            guard let url = Bundle.module.url(forResource: name, withExtension: "conf", subdirectory: "MosquittoConfigs"),
                let contents = try? String(contentsOf: url, encoding: .utf8)
            else {
                throw HarnessError(
                    "no broker config template \"\(name).conf\" in TestSupport's MosquittoConfigs; expected anonymous, password, tls or acl")
            }
            text = contents
        }
        for (name, value) in values.merging(["PORT": "\(port)", "DIR": directory], uniquingKeysWith: { $1 }) {
            text = text.replacingOccurrences(of: "{{\(name)}}", with: value)
        }
        if let range = text.range(of: #"\{\{[A-Z_]+\}\}"#, options: .regularExpression) {
            throw HarnessError(
                "the broker config template \(template) has a placeholder with no value: \(text[range]); give it in MosquittoBrokerConfig.values")
        }
        return text + "\n" + extraLines.joined(separator: "\n") + "\n"
    }
}
