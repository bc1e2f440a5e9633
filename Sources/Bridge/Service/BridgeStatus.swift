import Foundation
import Presence

/// The bridge's mutable state, held in one `Mutex` by ``BridgeService``: the presence engine and
/// what `bridge/info` reports about the scans.
struct BridgeStatus: Sendable {
    var engine: PresenceEngine
    var lastScanStart: Date?
    var lastScanDuration: Double?
    var lastScanOK: Bool?
    var hostsUp: Int?
    var lastError: String?
    /// When the state file was last written.
    var lastSaved: ContinuousClock.Instant?
    /// Addresses already logged as "up but no MAC", so each is logged once.
    var loggedWithoutMAC: Set<String> = []
}
