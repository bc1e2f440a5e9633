import Glibc

/// The pieces of the kernel's user-space interface that Glibc's Swift module leaves out
/// (<linux/if_packet.h>, <linux/filter.h>, <linux/netlink.h>, <linux/rtnetlink.h>, <linux/neighbour.h>,
/// and eventfd(2), hidden behind _GNU_SOURCE). The values are the kernel's stable ABI; the structs are
/// declared in the C order with the C types, so Swift lays them out as C does, and LinuxABITests checks
/// their sizes and offsets. Declared here rather than in a C target: it is a dozen constants and four
/// small structs, and the project keeps C to CMosquitto.
enum LinuxABI {
    // <linux/if_ether.h>
    static let ethernetProtocolAll: UInt16 = 0x0003 // ETH_P_ALL

    // <linux/if_packet.h>
    static let packetOutgoing: UInt8 = 4 // PACKET_OUTGOING
    static let packetLoopback: UInt8 = 5 // PACKET_LOOPBACK
    static let packetStatisticsOption: Int32 = 6 // PACKET_STATISTICS
    static let packetIgnoreOutgoingOption: Int32 = 23 // PACKET_IGNORE_OUTGOING (Linux 4.20)

    // <linux/if_arp.h>
    static let hardwareTypeEthernet: UInt16 = 1 // ARPHRD_ETHER

    // <linux/filter.h>: SKF_AD_OFF + SKF_AD_VLAN_TAG_PRESENT, the "is there a VLAN tag in the metadata" load.
    static let ancillaryVLANTagPresent: UInt32 = 0xffff_f000 &+ 48

    // <linux/netlink.h>, <linux/rtnetlink.h>, <linux/neighbour.h>
    static let netlinkRoute: Int32 = 0 // NETLINK_ROUTE
    static let neighbourGroup: UInt32 = 0x4 // RTMGRP_NEIGH
    static let messageError: UInt16 = 2 // NLMSG_ERROR
    static let messageDone: UInt16 = 3 // NLMSG_DONE
    static let newNeighbour: UInt16 = 28 // RTM_NEWNEIGH
    static let deleteNeighbour: UInt16 = 29 // RTM_DELNEIGH
    static let getNeighbour: UInt16 = 30 // RTM_GETNEIGH
    static let flagRequest: UInt16 = 0x1 // NLM_F_REQUEST
    static let flagDump: UInt16 = 0x300 // NLM_F_ROOT | NLM_F_MATCH
    static let netlinkHeaderLength = 16 // sizeof(struct nlmsghdr)
    static let neighbourHeaderLength = 12 // sizeof(struct ndmsg)
    static let neighbourDestination: UInt16 = 1 // NDA_DST
    static let neighbourLinkAddress: UInt16 = 2 // NDA_LLADDR
    static let neighbourFlagProxy: UInt8 = 0x08 // NTF_PROXY

    /// `struct sockaddr_ll` (20 bytes).
    struct PacketAddress {
        var family: UInt16 = UInt16(AF_PACKET)
        /// Network order.
        var protocolNumber: UInt16 = 0
        var interfaceIndex: Int32 = 0
        var hardwareType: UInt16 = 0
        var packetType: UInt8 = 0
        var addressLength: UInt8 = 0
        var address: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0, 0, 0)
    }

    /// `struct sock_filter`: one classic BPF instruction (8 bytes).
    struct FilterInstruction: Equatable {
        var code: UInt16
        var jumpIfTrue: UInt8
        var jumpIfFalse: UInt8
        var k: UInt32

        init(_ code: UInt16, _ jumpIfTrue: UInt8, _ jumpIfFalse: UInt8, _ k: UInt32) {
            self.code = code
            self.jumpIfTrue = jumpIfTrue
            self.jumpIfFalse = jumpIfFalse
            self.k = k
        }
    }

    /// `struct sock_fprog` (16 bytes on LP64: the length, padding, the pointer).
    struct FilterProgram {
        var length: UInt16
        var instructions: UnsafeMutablePointer<FilterInstruction>?
    }

    /// `struct sockaddr_nl` (12 bytes).
    struct NetlinkAddress {
        var family: UInt16 = UInt16(AF_NETLINK)
        var padding: UInt16 = 0
        var portID: UInt32 = 0
        var groups: UInt32 = 0
    }

    /// `struct tpacket_stats`: what PACKET_STATISTICS reports (and resets).
    struct PacketStatistics {
        var packets: UInt32 = 0
        var drops: UInt32 = 0
    }

    /// eventfd(2): a counter that poll(2) sees as readable once written; the listener's stop signal.
    static let eventFD: @convention(c) (UInt32, Int32) -> Int32 = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "eventfd") else {
            fatalError("glibc without eventfd(2)")
        }
        return unsafeBitCast(symbol, to: (@convention(c) (UInt32, Int32) -> Int32).self)
    }()

    /// EFD_CLOEXEC and EFD_NONBLOCK are O_CLOEXEC and O_NONBLOCK (<sys/eventfd.h>).
    static let eventFDFlags: Int32 = O_CLOEXEC | O_NONBLOCK

    /// `SOCK_RAW | SOCK_CLOEXEC`.
    static let rawSocketType = Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue)

    /// A socket call with `address` passed as the generic `sockaddr` the C prototypes take.
    static func withSocketAddress<Address, Result>(
        _ address: inout Address, _ body: (UnsafeMutablePointer<sockaddr>, socklen_t) -> Result
    ) -> Result {
        withUnsafeMutableBytes(of: &address) { raw in
            body(raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), socklen_t(raw.count))
        }
    }

    /// A setsockopt(2) of a plain value.
    static func setOption<Value: BitwiseCopyable>(_ fd: Int32, _ level: Int32, _ name: Int32, _ value: Value) -> Int32 {
        withUnsafeBytes(of: value) { setsockopt(fd, level, name, $0.baseAddress, socklen_t($0.count)) }
    }

    /// Monotonic nanoseconds (CLOCK_MONOTONIC, through the vDSO: no system call).
    static func monotonicNanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }

    /// strerror(3) of `code`.
    static func describe(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}
