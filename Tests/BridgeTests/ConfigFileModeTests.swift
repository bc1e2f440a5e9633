import Foundation
import Testing

@testable import Bridge

/// Who else may read the password or rewrite the configuration: `check-config` and `run` warn.
@Suite("Configuration: file modes")
struct ConfigFileModeTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var passwordInConfig: Bool
        var configMode: Int
        var passwordFileMode: Int?
        var expected: [String]
        var testDescription: String { name }
    }

    @Test(
        "warnings name the file, its mode and the fix",
        arguments: [
            Case(name: "0640 config with a password: quiet", passwordInConfig: true, configMode: 0o640, expected: []),
            Case(name: "0644 config without a password: quiet", passwordInConfig: false, configMode: 0o644, expected: []),
            Case(
                name: "0644 config with a password", passwordInConfig: true, configMode: 0o644,
                expected: ["holds the MQTT password and is readable by every user (mode 0644); expected chmod o-r"]),
            Case(
                name: "0666 config without a password", passwordInConfig: false, configMode: 0o666,
                expected: ["is writable by every user (mode 0666)"]),
            Case(
                name: "0604 password file", passwordInConfig: false, configMode: 0o600, passwordFileMode: 0o604,
                expected: ["mqtt.password_file", "readable by every user (mode 0604)"]),
            Case(name: "0600 password file: quiet", passwordInConfig: false, configMode: 0o600, passwordFileMode: 0o600, expected: []),
        ])
    func modes(_ scenario: Case) throws {
        let directory = try ConfigTestDirectory()
        defer { directory.remove() }
        var yaml = "scan: {hosts: 192.0.2.0/24}\n"
        if scenario.passwordInConfig { yaml += "mqtt: {username: u, password: secret-text}\n" }
        if let mode = scenario.passwordFileMode {
            let file = try directory.write("password", "secret-text")
            chmod(file, mode_t(mode))
            yaml += "mqtt: {username: u, password_file: password}\n"
        }
        let config = try directory.write("config.yaml", yaml)
        chmod(config, mode_t(scenario.configMode))
        let warnings = try BridgeConfiguration.load(path: config, environment: [:]).fileWarnings(environment: [:])
        if scenario.expected.isEmpty {
            #expect(warnings.isEmpty)
        } else {
            #expect(warnings.count == 1, "\(warnings)")
            for part in scenario.expected {
                #expect(warnings.first?.contains(part) == true, "\(warnings)")
            }
            #expect(warnings.allSatisfy { !$0.contains("secret-text") })
        }
    }

    @Test("a password from NMAP2MQTT_MQTT_PASSWORD is not in the file: a readable file is no warning")
    func passwordFromEnvironment() throws {
        let directory = try ConfigTestDirectory()
        defer { directory.remove() }
        let config = try directory.write("config.yaml", "scan: {hosts: 192.0.2.0/24}\nmqtt: {username: u}\n")
        chmod(config, 0o644)
        let environment = ["NMAP2MQTT_MQTT_PASSWORD": "from-env"]
        let configuration = try BridgeConfiguration.load(path: config, environment: environment)
        #expect(configuration.mqtt.connection.password == "from-env")
        #expect(configuration.fileWarnings(environment: environment).isEmpty)
    }
}
