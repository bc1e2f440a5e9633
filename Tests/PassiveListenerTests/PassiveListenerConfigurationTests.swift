import Logging
import Testing

@testable import PassiveListener

/// Settings are checked before anything is opened.
struct PassiveListenerConfigurationTests {
    let logger = Logger(label: "test.passive")

    func failure(_ configuration: PassiveListenerConfiguration) -> PassiveListenerError? {
        do {
            try configuration.validate()
            return nil
        } catch {
            return error
        }
    }

    @Test func defaultsAreValid() {
        #expect(failure(PassiveListenerConfiguration()) == nil)
        #expect(failure(PassiveListenerConfiguration(interfaces: ["eth0", "wlan0", "br-lan.10"])) == nil)
    }

    @Test func badValuesSayWhatWouldBeRight() throws {
        let cases: [(PassiveListenerConfiguration, String)] = [
            (PassiveListenerConfiguration(interfaces: [""]), "interface name ''"),
            (PassiveListenerConfiguration(interfaces: ["a-very-long-interface"]), "1-15 characters"),
            (PassiveListenerConfiguration(interfaces: ["../etc"]), "no '/'"),
            (PassiveListenerConfiguration(interfaces: ["eth 0"]), "interface name 'eth 0'"),
            (PassiveListenerConfiguration(minimumInterval: .zero), "more than zero"),
            (PassiveListenerConfiguration(burst: 0), "at least 1"),
            (PassiveListenerConfiguration(trackedAddressLimit: 0), "1...1000000"),
            (PassiveListenerConfiguration(bufferSize: -1), "1...1000000"),
        ]
        for (configuration, text) in cases {
            let error = try #require(failure(configuration))
            #expect(error.kind == .invalidSetting)
            #expect(error.message.contains(text), "\(error.message)")
        }
    }

    @Test func openRefusesBadSettingsBeforeOpeningAnything() {
        #expect(throws: PassiveListenerError.self) {
            try PassiveListener.open(PassiveListenerConfiguration(burst: 0), logger: logger)
        }
    }
}
