import Logging
import ServiceLifecycle
import StatusPage

/// The status page, `/metrics` and `/healthz` (``StatusServer``), as one of the bridge's services. A page
/// that cannot listen (the port is taken) is logged and left off: presence goes on without it.
struct StatusPageService: Service {
    let server: StatusServer
    let logger: Logger

    func run() async {
        do {
            try await server.run()
        } catch {
            logger.error(
                "The status page is off: it cannot listen; set web.port to a free port, or web.enabled: false",
                metadata: [
                    "web.host": "\(server.host)", "web.port": "\(server.port)", "web.error": "\(error)",
                ])
            try? await gracefulShutdown()
        }
    }
}
