import Logging
import ServiceLifecycle
import Synchronization

/// Saves the history at most once per ``spacing`` (flash cards wear with every write), from a thread of its
/// own (an fsync on an SD card can take a while, and must not hold a cooperative thread).
///
/// Holds only the newest history submitted: histories submitted faster than the spacing are written once,
/// the newest. `submit(_:flush: true)` (for a departure, say) and graceful shutdown write at once. A save
/// that fails is logged when saving starts failing and when it works again.
public final class HistoryWriter: Service, Sendable {
    /// The least time between two saves.
    public let spacing: Duration
    private let save: @Sendable (PresenceHistory) throws(StatusPageError) -> Void
    private let logger: Logger
    private let wake = WakeSignal()
    private let state = Mutex(State())

    private struct State {
        var pending: PresenceHistory?
        var urgent = false
        var failing = false
    }

    /// Saves to `file`, at most once per `spacing` (default 120 s).
    public convenience init(file: HistoryFile, spacing: Duration = .seconds(120), logger: Logger) {
        self.init(spacing: spacing, logger: logger) { (history: PresenceHistory) throws(StatusPageError) in
            try file.save(history)
        }
    }

    /// Saves through `save` (tests count the calls).
    init(
        spacing: Duration, logger: Logger,
        save: @escaping @Sendable (PresenceHistory) throws(StatusPageError) -> Void
    ) {
        self.spacing = spacing
        self.logger = logger
        self.save = save
    }

    /// The file should now hold `history`; with `flush`, without waiting for the spacing.
    public func submit(_ history: PresenceHistory, flush: Bool = false) {
        state.withLock {
            $0.pending = history
            if flush { $0.urgent = true }
        }
        wake.signal()
    }

    /// Saves until graceful shutdown or cancellation, then saves what is still pending.
    public func run() async {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                // A signal consumed while spacing out left its history pending: check before waiting.
                if self.state.withLock({ $0.pending == nil }) { await self.wake.wait(until: nil) }
                guard !Task.isCancelled else { break }
                await self.writePending()
                let next = ContinuousClock.now.advanced(by: self.spacing)
                while !Task.isCancelled, ContinuousClock.now < next, !self.state.withLock({ $0.urgent }) {
                    await self.wake.wait(until: next)
                }
            }
        }
        await writePending()
    }

    /// Saves the pending history, if any, now.
    public func writePending() async {
        let history = state.withLock { state -> PresenceHistory? in
            defer {
                state.pending = nil
                state.urgent = false
            }
            return state.pending
        }
        guard let history else { return }
        let save = self.save
        let failure = await OwnThread.run(name: "history-save") { () -> StatusPageError? in
            do throws(StatusPageError) {
                try save(history)
                return nil
            } catch {
                return error
            }
        }
        let changed = state.withLock { state -> Bool in
            defer { state.failing = failure != nil }
            return state.failing != (failure != nil)
        }
        guard changed else { return }
        if let failure {
            logger.error(
                "Cannot save the presence history; will keep trying and say when it works again",
                metadata: ["history.error": "\(failure)"])
        } else {
            logger.info("Saving the presence history works again")
        }
    }
}
