import Foundation
import Presence
import StatusPage

/// The bridge's mutable state, held in one `Mutex` by ``BridgeState``.
struct BridgeStatus: Sendable {
    var engine: PresenceEngine
    /// What the broker was last told about each device (publish only what a user would notice).
    var mirror: DeviceMirror
    /// The number of the last event published (1, 2, 3, ... over the bridge's life).
    var eventSequence: UInt64
    /// The most recent scan of any target (its round: all its chunks).
    var lastScanStart: Date?
    var lastScanDuration: Double?
    /// Each target's last scan start and duration, by target index.
    var targetScanStart: [Int: Date] = [:]
    var targetScanDuration: [Int: Double] = [:]
    var lastScanOK: Bool?
    var hostsUp: Int?
    var lastError: String?
    /// When the state file was last asked to be written.
    var lastSaved: ContinuousClock.Instant?
    /// Addresses already logged as "up but no MAC", so each is logged once.
    var loggedWithoutMAC: Set<String> = []

    // What the status page shows beyond the engine.
    /// State changes of the last days, and when the bridge watched (the page's timelines).
    var history: PresenceHistory
    /// This node's household: its role, the other nodes' views, what it last stated of the merge.
    var household: HouseholdStatus
    /// When each device last changed state (this run, or from the history).
    var since: [String: Date] = [:]
    /// What last saw each device: `scan`, `re-probe` or `passive`.
    var lastSource: [String: String] = [:]
    /// The latest departures, newest first, at most ``BridgeState/departuresKept``.
    var departures: [Departure] = []
    var lastSuccessfulScanAt: Date?
    var brokerConnected = false
}

extension BridgeStatus {
    /// A scan of `target` ended: it is the most recent scan, and that target's last.
    mutating func scanned(target: Int, start: Date, duration: Double) {
        lastScanStart = start
        lastScanDuration = duration
        targetScanStart[target] = start
        targetScanDuration[target] = duration
    }
}
