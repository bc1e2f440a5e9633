import Glibc

/// ARP and DHCP client frames from `AF_PACKET` sockets, filtered in the kernel (`PacketFilter`).
///
/// Why an `AF_PACKET` socket with a classic BPF filter rather than libpcap: it needs no new Debian
/// package (libpcap-dev to build, libpcap0.8 to run) and no C target, the filter is sixteen
/// instructions written out and tested here, and what the listener needs of libpcap (one filtered
/// socket per interface, blocking reads) is what the kernel offers directly; libpcap's value is
/// portability beyond Linux and its filter compiler, which this daemon does not need. (libpcap was not
/// measured.) Measured on the test LAN, release build, 2 cores: 10,000 ARP frames a second for 10 s
/// from one MAC cost the reader thread 0.53 s of CPU (5 % of a core: a poll(2) and one or two
/// recvfrom(2) per frame), none dropped, ten sightings passed on; 20,000 as fast as Python sends them
/// (about 50,000 a second) cost 60 ms. A PACKET_RX_RING would save the system calls, if ever needed.
///
/// One socket per named interface (bound to it), or one unbound socket for all. Each is opened with
/// protocol 0, so that nothing is queued before the filter is attached, and only then bound with
/// ETH_P_ALL. Outgoing frames (our own, nmap's ARP sweeps) are dropped with PACKET_IGNORE_OUTGOING
/// where the kernel has it (4.20) and by `sll_pkttype` anyway; frames of non-Ethernet links (loopback,
/// tunnels) by `sll_hatype`. The socket does not ask for promiscuous mode: it hears broadcasts (ARP
/// requests, probes, announcements, DHCP client messages) and what is addressed to this host.
struct PacketSocketSource: Sendable {
    struct Socket: Sendable {
        var fd: Int32
        /// nil: unbound, every interface.
        var interface: NetworkInterface?
    }

    let sockets: [Socket]

    /// Opens one socket per interface (one for all when `interfaces` is empty); on failure closes those
    /// already open.
    static func open(_ interfaces: [NetworkInterface]) throws(PassiveListenerError) -> PacketSocketSource {
        var sockets: [Socket] = []
        do {
            for interface in interfaces.isEmpty ? [nil] : interfaces.map(Optional.some) {
                sockets.append(Socket(fd: try openSocket(bindingTo: interface), interface: interface))
            }
        } catch {
            for socket in sockets { close(socket.fd) }
            throw error
        }
        return PacketSocketSource(sockets: sockets)
    }

    private static func openSocket(bindingTo interface: NetworkInterface?) throws(PassiveListenerError) -> Int32 {
        let fd = socket(AF_PACKET, LinuxABI.rawSocketType, 0)
        guard fd >= 0 else { throw .socketFailed(call: "socket(AF_PACKET, SOCK_RAW)", code: errno) }
        var program = PacketFilter.program
        let attached = program.withUnsafeMutableBufferPointer { instructions in
            LinuxABI.setOption(
                fd, SOL_SOCKET, SO_ATTACH_FILTER,
                LinuxABI.FilterProgram(length: UInt16(instructions.count), instructions: instructions.baseAddress))
        }
        guard attached == 0 else {
            let code = errno
            close(fd)
            throw .socketFailed(call: "setsockopt(SO_ATTACH_FILTER)", code: code)
        }
        // Best effort: an older kernel refuses it (ENOPROTOOPT), and sll_pkttype still tells.
        _ = LinuxABI.setOption(fd, SOL_PACKET, LinuxABI.packetIgnoreOutgoingOption, Int32(1))
        guard bind(fd, to: interface?.index ?? 0) == 0 else {
            let code = errno
            close(fd)
            if code == ENODEV, let interface {
                throw PassiveListenerError(
                    kind: .noSuchInterface, value: interface.name,
                    message: "passive listener: interface '\(interface.name)' went away while the listener opened it", code: code)
            }
            throw .socketFailed(call: "bind(AF_PACKET, \(interface?.name ?? "all interfaces"))", code: code)
        }
        return fd
    }

    /// Binds (or re-binds) to an interface index, 0 for all, with ETH_P_ALL: only now do frames arrive.
    private static func bind(_ fd: Int32, to index: Int32) -> Int32 {
        var address = LinuxABI.PacketAddress(protocolNumber: LinuxABI.ethernetProtocolAll.bigEndian, interfaceIndex: index)
        return LinuxABI.withSocketAddress(&address) { Glibc.bind(fd, $0, $1) }
    }

    /// Frames read per socket before poll(2) is asked again: keeps a stop prompt under a storm.
    private static let framesPerWakeup = 64
    /// Large enough for any DHCP message on a 1500-byte link; a longer frame is cut and then ignored.
    private static let bufferSize = 4096

    /// The read loop, on the reader thread; closes the sockets when it returns (on stop, or an error
    /// it cannot recover from).
    func run(_ context: ReaderContext) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.bufferSize, alignment: 16)
        defer {
            buffer.deallocate()
            for socket in sockets { close(socket.fd) }
        }
        var limiter = context.limiter
        var sockets = self.sockets
        // A socket bound to an interface that went away is re-bound by name once a second.
        var detached = [Bool](repeating: false, count: sockets.count)
        var pollSet = [pollfd](repeating: pollfd(), count: sockets.count + 1)
        var statisticsRead = LinuxABI.monotonicNanoseconds()
        // After frames arrived, wake once more a second later to collect the kernel's drop count.
        var statisticsPending = false
        while true {
            for index in sockets.indices {
                pollSet[index] = pollfd(fd: detached[index] ? -1 : sockets[index].fd, events: Int16(POLLIN), revents: 0)
            }
            pollSet[sockets.count] = pollfd(fd: context.stop.descriptor, events: Int16(POLLIN), revents: 0)
            let ready = poll(&pollSet, nfds_t(pollSet.count), detached.contains(true) || statisticsPending ? 1000 : -1)
            if ready < 0 {
                if errno == EINTR { continue }
                context.logger.info("passive listener stopped: poll failed", metadata: ["passive.error": "\(LinuxABI.describe(errno))"])
                return
            }
            if pollSet[sockets.count].revents != 0 { return }
            for index in sockets.indices where !detached[index] && pollSet[index].revents != 0 {
                let revents = Int32(pollSet[index].revents)
                if revents & Int32(POLLNVAL) != 0 {
                    context.logger.info("passive listener stopped: its socket was closed under it")
                    return
                }
                if revents & Int32(POLLIN) != 0 {
                    drain(sockets[index], into: buffer, context, &limiter, detached: &detached[index])
                    statisticsPending = true
                }
                if revents & Int32(POLLERR) != 0 {
                    var code: Int32 = 0
                    var length = socklen_t(MemoryLayout<Int32>.size)
                    getsockopt(sockets[index].fd, SOL_SOCKET, SO_ERROR, &code, &length)
                    noteError(code, on: sockets[index], context, detached: &detached[index])
                }
            }
            for index in sockets.indices where detached[index] {
                guard let name = sockets[index].interface?.name else { continue }
                let newIndex = Int32(bitPattern: if_nametoindex(name))
                if newIndex > 0 && Self.bind(sockets[index].fd, to: newIndex) == 0 {
                    sockets[index].interface?.index = newIndex
                    detached[index] = false
                    context.logger.info("passive listener: listening on \(name) again", metadata: ["passive.interface": "\(name)"])
                }
            }
            let now = LinuxABI.monotonicNanoseconds()
            if statisticsPending && now &- statisticsRead >= 1_000_000_000 {
                statisticsRead = now
                statisticsPending = false
                for socket in sockets { readKernelDrops(socket.fd, context) }
            }
        }
    }

    private func drain(
        _ socket: Socket, into buffer: UnsafeMutableRawBufferPointer, _ context: ReaderContext, _ limiter: inout SightingRateLimiter,
        detached: inout Bool
    ) {
        for _ in 0..<Self.framesPerWakeup {
            var from = LinuxABI.PacketAddress()
            let count = LinuxABI.withSocketAddress(&from) { address, size in
                var length = size
                return recvfrom(socket.fd, buffer.baseAddress, buffer.count, Int32(MSG_DONTWAIT), address, &length)
            }
            if count < 0 {
                switch errno {
                case EINTR: continue
                case EAGAIN, EWOULDBLOCK: return
                default:
                    noteError(errno, on: socket, context, detached: &detached)
                    return
                }
            }
            context.counters.framesRead.add(1, ordering: .relaxed)
            guard from.packetType != LinuxABI.packetOutgoing, from.packetType != LinuxABI.packetLoopback,
                from.hardwareType == LinuxABI.hardwareTypeEthernet
            else { continue }
            let frame = UnsafeRawBufferPointer(rebasing: buffer[..<count]).assumingMemoryBound(to: UInt8.self)
            if let sighting = PassiveFrameDecoder.decode(frame.span, interfaceIndex: from.interfaceIndex) {
                context.offer(sighting, to: &limiter)
            }
        }
    }

    /// ENETDOWN: the interface went down (the socket hears it again once it is up) or away (it must be
    /// bound again, to the new index of the same name).
    private func noteError(_ code: Int32, on socket: Socket, _ context: ReaderContext, detached: inout Bool) {
        guard code != 0 else { return }
        let name = socket.interface?.name ?? "all interfaces"
        context.logger.info(
            "passive listener: \(name): \(LinuxABI.describe(code))",
            metadata: ["passive.interface": "\(name)", "passive.error": "\(LinuxABI.describe(code))"])
        if socket.interface != nil && (code == ENETDOWN || code == ENODEV || code == ENXIO) { detached = true }
    }

    /// PACKET_STATISTICS: frames the kernel dropped because the socket's buffer was full (reset on read).
    private func readKernelDrops(_ fd: Int32, _ context: ReaderContext) {
        var statistics = LinuxABI.PacketStatistics()
        var length = socklen_t(MemoryLayout<LinuxABI.PacketStatistics>.size)
        if getsockopt(fd, SOL_PACKET, LinuxABI.packetStatisticsOption, &statistics, &length) == 0 && statistics.drops > 0 {
            context.counters.kernelDrops.add(UInt64(statistics.drops), ordering: .relaxed)
        }
    }
}
