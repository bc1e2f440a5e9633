/// nmap's `<runstats>`: how long the run took and how many addresses were up, down and scanned.
public struct RunStats: Sendable, Hashable, Codable {
    /// Seconds nmap reports in `<finished elapsed=...>`.
    public var elapsed: Double
    public var up: Int
    public var down: Int
    public var total: Int

    public init(elapsed: Double = 0, up: Int = 0, down: Int = 0, total: Int = 0) {
        self.elapsed = elapsed
        self.up = up
        self.down = down
        self.total = total
    }
}
