import Glibc
import Logging

/// Hears devices join the network, the moment they say so, without asking them anything.
///
/// A device that joins a LAN announces itself: a DHCP DISCOVER or REQUEST broadcast (often with its
/// host name, option 12), ARP probes for the address it wants and an ARP announcement of the one it
/// got, and ARP requests as it starts to talk. The listener hears those on a packet socket whose
/// kernel-side filter passes nothing else (`PacketSocketSource`, `PacketFilter`), decodes them
/// (`PassiveFrameDecoder`), lets through at most about one sighting per MAC per second
/// (`SightingRateLimiter`), and hands them on as `PassiveSighting`s. Without root or `CAP_NET_RAW`
/// it listens to the kernel's neighbour-table events instead (`NeighbourSource`), which need no
/// privilege but only learn of a device once it exchanges a packet with this host.
///
/// It knows nothing of MQTT or presence: whether a MAC is tracked, in range or excluded, and what a
/// sighting changes, is the consumer's business. A sighting only ever means "heard", never "gone".
///
/// Limits, as of any passive source:
/// - Frames are trusted as sent: anyone on the segment can forge a sighting of any MAC and address
///   (so can they fool an ARP scan). The decoder refuses only what no device could send (group or zero
///   MACs, 0.0.0.0 or multicast senders, relayed DHCP).
/// - It hears only its own layer-2 segment, in its own network namespace (a container with its own
///   network hears that network, not the host's), and only frames that reach this host: broadcasts and
///   what is addressed to it, not unicast ARP replies between others (no promiscuous mode). Tagged
///   frames of other VLANs are ignored; listen on the VLAN's interface.
/// - Wi-Fi access points with client isolation, or with ARP proxying ("ARP offload", some mesh
///   systems), answer or drop ARP themselves: there a phone's ARP may never reach the wire, while its
///   DHCP broadcast usually does.
/// - It hears arrivals only. Departures stay the job of scans.
public struct PassiveListener: Sendable {
    /// Where sightings come from.
    public enum Source: String, Sendable, Hashable {
        /// ARP and DHCP client frames from a packet socket (root or CAP_NET_RAW).
        case packetSocket = "packet"
        /// The kernel's neighbour-table events (no privilege; arrivals are noticed later).
        case neighbourTable = "neighbour"
    }

    /// What the reader has counted since the listener opened.
    public struct Statistics: Sendable, Equatable {
        /// Frames (or netlink datagrams) that reached user space past the kernel's filter.
        public var framesRead: UInt64
        /// Of those, sightings decoded.
        public var sightingsDecoded: UInt64
        /// Of those, sightings the rate limiter passed on.
        public var sightingsPassed: UInt64
        /// Frames (or, for netlink, overflows) the kernel dropped because the reader fell behind.
        public var kernelDrops: UInt64
        /// MACs the rate limiter remembers now, at most `trackedAddressLimit`.
        public var trackedAddresses: Int
        /// False once the reader thread has ended.
        public var isRunning: Bool
    }

    public let source: Source
    /// The interfaces listened on by name; empty for all.
    public let interfaces: [String]
    public let sightings: PassiveSightings
    private let counters: ListenerCounters
    private let lifetime: ListenerLifetime

    public var statistics: Statistics { counters.snapshot }

    /// Stops listening: the reader thread closes its sockets and `sightings` ends, at once (it waits on
    /// an eventfd beside the sockets). Idempotent. Dropping the listener, its `sightings` and their
    /// iterators stops it too.
    public func stop() {
        lifetime.stop.signal()
    }

    /// Listens on `interfaces` (all when empty) with the default configuration.
    public static func open(interfaces: [String] = [], logger: Logger) throws -> PassiveListener {
        try open(PassiveListenerConfiguration(interfaces: interfaces), logger: logger)
    }

    /// Opens the source the configuration asks for and starts its reader thread. With `.automatic`, a
    /// packet socket that cannot be opened (no CAP_NET_RAW, or no AF_PACKET in this kernel) falls back
    /// to the neighbour table, and the log says so and why.
    ///
    /// Sockets are opened in the calling thread's network namespace, where the interface names are
    /// looked up too.
    ///
    /// - Throws: `PassiveListenerError`: a bad setting or interface name (the caller's mistake), or no
    ///   source could be opened.
    public static func open(_ configuration: PassiveListenerConfiguration, logger: Logger) throws -> PassiveListener {
        try configuration.validate()
        let interfaces = try NetworkInterface.resolve(configuration.interfaces)
        let names = interfaces.isEmpty ? "all" : interfaces.map(\.name).joined(separator: ",")
        var packetFailure: PassiveListenerError?
        if configuration.source != .neighbourTable {
            do {
                let source = try PacketSocketSource.open(interfaces)
                logger.info(
                    "passive listener: packet socket, hearing ARP and DHCP client messages",
                    metadata: ["passive.source": "packet", "passive.interfaces": "\(names)"])
                return try start(.packetSocket, interfaces: interfaces, configuration, logger: logger) {
                    source.run($0)
                } cleanUp: {
                    for socket in source.sockets { close(socket.fd) }
                }
            } catch {
                guard configuration.source == .automatic, error.kind != .noSuchInterface else { throw error }
                packetFailure = error
            }
        }
        let source = try NeighbourSource.open(interfaces)
        if let packetFailure {
            let why = packetFailure.kind == .permissionDenied ? "no CAP_NET_RAW" : "no packet socket (\(LinuxABI.describe(packetFailure.code)))"
            logger.info(
                "\(why): listening to the kernel's neighbour table instead; arrivals are noticed later",
                metadata: ["passive.source": "neighbour", "passive.interfaces": "\(names)", "passive.reason": "\(packetFailure.message)"])
        } else {
            logger.info(
                "passive listener: the kernel's neighbour table, as configured; arrivals are noticed later",
                metadata: ["passive.source": "neighbour", "passive.interfaces": "\(names)"])
        }
        return try start(.neighbourTable, interfaces: interfaces, configuration, logger: logger) {
            source.run($0)
        } cleanUp: {
            close(source.fd)
        }
    }

    private static func start(
        _ source: Source, interfaces: [NetworkInterface], _ configuration: PassiveListenerConfiguration, logger: Logger,
        run: @escaping @Sendable (ReaderContext) -> Void, cleanUp: () -> Void
    ) throws(PassiveListenerError) -> PassiveListener {
        let stop: StopSignal
        do {
            stop = try StopSignal()
        } catch {
            cleanUp()
            throw error
        }
        let (stream, continuation) = AsyncStream.makeStream(
            of: PassiveSighting.self, bufferingPolicy: .bufferingNewest(configuration.bufferSize))
        // A consumer that stops iterating (its task cancelled) stops the listener too.
        continuation.onTermination = { _ in stop.signal() }
        let counters = ListenerCounters()
        let context = ReaderContext(
            continuation: continuation, stop: stop, counters: counters,
            limiter: SightingRateLimiter(
                interval: configuration.minimumInterval, burst: configuration.burst, capacity: configuration.trackedAddressLimit),
            neighbourTableLimit: configuration.trackedAddressLimit, logger: logger)
        let code = ReaderThread.start {
            run(context)
            counters.running.store(false, ordering: .relaxed)
            continuation.finish()
            stop.close()
        }
        guard code == 0 else {
            cleanUp()
            stop.close()
            throw .socketFailed(call: "pthread_create", code: code)
        }
        let lifetime = ListenerLifetime(stop: stop)
        return PassiveListener(
            source: source, interfaces: interfaces.map(\.name), sightings: PassiveSightings(stream: stream, lifetime: lifetime),
            counters: counters, lifetime: lifetime)
    }
}
