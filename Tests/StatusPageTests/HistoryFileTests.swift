import Foundation
import Testing

@testable import StatusPage

@Suite struct HistoryFileTests {
    func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "status-history-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        return path
    }

    @Test func savesAndLoadsTheSameHistory() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = HistoryFile(path: "\(directory)/history.json")
        let (history, _, _) = StatusFixtures.household(now: StatusFixtures.at(24))
        try file.save(history)
        let loaded = try file.load()
        #expect(loaded == history)
        var status = stat()
        #expect(stat(file.path, &status) == 0)
        #expect(status.st_mode & 0o777 == 0o600)
        // No temporary file is left beside it.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["history.json"])
    }

    @Test func keepsTheBaselineAndTheLastSignOfLife() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = HistoryFile(path: "\(directory)/history.json")
        var history = PresenceHistory(limits: .init(maximumEntries: 2))
        history.recordStart(at: StatusFixtures.at(0), states: ["a": .home, "b": .home, "c": .notHome])
        history.markAlive(at: StatusFixtures.at(1.5))
        try file.save(history)
        let loaded = try file.load(limits: .init(maximumEntries: 2))
        #expect(loaded.baseline == history.baseline)
        #expect(loaded.lastAlive == StatusFixtures.at(1.5))
        #expect(loaded == history)
    }

    @Test func noFileIsAnEmptyHistory() throws {
        let history = try HistoryFile(path: "/nonexistent-\(UUID().uuidString)/h.json").load()
        #expect(history.entries.isEmpty)
        #expect(history.baseline == nil)
    }

    @Test(arguments: [
        "not json", "{}", "{\"format_version\":2,\"entries\":[]}",
        "{\"format_version\":1,\"entries\":[{\"t\":1,\"m\":\"reboot\"}]}",
        "{\"format_version\":1,\"entries\":[{\"t\":1,\"id\":\"a\",\"s\":\"maybe\"}]}",
    ])
    func refusesWhatIsNotAHistory(_ text: String) throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = HistoryFile(path: "\(directory)/history.json")
        try text.write(toFile: file.path, atomically: false, encoding: .utf8)
        #expect(throws: StatusPageError.self) { try file.load() }
        do { _ = try file.load() } catch { #expect(error.code == .historyCorrupt) }
        let aside = try #require(file.moveAside(now: StatusFixtures.noon))
        #expect(aside.hasSuffix(".corrupt-1764763200"))
        #expect(try file.load().entries.isEmpty)
    }

    @Test func anUnwritableDirectoryIsAnError() {
        let file = HistoryFile(path: "/proc/nmap2mqtt-history.json")
        #expect(throws: StatusPageError.self) { try file.save(PresenceHistory()) }
    }

    @Test func liesBesideTheStateFile() {
        #expect(HistoryFile(besideStateFile: "/var/lib/nmap2mqtt/state.json").path == "/var/lib/nmap2mqtt/state-history.json")
        #expect(HistoryFile(besideStateFile: "state").path == "state-history.json")
    }

    @Test func aWeekAtTheCapStaysSmall() throws {
        var history = PresenceHistory()
        history.recordStart(at: StatusFixtures.at(0))
        for index in 0..<30_000 {
            history.record(
                "AA:BB:CC:DD:EE:\(index % 50)", index % 3 == 0 ? .home : .notHome,
                at: StatusFixtures.at(Double(index) / 200))
        }
        #expect(history.entries.count <= 20_000)
        let data = HistoryFile(path: "/tmp/unused").encode(history)
        #expect(data.count < 1_200_000, "20,000 entries in \(data.count) bytes")
    }
}
