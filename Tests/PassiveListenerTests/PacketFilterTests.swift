import Testing

@testable import PassiveListener

/// The kernel filter, run over captured frames by a small classic-BPF interpreter (only the opcodes
/// the program uses; anything else fails the test). The lab tests show the kernel applies it alike.
struct PacketFilterTests {
    /// Runs `program` on `frame` as the kernel would: the return value is how many bytes to keep, 0 drops.
    /// A load past the end of the frame drops it, as in the kernel.
    static func run(_ program: [PacketFilter.Instruction], on frame: [UInt8], vlanTagInMetadata: Bool = false) -> UInt32 {
        var accumulator: UInt32 = 0
        var index: UInt32 = 0
        var pc = 0
        func byte(_ offset: Int) -> UInt32? { offset >= 0 && offset < frame.count ? UInt32(frame[offset]) : nil }
        func half(_ offset: Int) -> UInt32? {
            guard let high = byte(offset), let low = byte(offset + 1) else { return nil }
            return high << 8 | low
        }
        while pc < program.count {
            let instruction = program[pc]
            pc += 1
            switch instruction.code {
            case 0x30 where instruction.k == LinuxABI.ancillaryVLANTagPresent:
                accumulator = vlanTagInMetadata ? 1 : 0
            case 0x30:
                guard let value = byte(Int(instruction.k)) else { return 0 }
                accumulator = value
            case 0x28:
                guard let value = half(Int(instruction.k)) else { return 0 }
                accumulator = value
            case 0x48:
                guard let value = half(Int(index) + Int(instruction.k)) else { return 0 }
                accumulator = value
            case 0xb1:
                guard let value = byte(Int(instruction.k)) else { return 0 }
                index = (value & 0x0f) * 4
            case 0x15:
                pc += Int(accumulator == instruction.k ? instruction.jumpIfTrue : instruction.jumpIfFalse)
            case 0x45:
                pc += Int(accumulator & instruction.k != 0 ? instruction.jumpIfTrue : instruction.jumpIfFalse)
            case 0x06:
                return instruction.k
            default:
                Issue.record("opcode \(instruction.code) at \(pc - 1) is not one the interpreter knows")
                return 0
            }
        }
        Issue.record("the program ran off its end")
        return 0
    }

    func accepts(_ frame: [UInt8], vlanTagInMetadata: Bool = false) -> Bool {
        Self.run(PacketFilter.program, on: frame, vlanTagInMetadata: vlanTagInMetadata) != 0
    }

    @Test func isTheDocumentedProgram() {
        // `tcpdump -dd` notation, for comparing with libpcap's output by eye.
        let dump = PacketFilter.program.map {
            "{ 0x\(String($0.code, radix: 16)), \($0.jumpIfTrue), \($0.jumpIfFalse), 0x\(String($0.k, radix: 16)) }"
        }
        #expect(
            dump == [
                "{ 0x30, 0, 0, 0xfffff030 }", "{ 0x15, 13, 0, 0x1 }", "{ 0x28, 0, 0, 0xc }", "{ 0x15, 10, 0, 0x806 }",
                "{ 0x15, 0, 10, 0x800 }", "{ 0x30, 0, 0, 0x17 }", "{ 0x15, 0, 8, 0x11 }", "{ 0x28, 0, 0, 0x14 }",
                "{ 0x45, 6, 0, 0x3fff }", "{ 0xb1, 0, 0, 0xe }", "{ 0x48, 0, 0, 0xe }", "{ 0x15, 0, 3, 0x44 }",
                "{ 0x48, 0, 0, 0x10 }", "{ 0x15, 0, 1, 0x43 }", "{ 0x6, 0, 0, 0x40000 }", "{ 0x6, 0, 0, 0x0 }",
            ])
        // Every jump lands inside the program, on or before the last instruction (the kernel's checker insists).
        for (pc, instruction) in PacketFilter.program.enumerated() where instruction.code & 0x07 == 0x05 {
            #expect(pc + 1 + Int(instruction.jumpIfTrue) < PacketFilter.program.count)
            #expect(pc + 1 + Int(instruction.jumpIfFalse) < PacketFilter.program.count)
        }
    }

    @Test func passesARPAndDHCPClientMessagesWhole() {
        for frame in [
            CapturedFrames.arpProbe, CapturedFrames.arpRequest, CapturedFrames.arpReply, CapturedFrames.gratuitousARP,
            CapturedFrames.dhcpDiscover, CapturedFrames.dhcpRequest, CapturedFrames.dhcpRequestFromZero, CapturedFrames.dhcpInform,
        ] {
            #expect(Self.run(PacketFilter.program, on: frame) == PacketFilter.acceptLength)
        }
    }

    @Test func dropsServerRepliesAndOtherTraffic() {
        #expect(!accepts(CapturedFrames.dhcpOffer))
        var otherPort = CapturedFrames.dhcpDiscover
        otherPort[37] = 53 // to port 53
        #expect(!accepts(otherPort))
        var tcp = CapturedFrames.dhcpDiscover
        tcp[23] = 6
        #expect(!accepts(tcp))
        var ipv6 = CapturedFrames.dhcpDiscover
        ipv6[12] = 0x86
        ipv6[13] = 0xDD
        #expect(!accepts(ipv6))
    }

    @Test func dropsFragments() {
        var first = CapturedFrames.dhcpDiscover
        first[20] = 0x20 // more fragments, offset 0
        #expect(!accepts(first))
        var later = CapturedFrames.dhcpDiscover
        later[21] = 0x10
        #expect(!accepts(later))
        var dontFragment = CapturedFrames.dhcpDiscover
        dontFragment[20] = 0x40
        #expect(accepts(dontFragment))
    }

    @Test func followsTheIPHeaderLength() {
        var frame = CapturedFrames.dhcpDiscover
        frame.insert(contentsOf: [1, 1, 1, 1], at: 34)
        frame[14] = 0x46
        #expect(accepts(frame))
    }

    @Test func dropsVLANTaggedFramesWhereverTheTagIs() {
        #expect(!accepts(CapturedFrames.gratuitousARP, vlanTagInMetadata: true))
        var inline = CapturedFrames.gratuitousARP
        inline.insert(contentsOf: [0x81, 0x00, 0x00, 0x0A], at: 12)
        #expect(!accepts(inline))
    }

    @Test func dropsRuntFrames() {
        for length in [0, 5, 13] { #expect(!accepts(Array(CapturedFrames.gratuitousARP.prefix(length)))) }
        // Cut inside the UDP header: the port loads fail.
        #expect(!accepts(Array(CapturedFrames.dhcpDiscover.prefix(36))))
    }
}
