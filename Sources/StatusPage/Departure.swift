#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A device decided away, and why: what a person asks about when the lights went off while they were home.
public struct Departure: Sendable, Equatable {
    /// The device's ``DeviceStatus/id``.
    public var id: String
    /// Its name when it left.
    public var name: String
    /// When it was decided `not_home`.
    public var at: Date
    /// The reason, in words ("not seen since 14:02; re-probe of 192.0.2.7 got no answer while 3 hosts did").
    public var reason: String

    public init(id: String, name: String, at: Date, reason: String) {
        self.id = id
        self.name = name
        self.at = at
        self.reason = reason
    }
}
