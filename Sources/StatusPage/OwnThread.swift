#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Blocking work (a poll loop, an fsync) on a thread of its own, so it never holds one of the cooperative
/// pool's few threads.
enum OwnThread {
    /// Starts `body` on a new detached thread; `name` says what for, in errors.
    static func start(name: String, _ body: @escaping @Sendable () -> Void) throws(StatusPageError) {
        let context = Unmanaged.passRetained(Context(name: name, body: body)).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(
            &thread, nil,
            { raw in
                let context = Unmanaged<Context>.fromOpaque(raw!).takeRetainedValue()
                context.body()
                return nil
            }, context)
        guard rc == 0 else {
            Unmanaged<Context>.fromOpaque(context).release()
            throw .system(.cannotListen, "cannot start the \(name) thread", errno: rc)
        }
        pthread_detach(thread)
    }

    /// Runs `body` on a new thread and waits for it without blocking the caller's thread. Falls back to
    /// running it in place when no thread can be started.
    static func run<T: Sendable>(name: String, _ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            do {
                try start(name: name) { continuation.resume(returning: body()) }
            } catch {
                continuation.resume(returning: body())
            }
        }
    }

    private final class Context: Sendable {
        let name: String
        let body: @Sendable () -> Void

        init(name: String, body: @escaping @Sendable () -> Void) {
            self.name = name
            self.body = body
        }
    }
}
