import NetworkAddresses
import Testing

@testable import PassiveListener

/// The decoder on frames captured on the test LAN, and on the ways they can be wrong.
struct PassiveFrameDecoderTests {
    let phone = MACAddress(0x3C, 0x22, 0xFB, 0x10, 0x00, 0x11)

    func inspect(_ frame: [UInt8]) -> PassiveFrameDecoder.Outcome {
        PassiveFrameDecoder.inspect(frame.span, interfaceIndex: 2)
    }

    func decode(_ frame: [UInt8]) -> PassiveSighting? {
        PassiveFrameDecoder.decode(frame.span, interfaceIndex: 2)
    }

    // MARK: Real frames

    @Test func dhcpDiscoverFromARealClient() {
        #expect(decode(CapturedFrames.dhcpDiscover) == PassiveSighting(mac: phone, hostName: "annas-iphone", kind: .dhcpDiscover, interfaceIndex: 2))
    }

    @Test func dhcpRequestFromARealClientCarriesTheRequestedAddress() throws {
        let sighting = try #require(decode(CapturedFrames.dhcpRequest))
        #expect(
            sighting
                == PassiveSighting(
                    mac: phone, requestedIP: IPv4Address(198, 18, 42, 109), hostName: "annas-iphone", kind: .dhcpRequest, interfaceIndex: 2))
        #expect(sighting.address == IPv4Address(198, 18, 42, 109))
        #expect(sighting.mac.description == "3c:22:fb:10:00:11")
    }

    @Test func dhcpRequestFromZeroAndInform() {
        #expect(
            decode(CapturedFrames.dhcpRequestFromZero)
                == PassiveSighting(
                    mac: phone, requestedIP: IPv4Address(198, 18, 42, 11), hostName: "annas-iphone", kind: .dhcpRequest, interfaceIndex: 2))
        #expect(
            decode(CapturedFrames.dhcpInform)
                == PassiveSighting(
                    mac: MACAddress(0x00, 0x12, 0xF0, 0x10, 0x00, 0x14), ip: IPv4Address(198, 18, 42, 14), kind: .dhcpInform, interfaceIndex: 2))
    }

    @Test func serverMessagesAreNotSightings() {
        #expect(inspect(CapturedFrames.dhcpOffer) == .ignored(.notDHCPClientTraffic))
    }

    @Test func arpKindsFromRealFrames() {
        #expect(
            decode(CapturedFrames.arpProbe)
                == PassiveSighting(mac: phone, requestedIP: IPv4Address(198, 18, 42, 109), kind: .arpProbe, interfaceIndex: 2))
        #expect(
            decode(CapturedFrames.gratuitousARP)
                == PassiveSighting(mac: phone, ip: IPv4Address(198, 18, 42, 11), kind: .arpAnnouncement, interfaceIndex: 2))
        #expect(
            decode(CapturedFrames.arpRequest)
                == PassiveSighting(
                    mac: MACAddress(0x02, 0x5B, 0x26, 0xA8, 0xDC, 0x12), ip: IPv4Address(198, 18, 42, 13), kind: .arpRequest, interfaceIndex: 2))
        #expect(
            decode(CapturedFrames.arpReply)
                == PassiveSighting(
                    mac: MACAddress(0xB8, 0x27, 0xEB, 0x10, 0x00, 0x12), ip: IPv4Address(198, 18, 42, 12), kind: .arpReply, interfaceIndex: 2))
    }

    @Test func gratuitousReplyIsAnAnnouncementToo() {
        var frame = CapturedFrames.gratuitousARP
        frame[21] = 2
        #expect(decode(frame)?.kind == .arpAnnouncement)
    }

    // MARK: What is refused

    @Test func vlanTaggedFramesAreRefusedExplicitly() {
        for tpid: [UInt8] in [[0x81, 0x00], [0x88, 0xA8], [0x91, 0x00]] {
            var frame = CapturedFrames.gratuitousARP
            frame.insert(contentsOf: tpid + [0x00, 0x0A], at: 12)
            #expect(inspect(frame) == .ignored(.vlanTagged))
        }
    }

    @Test func otherProtocolsAreIgnored() {
        var frame = CapturedFrames.gratuitousARP
        frame[12] = 0x86
        frame[13] = 0xDD
        #expect(inspect(frame) == .ignored(.otherProtocol))
    }

    @Test func arpThatIsNotIPv4OverEthernet() {
        for (offset, value) in [(15, UInt8(6)), (17, 0x06), (18, 8), (19, 16), (21, 3), (20, 1)] {
            var frame = CapturedFrames.gratuitousARP
            frame[offset] = value
            #expect(inspect(frame) == .ignored(.unsupportedARP), "byte \(offset) = \(value)")
        }
    }

    @Test func impossibleSendersAreIgnored() {
        var broadcastSender = CapturedFrames.gratuitousARP
        for index in 22..<28 { broadcastSender[index] = 0xFF }
        var zeroSender = CapturedFrames.gratuitousARP
        for index in 22..<28 { zeroSender[index] = 0 }
        var multicastIP = CapturedFrames.arpRequest
        multicastIP[28] = 224
        var loopback = CapturedFrames.arpRequest
        loopback[28] = 127
        var probeOfBroadcast = CapturedFrames.arpProbe
        for index in 38..<42 { probeOfBroadcast[index] = 0xFF }
        var replyFromZero = CapturedFrames.arpProbe
        replyFromZero[21] = 2
        for frame in [broadcastSender, zeroSender, multicastIP, loopback, probeOfBroadcast, replyFromZero] {
            #expect(inspect(frame) == .ignored(.implausibleSender))
        }
        var dhcpFromGroup = CapturedFrames.dhcpDiscover
        dhcpFromGroup[42 + 28] |= 0x01
        #expect(inspect(dhcpFromGroup) == .ignored(.implausibleSender))
    }

    @Test func relayedDHCPIsIgnored() {
        var relayed = CapturedFrames.dhcpDiscover
        relayed[42 + 24] = 10
        #expect(inspect(relayed) == .ignored(.relayed))
        var hopped = CapturedFrames.dhcpDiscover
        hopped[42 + 3] = 1
        #expect(inspect(hopped) == .ignored(.relayed))
    }

    @Test func fragmentsAreIgnored() {
        var moreFragments = CapturedFrames.dhcpDiscover
        moreFragments[20] = 0x20
        #expect(inspect(moreFragments) == .ignored(.ipFragment))
        var offset = CapturedFrames.dhcpDiscover
        offset[21] = 0x01
        #expect(inspect(offset) == .ignored(.ipFragment))
        var dontFragment = CapturedFrames.dhcpDiscover
        dontFragment[20] = 0x40
        #expect(decode(dontFragment)?.kind == .dhcpDiscover)
    }

    @Test func onlyUDPFromTheClientPortToTheServerPort() {
        var tcp = CapturedFrames.dhcpDiscover
        tcp[23] = 6
        #expect(inspect(tcp) == .ignored(.notDHCPClientTraffic))
        var swapped = CapturedFrames.dhcpDiscover
        swapped.swapAt(34, 36)
        swapped.swapAt(35, 37)
        #expect(inspect(swapped) == .ignored(.notDHCPClientTraffic))
    }

    @Test func malformedIPHeaders() {
        var version6 = CapturedFrames.dhcpDiscover
        version6[14] = 0x65
        #expect(inspect(version6) == .ignored(.malformedIP))
        var shortHeader = CapturedFrames.dhcpDiscover
        shortHeader[14] = 0x44
        #expect(inspect(shortHeader) == .ignored(.malformedIP))
        var longerThanFrame = CapturedFrames.dhcpDiscover
        longerThanFrame[16] = 0x05
        #expect(inspect(longerThanFrame) == .ignored(.truncated))
        var udpLongerThanIP = CapturedFrames.dhcpDiscover
        udpLongerThanIP[38] = 0x02
        #expect(inspect(udpLongerThanIP) == .ignored(.truncated))
    }

    @Test func ipOptionsMoveTheUDPHeader() {
        // The same DISCOVER with 4 bytes of IP options (NOPs): header length 24.
        var frame = CapturedFrames.dhcpDiscover
        frame.insert(contentsOf: [1, 1, 1, 1], at: 34)
        frame[14] = 0x46
        let total = (Int(frame[16]) << 8 | Int(frame[17])) + 4
        frame[16] = UInt8(total >> 8)
        frame[17] = UInt8(total & 0xff)
        #expect(decode(frame)?.kind == .dhcpDiscover)
    }

    @Test func bootpThatIsNotADHCPClientMessage() {
        var reply = CapturedFrames.dhcpDiscover
        reply[42] = 2
        #expect(inspect(reply) == .ignored(.malformedDHCP))
        var noCookie = CapturedFrames.dhcpDiscover
        noCookie[42 + 236] = 0
        #expect(inspect(noCookie) == .ignored(.malformedDHCP))
        var tokenRing = CapturedFrames.dhcpDiscover
        tokenRing[43] = 6
        #expect(inspect(tokenRing) == .ignored(.malformedDHCP))
        // Option 53 is at 240: DECLINE (4), RELEASE (7), an unknown type, and no option 53 at all (plain BOOTP).
        for type: UInt8 in [2, 4, 5, 7, 9, 200] {
            var frame = CapturedFrames.dhcpDiscover
            frame[42 + 242] = type
            #expect(inspect(frame) == .ignored(.notDHCPClientMessage), "type \(type)")
        }
        var bootp = CapturedFrames.dhcpDiscover
        bootp[42 + 240] = 99 // option 53 renamed, the rest intact
        #expect(inspect(bootp) == .ignored(.notDHCPClientMessage))
    }

    @Test func optionsThatRunPastTheEnd() throws {
        // The DISCOVER's host name option (12, length 12) claims 200 bytes instead.
        var frame = CapturedFrames.dhcpDiscover
        let at = try #require(hostNameOption(in: frame))
        frame[at + 1] = 200
        #expect(inspect(frame) == .ignored(.malformedDHCP))
    }

    @Test func paddingAndAMissingEndOptionAreFine() throws {
        // Options end at the datagram's end without 255: the DISCOVER cut right after option 12 (UDP and IP lengths fixed).
        var frame = CapturedFrames.dhcpDiscover
        let at = try #require(hostNameOption(in: frame))
        frame.removeSubrange((at + 2 + 12)...)
        let ipLength = frame.count - 14
        frame[16] = UInt8(ipLength >> 8)
        frame[17] = UInt8(ipLength & 0xff)
        frame[38] = UInt8((ipLength - 20) >> 8)
        frame[39] = UInt8((ipLength - 20) & 0xff)
        #expect(decode(frame)?.hostName == "annas-iphone")
    }

    @Test func unusableHostNamesLeaveTheSighting() throws {
        var frame = CapturedFrames.dhcpDiscover
        let at = try #require(hostNameOption(in: frame))
        frame[at + 2] = 0x07 // a control character
        let sighting = try #require(decode(frame))
        #expect(sighting.hostName == nil)
        #expect(sighting.kind == .dhcpDiscover)
    }

    @Test func ethernetPaddingAfterTheDatagramIsIgnored() {
        var frame = CapturedFrames.dhcpInform
        frame += [UInt8](repeating: 0xEE, count: 30)
        #expect(decode(frame)?.kind == .dhcpInform)
        var arp = CapturedFrames.arpRequest
        arp += [UInt8](repeating: 0, count: 18)
        #expect(decode(arp)?.kind == .arpRequest)
    }

    @Test func everyTruncationOfARealFrameIsRefusedWithoutACrash() {
        for frame in [
            CapturedFrames.dhcpDiscover, CapturedFrames.dhcpRequest, CapturedFrames.dhcpInform, CapturedFrames.arpProbe, CapturedFrames.arpReply,
        ] {
            // The DHCP ones end with the IP datagram (or only padding follows), so any cut that loses part of it is truncation.
            let datagramEnd = frame[12] == 0x08 && frame[13] == 0x00 ? 14 + (Int(frame[16]) << 8 | Int(frame[17])) : 42
            for length in 0..<datagramEnd {
                let cut = Array(frame.prefix(length))
                #expect(decode(cut) == nil, "length \(length)")
                if length < 14 { #expect(inspect(cut) == .ignored(.truncated)) }
            }
        }
    }

    /// Where option 12 starts in a DHCP frame.
    func hostNameOption(in frame: [UInt8]) -> Int? {
        var at = 42 + 240
        while at + 1 < frame.count {
            if frame[at] == 12 { return at }
            if frame[at] == 0 {
                at += 1
                continue
            }
            if frame[at] == 255 { return nil }
            at += 2 + Int(frame[at + 1])
        }
        return nil
    }
}
