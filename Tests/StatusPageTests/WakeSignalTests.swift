import Testing

@testable import StatusPage

/// The one-waiter wake-up of the publisher, the writers and the scan loop: a signal is never lost, a
/// deadline that passed wakes at once, cancellation wakes.
@Suite("WakeSignal: one waiter, signals never lost")
struct WakeSignalTests {
    @Test("a signal before the wait is kept for it; one signal wakes one wait")
    func signalKept() async {
        let signal = WakeSignal()
        signal.signal()
        signal.signal()
        await signal.wait(until: nil)
        await signal.wait(until: ContinuousClock.now - .seconds(1))
    }

    @Test("a signal from another task wakes a wait without a deadline")
    func signalWakes() async {
        let signal = WakeSignal()
        let signaller = Task {
            try? await Task.sleep(for: .milliseconds(20))
            signal.signal()
        }
        await signal.wait(until: nil)
        await signaller.value
    }

    @Test("cancelling the waiting task wakes it")
    func cancellation() async {
        let signal = WakeSignal()
        let waiter = Task { await signal.wait(until: nil) }
        waiter.cancel()
        await waiter.value
    }
}
