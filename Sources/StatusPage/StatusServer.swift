import Logging
import ServiceLifecycle

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The status page, `/metrics` and `/healthz` over HTTP/1.1: read-only (GET and HEAD; anything else 405),
/// bound to `127.0.0.1:8780` unless told otherwise.
///
/// Why a server of its own, about 800 lines with its parser, over poll(2), rather than Hummingbird or FlyingFox:
/// - Memory. The daemon must stay under 35 MB peak resident and 10 MB private with the page on; today it
///   is 27–30 MB and 3–5 MB without a server. Measured (release build, 2026-12-03, a process holding a
///   3-device snapshot, after 300 sequential and 60 concurrent requests): serving adds 1.0 MB peak resident
///   and 0.4 MB private to the same process idle (21.8 against 20.8 MB, 3.4 against 3.0 MB); with 50
///   devices 1.5 MB and 1.0 MB; with 300 devices (a 740 kB page) 5 MB and 3.9 MB. An empty Foundation
///   program is 15.9 MB and 1.4 MB. SwiftNIO's event loops, allocator and thread pool (under Hummingbird)
///   cost several megabytes before the first request.
/// - Build time. CI builds from a fresh clone on every run: Hummingbird and SwiftNIO add 2.5–4.5 minutes to
///   a first build on two cores; this module adds about 5 s (debug), and swift-metrics, swift-prometheus and
///   swift-atomics another 5 s.
/// - Control over hostile clients. Every limit that matters here is explicit in ``HTTPLimits`` and tested
///   against the running server: header timeout (408), request line and head sizes (414, 431), a
///   connection cap (503 to the excess at once, no queue beyond the kernel's backlog), bodies never read
///   beyond a bounded drain, one request per connection. FlyingFox 0.27.1 is pure Swift and lighter than
///   NIO, but offers a handler timeout only: no header-read timeout, connection cap or head size to set.
/// - Isolation. The loop runs on its own thread, so no client, however slow, holds a cooperative thread
///   the presence engine or the MQTT client needs. It calls into the daemon only through
///   ``StatusSource/snapshot()``, which must be cheap and non-blocking (see ``StatusSource``).
///
/// A `Service`: ``run()`` listens, serves until graceful shutdown or cancellation, then closes every
/// connection. Put it in the daemon's `ServiceGroup` beside the bridge; it depends on nothing in it.
public final class StatusServer: Service, Sendable {
    /// `web.host`'s default: loopback only, since the page tells who is home.
    public static let defaultHost = "127.0.0.1"
    /// `web.port`'s default.
    public static let defaultPort = 8780

    /// What else the server needs to know.
    public struct Options: Sendable {
        /// `web.auth_token`: required for the page and `/metrics` when set. Default: none.
        public var authToken: String?
        /// `scan.interval_seconds`, for `/healthz`'s idea of "recently". Default: 12 s.
        public var scanInterval: Duration
        /// Seconds between the page's own reloads; 0 for none. Default: 30.
        public var refreshSeconds: Int
        /// The zone the page shows times in. Default: the process's local zone.
        public var zone: DisplayZone
        /// What one client may cost. Default: ``HTTPLimits/init(maximumConnections:headerTimeout:writeTimeout:maximumRequestLineBytes:maximumHeadBytes:maximumHeaderCount:drainBytes:drainTimeout:)``'s defaults.
        public var limits: HTTPLimits

        public init(
            authToken: String? = nil,
            scanInterval: Duration = .seconds(12),
            refreshSeconds: Int = 30,
            zone: DisplayZone = .local,
            limits: HTTPLimits = HTTPLimits()
        ) {
            self.authToken = authToken
            self.scanInterval = scanInterval
            self.refreshSeconds = refreshSeconds
            self.zone = zone
            self.limits = limits
        }
    }

    public let host: String
    public let port: Int
    private let source: any StatusSource
    private let metrics: StatusMetrics
    private let logger: Logger
    private let options: Options
    private let onListening: (@Sendable (Int) -> Void)?

    /// - Parameter onListening: called with the bound port once the server listens (port 0 lets the kernel
    ///   pick one: tests).
    public init(
        host: String = StatusServer.defaultHost,
        port: Int = StatusServer.defaultPort,
        source: any StatusSource,
        metrics: StatusMetrics,
        logger: Logger,
        options: Options = Options(),
        onListening: (@Sendable (Int) -> Void)? = nil
    ) {
        self.host = host
        self.port = port
        self.source = source
        self.metrics = metrics
        self.logger = logger
        self.options = options
        self.onListening = onListening
    }

    /// The warning to log when the page would be reachable from other machines without a token; nil when
    /// `host` is loopback or a token is set.
    public static func exposureWarning(host: String, authToken: String?) -> String? {
        guard !AccessToken.isLoopback(host), AccessToken(authToken) == nil else { return nil }
        return "The status page on \(host) shows who is home to anyone who can reach it: "
            + "set web.auth_token, or web.host: 127.0.0.1"
    }

    /// Listens, serves until graceful shutdown or cancellation, and closes everything. Throws
    /// ``StatusPageError/Code/cannotListen`` when it cannot listen.
    public func run() async throws {
        if let warning = Self.exposureWarning(host: host, authToken: options.authToken) {
            logger.warning("\(warning)", metadata: ["web.host": "\(host)", "web.port": "\(port)"])
        }
        let listener = try ListeningSocket.open(host: host, port: port)
        let routes = StatusRoutes(
            source: source, metrics: metrics,
            renderer: StatusPageRenderer(zone: options.zone, refreshSeconds: options.refreshSeconds),
            health: HealthCheck(scanInterval: options.scanInterval), token: AccessToken(options.authToken),
            now: { Date() })
        let loop: ServerLoop
        do {
            loop = try ServerLoop(listener: listener, routes: routes, limits: options.limits, logger: logger)
        } catch {
            close(listener.fd)
            throw error
        }
        logger.info(
            "Status page listening",
            metadata: [
                "web.host": "\(host)", "web.port": "\(listener.port)",
                "web.auth": "\(options.authToken?.isEmpty == false ? "token" : "none")",
            ])
        onListening?(listener.port)
        try await withTaskCancellationHandler {
            try await withGracefulShutdownHandler {
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                    do {
                        try OwnThread.start(name: "status-http") {
                            loop.run()
                            continuation.resume()
                        }
                    } catch {
                        loop.stop()
                        loop.run() // returns at once: closes the listener and the pipe
                        continuation.resume(throwing: error)
                    }
                }
            } onGracefulShutdown: {
                loop.stop()
            }
        } onCancel: {
            loop.stop()
        }
        logger.info("Status page stopped", metadata: ["web.port": "\(listener.port)"])
    }
}
