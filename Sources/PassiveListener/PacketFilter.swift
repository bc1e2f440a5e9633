/// The classic BPF program attached to the packet socket (SO_ATTACH_FILTER): the kernel passes only
/// untagged ARP and unfragmented IPv4 UDP from port 68 to 67 (DHCP client to server) to user space, so
/// the listener wakes for nothing else. It keeps whole frames.
///
/// How it was derived: `tcpdump -d 'arp or (udp and (port 67 or port 68))'` (tcpdump 4.99.3, libpcap
/// 1.10.3, on an Ethernet interface inside a test-LAN namespace) gives 24 instructions: the ether type
/// at 12 (ARP 0x806 → accept; IPv4 0x800 → protocol at 23 must be 17, the fragment offset at 20 must be
/// 0, then `ldxb 4*([14]&0xf)` and the ports at x+14 and x+16), plus an IPv6 branch. From that:
/// - the IPv6 branch is dropped (DHCPv6 is not DHCP);
/// - the ports are source 68 *and* destination 67, not either in either direction (server replies and
///   anything else on 67/68 never reach user space);
/// - `jset #0x1fff` becomes `jset #0x3fff`: a first fragment (more-fragments flag set, offset 0) is
///   dropped too;
/// - two instructions in front drop frames whose 802.1Q tag the kernel moved into metadata (it does so
///   before packet sockets see a frame): libpcap writes `vlan` as `ldb [vlanp]` (the ancillary load
///   SKF_AD_OFF + SKF_AD_VLAN_TAG_PRESENT, `0x30 0 0 0xfffff030` in `tcpdump -dd 'vlan'`). Not
///   `tcpdump 'not vlan and ...'` itself: libpcap then shifts every later offset by 4 as though the tag
///   were still in the data. A tag still in the data fails the ether type test anyway.
///
/// `tcpdump -dd` of the result, instruction by instruction, is below; PacketFilterTests runs it in a
/// small interpreter over captured frames, and the lab tests show the kernel accepts and applies it.
enum PacketFilter {
    typealias Instruction = LinuxABI.FilterInstruction

    /// Opcodes (<linux/bpf_common.h>): class | size | mode.
    private static let loadByteAbsolute: UInt16 = 0x30 // BPF_LD | BPF_B | BPF_ABS
    private static let loadHalfAbsolute: UInt16 = 0x28 // BPF_LD | BPF_H | BPF_ABS
    private static let loadHalfIndirect: UInt16 = 0x48 // BPF_LD | BPF_H | BPF_IND
    private static let loadIPHeaderLength: UInt16 = 0xb1 // BPF_LDX | BPF_B | BPF_MSH
    private static let jumpIfEqual: UInt16 = 0x15 // BPF_JMP | BPF_JEQ | BPF_K
    private static let jumpIfAnySet: UInt16 = 0x45 // BPF_JMP | BPF_JSET | BPF_K
    private static let returnConstant: UInt16 = 0x06 // BPF_RET | BPF_K

    /// What an accepted frame keeps: all of it (tcpdump's default snap length).
    static let acceptLength: UInt32 = 262_144

    /// Jumps count instructions skipped: from instruction i, `jt n` goes to i + 1 + n.
    static let program: [Instruction] = [
        /* 00 */ Instruction(loadByteAbsolute, 0, 0, LinuxABI.ancillaryVLANTagPresent), // ldb [vlanp]
        /* 01 */ Instruction(jumpIfEqual, 13, 0, 1), // tagged → 15 drop
        /* 02 */ Instruction(loadHalfAbsolute, 0, 0, 12), // ldh [12]: ether type
        /* 03 */ Instruction(jumpIfEqual, 10, 0, 0x0806), // ARP → 14 accept
        /* 04 */ Instruction(jumpIfEqual, 0, 10, 0x0800), // not IPv4 → 15 drop
        /* 05 */ Instruction(loadByteAbsolute, 0, 0, 23), // ldb [23]: IP protocol
        /* 06 */ Instruction(jumpIfEqual, 0, 8, 17), // not UDP → 15 drop
        /* 07 */ Instruction(loadHalfAbsolute, 0, 0, 20), // ldh [20]: flags and fragment offset
        /* 08 */ Instruction(jumpIfAnySet, 6, 0, 0x3fff), // a fragment → 15 drop
        /* 09 */ Instruction(loadIPHeaderLength, 0, 0, 14), // ldxb 4*([14]&0xf): x = IP header length
        /* 10 */ Instruction(loadHalfIndirect, 0, 0, 14), // ldh [x + 14]: UDP source port
        /* 11 */ Instruction(jumpIfEqual, 0, 3, 68), // not from 68 → 15 drop
        /* 12 */ Instruction(loadHalfIndirect, 0, 0, 16), // ldh [x + 16]: UDP destination port
        /* 13 */ Instruction(jumpIfEqual, 0, 1, 67), // to 67 → 14 accept, else → 15 drop
        /* 14 */ Instruction(returnConstant, 0, 0, acceptLength), // accept
        /* 15 */ Instruction(returnConstant, 0, 0, 0), // drop
    ]
}
