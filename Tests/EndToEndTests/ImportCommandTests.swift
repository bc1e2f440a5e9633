import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `nmap2mqtt import` through the real executable: what it prints, what it writes, and its exit status
/// for each kind of failure (sysexits: 65 bad data, 66 no input, 70 software, 78 configuration).
@Suite("nmap2mqtt import through the executable")
struct ImportCommandTests {
    static let known = """
        annas_iphone:
          name: Anna's iPhone
          mac: EA:AA:55:E7:C6:94
          icon: mdi:cellphone
          picture: /local/anna.png
          track: true
          hide_if_away: false
          consider_home: 0:03:00
        printer:
          name: null
          mac: 00:11:22:33:44:55
          track: false
        anna_owntracks:
          name: Anna (OwnTracks)
          mac:
          track: true

        """

    /// A scratch directory with known_devices.yaml in it; removed after `body`.
    private func withDirectory(_ body: (String) async throws -> Void) async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Self.known.write(toFile: directory + "/known_devices.yaml", atomically: true, encoding: .utf8)
        try await body(directory)
    }

    @Test("prints a devices: list, with notes about what it left out; exit 0")
    func prints() async throws {
        try await withDirectory { directory in
            let result = try await Daemon.run(["import", directory + "/known_devices.yaml"], directory: directory)
            #expect(result.status == 0, "\(result.output)")
            #expect(
                result.output.contains(
                    """
                    devices:
                      - mac: ea:aa:55:e7:c6:94
                        name: Anna's iPhone
                        consider_home: 180
                      - mac: 00:11:22:33:44:55
                        name: Printer
                        track: false

                    """))
            #expect(result.output.contains("known_devices.yaml:13: anna_owntracks: has no mac"))
        }
    }

    @Test("bad content exits 65 with the line; a missing file exits 66")
    func badInput() async throws {
        try await withDirectory { directory in
            let bad = directory + "/bad.yaml"
            try "phone:\n  name: Phone\n  mac: 3c:22:fb:10:00:11\n  track: true\nprinter:\n  name: Printer\n  mac: zz\n"
                .write(toFile: bad, atomically: true, encoding: .utf8)
            let result = try await Daemon.run(["import", bad], directory: directory)
            #expect(result.status == 65)
            #expect(
                result.output
                    == "nmap2mqtt: \(bad):7: printer.mac: \"zz\" is not a MAC address; expected six hex bytes such as aa:bb:cc:dd:ee:ff (AA-BB-CC-DD-EE-FF, aabb.ccdd.eeff and aabbccddeeff also work)\n"
            )

            let syntax = directory + "/syntax.yaml"
            try "phone:\n  name: \"Phone\n".write(toFile: syntax, atomically: true, encoding: .utf8)
            #expect(try await Daemon.run(["import", syntax], directory: directory).status == 65)

            let missing = try await Daemon.run(["import", directory + "/absent.yaml"], directory: directory)
            #expect(missing.status == 66)
            #expect(missing.output.contains("absent.yaml: cannot be read: No such file or directory"))
        }
    }

    @Test("--into adds the new devices, and the file still passes check-config; a second run changes nothing")
    func into() async throws {
        try await withDirectory { directory in
            let config = directory + "/config.yaml"
            let original = "# my bridge\nscan:\n  hosts: 192.0.2.0/24   # the LAN\ndevices:\n  - mac: ea:aa:55:e7:c6:94\n    name: Anna\n"
            try original.write(toFile: config, atomically: true, encoding: .utf8)
            chmod(config, 0o640)
            let result = try await Daemon.run(["import", directory + "/known_devices.yaml", "--into", config], directory: directory)
            #expect(result.status == 0, "\(result.output)")
            #expect(result.output.contains("config.yaml: added 1 device under devices:; 1 already listed, kept as they were"))
            #expect(result.output.contains("config.yaml:5: ea:aa:55:e7:c6:94 is already listed; kept your entry, not annas_iphone"))
            let written = try String(contentsOfFile: config, encoding: .utf8)
            #expect(written.hasPrefix(original + "  # Imported by nmap2mqtt import from Home Assistant's device list "))
            #expect(written.hasSuffix("\n  - mac: 00:11:22:33:44:55\n    name: Printer\n    track: false\n"))
            var status = stat()
            #expect(stat(config, &status) == 0 && status.st_mode & 0o777 == 0o640)
            #expect(try await Daemon.run(["check-config", "--config", config], directory: directory).status == 0)

            let again = try await Daemon.run(["import", directory + "/known_devices.yaml", "--into", config], directory: directory)
            #expect(again.status == 0)
            #expect(again.output.contains("config.yaml: unchanged; every device is already listed"))
            #expect(try String(contentsOfFile: config, encoding: .utf8) == written)
        }
    }

    @Test("--into writes nothing when the configuration is invalid (78) or the edit would not read back (70)")
    func intoRefuses() async throws {
        try await withDirectory { directory in
            for (text, expected) in [
                ("scan:\n  hosts: 192.0.2.0/24\nmqtt:\n  port: 70000\n", Int32(78)),
                ("scan:\n  hosts: 192.0.2.0/24\ndevices: [{mac: \"02:00:00:00:00:09\"}]\n", 78),
                ("scan:\n  hosts: 192.0.2.0/24\n...\n", 70),
            ] {
                let config = directory + "/config.yaml"
                try text.write(toFile: config, atomically: true, encoding: .utf8)
                let result = try await Daemon.run(["import", directory + "/known_devices.yaml", "--into", config], directory: directory)
                #expect(result.status == expected, "\(text): \(result.output)")
                #expect(result.output.contains("nmap2mqtt: \(config)"), "\(result.output)")
                #expect(try String(contentsOfFile: config, encoding: .utf8) == text)
                #expect(!(try FileManager.default.contentsOfDirectory(atPath: directory)).contains { $0.contains(".import-") })
            }
        }
    }
}
