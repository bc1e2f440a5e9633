import Foundation
import TestSupport
import Testing

@testable import PassiveListener

/// Seeded random frames and random damage to the captured ones: the decoder returns a sighting or a
/// reason, never crashes (every read is a bounds-checked `Span` read), and what it does return is
/// sane. A few seconds by default; `NMAP2MQTT_FUZZ_SECONDS` runs longer, `NMAP2MQTT_FUZZ_SEED`
/// replays one seed.
@Suite("Frame decoder fuzzing")
struct PassiveFrameDecoderFuzzTests {
    static let corpus = [
        CapturedFrames.dhcpDiscover, CapturedFrames.dhcpRequest, CapturedFrames.dhcpOffer, CapturedFrames.arpProbe,
        CapturedFrames.arpRequest, CapturedFrames.arpReply, CapturedFrames.dhcpRequestFromZero, CapturedFrames.gratuitousARP,
        CapturedFrames.dhcpInform,
    ]

    static var seconds: Double {
        ProcessInfo.processInfo.environment["NMAP2MQTT_FUZZ_SECONDS"].flatMap(Double.init) ?? 1.5
    }

    static var fixedSeed: UInt64? {
        ProcessInfo.processInfo.environment["NMAP2MQTT_FUZZ_SEED"].flatMap { UInt64($0) }
    }

    /// What every sighting must satisfy, whatever the input.
    static func checkSane(_ sighting: PassiveSighting, from frame: [UInt8], seed: UInt64) {
        #expect(sighting.mac.isUnicast && !sighting.mac.isZero, "seed \(seed)")
        #expect(sighting.ip.map(\.isPlausibleHost) ?? true, "seed \(seed)")
        #expect(sighting.requestedIP.map(\.isPlausibleHost) ?? true, "seed \(seed)")
        #expect(sighting.address != nil || sighting.kind.rawValue.hasPrefix("dhcp"), "seed \(seed): ARP always has an address")
        if let name = sighting.hostName {
            #expect((1...DHCPHostName.maximumLength).contains(name.utf8.count), "seed \(seed)")
            #expect(
                name.utf8.allSatisfy {
                    $0 == 0x2D || $0 == 0x2E || $0 == 0x5F || (0x30...0x39).contains($0)
                        || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0)
                }, "seed \(seed): \(name)")
        }
        #expect(sighting.kind != .neighbour, "seed \(seed)")
    }

    static func mutate(_ input: [UInt8], using random: inout SplitMix64) -> [UInt8] {
        var bytes = input
        for _ in 0..<(1 + random.below(6)) {
            let position = bytes.isEmpty ? 0 : random.below(bytes.count)
            switch random.below(6) {
            case 0 where !bytes.isEmpty:
                bytes[position] = random.byte()
            case 1 where !bytes.isEmpty:
                bytes[position] ^= 1 << UInt8(random.below(8))
            case 2:
                bytes.removeSubrange(min(position, bytes.count)...)
            case 3:
                bytes.insert(contentsOf: (0..<random.below(8)).map { _ in random.byte() }, at: position)
            case 4 where !bytes.isEmpty:
                // Lengths and option codes are where parsers break: hit the bytes around them with extremes.
                bytes[position] = [0x00, 0x01, 0x7F, 0x80, 0xFE, 0xFF][random.below(6)]
            default:
                bytes.removeSubrange(position..<min(bytes.count, position + random.below(16)))
            }
        }
        return bytes
    }

    @Test func randomBytesNeverCrash() {
        var random = SplitMix64(seed: Self.fixedSeed ?? 0x5EED_0001)
        var sightings = 0
        for _ in 0..<200_000 {
            let length = random.below(400)
            var frame = [UInt8](repeating: 0, count: length)
            for index in frame.indices { frame[index] = random.byte() }
            // Give a quarter of them a plausible ether type, so the ARP and IPv4 paths see random data too.
            if length >= 14 && random.below(4) == 0 {
                frame[12] = 0x08
                frame[13] = random.below(2) == 0 ? 0x06 : 0x00
            }
            if let sighting = PassiveFrameDecoder.decode(frame.span) {
                sightings += 1
                Self.checkSane(sighting, from: frame, seed: random.state)
            }
        }
        // Random ARP bodies rarely pass the type checks; random IPv4 essentially never reaches DHCP.
        #expect(sightings < 200)
    }

    @Test func damagedRealFramesNeverCrash() {
        let deadline = Date().addingTimeInterval(Self.seconds)
        var seed = Self.fixedSeed ?? 0xF4A3_E5D0
        var rounds = 0
        repeat {
            var random = SplitMix64(seed: seed)
            let original = Self.corpus[random.below(Self.corpus.count)]
            let frame = Self.mutate(original, using: &random)
            switch PassiveFrameDecoder.inspect(frame.span, interfaceIndex: 0) {
            case .sighting(let sighting): Self.checkSane(sighting, from: frame, seed: seed)
            case .ignored: break
            }
            seed &+= 1
            rounds += 1
        } while Self.fixedSeed == nil && (rounds % 1000 != 0 || Date() < deadline)
        #expect(rounds >= 1)
    }

    @Test func randomTruncationsOfRealFrames() {
        var random = SplitMix64(seed: Self.fixedSeed ?? 0x7A0C_4E11)
        for _ in 0..<20_000 {
            let original = Self.corpus[random.below(Self.corpus.count)]
            let cut = Array(original.prefix(random.below(original.count + 1)))
            if let sighting = PassiveFrameDecoder.decode(cut.span) {
                // Only a cut inside trailing padding (or the DHCP options' tail) can still decode.
                Self.checkSane(sighting, from: cut, seed: random.state)
                #expect(cut.count >= 42)
            }
        }
    }
}
