import Foundation
import Logging
import Synchronization
import Testing

@testable import StatusPage

@Suite struct HistoryWriterTests {
    final class Saves: Sendable {
        let saved = Mutex<[Int]>([])
        func record(_ history: PresenceHistory) { saved.withLock { $0.append(history.entries.count) } }
        var counts: [Int] { saved.withLock { $0 } }
    }

    func history(_ entries: Int) -> PresenceHistory {
        var history = PresenceHistory()
        history.recordStart(at: StatusFixtures.noon)
        for index in 1..<entries { history.record("d\(index)", .home, at: StatusFixtures.noon) }
        return history
    }

    func until(_ condition: () -> Bool) async throws {
        for _ in 0..<200 where !condition() { try await Task.sleep(for: .milliseconds(10)) }
    }

    @Test func writesAtMostOncePerSpacingAndTheNewestWins() async throws {
        let saves = Saves()
        let writer = HistoryWriter(spacing: .milliseconds(600), logger: Logger(label: "test")) { saves.record($0) }
        let running = Task { await writer.run() }
        writer.submit(history(1))
        try await until { saves.counts.count == 1 }
        for count in 2...5 { writer.submit(history(count)) }
        try await Task.sleep(for: .milliseconds(200))
        #expect(saves.counts == [1], "no second write inside the spacing")
        try await until { saves.counts.count == 2 }
        #expect(saves.counts == [1, 5], "one write, of the newest")
        running.cancel()
        await running.value
    }

    @Test func aFlushDoesNotWaitForTheSpacing() async throws {
        let saves = Saves()
        let writer = HistoryWriter(spacing: .seconds(60), logger: Logger(label: "test")) { saves.record($0) }
        let running = Task { await writer.run() }
        writer.submit(history(1))
        try await until { saves.counts.count == 1 }
        writer.submit(history(2), flush: true)
        try await until { saves.counts.count == 2 }
        #expect(saves.counts == [1, 2])
        running.cancel()
        await running.value
    }

    @Test func stoppingWritesWhatIsPending() async throws {
        let saves = Saves()
        let writer = HistoryWriter(spacing: .seconds(60), logger: Logger(label: "test")) { saves.record($0) }
        let running = Task { await writer.run() }
        writer.submit(history(1))
        try await until { saves.counts.count == 1 }
        writer.submit(history(3))
        running.cancel()
        await running.value
        #expect(saves.counts == [1, 3])
    }

    @Test func writesTheFile() async throws {
        let path = NSTemporaryDirectory() + "status-writer-\(UUID().uuidString).json"
        defer { unlink(path) }
        let writer = HistoryWriter(file: HistoryFile(path: path), spacing: .seconds(1), logger: Logger(label: "test"))
        writer.submit(history(4))
        await writer.writePending()
        #expect(try HistoryFile(path: path).load().entries.count == 4)
    }
}
