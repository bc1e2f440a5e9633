import Testing

@testable import Mosquitto

/// The client's state machine on its own: no broker, no thread, no continuation. Each test feeds it
/// the events libmosquitto and the API would, and checks the state and the actions it returns.
@Suite struct ClientStateMachineTests {
    /// Stands in for a continuation: the tests check which waiter is resumed with what.
    struct Waiter: Hashable, Sendable {
        let id: Int
        init(_ id: Int) { self.id = id }
    }

    typealias Machine = ClientStateMachine<Waiter>

    let start = ContinuousClock.now

    func makeMachine(_ protocolVersion: MQTTProtocolVersion = .v5) -> Machine {
        Machine(
            settings: .init(
                brokerName: "mqtt://127.0.0.1:1883", protocolVersion: protocolVersion,
                minimumReconnectDelay: .seconds(1), maximumReconnectDelay: .seconds(8)))
    }

    /// A machine whose broker accepted the connection and whose loop pass announced it.
    func connectedMachine(sessionPresent: Bool = false) -> Machine {
        var machine = makeMachine()
        #expect(machine.connect() == .startLoopThread)
        _ = machine.connackReceived(.success, sessionPresent: sessionPresent)
        _ = machine.loopPassEnded(now: start)
        return machine
    }

    func ticket(_ admission: Machine.Admission) throws -> UInt64 {
        guard case .admitted(let ticket) = admission else {
            Issue.record("expected an admission, got \(admission)")
            throw MosquittoError(.unknown, "not admitted")
        }
        return ticket
    }

    func failureCode(_ outcome: Result<Void, MosquittoError>?) -> MosquittoError.Code? {
        if case .failure(let error) = outcome { return error.code }
        return nil
    }

    // MARK: - Transitions

    @Test func connectStartsTheLoopThreadOnceAndTheConnectionIsAnnouncedAfterTheLoopPass() {
        var machine = makeMachine()
        #expect(machine.state == .initial)
        #expect(machine.connect() == .startLoopThread)
        #expect(machine.connect() == .none)
        #expect(machine.state == .connecting(connack: nil))
        #expect(machine.waitForConnection(id: 1, isCancelled: false, Waiter(1)) == nil)

        // on_connect runs before libmosquitto marks the connection active: not connected yet.
        guard case .none = machine.connackReceived(.success, sessionPresent: true) else {
            Issue.record("an accepted CONNACK needs no action")
            return
        }
        #expect(machine.state == .connecting(connack: true))
        #expect(!machine.isConnected)
        #expect(machine.publish(awaitingAck: false) == .refused(MosquittoError(.notConnected, "not connected to the broker; nothing was sent")))

        let pass = machine.loopPassEnded(now: start)
        #expect(pass.announce?.sessionPresent == true)
        #expect(pass.announce?.waiters == [Waiter(1)])
        #expect(!pass.stop)
        #expect(machine.state == .connected(sessionPresent: true))
        #expect(machine.isConnected)
        // Later passes announce nothing more.
        #expect(machine.loopPassEnded(now: start).announce == nil)
        #expect(machine.waitForConnection(id: 2, isCancelled: false, Waiter(2)).map { (try? $0.get()) != nil } == true)
    }

    @Test func aRefusedConnackFailsTheFirstConnectButNotAWaitAfterAnEarlierConnection() {
        var machine = makeMachine(.v311)
        _ = machine.connect()
        _ = machine.waitForConnection(id: 1, isCancelled: false, Waiter(1))
        guard case .refused(let error, let text, let failing) = machine.connackReceived(MQTTReasonCode(rawValue: 5), sessionPresent: false) else {
            Issue.record("a CONNACK with code 5 must be a refusal")
            return
        }
        #expect(error.code == .connectionRefused && error.isBrokerRejection)
        #expect(error.reasonCode == 5)
        #expect(text.lowercased().contains("authori"))
        #expect(failing.map(\.waiter) == [Waiter(1)])

        var reconnected = connectedMachine()
        _ = reconnected.disconnected(.connectionLost)
        _ = reconnected.waitForConnection(id: 7, isCancelled: false, Waiter(7))
        guard case .refused(_, _, let none) = reconnected.connackReceived(MQTTReasonCode(rawValue: 0x87), sessionPresent: false) else {
            Issue.record("0x87 must be a refusal")
            return
        }
        #expect(none.isEmpty, "after a connection that worked, a refusal is retried, not thrown")
    }

    @Test func anUnexpectedDisconnectFailsEveryPendingAcknowledgementAndIsReported() throws {
        var machine = connectedMachine()
        let publishTicket = try ticket(machine.publish(awaitingAck: true))
        #expect(machine.queued(.publish, mid: 1, ticket: publishTicket, Waiter(1)) == nil)
        let subscribeTicket = try ticket(machine.subscribe())
        #expect(machine.queued(.subscribe, mid: 2, ticket: subscribeTicket, Waiter(2)) == nil)

        let action = machine.disconnected(.connectionLost)
        #expect(action.wasConnected && !action.expected)
        #expect(Set(action.failing.map(\.waiter)) == [Waiter(1), Waiter(2)])
        #expect(action.failing.allSatisfy { failureCode($0.outcome) == .connectionLost })
        #expect(machine.state == .connecting(connack: nil))
        #expect(!machine.isConnected)
        // A second disconnect (the loop's own failure) is not announced again.
        #expect(!machine.disconnected(.connectionLost).wasConnected)
    }

    // MARK: - Reconnect and backoff

    @Test func failedAttemptsBackOffExponentiallyUpToTheMaximumAndAreReportedOncePerAttempt() {
        var machine = makeMachine()
        _ = machine.connect()
        var delays: [Duration] = []
        for attempt in 1...6 {
            guard case .retry(let delay, let report, let failing) = machine.loopFailed(.errno) else {
                Issue.record("attempt \(attempt) must retry")
                return
            }
            #expect(report?.code == .network, "attempt \(attempt) is reported")
            #expect(failing.isEmpty)
            #expect(machine.state == .backingOff(attempt: attempt, delay: delay))
            delays.append(delay)
            #expect(machine.retryDue() == true)
            #expect(machine.state == .connecting(connack: nil))
        }
        #expect(delays == [.seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(8), .seconds(8)])

        // A refused CONNACK already reported the attempt: the loop's failure that follows is not reported twice.
        _ = machine.connackReceived(MQTTReasonCode(rawValue: 0x86), sessionPresent: false)
        guard case .retry(_, let report, _) = machine.loopFailed(.connectionLost) else {
            Issue.record("must retry")
            return
        }
        #expect(report == nil)
    }

    @Test func aSuccessfulConnectionResetsTheBackoff() {
        var machine = makeMachine()
        _ = machine.connect()
        for _ in 1...3 {
            _ = machine.loopFailed(.errno)
            _ = machine.retryDue()
        }
        _ = machine.connackReceived(.success, sessionPresent: false)
        _ = machine.loopPassEnded(now: start)
        _ = machine.disconnected(.connectionLost)
        guard case .retry(let delay, _, _) = machine.loopFailed(.connectionLost) else {
            Issue.record("must retry")
            return
        }
        #expect(delay == .seconds(1))
    }

    @Test func aTLSFailureFailsTheFirstConnectAtOnceAndCarriesWhatTheLibraryLogged() {
        var machine = makeMachine()
        _ = machine.connect()
        _ = machine.waitForConnection(id: 1, isCancelled: false, Waiter(1))
        machine.problemLogged("OpenSSL Error: certificate verify failed")
        guard case .retry(_, let report, let failing) = machine.loopFailed(.tls) else {
            Issue.record("must retry")
            return
        }
        #expect(report?.code == .tls)
        #expect(report?.message.contains("certificate verify failed") == true)
        #expect(failing.map(\.waiter) == [Waiter(1)])
        #expect(failing.allSatisfy { failureCode($0.outcome) == .tls })
    }

    @Test func aReconnectWithoutSessionRestoresTheGrantedSubscriptionsAndOneWithSessionDoesNot() throws {
        var machine = connectedMachine()
        let subscribed = try ticket(machine.subscribe())
        #expect(machine.queued(.subscribe, mid: 1, ticket: subscribed, Waiter(1)) == nil)
        #expect(machine.acknowledgedInPass(.subscribe, mid: 1, .success(())) == Waiter(1))
        machine.subscriptionGranted("b/#", qos: .atLeastOnce)
        machine.subscriptionGranted("a/+", qos: .atMostOnce)
        _ = machine.unsubscribe("b/#")
        machine.subscriptionGranted("c", qos: .exactlyOnce)

        _ = machine.disconnected(.connectionLost)
        _ = machine.loopFailed(.connectionLost)
        _ = machine.retryDue()
        _ = machine.connackReceived(.success, sessionPresent: false)
        let restored = machine.loopPassEnded(now: start).resubscribe
        #expect(restored.map(\.filter) == ["a/+", "c"])
        #expect(restored.map(\.qos) == [.atMostOnce, .exactlyOnce])

        _ = machine.disconnected(.connectionLost)
        _ = machine.loopFailed(.connectionLost)
        _ = machine.retryDue()
        _ = machine.connackReceived(.success, sessionPresent: true)
        #expect(machine.loopPassEnded(now: start).resubscribe.isEmpty)
    }

    // MARK: - Acknowledgements

    @Test func acksOfOnePassAreResumedTogetherWhenThePassEndsHoweverItEnds() throws {
        var machine = connectedMachine()
        for mid in Int32(1)...4 {
            let ticket = try ticket(machine.publish(awaitingAck: true))
            #expect(machine.queued(.publish, mid: mid, ticket: ticket, Waiter(Int(mid))) == nil)
        }
        machine.acknowledged(.publish, mid: 1, .success(()))
        machine.acknowledged(.publish, mid: 2, .success(()))
        #expect(machine.loopPassEnded(now: start).resume.map(\.waiter) == [Waiter(1), Waiter(2)])
        #expect(machine.loopPassEnded(now: start).resume.isEmpty, "each waiter is resumed once")

        // A pass that fails after an ack came: the ack is not lost, nor turned into a failure.
        machine.acknowledged(.publish, mid: 3, .success(()))
        _ = machine.disconnected(.connectionLost)
        guard case .retry(_, _, let resumed) = machine.loopFailed(.connectionLost) else {
            Issue.record("must retry")
            return
        }
        #expect(resumed.map(\.waiter) == [Waiter(3)])
        #expect(resumed.allSatisfy { (try? $0.outcome.get()) != nil })

        // An ack in the very last pass reaches its waiter when the loop ends.
        _ = machine.retryDue()
        _ = machine.connackReceived(.success, sessionPresent: true)
        _ = machine.loopPassEnded(now: start)
        let ticket = try ticket(machine.publish(awaitingAck: true))
        #expect(machine.queued(.publish, mid: 5, ticket: ticket, Waiter(5)) == nil)
        _ = machine.shutdown(now: start)
        machine.acknowledged(.publish, mid: 5, .success(()))
        let finish = machine.loopEnded()
        #expect(finish.resume.first?.waiter == Waiter(5))
        #expect(finish.resume.first.map { (try? $0.outcome.get()) != nil } == true)
    }

    @Test func anAckThatArrivesBeforeThePublisherParksIsHandedToIt() throws {
        var machine = connectedMachine()
        let ticket = try ticket(machine.publish(awaitingAck: true))
        // on_publish races the return of mosquitto_publish.
        #expect(machine.acknowledgedInPass(.publish, mid: 9, .success(())) == nil)
        let early = machine.queued(.publish, mid: 9, ticket: ticket, Waiter(9))
        #expect(early.map { (try? $0.get()) != nil } == true)
    }

    @Test func anAckNobodyCanClaimIsDroppedSoALaterUseOfTheIdWaitsForItsOwn() throws {
        var machine = connectedMachine()
        // A QoS 0 publish is never admitted into the table: its on_publish is dropped.
        #expect(machine.publish(awaitingAck: false) == .send)
        #expect(machine.acknowledgedInPass(.publish, mid: 5, .success(())) == nil)
        let later = try ticket(machine.publish(awaitingAck: true))
        #expect(machine.queued(.publish, mid: 5, ticket: later, Waiter(5)) == nil, "the old ack for id 5 must not complete the new publish")
        #expect(machine.acknowledgedInPass(.publish, mid: 5, .success(())) == Waiter(5))
    }

    @Test func anAckLeftFromBeforeACallersTicketIsNotTakenForItsOwn() throws {
        var machine = connectedMachine()
        let first = try ticket(machine.publish(awaitingAck: true))
        // While the first publisher is between its C call and parking, an ack for id 3 arrives
        // (left over from an earlier use of the id): kept, since someone might claim it.
        #expect(machine.acknowledgedInPass(.publish, mid: 3, .success(())) == nil)
        let second = try ticket(machine.publish(awaitingAck: true))
        #expect(machine.queued(.publish, mid: 3, ticket: second, Waiter(3)) == nil, "an ack older than the ticket is not this caller's")
        #expect(machine.queued(.publish, mid: 4, ticket: first, Waiter(4)) == nil)
        #expect(machine.acknowledgedInPass(.publish, mid: 3, .success(())) == Waiter(3))
        #expect(machine.acknowledgedInPass(.publish, mid: 4, .success(())) == Waiter(4))
    }

    @Test func aRejectionReachesItsWaiterAndAFailedCallWithdrawsItsAdmission() throws {
        var machine = connectedMachine()
        let withdrawn = try ticket(machine.publish(awaitingAck: true))
        _ = withdrawn
        machine.notQueued(.publish)
        // Nobody is between admission and parking any more: a stray ack is dropped.
        #expect(machine.acknowledgedInPass(.publish, mid: 1, .success(())) == nil)
        let ticket = try ticket(machine.publish(awaitingAck: true))
        #expect(machine.queued(.publish, mid: 1, ticket: ticket, Waiter(1)) == nil)
        let rejected = MosquittoError(.publishRejected, "the broker rejected the message: not authorised", reasonCode: 0x87)
        #expect(machine.acknowledgedInPass(.publish, mid: 1, .failure(rejected)) == Waiter(1))
    }

    @Test func acksAfterAReconnectGoToTheNewWaitersNotTheFailedOnes() throws {
        var machine = connectedMachine()
        let before = try ticket(machine.publish(awaitingAck: true))
        #expect(machine.queued(.publish, mid: 1, ticket: before, Waiter(1)) == nil)
        let failed = machine.disconnected(.connectionLost).failing
        #expect(failed.map(\.waiter) == [Waiter(1)])
        // libmosquitto sends the kept message again after the reconnect and its PUBACK comes: nobody waits.
        _ = machine.loopFailed(.connectionLost)
        _ = machine.retryDue()
        _ = machine.connackReceived(.success, sessionPresent: true)
        _ = machine.loopPassEnded(now: start)
        #expect(machine.acknowledgedInPass(.publish, mid: 1, .success(())) == nil)
        let after = try ticket(machine.publish(awaitingAck: true))
        #expect(machine.queued(.publish, mid: 2, ticket: after, Waiter(2)) == nil)
        #expect(machine.acknowledgedInPass(.publish, mid: 2, .success(())) == Waiter(2))
    }

    @Test func aCancelledWaitGetsItsWaiterBackAndItsLaterAckIsDropped() throws {
        var machine = connectedMachine()
        let ticket = try ticket(machine.publish(awaitingAck: true))
        #expect(machine.queued(.publish, mid: 4, ticket: ticket, Waiter(4)) == nil)
        #expect(machine.cancelWait(.publish, mid: 4, ticket: ticket) == Waiter(4))
        #expect(machine.acknowledgedInPass(.publish, mid: 4, .success(())) == nil)

        // Cancelled before parking: parking answers "cancelled" at once.
        let early = try self.ticket(machine.publish(awaitingAck: true))
        #expect(machine.cancelWait(.publish, mid: 6, ticket: early) == nil)
        #expect(failureCode(machine.queued(.publish, mid: 6, ticket: early, Waiter(6))) == .cancelled)
    }

    @Test func aCancelledConnectionWaitIsRemovedAndAnAlreadyCancelledOneIsNotParked() {
        var machine = makeMachine()
        _ = machine.connect()
        #expect(machine.waitForConnection(id: 1, isCancelled: false, Waiter(1)) == nil)
        #expect(machine.cancelConnectionWait(id: 1) == Waiter(1))
        #expect(machine.cancelConnectionWait(id: 1) == nil)
        #expect(failureCode(machine.waitForConnection(id: 2, isCancelled: true, Waiter(2))) == .cancelled)
        _ = machine.connackReceived(.success, sessionPresent: false)
        #expect(machine.loopPassEnded(now: start).announce?.waiters.isEmpty == true)
    }

    // MARK: - Shutdown

    @Test func shutdownWhilePublishingFailsTheWaitersWhenTheLoopEndsAndRefusesNewWork() throws {
        var machine = connectedMachine()
        let ticket = try ticket(machine.publish(awaitingAck: true))
        #expect(machine.queued(.publish, mid: 1, ticket: ticket, Waiter(1)) == nil)
        let admittedBeforeShutdown = try self.ticket(machine.publish(awaitingAck: true))

        #expect(machine.shutdown(now: start) == true)
        #expect(machine.state == .shuttingDown(since: start, connected: true))
        #expect(machine.isConnected, "still connected until DISCONNECT is written")
        #expect(machine.shutdown(now: start) == false, "a second disconnect() does not wait")
        #expect(machine.waitForFinish(Waiter(100)) == true)
        #expect(machine.publish(awaitingAck: false) == .refused(MosquittoError(.shutDown, "this MQTT client was disconnected")))
        #expect(machine.subscribe() == .refused(MosquittoError(.shutDown, "this MQTT client was disconnected")))
        #expect(machine.connect() == .fail(MosquittoError(.shutDown, "this MQTT client was disconnected; create a new one to connect again")))

        // The loop keeps running until DISCONNECT is written, within the grace period.
        #expect(!machine.loopPassEnded(now: start + .seconds(1)).stop)
        #expect(machine.loopPassEnded(now: start + .seconds(3)).stop)

        // Our own DISCONNECT, once written, ends the connection: expected.
        let disconnect = machine.disconnected(.success)
        #expect(disconnect.expected && disconnect.wasConnected)
        #expect(disconnect.failing.map(\.waiter) == [Waiter(1)])
        #expect(disconnect.failing.allSatisfy { failureCode($0.outcome) == .shutDown })
        #expect(!machine.isConnected)
        guard case .stop = machine.loopFailed(.noConnection) else {
            Issue.record("a failure while shutting down ends the loop")
            return
        }
        // The publisher admitted before the shutdown parks after the loop ended: it hears so.
        let finish = machine.loopEnded()
        #expect(finish.finishWaiters == [Waiter(100)])
        #expect(machine.state == .finished)
        #expect(machine.waitForFinish(Waiter(101)) == false)
        #expect(failureCode(machine.queued(.publish, mid: 2, ticket: admittedBeforeShutdown, Waiter(2))) == .shutDown)
    }

    @Test func aShutdownDuringBackoffEndsTheLoopInsteadOfRetrying() {
        var machine = makeMachine()
        _ = machine.connect()
        _ = machine.waitForConnection(id: 1, isCancelled: false, Waiter(1))
        _ = machine.loopFailed(.errno)
        #expect(machine.shutdown(now: start) == true)
        #expect(machine.retryDue() == false)
        let finish = machine.loopEnded()
        #expect(finish.resume.map(\.waiter) == [Waiter(1)])
        #expect(finish.resume.allSatisfy { failureCode($0.outcome) == .shutDown })
    }

    @Test func shutdownBeforeConnectNeedsNoThreadAndConnectAfterItFails() {
        var machine = makeMachine()
        #expect(machine.shutdown(now: start) == false)
        #expect(machine.state == .finished)
        #expect(machine.waitForFinish(Waiter(1)) == false)
        guard case .fail(let error) = machine.connect() else {
            Issue.record("connect() after disconnect() must fail")
            return
        }
        #expect(error.code == .shutDown)
    }

    // MARK: - Events in the wrong state

    @Test func eventsInTheWrongStateChangeNothing() throws {
        var machine = makeMachine()
        // Before connect(): the API refuses, callbacks that cannot happen yet change nothing.
        #expect(machine.publish(awaitingAck: true) == .refused(MosquittoError(.notConnected, "not connected: call connect() first")))
        #expect(machine.subscribe() == .refused(MosquittoError(.notConnected, "not connected: call connect() first")))
        #expect(failureCode(machine.waitForConnection(id: 1, isCancelled: false, Waiter(1))) == .shutDown)
        _ = machine.connackReceived(.success, sessionPresent: false)
        #expect(machine.state == .initial)
        #expect(machine.loopPassEnded(now: start).announce == nil)
        #expect(machine.acknowledgedInPass(.publish, mid: 1, .success(())) == nil)
        #expect(machine.state == .initial)
        guard case .stop = machine.loopFailed(.errno) else {
            Issue.record("no retry before connect()")
            return
        }
        #expect(machine.retryDue() == false)

        // While connected, a second CONNACK or a retry tick changes nothing.
        var connected = connectedMachine(sessionPresent: true)
        _ = connected.connackReceived(.success, sessionPresent: false)
        #expect(connected.state == .connected(sessionPresent: true))
        #expect(connected.loopPassEnded(now: start).announce == nil)

        // After the end, late callbacks are ignored.
        _ = connected.shutdown(now: start)
        _ = connected.loopEnded()
        _ = connected.connackReceived(.success, sessionPresent: false)
        #expect(!connected.disconnected(.connectionLost).wasConnected)
        #expect(connected.state == .finished)
    }

    @Test func onlyTheFirstDroppedMessageIsReported() {
        var machine = connectedMachine()
        #expect(machine.messageDropped() == true)
        #expect(machine.messageDropped() == false)
    }

    @Test func returnCodesBecomeTheModulesErrors() {
        #expect(MosquittoReturnCode.noConnection.error("publishing", topic: "a").code == .notConnected)
        #expect(MosquittoReturnCode.connectionLost.error("publishing").code == .connectionLost)
        #expect(MosquittoReturnCode.tls.error("connecting").code == .tls)
        #expect(MosquittoReturnCode.invalid.error("subscribing").code == .invalidArgument)
        #expect(MosquittoReturnCode.success.isSuccess && !MosquittoReturnCode.errno.isSuccess)
        #expect(throws: MosquittoError.self) { try MosquittoReturnCode.noConnection.check("publishing") }
        #expect(MQTTReasonCode(rawValue: 16).isFailure == false, "no matching subscribers is success")
        #expect(MQTTReasonCode(rawValue: 0x87).isFailure)
        #expect(MQTTReasonCode(rawValue: 5).connackText(protocolVersion: .v311) != MQTTReasonCode(rawValue: 5).connackText(protocolVersion: .v5))
    }
}

extension ClientStateMachine {
    /// An acknowledgement, then the end of the loop pass it came in: the waiter resumed, if any.
    mutating func acknowledgedInPass(_ kind: AckKind, mid: Int32, _ outcome: Outcome) -> Waiter? {
        acknowledged(kind, mid: mid, outcome)
        let resumed = loopPassEnded(now: .now).resume
        precondition(resumed.count <= 1, "one acknowledgement resumes at most one waiter")
        return resumed.first?.waiter
    }
}
