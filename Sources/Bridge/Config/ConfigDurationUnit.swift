/// The unit a bare number means for a duration key.
enum ConfigDurationUnit {
    case seconds, minutes

    var seconds: Double { self == .seconds ? 1 : 60 }
    var plural: String { self == .seconds ? "seconds" : "minutes" }
    var example: String { self == .seconds ? "180" : "10 or 0.5" }
}
