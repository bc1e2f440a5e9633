import Synchronization

/// Runs `body`, failing with a clear message when it takes longer than `limit`.
///
/// On a timeout this returns at once, without waiting for `body` (which is cancelled): a body that
/// ignores cancellation (awaiting a `Task`'s value, say) must not turn a bounded wait into a hang.
public func withTimeout<T: Sendable>(
    _ limit: Duration, _ what: String,
    _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    let outcome = FirstOutcome<T>()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            outcome.install(continuation)
            let work = Task {
                do {
                    outcome.settle(.success(try await body()))
                } catch {
                    outcome.settle(.failure(error))
                }
            }
            let timer = Task {
                try? await Task.sleep(for: limit)
                if outcome.settle(.failure(HarnessError("timed out after \(limit) waiting for \(what)"))) {
                    work.cancel()
                }
            }
            outcome.onSettle {
                work.cancel()
                timer.cancel()
            }
        }
    } onCancel: {
        outcome.settle(.failure(CancellationError()))
    }
}

/// Resumes a continuation with whichever outcome comes first; later ones are dropped.
private final class FirstOutcome<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, any Error>?
        var early: Result<T, any Error>?
        var settled = false
        var cleanup: (@Sendable () -> Void)?
    }

    private let state = Mutex(State())

    func install(_ continuation: CheckedContinuation<T, any Error>) {
        let early = state.withLock { state -> Result<T, any Error>? in
            if let early = state.early { return early }
            state.continuation = continuation
            return nil
        }
        if let early { continuation.resume(with: early) }
    }

    /// Runs `cleanup` once settled (now, if it already is).
    func onSettle(_ cleanup: @escaping @Sendable () -> Void) {
        let now = state.withLock { state in
            if state.settled { return true }
            state.cleanup = cleanup
            return false
        }
        if now { cleanup() }
    }

    /// Returns whether this outcome was the first.
    @discardableResult
    func settle(_ result: Result<T, any Error>) -> Bool {
        let (first, continuation, cleanup) = state.withLock { state -> (Bool, CheckedContinuation<T, any Error>?, (@Sendable () -> Void)?) in
            guard !state.settled else { return (false, nil, nil) }
            state.settled = true
            if state.continuation == nil { state.early = result }
            defer {
                state.continuation = nil
                state.cleanup = nil
            }
            return (true, state.continuation, state.cleanup)
        }
        continuation?.resume(with: result)
        cleanup?()
        return first
    }
}
