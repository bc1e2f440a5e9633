import Foundation
import Presence

/// The bridge's mutable state, held in one `Mutex` by ``BridgeState``.
struct BridgeStatus: Sendable {
    var engine: PresenceEngine
    /// What the broker was last told about each device (publish only what a user would notice).
    var mirror: DeviceMirror
    /// The number of the last event published (1, 2, 3, ... over the bridge's life).
    var eventSequence: UInt64
    var lastScanStart: Date?
    var lastScanDuration: Double?
    var lastScanOK: Bool?
    var hostsUp: Int?
    var lastError: String?
    /// When the state file was last asked to be written.
    var lastSaved: ContinuousClock.Instant?
    /// Addresses already logged as "up but no MAC", so each is logged once.
    var loggedWithoutMAC: Set<String> = []
}
