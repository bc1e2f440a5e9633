/// Everything mutable about one client, held in one `Mutex` by ``ClientCore``.
/// Methods change state and return what must happen next; the caller acts after unlocking.
struct ClientState: Sendable {
    typealias ConnectWaiter = CheckedContinuation<Result<Void, MosquittoError>, Never>

    enum Phase: Sendable {
        case idle, running, stopping, stopped
    }

    var phase: Phase = .idle
    var connected = false
    /// A CONNACK accepted in the callback, announced after libmosquitto finished handling it.
    var pendingConnack: Bool?
    var everConnected = false
    /// Whether the current connection attempt already told the world how it went.
    var attemptReported = false
    var failedAttempts = 0
    var connectWaiters: [UInt64: ConnectWaiter] = [:]
    var nextWaiterID: UInt64 = 0
    var publishes = AckTable<Void>()
    var subscribeAcks = AckTable<Void>()
    var unsubscribeAcks = AckTable<Void>()
    /// Filters to restore when the broker lost our session.
    var subscriptions: [String: MQTTQoS] = [:]
    var needsResubscribe = false
    /// The last error or warning libmosquitto logged: OpenSSL puts its reasons there.
    var lastLoggedProblem: String?
    var droppedMessages = 0
    var stopWaiters: [CheckedContinuation<Void, Never>] = []
    var stopRequestedAt: ContinuousClock.Instant?

    /// The connection ended: every pending acknowledgement fails.
    mutating func connectionEnded() -> [CheckedContinuation<Result<Void, MosquittoError>, Never>] {
        connected = false
        pendingConnack = nil
        return publishes.failAll() + subscribeAcks.failAll() + unsubscribeAcks.failAll()
    }

    mutating func takeConnectWaiters() -> [ConnectWaiter] {
        let all = Array(connectWaiters.values)
        connectWaiters.removeAll()
        return all
    }
}
