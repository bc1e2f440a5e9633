/// Waiters for broker acknowledgements, keyed by MQTT message id.
///
/// libmosquitto can deliver an acknowledgement before the caller has stored its waiter (the ack
/// races the return of `mosquitto_publish`), so an ack without a waiter is kept as "early", stamped
/// with a sequence number: a waiter accepts an early ack only if it arrived after its own call
/// started, so an ack left over from an earlier use of the same id (ids wrap at 65,535) is never
/// mistaken for a new one.
struct AckTable<Value: Sendable>: Sendable {
    typealias Outcome = Result<Value, MosquittoError>
    typealias Waiter = CheckedContinuation<Outcome, Never>

    private var waiters: [Int32: Waiter] = [:]
    private var early: [Int32: (outcome: Outcome, stamp: UInt64)] = [:]
    /// Ids whose outcome nobody awaits (QoS 0, cancelled waits).
    private var abandoned: Set<Int32> = []
    /// Ids whose wait was cancelled before its waiter was parked.
    private var cancelledEarly: [Int32: UInt64] = [:]
    private(set) var stamp: UInt64 = 0

    /// Parks a waiter, or returns the outcome if it already arrived after `ticket`.
    mutating func park(_ mid: Int32, ticket: UInt64, _ waiter: Waiter) -> Outcome? {
        if let cancelledTicket = cancelledEarly.removeValue(forKey: mid), cancelledTicket == ticket {
            if early.removeValue(forKey: mid) == nil { abandoned.insert(mid) }
            return .failure(MosquittoError(.cancelled, "the wait for the broker's acknowledgement was cancelled"))
        }
        if let arrived = early.removeValue(forKey: mid), arrived.stamp >= ticket {
            return arrived.outcome
        }
        waiters[mid] = waiter
        return nil
    }

    /// Nobody will wait for `mid` (fire and forget): drop its outcome whenever it comes.
    mutating func abandon(_ mid: Int32, ticket: UInt64) {
        if let arrived = early.removeValue(forKey: mid), arrived.stamp >= ticket {
            return
        }
        abandoned.insert(mid)
    }

    /// Records an outcome; returns the waiter to resume (after the lock is released), if any.
    mutating func complete(_ mid: Int32, _ outcome: Outcome) -> Waiter? {
        stamp &+= 1
        if let waiter = waiters.removeValue(forKey: mid) {
            return waiter
        }
        if abandoned.remove(mid) != nil {
            return nil
        }
        early[mid] = (outcome, stamp)
        return nil
    }

    /// Takes the waiter of a cancelled wait; a later outcome for `mid` is dropped.
    mutating func cancel(_ mid: Int32, ticket: UInt64) -> Waiter? {
        if let waiter = waiters.removeValue(forKey: mid) {
            abandoned.insert(mid)
            return waiter
        }
        cancelledEarly[mid] = ticket
        return nil
    }

    /// The connection is gone: every waiter fails; nothing old stays abandoned.
    mutating func failAll() -> [Waiter] {
        let all = Array(waiters.values)
        waiters.removeAll()
        abandoned.removeAll()
        cancelledEarly.removeAll()
        return all
    }
}
