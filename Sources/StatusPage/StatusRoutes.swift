#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What each path answers. Runs on the server's thread only; asks the source for a snapshot at most once a
/// second per route (a cached response is shared by every connection that asks within that second, so
/// many clients cost one rendering and one copy of the page).
final class StatusRoutes {
    enum Route: Hashable {
        case page, metrics, health
    }

    private let source: any StatusSource
    private let metrics: StatusMetrics
    private let renderer: StatusPageRenderer
    private let health: HealthCheck
    private let token: AccessToken?
    private let now: @Sendable () -> Date
    private var cache: [Route: (at: ContinuousClock.Instant, response: HTTPResponse)] = [:]
    static let cacheLifetime = Duration.seconds(1)

    init(
        source: any StatusSource, metrics: StatusMetrics, renderer: StatusPageRenderer, health: HealthCheck,
        token: AccessToken?, now: @escaping @Sendable () -> Date
    ) {
        self.source = source
        self.metrics = metrics
        self.renderer = renderer
        self.health = health
        self.token = token
        self.now = now
    }

    func respond(to head: HTTPRequestHead) -> HTTPResponse {
        guard head.method == "GET" || head.method == "HEAD" else {
            return .error(405, "this server is read-only; use GET or HEAD", headers: [("Allow", "GET, HEAD")])
        }
        let route: Route
        switch head.path {
        case "/", "/index.html": route = .page
        case "/metrics": route = .metrics
        case "/healthz": route = .health
        default: return .error(404, "try / (the status page), /metrics or /healthz")
        }
        if route != .health, let token,
            !token.permits(authorization: head.header("Authorization"), query: head.query)
        {
            return .error(
                401, "this page needs web.auth_token, as Authorization: Bearer TOKEN or ?token=TOKEN",
                headers: [("WWW-Authenticate", "Bearer realm=\"nmap2mqtt\"")])
        }
        let instant = ContinuousClock.now
        if let cached = cache[route], cached.at.duration(to: instant) < Self.cacheLifetime { return cached.response }
        let response = render(route)
        cache[route] = (instant, response)
        return response
    }

    private func render(_ route: Route) -> HTTPResponse {
        let snapshot = source.snapshot()
        switch route {
        case .page:
            let report = health.evaluate(snapshot, now: now())
            return HTTPResponse(
                status: 200, contentType: "text/html; charset=utf-8",
                body: Array(renderer.render(snapshot, health: report).utf8))
        case .metrics:
            metrics.update(from: snapshot)
            return HTTPResponse(
                status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8",
                body: metrics.exposition())
        case .health:
            let report = health.evaluate(snapshot, now: now())
            return HTTPResponse(status: report.statusCode, contentType: "application/json", body: report.json())
        }
    }
}
