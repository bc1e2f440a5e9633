import Testing

@testable import NmapScanner

@Suite struct ValidationTests {
    func error(_ configuration: ScannerConfiguration) -> NmapScannerError? {
        do {
            try configuration.validate()
            return nil
        } catch {
            return error
        }
    }

    @Test(arguments: [
        "198.51.100.10", "198.51.100.0/24", "198.51.100.1-50", "198.18.0-3.1-254", "198.51.*.1", "198.51.100.1,5,9",
        "198.18.0.-5", "printer", "printer.lan", "nas_1.home.arpa.", "scanme.example/30", "2001:db8::1", "2001:db8::/64",
        "fe80::1%eth0", "::1",
    ])
    func acceptsNmapTargetForms(target: String) {
        #expect(error(ScannerConfiguration(targets: [target], scanOptions: target.contains(":") ? "-sn" : "-F")) == nil)
    }

    @Test(arguments: [
        ("-iL", "begins with '-'"), ("--reason", "begins with '-'"), ("", "empty"), ("198.51.100.0/24 203.0.113.1", "whitespace"),
        ("198.51.100.300", "not an nmap target"), ("198.51.100.0/33", "not an nmap target"), ("203.0.113", "not an nmap target"),
        ("host!.lan", "not an nmap target"), ("2001:db8::g", "not an nmap target"), ("198.51.100.1-198.51.100.5", "not an nmap target"),
        ("-", "begins with '-'"),
    ])
    func refusesBadTargets(target: String, why: String) throws {
        let failure = try #require(error(ScannerConfiguration(targets: [target])))
        #expect(failure.kind == .invalidTarget)
        #expect(failure.value == target.trimmingWhitespace())
        #expect(failure.message.contains(why), "\(failure.message)")
    }

    @Test func refusesNoTargets() throws {
        let failure = try #require(error(ScannerConfiguration(targets: [])))
        #expect(failure.kind == .noTargets)
    }

    @Test(arguments: [
        "-oX out.xml", "-oN -", "-oG x", "-oA base", "-oS x", "-oXfile.xml", "--oX x", "-iL hosts.txt", "-iR 10",
        "--resume log", "--stylesheet x.xsl", "--stylesheet=x.xsl", "--webxml", "--exclude 203.0.113.1",
        "--excludefile f", "-h", "--help", "-V", "--version", "--iflist",
    ])
    func refusesOptionsThatTakeOverOutputOrInput(options: String) throws {
        let failure = try #require(error(ScannerConfiguration(targets: ["198.51.100.0/24"], scanOptions: "-sn " + options)))
        #expect(failure.kind == .forbiddenOption)
        #expect(failure.message.contains("is not allowed:"))
        #expect(failure.value == options.split(separator: " ").first.map(String.init))
    }

    @Test func allowsEverydayOptions() {
        for options in [
            "-F --host-timeout 5s", "-n -sn -PR -T4 --min-rate 10 --host-timeout 5s --reason -v",
            "--privileged -sn", "-sS -p 22,80", "--no-stylesheet -sn", "-e eth0 -sn", "-sn -n -PR",
            "-sn -PS22,443 -PA80 -PU53 -PE -PP -PO1,6 --disable-arp-ping -T4 -eeth1 --send-ip",
            "-sT -p1-1024 --top-ports 20 --max-retries=1 --max-rtt-timeout 200ms -vv", "-T aggressive -sn", "-Tpolite -sn",
        ] {
            #expect(error(ScannerConfiguration(targets: ["198.51.100.0/24"], scanOptions: options)) == nil, "\(options)")
        }
    }

    /// nmap expands unambiguous prefixes of long options and reads single-dash long options, and some
    /// full options run code or read files: only exact names of the allow-list pass.
    @Test(arguments: [
        ("--datad=/tmp", "--datadir"), ("--excludef=x", "--excludefile"), ("--resum=x", "--resume"), ("--script=x", "scripts"),
        ("--script-args-file f", "not one of"), ("--servicedb f", "not one of"), ("--proxies x", "not one of"),
        ("-D 198.51.100.9", "decoy"), ("-S 198.51.100.9", "spoofs"), ("-Pn", "every address up"), ("--open", "depart"),
        ("-host-timeout 5s", "two dashes"), ("--host-t 5s", "--host-timeout"), ("--reason=x", "takes no value"),
        ("-PSabc", "port list"), ("-sC", "not one of"), ("-A", "not one of"), ("-O", "not one of"),
    ])
    func refusesWhatIsNotOnTheAllowList(options: String, why: String) throws {
        let failure = try #require(error(ScannerConfiguration(targets: ["198.51.100.0/24"], scanOptions: "-sn " + options)))
        #expect(failure.kind == .forbiddenOption)
        #expect(failure.value == options.split(separator: " ").first.map(String.init))
        #expect(failure.message.contains(why), "\(failure.message)")
        #expect(failure.message.contains("Allowed, named in full: -sn"), "the message shows what is allowed")
    }

    @Test func refusesMinus6WithIPv4Targets() throws {
        let failure = try #require(error(ScannerConfiguration(targets: ["198.51.100.0/24"], scanOptions: "-6 -sn")))
        #expect(failure.kind == .addressFamilyMismatch)
        #expect(failure.message.contains("-6"))
    }

    @Test func refusesMixedFamilies() throws {
        let failure = try #require(error(ScannerConfiguration(targets: ["198.51.100.0/24", "nas.lan", "2001:db8::/120"])))
        #expect(failure.kind == .addressFamilyMismatch)
        #expect(failure.message.contains("198.51.100.0/24") && failure.message.contains("2001:db8::/120"))
    }

    @Test func refusesBadExcludes() throws {
        let comma = try #require(error(ScannerConfiguration(targets: ["198.51.100.0/24"], exclude: ["198.51.100.1,2"])))
        #expect(comma.kind == .invalidExclude && comma.message.contains("comma"))
        let option = try #require(error(ScannerConfiguration(targets: ["198.51.100.0/24"], exclude: ["--reason"])))
        #expect(option.kind == .invalidExclude && option.message.contains("begins with '-'"))
        let family = try #require(error(ScannerConfiguration(targets: ["198.51.100.0/24"], exclude: ["2001:db8::1"])))
        #expect(family.kind == .addressFamilyMismatch)
    }

    @Test func refusesUnbalancedQuoteAndEmptyWord() throws {
        #expect(error(ScannerConfiguration(targets: ["203.0.113.1"], scanOptions: "-sn '--x"))?.kind == .unbalancedQuote)
        #expect(error(ScannerConfiguration(targets: ["203.0.113.1"], scanOptions: "-sn ''"))?.kind == .forbiddenOption)
    }

    @Test func refusesBadSettings() {
        #expect(error(ScannerConfiguration(targets: ["203.0.113.1"], nmapPath: ""))?.kind == .invalidSetting)
        #expect(error(ScannerConfiguration(targets: ["203.0.113.1"], timeout: .zero))?.kind == .invalidSetting)
    }

    @Test func scannerInitValidates() {
        #expect(throws: NmapScannerError.self) {
            _ = try NmapScanner(configuration: ScannerConfiguration(targets: ["-oX"]), logger: .init(label: "test"))
        }
    }
}
