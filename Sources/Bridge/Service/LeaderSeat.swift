import Logging
import Mosquitto
import ServiceLifecycle

/// While this node leads its household, a second, silent connection to the broker whose will is
/// `<base>/bridge/state` `offline`: a connection has one will, and the node's own says the node died
/// (`<base>/nodes/<node>/state`). So when the last node of a household dies, the bridge reads `offline`
/// as it always did; when a leader dies while others live, the next one says `online` again at once.
///
/// It connects when this node becomes the leader and disconnects cleanly (no will) when it stops leading
/// or the bridge stops; in the service group it stops after the publisher's last words.
final class LeaderSeat: Service, Sendable {
    private let state: BridgeState
    private let configuration: MQTTConfiguration
    private let logger: Logger

    init(state: BridgeState, configuration: MQTTConfiguration, logger: Logger) {
        self.state = state
        self.configuration = configuration
        self.logger = logger
    }

    private typealias Seat = (client: MosquittoClient, connecting: Task<Void, Never>)

    func run() async {
        if let seat = await cancelWhenGracefulShutdown({ await self.follow() }) {
            await release(seat)
        }
    }

    /// Takes the seat while this node leads, until cancelled; returns the seat still held.
    private func follow() async -> Seat? {
        var seat: Seat?
        while !Task.isCancelled {
            let leading = state.role == .leader
            if leading, seat == nil {
                seat = take()
            } else if !leading, let taken = seat {
                seat = nil
                await release(taken)
            }
            await state.roleChanged.wait(until: nil)
        }
        return seat
    }

    /// Gives the seat back cleanly, so the broker drops its will. A connection still being made is let
    /// finish first (a few seconds at most): closed mid-way, it could end without a DISCONNECT, and its
    /// will would say `offline` for a household whose leader lives (a moment's leadership, when a will
    /// that was not the leader's arrived, is enough to take the seat).
    private func release(_ seat: Seat) async {
        let connecting = seat.connecting
        let deadline = Task {
            try? await Task.sleep(for: .seconds(3))
            connecting.cancel() // stops the wait for a broker that does not answer, not the client
        }
        await connecting.value
        deadline.cancel()
        await seat.client.disconnect()
    }

    private func take() -> Seat? {
        let client: MosquittoClient
        do {
            client = try MosquittoClient(configuration: configuration, logger: logger)
        } catch {
            logger.error(
                "Cannot make the leader's second connection; if this node dies, bridge/state keeps saying online",
                metadata: ["mqtt.error": "\(error)"])
            return nil
        }
        let logger = self.logger
        let connecting = Task {
            do throws(MosquittoError) {
                try await client.connect()
            } catch  where error.code == .cancelled || error.code == .shutDown {
            } catch {
                logger.warning(
                    "The leader's second connection failed; if this node dies, bridge/state keeps saying online",
                    metadata: ["mqtt.error": "\(error)"])
            }
        }
        return (client, connecting)
    }
}
