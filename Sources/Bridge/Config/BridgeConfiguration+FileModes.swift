import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension BridgeConfiguration {
    /// Warnings about who else may read or change the files this configuration came from: a password
    /// readable by every user, or a file anyone may rewrite (whoever writes the config or `nmap_path`
    /// runs programs as the bridge's user). Empty when all is well.
    public func fileWarnings(environment: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
        var warnings: [String] = []
        let passwordInConfig = mqtt.connection.password != nil && mqtt.passwordFile == nil && environment["NMAP2MQTT_MQTT_PASSWORD"] == nil
        if let configFile {
            warnings += Self.exposure(of: configFile, what: "the configuration file", holdsPassword: passwordInConfig)
        }
        if let passwordFile = mqtt.passwordFile {
            warnings += Self.exposure(of: passwordFile, what: "mqtt.password_file", holdsPassword: true)
        }
        return warnings
    }

    static func exposure(of path: String, what: String, holdsPassword: Bool) -> [String] {
        var status = stat()
        guard stat(path, &status) == 0 else { return [] }
        let mode = status.st_mode & 0o777
        let octal = "0" + String(mode, radix: 8)
        var warnings: [String] = []
        if mode & 0o002 != 0 {
            warnings.append(
                "\(what) \(path) is writable by every user (mode \(octal)): anyone on this machine can make the bridge run "
                    + "programs as its user; expected chmod o-w \(path)")
        }
        if holdsPassword, mode & 0o004 != 0 {
            warnings.append(
                "\(what) \(path) holds the MQTT password and is readable by every user (mode \(octal)); expected "
                    + "chmod o-r \(path) (0640 with the bridge's group, or 0600)")
        }
        return warnings
    }
}
