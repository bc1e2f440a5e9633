import ServiceLifecycle

extension MosquittoClient: Service {
    /// Connects, stays connected until graceful shutdown, then disconnects cleanly.
    /// A shutdown that comes while the broker is still unreachable is a clean end too.
    /// In a `ServiceGroup`, put the client before the services that publish through it:
    /// they stop first, so their last messages (an `offline` state) still go out.
    public func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                try await self.connect()
            }
        } catch let error as MosquittoError where error.code == .cancelled {
            // Shut down before the broker could be reached.
        } catch {
            await disconnect()
            throw error
        }
        try? await gracefulShutdown()
        await disconnect()
    }
}
