/// What one client may cost the server. Every limit bounds memory or time; together they bound the
/// server's memory to about ``maximumConnections`` × ``maximumHeadBytes`` plus one copy of each response
/// (responses are shared between connections).
public struct HTTPLimits: Sendable, Equatable {
    /// Connections served at once; one more is answered 503 and closed at once. Default: 32.
    public var maximumConnections: Int
    /// Time from accepting a connection to having its whole request head; then 408 and close. Default: 10 s.
    public var headerTimeout: Duration
    /// Time for the client to take the whole response; then the connection is closed. Default: 20 s.
    public var writeTimeout: Duration
    /// The longest request line (method, target, version); past it, 414. Default: 8 KiB.
    public var maximumRequestLineBytes: Int
    /// The longest request head (request line and headers); past it, 431. Default: 16 KiB.
    public var maximumHeadBytes: Int
    /// The most header fields; past it, 431. Default: 64.
    public var maximumHeaderCount: Int
    /// After the response, how much of an unread request body is read and dropped before closing (so the
    /// client sees the response rather than a reset), and for how long. Default: 64 KiB, 2 s.
    public var drainBytes: Int
    public var drainTimeout: Duration

    public init(
        maximumConnections: Int = 32,
        headerTimeout: Duration = .seconds(10),
        writeTimeout: Duration = .seconds(20),
        maximumRequestLineBytes: Int = 8 * 1024,
        maximumHeadBytes: Int = 16 * 1024,
        maximumHeaderCount: Int = 64,
        drainBytes: Int = 64 * 1024,
        drainTimeout: Duration = .seconds(2)
    ) {
        self.maximumConnections = max(1, maximumConnections)
        self.headerTimeout = headerTimeout
        self.writeTimeout = writeTimeout
        self.maximumRequestLineBytes = maximumRequestLineBytes
        self.maximumHeadBytes = max(maximumHeadBytes, maximumRequestLineBytes)
        self.maximumHeaderCount = maximumHeaderCount
        self.drainBytes = drainBytes
        self.drainTimeout = drainTimeout
    }
}
