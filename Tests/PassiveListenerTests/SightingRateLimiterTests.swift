import NetworkAddresses
import TestSupport
import Testing

@testable import PassiveListener

struct SightingRateLimiterTests {
    let phone = MACAddress(0x3C, 0x22, 0xFB, 0x10, 0x00, 0x11)
    let second: UInt64 = 1_000_000_000

    func limiter(burst: Int = 4, capacity: Int = 4096) -> SightingRateLimiter {
        SightingRateLimiter(interval: .seconds(1), burst: burst, capacity: capacity)
    }

    @Test func oneIdenticalSightingPerMACPerInterval() {
        var limiter = limiter()
        let garp = PassiveSighting(mac: phone, ip: IPv4Address(198, 18, 42, 11), kind: .arpAnnouncement)
        var passed = 0
        // 10,000 a second for 3 s.
        for frame in 0..<30_000 where limiter.admit(garp, now: UInt64(frame) * second / 10_000) { passed += 1 }
        #expect(passed == 3)
        #expect(limiter.trackedAddresses == 1)
    }

    @Test func aJoiningPhoneIsPassedOnInFull() {
        var limiter = limiter()
        let requested = IPv4Address(198, 18, 42, 109)
        let join = [
            PassiveSighting(mac: phone, hostName: "annas-iphone", kind: .dhcpDiscover),
            PassiveSighting(mac: phone, requestedIP: requested, hostName: "annas-iphone", kind: .dhcpRequest),
            PassiveSighting(mac: phone, requestedIP: requested, kind: .arpProbe),
            PassiveSighting(mac: phone, requestedIP: requested, kind: .arpProbe), // the second probe: no news
            PassiveSighting(mac: phone, ip: requested, kind: .arpAnnouncement),
        ]
        let passed = join.enumerated().filter { limiter.admit($0.element, now: UInt64($0.offset) * second / 100) }.map(\.offset)
        #expect(passed == [0, 1, 2, 4])
    }

    @Test func newsIsBoundedByTheBurst() {
        var limiter = limiter(burst: 3)
        var passed = 0
        // A forger alternating addresses as fast as it can: at most `burst` a second.
        for frame in 0..<1000 {
            let sighting = PassiveSighting(mac: phone, ip: IPv4Address(rawValue: 0xC612_2A00 | UInt32(frame % 200 + 1)), kind: .arpAnnouncement)
            if limiter.admit(sighting, now: UInt64(frame) * second / 1000) { passed += 1 }
        }
        #expect(passed == 3)
    }

    @Test func macsAreIndependent() {
        var limiter = limiter()
        let other = MACAddress(0xB8, 0x27, 0xEB, 0x10, 0x00, 0x12)
        let results = [
            limiter.admit(PassiveSighting(mac: phone, kind: .dhcpDiscover), now: 0),
            limiter.admit(PassiveSighting(mac: other, kind: .dhcpDiscover), now: 1),
            limiter.admit(PassiveSighting(mac: phone, kind: .dhcpDiscover), now: 2),
            limiter.admit(PassiveSighting(mac: phone, kind: .dhcpDiscover), now: second),
        ]
        #expect(results == [true, true, false, true])
    }

    @Test func aClockThatGoesBackOpensANewWindow() {
        var limiter = limiter()
        let sighting = PassiveSighting(mac: phone, kind: .dhcpDiscover)
        let results = [limiter.admit(sighting, now: 10 * second), limiter.admit(sighting, now: 5 * second)]
        #expect(results == [true, true])
    }

    @Test func theTableStaysWithinItsCapacityWhateverArrives() {
        var limiter = limiter(capacity: 4096)
        var random = SplitMix64(seed: 42)
        var passed = 0
        for frame in 0..<50_000 {
            let mac = MACAddress(rawValue: random.next() & 0xFEFF_FFFF_FFFF)!
            if limiter.admit(PassiveSighting(mac: mac, ip: IPv4Address(198, 18, 42, 99), kind: .arpRequest), now: UInt64(frame)) { passed += 1 }
            #expect(limiter.trackedAddresses <= 4096)
        }
        #expect(limiter.trackedAddresses == 4096)
        #expect(passed == 50_000) // every new MAC is news
    }

    @Test func aForgottenMACPassesAgainOnce() {
        var limiter = limiter(capacity: 2)
        let a = PassiveSighting(mac: MACAddress(0, 0, 0, 0, 0, 1), kind: .dhcpDiscover)
        let b = PassiveSighting(mac: MACAddress(0, 0, 0, 0, 0, 2), kind: .dhcpDiscover)
        let c = PassiveSighting(mac: MACAddress(0, 0, 0, 0, 0, 3), kind: .dhcpDiscover)
        let results = [
            limiter.admit(a, now: 0), limiter.admit(b, now: 0),
            limiter.admit(a, now: 1),
            limiter.admit(c, now: 2), // forgets a, the oldest
            limiter.admit(a, now: 3),
        ]
        #expect(results == [true, true, false, true, true])
        #expect(limiter.trackedAddresses == 2)
    }
}
