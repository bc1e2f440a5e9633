import Foundation
import Logging
import Prometheus
import ServiceLifecycle
import TestSupport
import Testing

@testable import StatusPage

@Suite(.serialized) struct StatusServerTests {
    let source = FixedSource(StatusFixtures.snapshot(now: Date()))

    @Test func servesThePage() async throws {
        try await withStatusServer(source: source) { (port: Int) async throws in
            let response = try await get(port, "/")
            #expect(response.status == 200)
            #expect(response.header("Content-Type") == "text/html; charset=utf-8")
            #expect(response.header("Content-Length") == "\(response.body.count)")
            #expect(response.header("Connection") == "close")
            #expect(response.header("Content-Security-Policy")?.hasPrefix("default-src 'none'") == true)
            #expect(response.text.contains("Bob&#39;s laptop"))
            #expect(response.text.contains("<svg class=\"tl\""))
            #expect(try await get(port, "/index.html").status == 200)
        }
    }

    @Test func headSendsTheHeadOnly() async throws {
        try await withStatusServer(source: source) { (port: Int) async throws in
            let response = try await fetch(port, "HEAD / HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(response.status == 200)
            #expect(response.body.isEmpty)
            #expect(Int(response.header("Content-Length") ?? "") ?? 0 > 1000)
        }
    }

    @Test func metricsAndHealth() async throws {
        let metrics = StatusMetrics(registry: PrometheusCollectorRegistry())
        metrics.recordScan(result: .ok, duration: .seconds(2))
        try await withStatusServer(source: source, metrics: metrics) { (port: Int) async throws in
            let scrape = try await get(port, "/metrics")
            #expect(scrape.status == 200)
            #expect(scrape.header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8")
            #expect(scrape.text.contains("nmap2mqtt_devices{state=\"home\"} 2"))
            #expect(scrape.text.contains("nmap2mqtt_scans_total{result=\"ok\"} 1"))
            let health = try await get(port, "/healthz")
            #expect(health.status == 200)
            #expect(health.header("Content-Type") == "application/json")
            #expect(health.text.contains("\"status\":\"ok\""))
        }
        let down = FixedSource(StatusFixtures.snapshot(now: Date(), connected: false))
        try await withStatusServer(source: down) { (port: Int) async throws in
            let health = try await get(port, "/healthz")
            #expect(health.status == 503)
            #expect(health.text.contains("the MQTT broker is not connected"))
        }
    }

    @Test(arguments: ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT", "BREW"])
    func readOnly(_ method: String) async throws {
        try await withStatusServer(source: source) { (port: Int) async throws in
            let response = try await fetch(
                port, "\(method) / HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nforget=all!")
            #expect(response.status == 405)
            #expect(response.header("Allow") == "GET, HEAD")
        }
    }

    @Test func unknownPaths() async throws {
        try await withStatusServer(source: source) { (port: Int) async throws in
            #expect(try await get(port, "/nope").status == 404)
            #expect(try await get(port, "/metrics/../etc/passwd").status == 404)
            #expect(try await get(port, "/favicon.ico").status == 404)
        }
    }

    @Test func theTokenGuardsThePageAndTheMetricsButNotTheHealthCheck() async throws {
        let options = StatusServer.Options(authToken: "let me in", zone: .utc)
        try await withStatusServer(source: source, options: options) { (port: Int) async throws in
            let refused = try await get(port, "/")
            #expect(refused.status == 401)
            #expect(refused.header("WWW-Authenticate") == "Bearer realm=\"nmap2mqtt\"")
            #expect(!refused.text.contains("Bob"))
            #expect(try await get(port, "/metrics").status == 401)
            #expect(try await get(port, "/", headers: "Authorization: Bearer let me out\r\n").status == 401)
            #expect(try await get(port, "/", headers: "Authorization: Bearer let me in\r\n").status == 200)
            #expect(try await get(port, "/?token=let+me+in").status == 200)
            #expect(try await get(port, "/metrics?token=let%20me%20in").status == 200)
            #expect(try await get(port, "/healthz").status == 200)
        }
    }

    @Test func stopsOnGracefulShutdown() async throws {
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let server = StatusServer(
            host: "127.0.0.1", port: 0, source: source, metrics: StatusMetrics(), logger: Logger(label: "test"),
            options: .init(zone: .utc), onListening: { continuation.yield($0) })
        let group = ServiceGroup(configuration: .init(services: [server], logger: Logger(label: "test")))
        let running = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())
        #expect(try await get(port, "/healthz").status == 200)
        // A client in the middle of its request does not hold the shutdown up.
        let stalled = try RawClient(port: port)
        stalled.send("GET / HTTP/1.1\r\n")
        await group.triggerGracefulShutdown()
        try await withTimeout(.seconds(5), "the server to stop") { try await running.value }
        #expect(throws: (any Error).self) { try RawClient(port: port) }
    }

    @Test func aPortInUseIsAClearError() async throws {
        try await withStatusServer(source: source) { (port: Int) async throws in
            let second = StatusServer(
                host: "127.0.0.1", port: port, source: source, metrics: StatusMetrics(),
                logger: Logger(label: "test"))
            await #expect(throws: StatusPageError.self) { try await second.run() }
            do { try await second.run() } catch let error as StatusPageError {
                #expect(error.code == .cannotListen)
                #expect(error.description.contains("port \(port)"))
            }
        }
    }

    @Test func listensOnIPv6LoopbackToo() async throws {
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let server = StatusServer(
            host: "::1", port: 0, source: source, metrics: StatusMetrics(),
            logger: Logger(label: "test"), onListening: { continuation.yield($0) })
        let running = Task {
            defer { continuation.finish() }
            try await server.run()
        }
        defer { running.cancel() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { return } // no IPv6 on this machine
        #expect(port > 0)
        running.cancel()
        _ = try? await running.value
    }
}
