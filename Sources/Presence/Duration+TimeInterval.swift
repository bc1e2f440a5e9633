import Foundation

extension Duration {
    /// The duration in seconds, for arithmetic with `Date`.
    public var timeInterval: TimeInterval {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) * 1e-18
    }
}
