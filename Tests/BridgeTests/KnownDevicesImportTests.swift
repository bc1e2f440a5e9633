import Foundation
import TestSupport
import Testing

@testable import Bridge

#if canImport(Glibc)
import Glibc
#endif

/// `nmap2mqtt import`: Home Assistant's known_devices.yaml read as `devices:` entries, printed so the
/// configuration parser reads them back, and merged into a configuration file's text.
@Suite("Import of Home Assistant's known_devices.yaml")
struct KnownDevicesImportTests {
    /// What Home Assistant writes (name, mac, icon, picture, track; hide_if_away and vendor from older
    /// versions), plus what users add by hand: consider_home in its three forms, a null name, a GPS
    /// tracker without a MAC and a Bluetooth tracker.
    static let fixture = """
        annas_iphone:
          name: Anna's iPhone
          mac: EA:AA:55:E7:C6:94
          icon: mdi:cellphone
          picture: /local/anna.png
          track: true
          hide_if_away: false
          consider_home: 0:03:00

        bens_pixel:
          name: Ben's Pixel 7
          mac: 3C:22:FB:10:00:11
          icon:
          picture:
          track: true
          consider_home: 600

        printer:
          name: null
          mac: 00:11:22:33:44:55
          track: false

        anna_owntracks:
          name: Anna (OwnTracks)
          mac:
          icon:
          picture:
          track: true

        headphones:
          name: Headphones
          mac: BT_00:1A:7D:DA:71:13
          track: true

        living_room_tv:
          name: 'Living room TV #2'
          mac: a4-50-46-12-34-56
          gravatar: tv@example.com
          vendor: LG Electronics
          track: yes
          consider_home:
            minutes: 5

        """

    static let scan = "scan:\n  hosts: 192.0.2.0/24\n"

    private func config(_ yaml: String) throws -> BridgeConfiguration {
        try BridgeConfiguration.parse(yaml: yaml, configDirectory: "/etc/nmap2mqtt", environment: [:])
    }

    private func merge(_ known: String, into configText: String) throws -> ConfigMergeOutcome {
        let devices = try KnownDevices.read(known).devices
        return try ConfigDevicesMerge.merge(devices, into: configText, configDirectory: "/etc/nmap2mqtt", environment: [:], comment: "imported")
    }

    private func importError<T>(_ body: () throws -> T) -> ImportError? {
        do {
            _ = try body()
            return nil
        } catch let error as ImportError {
            return error
        } catch {
            Issue.record("unexpected error \(error)")
            return nil
        }
    }

    // MARK: - Reading known_devices.yaml

    @Test("a realistic file: the devices nmap can see, with names, consider_home and track")
    func realisticFile() throws {
        let result = try KnownDevices.read(Self.fixture)
        #expect(
            result.entries == [
                DeviceEntry(mac: "ea:aa:55:e7:c6:94", name: "Anna's iPhone", considerHome: .seconds(180)),
                DeviceEntry(mac: "3c:22:fb:10:00:11", name: "Ben's Pixel 7", considerHome: .seconds(600)),
                DeviceEntry(mac: "00:11:22:33:44:55", name: "Printer", track: false),
                DeviceEntry(mac: "a4:50:46:12:34:56", name: "Living room TV #2", considerHome: .seconds(300)),
            ])
        #expect(result.devices.map(\.slug) == ["annas_iphone", "bens_pixel", "printer", "living_room_tv"])
        #expect(result.devices.map(\.line) == [1, 10, 18, 35])
        #expect(result.notes.map(\.line) == [19, 23, 32])
        #expect(result.notes[0].message == "printer: has no name; named \"Printer\" after its id")
        #expect(result.notes[1].message.contains("anna_owntracks: has no mac"))
        #expect(result.notes[1].message.hasSuffix("skipped"))
        #expect(result.notes[2].message.contains("headphones: mac \"BT_00:1A:7D:DA:71:13\" is a Bluetooth address"))
    }

    @Test("the file is read from disk; a missing file is unreadable, not bad content")
    func loadsFromDisk() throws {
        let directory = try ConfigTestDirectory()
        defer { directory.remove() }
        let file = try directory.write("known_devices.yaml", Self.fixture)
        #expect(try KnownDevices.load(path: file).entries.count == 4)
        #expect(importError { try KnownDevices.load(path: directory.path + "/absent.yaml") }?.kind == .unreadable)
        try directory.makeDirectory("folder.yaml")
        #expect(importError { try KnownDevices.load(path: directory.path + "/folder.yaml") }?.kind == .unreadable)
        let latin1 = directory.path + "/latin1.yaml"
        try Data([0x61, 0x3A, 0x20, 0xE9, 0x0A]).write(to: URL(fileURLWithPath: latin1))
        #expect(importError { try KnownDevices.load(path: latin1) }?.kind == .badKnownDevices)
    }

    @Test(
        "a null, missing or blank name becomes the id made readable",
        arguments: [
            "  name: null\n", "  name:\n", "  name: \"  \"\n", "",
        ])
    func nullName(_ nameLine: String) throws {
        let result = try KnownDevices.read("living_room_tv:\n\(nameLine)  mac: a4:50:46:12:34:56\n  track: true\n")
        #expect(result.entries == [DeviceEntry(mac: "a4:50:46:12:34:56", name: "Living room tv")])
        #expect(result.notes.count == 1)
        #expect(result.notes[0].message.contains("named \"Living room tv\" after its id"))
        #expect(result.notes[0].line == (nameLine.isEmpty ? 1 : 2))
    }

    @Test("readable names keep the old entity id when Home Assistant slugifies them")
    func readableNames() {
        #expect(KnownDevices.readableName("annas_iphone") == "Annas iphone")
        #expect(KnownDevices.readableName("phone_2") == "Phone 2")
        #expect(KnownDevices.readableName("tv__den_") == "Tv den")
        #expect(KnownDevices.readableName("_") == nil)
        #expect(KnownDevices.readableName("") == nil)
    }

    @Test("a device without mac, or with nothing at all, is skipped with a note naming its line")
    func missingMAC() throws {
        let result = try KnownDevices.read(
            """
            phone:
              name: Phone
              mac: 3c:22:fb:10:00:11
              track: true
            gps_only:
              name: GPS
              track: true
            empty_entry:
            null_mac:
              name: Null
              mac: null
              track: true
            """)
        #expect(result.entries.map(\.mac) == ["3c:22:fb:10:00:11"])
        #expect(result.notes.map(\.line) == [5, 8, 9])
        #expect(result.notes[0].message == "gps_only: has no mac (a GPS or app tracker, which nmap cannot see); skipped")
        #expect(result.notes[1].message.contains("empty_entry: has no settings"))
        #expect(result.notes[2].message.contains("null_mac: has no mac"))
    }

    @Test("a mac that is no MAC is an error with its line; every mistake is reported at once")
    func badMAC() throws {
        let error = try #require(
            importError {
                try KnownDevices.read(
                    """
                    phone:
                      name: Phone
                      mac: 3c:22:fb:10:00:11
                      track: true
                    printer:
                      name: Printer
                      mac: zz
                      track: true
                    tablet:
                      name: Tablet
                      mac: [1, 2]
                      track: maybe
                    """)
            })
        #expect(error.kind == .badKnownDevices)
        #expect(error.issues.map(\.line) == [7, 11])
        #expect(
            error.issues[0].located(in: "known_devices.yaml").hasPrefix(
                "known_devices.yaml:7: printer.mac: \"zz\" is not a MAC address; expected six hex bytes such as aa:bb:cc:dd:ee:ff"))
        #expect(error.issues[1].message.hasPrefix("tablet.mac: a list is not a single value"))
    }

    @Test("a placeholder all-zero MAC is skipped, not imported")
    func zeroMAC() throws {
        let result = try KnownDevices.read("homer:\n  name: Homer\n  mac: 00:00:00:00:00:00\n  track: true\n")
        #expect(result.entries.isEmpty)
        #expect(result.notes.first?.message.contains("placeholder") == true)
    }

    @Test("a MAC listed twice keeps the first device and names both lines")
    func duplicates() throws {
        let result = try KnownDevices.read(
            """
            anna:
              name: Anna
              mac: EA:AA:55:E7:C6:94
              track: true
            anna_old:
              name: Anna (old)
              mac: ea-aa-55-e7-c6-94
              track: false
            """)
        #expect(result.entries == [DeviceEntry(mac: "ea:aa:55:e7:c6:94", name: "Anna")])
        #expect(
            result.notes == [
                ImportIssue(
                    line: 7,
                    message: "anna_old: mac ea:aa:55:e7:c6:94 is also the mac of anna (line 1); kept anna, skipped anna_old")
            ])
    }

    @Test("track: Home Assistant's booleans, and its default false when absent")
    func track() throws {
        let result = try KnownDevices.read(
            """
            a:
              name: A
              mac: 02:00:00:00:00:01
              track: on
            b:
              name: B
              mac: 02:00:00:00:00:02
              track: disable
            c:
              name: C
              mac: 02:00:00:00:00:03
              track: 1
            d:
              name: D
              mac: 02:00:00:00:00:04
            """)
        #expect(result.entries.map(\.track) == [true, false, true, false])
        #expect(result.notes.map(\.line) == [13])
        #expect(result.notes[0].message.contains("Home Assistant's default is false"))
        let error = importError { try KnownDevices.read("a:\n  name: A\n  mac: 02:00:00:00:00:01\n  track: maybe\n") }
        #expect(error?.issues == [ImportIssue(line: 4, message: "a.track: \"maybe\" is not true or false; expected true or false")])
    }

    @Test("consider_home: 0, which Home Assistant allows, becomes 1 second; nonsense is an error")
    func considerHome() throws {
        let zero = try KnownDevices.read("a:\n  name: A\n  mac: 02:00:00:00:00:01\n  track: true\n  consider_home: 0\n")
        #expect(zero.entries.first?.considerHome == .seconds(1))
        #expect(zero.notes.map(\.line) == [5])
        for bad in ["soon", "-5", "[1]"] {
            let error = importError { try KnownDevices.read("a:\n  name: A\n  mac: 02:00:00:00:00:01\n  track: true\n  consider_home: \(bad)\n") }
            #expect(error?.kind == .badKnownDevices, "\(bad)")
            #expect(error?.issues.first?.line == 5, "\(bad)")
            #expect(error?.issues.first?.message.hasPrefix("a.consider_home: ") == true, "\(bad)")
        }
    }

    @Test("a YAML syntax error names its line")
    func syntaxError() throws {
        let error = try #require(
            importError {
                try KnownDevices.read("phone:\n  name: Phone\n  mac: 3c:22:fb:10:00:11\nprinter:\n  name: \"Printer\n  mac: 00:11:22:33:44:55\n")
            })
        #expect(error.kind == .badKnownDevices)
        #expect(error.issues.count == 1)
        #expect(error.issues[0].line != nil && error.issues[0].line! >= 5)
        #expect(error.issues[0].message.hasPrefix("YAML syntax error at column"))

        let duplicate = try #require(importError { try KnownDevices.read("phone:\n  name: A\n  mac: 02:00:00:00:00:01\nphone:\n  name: B\n") })
        #expect(duplicate.issues[0].message.contains("\"phone\" appears more than once"))
        #expect(duplicate.issues[0].line != nil)
    }

    @Test(
        "a top level that is not a mapping of devices is an error with its line",
        arguments: [
            ("- name: Phone\n  mac: 3c:22:fb:10:00:11\n", "a list"),
            ("\n\njust some text\n", "\"just some text\""),
            ("phone: [a, b]\n", "phone: a list is not a mapping"),
            ("phone: 5\n", "phone: 5 is not a mapping"),
        ])
    func notAMapping(_ text: String, _ mentions: String) throws {
        let error = try #require(importError { try KnownDevices.read(text) })
        #expect(error.kind == .badKnownDevices)
        #expect(error.issues.count == 1)
        #expect(error.issues[0].line != nil)
        #expect(error.issues[0].message.contains(mentions), "\(error)")
    }

    @Test("an empty file, or one of comments only, holds no devices", arguments: ["", "\n\n", "# nothing yet\n", "{}\n", "~\n"])
    func emptyFile(_ text: String) throws {
        let result = try KnownDevices.read(text)
        #expect(result.devices.isEmpty)
        #expect(result.notes == [ImportIssue(line: nil, message: "holds no devices")])
        #expect(DeviceListText.document(result.entries, header: []) == "devices: []\n")
        #expect(try config(Self.scan + DeviceListText.document(result.entries, header: ["header"])).devices == [])
    }

    // MARK: - Printing

    @Test("the printed list: lower-case MACs, track only when false, consider_home only when set")
    func printedList() throws {
        let entries = try KnownDevices.read(Self.fixture).entries
        let text = DeviceListText.document(entries, header: ["From known_devices.yaml."])
        #expect(
            text == """
                # From known_devices.yaml.
                devices:
                  - mac: ea:aa:55:e7:c6:94
                    name: Anna's iPhone
                    consider_home: 180
                  - mac: 3c:22:fb:10:00:11
                    name: Ben's Pixel 7
                    consider_home: 600
                  - mac: 00:11:22:33:44:55
                    name: Printer
                    track: false
                  - mac: a4:50:46:12:34:56
                    name: "Living room TV #2"
                    consider_home: 300

                """)
        #expect(try config(Self.scan + text).devices == entries)
    }

    static let hostileNames: [String] = [
        "Anna's iPhone", "Printer: upstairs", "TV #2", "#1", "say \"hi\"", "back\\slash", " leading", "trailing ",
        "yes", "No", "null", "~", "123", "0x1F", "1:30", "1.5", "2026-11-26", "-dash", "- item", "&anchor", "*alias",
        "!tag", "%directive", "@at", "`tick`", "[list]", "{map}", "? key", "| pipe", "> fold", "a, b", "two\nlines",
        "tab\there", "bell\u{7}", "nel\u{85}x", "ls\u{2028}ps\u{2029}", "bom\u{FEFF}", "del\u{7F}", "c1\u{9B}x",
        "\u{FFFE}", "Łódź", "日本語の電話", "📱 phone", "e\u{301}", "'single'", "---", "...", "a: b # c",
    ]

    @Test("names with YAML's special characters read back through the configuration parser", arguments: hostileNames)
    func specialNamesRoundTrip(_ name: String) throws {
        let entry = DeviceEntry(mac: "02:00:00:00:00:01", name: name, considerHome: .milliseconds(90_500), track: false)
        let text = DeviceListText.document([entry], header: ["name \(name)"])
        #expect(try config(Self.scan + text).devices == [entry], "\(text)")
    }

    @Test("known_devices.yaml names that need quoting survive read, print and parse")
    func knownDevicesNamesRoundTrip() throws {
        var known = ""
        for (index, name) in Self.hostileNames.enumerated() {
            known +=
                "device_\(index):\n  name: \(DeviceListText.doubleQuoted(name))\n  mac: 02:00:00:00:01:\(String(format: "%02x", index))\n  track: true\n"
        }
        let entries = try KnownDevices.read(known).entries
        #expect(entries.map(\.name) == Self.hostileNames.map(Optional.some))
        #expect(try config(Self.scan + DeviceListText.document(entries, header: [])).devices == entries)
    }

    /// A name never starts with U+FEFF: Yams decodes each scalar with Foundation, which drops a leading
    /// byte order mark, so no name read from a file can start with one.
    @Test("random names read back through the configuration parser")
    func randomNamesRoundTrip() throws {
        var random = SplitMix64(seed: 13)
        let pool: [Unicode.Scalar] =
            Array("aZ09 '\"\\:#-_.,&*!|>?%@`[]{}~\t\n\r".unicodeScalars)
            + ["\u{0}", "\u{1B}", "\u{85}", "\u{A0}", "\u{2028}", "\u{FEFF}", "\u{FFFD}", "é", "ß", "日", "\u{1F4F1}"]
        var entries: [DeviceEntry] = []
        for index in 0..<300 {
            var name = String.UnicodeScalarView()
            for _ in 0..<1 + random.below(12) {
                name.append(pool[random.below(pool.count)])
            }
            let text = String(name)
            guard !text.allSatisfy(\.isWhitespace), !text.hasPrefix("\u{FEFF}") else { continue }
            entries.append(DeviceEntry(mac: String(format: "02:00:00:00:%02x:%02x", index / 256, index % 256), name: text))
        }
        let parsed = try config(Self.scan + DeviceListText.document(entries, header: []))
        #expect(parsed.devices == entries)
    }

    @Test("plain names stay plain")
    func plainNames() {
        for name in ["Anna's iPhone", "Printer 2", "Ben's Pixel 7 (work)", "Łódź", "living-room/tv"] {
            #expect(DeviceListText.scalar(name) == name)
        }
        for name in ["yes", "123", "TV #2", "a: b", "-x", " x", "x "] {
            #expect(DeviceListText.scalar(name).hasPrefix("\""), "\(name)")
        }
    }

    // MARK: - Merging into a configuration

    static let known = """
        annas_iphone:
          name: Anna's iPhone
          mac: EA:AA:55:E7:C6:94
          track: true
          consider_home: 0:03:00
        printer:
          name: "Printer: upstairs"
          mac: 00:11:22:33:44:55
          track: false

        """

    @Test("devices: [] becomes a list; its comment keeps its column and the rest of the file is untouched")
    func mergeIntoEmptyList() throws {
        let configText = """
            # my config
            scan:
              hosts: 192.0.2.0/24   # the LAN

            devices: []              # per-device settings
            #devices:
            #  - mac: aa:bb:cc:dd:ee:ff

            log_level: debug
            """
        let outcome = try merge(Self.known, into: configText)
        #expect(
            outcome.text == """
                # my config
                scan:
                  hosts: 192.0.2.0/24   # the LAN

                devices:                 # per-device settings
                  # imported
                  - mac: ea:aa:55:e7:c6:94
                    name: Anna's iPhone
                    consider_home: 180
                  - mac: 00:11:22:33:44:55
                    name: "Printer: upstairs"
                    track: false
                #devices:
                #  - mac: aa:bb:cc:dd:ee:ff

                log_level: debug
                """)
        #expect(outcome.added.map(\.slug) == ["annas_iphone", "printer"])
        let parsed = try config(outcome.text)
        #expect(parsed.devices == (try KnownDevices.read(Self.known).entries))
        #expect(parsed.logLevel == .debug)
    }

    @Test("config.sample.yaml's devices: [] takes the list and still parses")
    func mergeIntoSample() throws {
        let sample = try String(contentsOfFile: ConfigTests.repositoryRoot + "/config.sample.yaml", encoding: .utf8)
        let outcome = try merge(Self.known, into: sample)
        #expect(try config(outcome.text).devices.count == 2)
        let removed = Set(sample.split(separator: "\n", omittingEmptySubsequences: false)).subtracting(
            outcome.text.split(separator: "\n", omittingEmptySubsequences: false))
        #expect(removed.count == 1 && removed.first!.hasPrefix("devices: []"))
    }

    @Test(
        "an empty devices: key, or devices: null, takes the list", arguments: ["devices:", "devices: null", "devices: ~  # none yet", "devices: [ ]"])
    func mergeIntoNullDevices(_ line: String) throws {
        let outcome = try merge(Self.known, into: Self.scan + line + "\ntrack_new_devices: false\n")
        let parsed = try config(outcome.text)
        #expect(parsed.devices.count == 2)
        #expect(parsed.trackNewDevices == false)
        #expect(outcome.text.hasSuffix("    track: false\ntrack_new_devices: false\n"))
    }

    @Test("an existing list keeps the user's entries; new ones follow its last item, indented like it")
    func mergeIntoExistingList() throws {
        let configText = """
            scan:
              hosts: 192.0.2.0/24
            devices:
                # phones
                -   mac: ea-aa-55-e7-c6-94   # Anna, set by hand
                    name: Anna
                    consider_home: 10m
            # the rest of the file
                -   mac: 02:00:00:00:00:09
                    track: false

            # new devices are announced
            track_new_devices: true

            """
        let outcome = try merge(Self.known, into: configText)
        #expect(
            outcome.text == """
                scan:
                  hosts: 192.0.2.0/24
                devices:
                    # phones
                    -   mac: ea-aa-55-e7-c6-94   # Anna, set by hand
                        name: Anna
                        consider_home: 10m
                # the rest of the file
                    -   mac: 02:00:00:00:00:09
                        track: false
                    # imported
                    -   mac: 00:11:22:33:44:55
                        name: "Printer: upstairs"
                        track: false

                # new devices are announced
                track_new_devices: true

                """)
        #expect(outcome.added.map(\.slug) == ["printer"])
        #expect(outcome.alreadyListed.map(\.device.slug) == ["annas_iphone"])
        #expect(outcome.alreadyListed.first?.configLine == 5)
        let devices = try config(outcome.text).devices
        #expect(devices.first == DeviceEntry(mac: "ea:aa:55:e7:c6:94", name: "Anna", considerHome: .seconds(600)))
        #expect(devices.count == 3)
    }

    @Test("an indentless list (- at the key's column) is extended at that column")
    func mergeIntoIndentlessList() throws {
        let configText = Self.scan + "devices:\n- mac: 02:00:00:00:00:09\n  name: Nine\nlog_level: info\n"
        let outcome = try merge(Self.known, into: configText)
        #expect(
            outcome.text == Self.scan + """
                devices:
                - mac: 02:00:00:00:00:09
                  name: Nine
                # imported
                - mac: ea:aa:55:e7:c6:94
                  name: Anna's iPhone
                  consider_home: 180
                - mac: 00:11:22:33:44:55
                  name: "Printer: upstairs"
                  track: false
                log_level: info

                """)
        #expect(try config(outcome.text).devices.count == 3)
    }

    @Test("without devices:, a list is appended at the end, also to a file without a final line break")
    func mergeWithoutDevicesKey() throws {
        for configText in [Self.scan + "log_level: info\n", Self.scan + "log_level: info"] {
            let outcome = try merge(Self.known, into: configText)
            #expect(outcome.text.hasPrefix(Self.scan + "log_level: info\n\ndevices:\n  # imported\n  - mac: ea:aa:55:e7:c6:94\n"))
            #expect(outcome.text.hasSuffix("    track: false\n"))
            #expect(try config(outcome.text).devices.count == 2)
        }
    }

    @Test("a file with CRLF line endings gets CRLF lines")
    func mergeKeepsCRLF() throws {
        let configText = "scan:\r\n  hosts: 192.0.2.0/24\r\ndevices: []\r\nlog_level: info\r\n"
        let outcome = try merge(Self.known, into: configText)
        #expect(!outcome.text.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
        #expect(outcome.text.hasPrefix("scan:\r\n  hosts: 192.0.2.0/24\r\ndevices:\r\n  # imported\r\n"))
        #expect(try config(outcome.text).devices.count == 2)
    }

    @Test("nothing new: the text is unchanged")
    func mergeNothingNew() throws {
        let configText = Self.scan + "devices:\n  - mac: EA:AA:55:E7:C6:94\n  - mac: 00:11:22:33:44:55\n"
        let outcome = try merge(Self.known, into: configText)
        #expect(outcome.text == configText)
        #expect(outcome.added.isEmpty)
        #expect(outcome.alreadyListed.map(\.configLine) == [4, 5])
    }

    @Test(
        "a flow list, an anchor or a flow top level is refused, not rewritten",
        arguments: [
            "scan:\n  hosts: 192.0.2.0/24\ndevices: [{mac: \"02:00:00:00:00:09\"}]\n",
            "scan:\n  hosts: 192.0.2.0/24\ndevices: [\n  {mac: \"02:00:00:00:00:09\"}]\n",
            "scan:\n  hosts: 192.0.2.0/24\ndevices: &mine []\n",
            "scan:\n  hosts: 192.0.2.0/24\ndevices: !!seq []\n",
            "scan:\n  hosts: 192.0.2.0/24\ndevices:\n  [{mac: \"02:00:00:00:00:09\"}]\n",
            "{scan: {hosts: 192.0.2.0/24}, devices: []}\n",
            "{scan: {hosts: 192.0.2.0/24}}\n",
        ])
    func mergeRefusesLayouts(_ configText: String) throws {
        let error = try #require(importError { try merge(Self.known, into: configText) })
        #expect(error.kind == .cannotEditConfig, "\(error)")
        #expect(error.issues[0].message.contains("nothing was written"))
    }

    @Test("an invalid configuration is refused with the parser's message and line")
    func mergeRefusesInvalidConfig() throws {
        let error = try #require(importError { try merge(Self.known, into: Self.scan + "mqtt:\n  port: 70000\n") })
        #expect(error.kind == .invalidConfig)
        #expect(error.issues == [ImportIssue(line: 4, message: "mqtt.port: 70000 is not a port; expected a whole number from 1 to 65535")])
    }

    @Test("an edit that would not read back the same is refused (a document end marker before the new list)")
    func mergeRefusesWhatWouldBreak() throws {
        let error = try #require(importError { try merge(Self.known, into: Self.scan + "...\n") })
        #expect(error.kind == .wouldBreakConfig)
        #expect(error.issues[0].message.contains("would not pass the configuration check"))
        #expect(error.issues[0].message.contains("nothing was written"))
    }

    @Test("the file is replaced atomically, through a symbolic link, with its mode kept")
    func mergeFile() throws {
        let directory = try ConfigTestDirectory()
        defer { directory.remove() }
        let file = try directory.write("real/config.yaml", Self.scan + "devices: []\n")
        chmod(file, 0o640)
        // As root, a group other than root's (the bridge's group, which must still read the file).
        let group: gid_t = getuid() == 0 ? 65_534 : getgid()
        if getuid() == 0 { chown(file, 0, group) }
        let link = directory.path + "/config.yaml"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: file)
        let devices = try KnownDevices.read(Self.known).devices
        let outcome = try ConfigDevicesMerge.mergeFile(devices, path: link, environment: [:], comment: "imported")
        #expect(outcome.added.count == 2)
        #expect(try String(contentsOfFile: file, encoding: .utf8) == outcome.text)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == file)
        var status = stat()
        #expect(stat(file, &status) == 0 && status.st_mode & 0o7777 == 0o640)
        #expect(status.st_gid == group)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path + "/real") == ["config.yaml"])

        let again = try ConfigDevicesMerge.mergeFile(devices, path: link, environment: [:], comment: "imported")
        #expect(again.added.isEmpty && again.text == outcome.text)
        let missing = importError { try ConfigDevicesMerge.mergeFile(devices, path: directory.path + "/none.yaml", environment: [:], comment: "x") }
        #expect(missing?.kind == .unreadable)
    }
}
