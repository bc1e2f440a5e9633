/// Runs `body`, failing with a clear message when it takes longer than `limit`. The body must
/// respond to cancellation (client waits, `Task.sleep` and ``Inbox`` do).
public func withTimeout<T: Sendable>(_ limit: Duration, _ what: String,
                                     _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: TimeoutOutcome<T>.self) { group in
        group.addTask { .finished(try await body()) }
        group.addTask {
            try await Task.sleep(for: limit)
            return .timedOut
        }
        defer { group.cancelAll() }
        switch try await group.next() {
        case .finished(let value): return value
        case .timedOut, nil: throw HarnessError("timed out after \(limit) waiting for \(what)")
        }
    }
}

private enum TimeoutOutcome<T: Sendable>: Sendable {
    case finished(T)
    case timedOut
}
