import Glibc

/// Runs a source's blocking read loop on a thread of its own (never on Swift's cooperative pool),
/// detached: it ends when the loop returns. A pthread rather than `Foundation.Thread`: this module
/// needs nothing else from Foundation.
enum ReaderThread {
    private final class Body {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }

    /// Starts `body`; returns the pthread_create(3) error code, 0 on success.
    static func start(_ body: @escaping @Sendable () -> Void) -> Int32 {
        let context = Unmanaged.passRetained(Body(body)).toOpaque()
        var thread = pthread_t()
        let code = pthread_create(
            &thread, nil,
            { context in
                let body = Unmanaged<Body>.fromOpaque(context!).takeRetainedValue()
                body.run()
                return nil
            }, context)
        guard code == 0 else {
            Unmanaged<Body>.fromOpaque(context).release()
            return code
        }
        pthread_detach(thread)
        return 0
    }
}
