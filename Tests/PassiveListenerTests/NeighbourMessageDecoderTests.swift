import NetworkAddresses
import Testing

@testable import PassiveListener

/// The netlink decoder and the "which states mean seen" policy, on messages captured in a lab's
/// scanner namespace.
struct NeighbourMessageDecoderTests {
    let h2 = MACAddress(0xB8, 0x27, 0xEB, 0x10, 0x00, 0x12)
    let h3 = MACAddress(0x02, 0x5B, 0x26, 0xA8, 0xDC, 0x12)

    func messages(_ datagram: [UInt8]) -> [NeighbourMessageDecoder.Message] {
        var messages: [NeighbourMessageDecoder.Message] = []
        NeighbourMessageDecoder.forEachMessage(in: datagram.span) { messages.append($0) }
        return messages
    }

    func update(_ datagram: [UInt8]) throws -> NeighbourMessageDecoder.Update {
        guard case .neighbour(let update, _) = try #require(messages(datagram).first) else {
            throw DecodeFailure()
        }
        return update
    }

    struct DecodeFailure: Error {}

    /// A captured message with another NUD state (the state is at 16 + 8).
    func withState(_ datagram: [UInt8], _ state: UInt16) -> [UInt8] {
        var bytes = datagram
        bytes[24] = UInt8(state & 0xff)
        bytes[25] = UInt8(state >> 8)
        return bytes
    }

    @Test func decodesCapturedEvents() throws {
        #expect(
            messages(CapturedFrames.neighbourReachable) == [
                .neighbour(
                    .init(deleted: false, interfaceIndex: 2, state: .reachable, ip: IPv4Address(198, 18, 42, 12), mac: h2), sequence: 0)
            ])
        #expect(try update(CapturedFrames.neighbourStaleLearned).state == .stale)
        #expect(try update(CapturedFrames.neighbourProbe).state == .probe)
        #expect(
            try update(CapturedFrames.neighbourReachableAfterProbe)
                == .init(
                    deleted: false, interfaceIndex: 2, state: .reachable, ip: IPv4Address(198, 18, 42, 13), mac: h3))
    }

    @Test func severalMessagesInOneDatagram() {
        let datagram = CapturedFrames.neighbourReachable + CapturedFrames.neighbourStaleLearned + doneMessage(sequence: 1)
        let all = messages(datagram)
        #expect(all.count == 3)
        #expect(all.last == .done(sequence: 1))
    }

    @Test func deletionsAndOtherFamiliesAndProxies() throws {
        var deleted = CapturedFrames.neighbourReachable
        deleted[4] = 29
        #expect(try update(deleted).deleted)
        var ipv6 = CapturedFrames.neighbourReachable
        ipv6[16] = 10
        #expect(messages(ipv6) == [.skipped])
        var proxy = CapturedFrames.neighbourReachable
        proxy[26] = 0x08
        #expect(messages(proxy) == [.skipped])
        var link = CapturedFrames.neighbourReachable
        link[4] = 16 // RTM_NEWLINK
        #expect(messages(link) == [.skipped])
    }

    @Test func entriesWithoutALinkAddress() throws {
        // NDA_LLADDR renamed to an unknown attribute: what INCOMPLETE and FAILED entries look like.
        var bytes = withState(CapturedFrames.neighbourReachable, 0x20)
        bytes[38] = 99
        let failed = try update(bytes)
        #expect(failed.mac == nil && failed.state == .failed)
    }

    @Test func truncatedAndCorruptDatagramsStopCleanly() {
        let datagram = CapturedFrames.neighbourReachable + CapturedFrames.neighbourProbe
        for length in 0..<datagram.count {
            let all = messages(Array(datagram.prefix(length)))
            #expect(all.count == (length >= 76 ? 1 : 0), "length \(length)")
        }
        var badAttribute = CapturedFrames.neighbourReachable
        badAttribute[28] = 200 // NDA_DST's length runs past the message
        #expect(messages(badAttribute) == [.skipped])
        var shortLength = CapturedFrames.neighbourReachable
        shortLength[0] = 8
        #expect(messages(shortLength).isEmpty)
    }

    @Test func errorMessages() {
        var error = [UInt8](repeating: 0, count: 36)
        error[0] = 36
        error[4] = 2 // NLMSG_ERROR
        error[8] = 1
        let code = UInt32(bitPattern: -16) // -EBUSY
        for index in 0..<4 { error[16 + index] = UInt8(truncatingIfNeeded: code >> (8 * index)) }
        #expect(messages(error) == [.error(code: -16, sequence: 1)])
    }

    func doneMessage(sequence: UInt8) -> [UInt8] {
        var done = [UInt8](repeating: 0, count: 20)
        done[0] = 20
        done[4] = 3
        done[8] = sequence
        return done
    }

    // MARK: Which states mean seen

    @Test func capturedSequenceGivesThreeSightings() throws {
        var policy = NeighbourSightings(capacity: 16)
        let events = [
            CapturedFrames.neighbourReachable, CapturedFrames.neighbourStaleLearned, CapturedFrames.neighbourProbe,
            CapturedFrames.neighbourReachableAfterProbe,
        ]
        let sightings = try events.map { policy.sighting(for: try update($0)) }
        #expect(
            sightings == [
                PassiveSighting(mac: h2, ip: IPv4Address(198, 18, 42, 12), kind: .neighbour, interfaceIndex: 2),
                PassiveSighting(mac: h3, ip: IPv4Address(198, 18, 42, 13), kind: .neighbour, interfaceIndex: 2),
                nil,
                PassiveSighting(mac: h3, ip: IPv4Address(198, 18, 42, 13), kind: .neighbour, interfaceIndex: 2),
            ])
    }

    @Test func agingIsNotASighting() throws {
        var policy = NeighbourSightings(capacity: 16)
        let reachable = policy.sighting(for: try update(CapturedFrames.neighbourReachable))
        #expect(reachable != nil)
        // REACHABLE → STALE 30 s later: the clock ran out, the device may be gone.
        let aged = policy.sighting(for: try update(withState(CapturedFrames.neighbourReachable, 0x04)))
        #expect(aged == nil)
        let delay = policy.sighting(for: try update(withState(CapturedFrames.neighbourReachable, 0x08)))
        #expect(delay == nil) // DELAY
        let probe = policy.sighting(for: try update(withState(CapturedFrames.neighbourReachable, 0x10)))
        #expect(probe == nil) // PROBE
        let failed = policy.sighting(for: try update(withState(CapturedFrames.neighbourReachable, 0x20)))
        #expect(failed == nil) // FAILED
        // After FAILED, a STALE entry was learned from the device's own frame: a sighting.
        let learned = policy.sighting(for: try update(withState(CapturedFrames.neighbourReachable, 0x04)))
        #expect(learned != nil)
    }

    @Test func aChangedMACIsNews() throws {
        var policy = NeighbourSightings(capacity: 16)
        policy.seed(try update(withState(CapturedFrames.neighbourReachable, 0x02)))
        var other = withState(CapturedFrames.neighbourReachable, 0x04)
        other[45] ^= 0x01 // the last byte of the MAC
        let changed = policy.sighting(for: try update(other))
        #expect(changed?.mac == MACAddress(0xB8, 0x27, 0xEB, 0x10, 0x00, 0x13))
    }

    @Test func theDumpSeedsWithoutSightings() throws {
        var policy = NeighbourSightings(capacity: 16)
        policy.seed(try update(CapturedFrames.neighbourReachable))
        let aged = policy.sighting(for: try update(withState(CapturedFrames.neighbourReachable, 0x04)))
        #expect(aged == nil)
    }

    @Test func staticEntriesAreNotSightings() throws {
        var policy = NeighbourSightings(capacity: 16)
        for state: UInt16 in [0x40, 0x80, 0x01, 0x00] {
            let staticEntry = policy.sighting(for: try update(withState(CapturedFrames.neighbourReachable, state)))
            #expect(staticEntry == nil, "state \(state)")
        }
    }

    @Test func aDeletedEntryIsForgotten() throws {
        var policy = NeighbourSightings(capacity: 16)
        _ = policy.sighting(for: try update(CapturedFrames.neighbourReachable))
        var deleted = withState(CapturedFrames.neighbourReachable, 0x04)
        deleted[4] = 29
        let deletion = policy.sighting(for: try update(deleted))
        #expect(deletion == nil)
        #expect(policy.table.count == 0)
        let relearned = policy.sighting(for: try update(withState(CapturedFrames.neighbourReachable, 0x04)))
        #expect(relearned != nil)
    }
}
