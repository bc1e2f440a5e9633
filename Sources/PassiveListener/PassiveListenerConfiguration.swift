/// How the passive listener listens. Plain values; `PassiveListener.open` checks them.
public struct PassiveListenerConfiguration: Sendable, Equatable {
    public enum SourcePreference: String, Sendable, Hashable, CaseIterable {
        /// The packet socket, or without the privilege for it the kernel's neighbour table.
        case automatic
        /// The packet socket or nothing (opening fails without root or `CAP_NET_RAW`).
        case packetSocket = "packet"
        /// The kernel's neighbour events only (no privilege needed).
        case neighbourTable = "neighbour"
    }

    /// Interfaces to listen on, by name (`eth0`); empty listens on every interface of the network
    /// namespace. Default: `[]` (all).
    public var interfaces: [String]
    /// Which source to use. Default: `.automatic`.
    public var source: SourcePreference
    /// Per MAC, the first sighting in each interval is passed on (plus sightings with news, up to
    /// `burst`). Default: 1 s.
    public var minimumInterval: Duration
    /// At most this many sightings per MAC per `minimumInterval`, when they say something new (another
    /// kind or address). Default: 4.
    public var burst: Int
    /// MACs (and, for the neighbour source, neighbour entries) remembered for rate limiting; past it the
    /// oldest is forgotten, so memory stays bounded whatever arrives. Default: 4096.
    public var trackedAddressLimit: Int
    /// Sightings kept for a consumer that falls behind; the oldest are dropped first. Default: 256.
    public var bufferSize: Int

    public init(
        interfaces: [String] = [], source: SourcePreference = .automatic, minimumInterval: Duration = .seconds(1),
        burst: Int = 4, trackedAddressLimit: Int = 4096, bufferSize: Int = 256
    ) {
        self.interfaces = interfaces
        self.source = source
        self.minimumInterval = minimumInterval
        self.burst = burst
        self.trackedAddressLimit = trackedAddressLimit
        self.bufferSize = bufferSize
    }

    func validate() throws(PassiveListenerError) {
        func invalid(_ value: String, _ message: String) -> PassiveListenerError {
            PassiveListenerError(kind: .invalidSetting, value: value, message: message)
        }
        for name in interfaces {
            // IFNAMSIZ is 16 with the terminator; the kernel refuses "/" and white space in names.
            guard !name.isEmpty, name.utf8.count <= 15, name != ".", name != "..",
                !name.utf8.contains(where: { $0 <= 0x20 || $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: ":") || $0 >= 0x7f })
            else {
                throw invalid(
                    name,
                    "passive listener: interface name '\(name)' is not one Linux allows (1-15 characters, no '/', ':' or spaces); use a name `ip link` shows, or none to listen on all"
                )
            }
        }
        guard minimumInterval > .zero else {
            throw invalid("\(minimumInterval)", "passive listener: minimum interval \(minimumInterval) must be more than zero (the default is 1 s)")
        }
        guard burst >= 1 else {
            throw invalid("\(burst)", "passive listener: burst \(burst) must be at least 1 (the default is 4)")
        }
        guard (1...1_000_000).contains(trackedAddressLimit) else {
            throw invalid(
                "\(trackedAddressLimit)", "passive listener: tracked address limit \(trackedAddressLimit) must be 1...1000000 (the default is 4096)")
        }
        guard (1...1_000_000).contains(bufferSize) else {
            throw invalid("\(bufferSize)", "passive listener: buffer size \(bufferSize) must be 1...1000000 (the default is 256)")
        }
    }
}
