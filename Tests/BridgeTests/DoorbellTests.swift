import Testing

@testable import Bridge

/// The scan loop's wake-up: a ring is never lost, a deadline that passed wakes at once, cancellation wakes.
@Suite("Doorbell: the scan loop's wake-up")
struct DoorbellTests {
    @Test("a ring before the wait is kept for it; one ring wakes one wait")
    func ringKept() async {
        let doorbell = Doorbell()
        doorbell.ring()
        doorbell.ring()
        await doorbell.wait(until: nil)
        await doorbell.wait(until: ContinuousClock.now - .seconds(1))
    }

    @Test("a ring from another task wakes a wait without a deadline")
    func ringWakes() async {
        let doorbell = Doorbell()
        let ringer = Task {
            try? await Task.sleep(for: .milliseconds(20))
            doorbell.ring()
        }
        await doorbell.wait(until: nil)
        await ringer.value
    }

    @Test("cancelling the waiting task wakes it")
    func cancellation() async {
        let doorbell = Doorbell()
        let waiter = Task { await doorbell.wait(until: nil) }
        waiter.cancel()
        await waiter.value
    }
}
