import Foundation
import Logging
import Prometheus
import TestSupport

@testable import StatusPage

/// Runs a status server on 127.0.0.1 (a port the kernel picks) for the length of `body`.
func withStatusServer<T: Sendable>(
    source: any StatusSource,
    metrics: StatusMetrics = StatusMetrics(registry: PrometheusCollectorRegistry()),
    options: StatusServer.Options = StatusServer.Options(zone: .utc),
    _ body: @Sendable (_ port: Int) async throws -> T
) async throws -> T {
    let (ports, continuation) = AsyncStream<Int>.makeStream()
    let server = StatusServer(
        host: "127.0.0.1", port: 0, source: source, metrics: metrics, logger: Logger(label: "status-test"),
        options: options, onListening: { continuation.yield($0) })
    let running = Task {
        defer { continuation.finish() }
        try await server.run()
    }
    var iterator = ports.makeAsyncIterator()
    guard let port = await iterator.next() else {
        try await running.value
        throw HarnessError("the status server stopped before it listened")
    }
    do {
        let result = try await body(port)
        running.cancel()
        try await running.value
        return result
    } catch {
        running.cancel()
        _ = try? await running.value
        throw error
    }
}

/// Runs blocking client work on a thread of its own, off the cooperative pool the server's callers use.
func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread {
            continuation.resume(with: Result { try work() })
        }
    }
}
