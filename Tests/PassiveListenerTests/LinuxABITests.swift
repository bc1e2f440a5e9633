import Testing

@testable import PassiveListener

/// The kernel structs declared in Swift have the C sizes and offsets (<linux/if_packet.h>,
/// <linux/filter.h>, <linux/netlink.h>): the kernel reads them as bytes.
struct LinuxABITests {
    @Test func sockaddrLL() {
        typealias A = LinuxABI.PacketAddress
        #expect(MemoryLayout<A>.size == 20)
        #expect(MemoryLayout<A>.offset(of: \A.protocolNumber) == 2)
        #expect(MemoryLayout<A>.offset(of: \A.interfaceIndex) == 4)
        #expect(MemoryLayout<A>.offset(of: \A.hardwareType) == 8)
        #expect(MemoryLayout<A>.offset(of: \A.packetType) == 10)
        #expect(MemoryLayout<A>.offset(of: \A.addressLength) == 11)
        #expect(MemoryLayout<A>.offset(of: \A.address) == 12)
    }

    @Test func sockFilterAndProgram() {
        typealias I = LinuxABI.FilterInstruction
        #expect(MemoryLayout<I>.size == 8)
        #expect(MemoryLayout<I>.offset(of: \I.jumpIfTrue) == 2)
        #expect(MemoryLayout<I>.offset(of: \I.jumpIfFalse) == 3)
        #expect(MemoryLayout<I>.offset(of: \I.k) == 4)
        typealias P = LinuxABI.FilterProgram
        let pointer = MemoryLayout<UnsafeRawPointer>.size
        #expect(MemoryLayout<P>.size == 2 * pointer)
        #expect(MemoryLayout<P>.offset(of: \P.instructions) == pointer)
    }

    @Test func sockaddrNLAndPacketStatistics() {
        typealias N = LinuxABI.NetlinkAddress
        #expect(MemoryLayout<N>.size == 12)
        #expect(MemoryLayout<N>.offset(of: \N.portID) == 4)
        #expect(MemoryLayout<N>.offset(of: \N.groups) == 8)
        #expect(MemoryLayout<LinuxABI.PacketStatistics>.size == 8)
    }
}
