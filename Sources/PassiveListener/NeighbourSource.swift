import Glibc

/// Neighbour-table events from a `NETLINK_ROUTE` socket subscribed to RTMGRP_NEIGH: the fallback that
/// needs no privilege. It hears only what the kernel learns, which is mostly this host's own traffic
/// (a device that talks to this host, the replies to a scan), so an arrival is noticed when the device
/// or a scan first exchanges a packet with this host, not when it joins. Which events count as
/// sightings: `NeighbourSightings`.
struct NeighbourSource: Sendable {
    let fd: Int32
    /// Interface indices to keep; empty keeps all.
    let interfaces: [Int32]

    /// The sequence number of the start-up dump's request.
    private static let dumpSequence: UInt32 = 1

    static func open(_ interfaces: [NetworkInterface]) throws(PassiveListenerError) -> NeighbourSource {
        let fd = socket(AF_NETLINK, LinuxABI.rawSocketType, LinuxABI.netlinkRoute)
        guard fd >= 0 else { throw .socketFailed(call: "socket(AF_NETLINK, NETLINK_ROUTE)", code: errno) }
        var address = LinuxABI.NetlinkAddress(groups: LinuxABI.neighbourGroup)
        guard LinuxABI.withSocketAddress(&address, { bind(fd, $0, $1) }) == 0 else {
            let code = errno
            close(fd)
            throw .socketFailed(call: "bind(AF_NETLINK, RTMGRP_NEIGH)", code: code)
        }
        // Ask for the table as it is, to tell later aging from learning (NeighbourSightings).
        var request = [UInt8](repeating: 0, count: LinuxABI.netlinkHeaderLength + LinuxABI.neighbourHeaderLength)
        request.withUnsafeMutableBytes { raw in
            raw.storeBytes(of: UInt32(raw.count), toByteOffset: 0, as: UInt32.self)
            raw.storeBytes(of: LinuxABI.getNeighbour, toByteOffset: 4, as: UInt16.self)
            raw.storeBytes(of: LinuxABI.flagRequest | LinuxABI.flagDump, toByteOffset: 6, as: UInt16.self)
            raw.storeBytes(of: dumpSequence, toByteOffset: 8, as: UInt32.self)
            raw[LinuxABI.netlinkHeaderLength] = UInt8(AF_INET)
        }
        guard send(fd, request, request.count, 0) == request.count else {
            let code = errno
            close(fd)
            throw .socketFailed(call: "send(RTM_GETNEIGH)", code: code)
        }
        return NeighbourSource(fd: fd, interfaces: interfaces.map(\.index))
    }

    private static let bufferSize = 32_768

    func run(_ context: ReaderContext) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.bufferSize, alignment: 16)
        defer {
            buffer.deallocate()
            close(fd)
        }
        var limiter = context.limiter
        var sightings = NeighbourSightings(capacity: context.neighbourTableLimit)
        var dumping = true
        var pollSet = [pollfd](repeating: pollfd(), count: 2)
        while true {
            pollSet[0] = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            pollSet[1] = pollfd(fd: context.stop.descriptor, events: Int16(POLLIN), revents: 0)
            let ready = poll(&pollSet, 2, -1)
            if ready < 0 {
                if errno == EINTR { continue }
                context.logger.info("passive listener stopped: poll failed", metadata: ["passive.error": "\(LinuxABI.describe(errno))"])
                return
            }
            if pollSet[1].revents != 0 { return }
            guard pollSet[0].revents != 0 else { continue }
            while true {
                let count = recv(fd, buffer.baseAddress, buffer.count, Int32(MSG_DONTWAIT))
                if count < 0 {
                    let code = errno
                    if code == EINTR { continue }
                    if code == EAGAIN || code == EWOULDBLOCK { break }
                    if code == ENOBUFS {
                        // The kernel could not queue some events for us: they are lost, the socket goes on.
                        context.counters.kernelDrops.add(1, ordering: .relaxed)
                        continue
                    }
                    context.logger.info("passive listener stopped: netlink read failed", metadata: ["passive.error": "\(LinuxABI.describe(code))"])
                    return
                }
                context.counters.framesRead.add(1, ordering: .relaxed)
                let datagram = UnsafeRawBufferPointer(rebasing: buffer[..<count]).assumingMemoryBound(to: UInt8.self)
                NeighbourMessageDecoder.forEachMessage(in: datagram.span) { message in
                    switch message {
                    case .neighbour(let update, let sequence):
                        guard interfaces.isEmpty || interfaces.contains(update.interfaceIndex) else { return }
                        if dumping && sequence == Self.dumpSequence {
                            sightings.seed(update)
                        } else if let sighting = sightings.sighting(for: update) {
                            context.offer(sighting, to: &limiter)
                        }
                    case .done(let sequence) where sequence == Self.dumpSequence:
                        dumping = false
                    case .error(let code, let sequence) where sequence == Self.dumpSequence:
                        dumping = false
                        context.logger.debug(
                            "passive listener: the neighbour table dump failed", metadata: ["passive.error": "\(LinuxABI.describe(-code))"])
                    default:
                        break
                    }
                }
            }
        }
    }
}
