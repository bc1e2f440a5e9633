import Logging
import Synchronization

/// Keeps what the listener logged, so tests can read which source it chose and why.
struct RecordingLogHandler: LogHandler {
    final class Storage: Sendable {
        let entries = Mutex<[(level: Logger.Level, message: String, metadata: Logger.Metadata)]>([])

        var messages: [String] {
            entries.withLock { $0.map(\.message) }
        }
    }

    let storage: Storage
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        storage.entries.withLock { $0.append((event.level, event.message.description, event.metadata ?? [:])) }
    }

    /// A logger whose entries land in the returned storage.
    static func logger() -> (Logger, Storage) {
        let storage = Storage()
        return (Logger(label: "passive.tests") { _ in RecordingLogHandler(storage: storage) }, storage)
    }
}
