/// Waiters for one kind of broker acknowledgement (PUBACK, SUBACK, UNSUBACK), keyed by message id.
///
/// libmosquitto can deliver an acknowledgement before the caller has parked its waiter (the ack
/// races the return of `mosquitto_publish`). So a caller is first admitted (it takes a ticket and
/// counts as "unparked"), then makes the C call, then parks. An ack without a waiter is kept as
/// "early" only while some admitted caller has not parked yet; otherwise nobody can ever claim it
/// (a QoS 0 publish, a cancelled wait, a restored subscription) and it is dropped. An early ack is
/// stamped: a caller accepts it only if it arrived after the caller's own ticket, so an ack left
/// over from an earlier use of the same id (ids wrap at 65,535) is never mistaken for a new one.
struct AckTable<Waiter: Sendable>: Sendable {
    typealias Outcome = Result<Void, MosquittoError>

    private var waiters: [Int32: Waiter] = [:]
    private var early: [Int32: (outcome: Outcome, stamp: UInt64)] = [:]
    /// Ids whose wait was cancelled before its waiter was parked, with the caller's ticket.
    private var cancelledEarly: [Int32: UInt64] = [:]
    /// Admitted callers that have not parked (or withdrawn) yet.
    private(set) var unparked = 0
    /// Acknowledgements seen so far.
    private var stamp: UInt64 = 0

    var waiting: Int { waiters.count }

    /// A caller is about to make the C call; returns its ticket.
    mutating func admit() -> UInt64 {
        unparked += 1
        return stamp
    }

    /// The admitted caller's C call failed: it will not park.
    mutating func withdraw() {
        leaveUnparked()
    }

    /// Parks a waiter for `mid`, or returns the outcome if it already arrived after `ticket`.
    mutating func park(_ mid: Int32, ticket: UInt64, _ waiter: Waiter) -> Outcome? {
        defer { leaveUnparked() }
        if let cancelledTicket = cancelledEarly.removeValue(forKey: mid), cancelledTicket == ticket {
            early.removeValue(forKey: mid)
            return .failure(AckTable.cancelled)
        }
        if let arrived = early.removeValue(forKey: mid), arrived.stamp > ticket {
            return arrived.outcome
        }
        waiters[mid] = waiter
        return nil
    }

    /// Records an outcome; returns the waiter to resume (after the lock is released), if any.
    mutating func complete(_ mid: Int32, _ outcome: Outcome) -> Waiter? {
        stamp &+= 1
        if let waiter = waiters.removeValue(forKey: mid) {
            return waiter
        }
        if unparked > 0 {
            early[mid] = (outcome, stamp)
        }
        return nil
    }

    /// Takes the waiter of a cancelled wait; a later outcome for `mid` is dropped.
    mutating func cancel(_ mid: Int32, ticket: UInt64) -> Waiter? {
        if let waiter = waiters.removeValue(forKey: mid) {
            return waiter
        }
        if unparked > 0 {
            cancelledEarly[mid] = ticket
        }
        return nil
    }

    /// The connection is gone: every parked waiter fails. An early outcome stays for its caller.
    mutating func failAll() -> [Waiter] {
        let all = Array(waiters.values)
        waiters.removeAll()
        return all
    }

    static var cancelled: MosquittoError {
        MosquittoError(.cancelled, "the wait for the broker's acknowledgement was cancelled")
    }

    private mutating func leaveUnparked() {
        unparked -= 1
        if unparked == 0 {
            // Nobody is between admission and parking: nothing kept can be claimed any more.
            early.removeAll(keepingCapacity: true)
            cancelledEarly.removeAll(keepingCapacity: true)
        }
    }
}
