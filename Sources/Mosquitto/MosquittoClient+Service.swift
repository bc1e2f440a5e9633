import ServiceLifecycle

extension MosquittoClient: Service {
    /// Connects, stays connected until graceful shutdown, then disconnects cleanly.
    /// In a `ServiceGroup`, put the client before the services that publish through it:
    /// they stop first, so their last messages (an `offline` state) still go out.
    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            try await self.connect()
        }
        try? await gracefulShutdown()
        await disconnect()
    }
}
