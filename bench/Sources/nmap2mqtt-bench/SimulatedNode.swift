import Foundation
import Presence

/// One daemon of the simulated household: the real `PresenceEngine` over its segment, what it retains on
/// its node topics, and its own `Household` of the other nodes, as the broker delivered them.
struct SimulatedNode {
    let id: String
    /// The devices this node's scans can see (indices into the simulation's devices).
    let coverage: [Int]
    var engine: PresenceEngine
    /// The simulated time at which this run of the daemon started: its monotonic clock reads zero then.
    var runStart: Double
    var alive = true
    /// When the next scan starts; scans run one at a time, `scanInterval` apart.
    var nextScan: Double
    /// When the engine asked to be asked again (simulated seconds); nil: after the next scan.
    var wakeAt: Double?
    /// This node's node topics: its view of each device, by the mirror rule.
    var view: ShownDevices
    /// Devices it restored and had not seen yet when it last published its view (`"confirmed": false`).
    var statedUnconfirmed: Set<String> = []
    var household: Household

    init(id: String, coverage: [Int], engine: PresenceEngine, at start: Double, lastSeenRefresh: Double) {
        self.id = id
        self.coverage = coverage
        self.engine = engine
        runStart = start
        nextScan = start
        view = ShownDevices(lastSeenRefresh: lastSeenRefresh)
        household = Household(selfID: id)
    }

    /// The moment `time` as this run of the daemon sees it.
    func moment(_ time: Double, origin: Date) -> Moment {
        Moment(elapsed: time - runStart, wall: origin.addingTimeInterval(time))
    }
}
