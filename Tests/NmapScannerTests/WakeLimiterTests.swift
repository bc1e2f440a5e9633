import Testing

@testable import NmapScanner

/// At most one wake-up per device per interval, with a memory that stays bounded.
@Suite struct WakeLimiterTests {
    let start = ContinuousClock.now

    @Test func oncePerIntervalPerAddress() {
        let limiter = WakeLimiter(interval: .seconds(60))
        #expect(limiter.claim("198.51.100.7", now: start))
        #expect(!limiter.claim("198.51.100.7", now: start + .seconds(1)))
        #expect(!limiter.claim("198.51.100.7", now: start + .seconds(59.9)))
        #expect(limiter.claim("198.51.100.8", now: start + .seconds(30))) // another device is not held back
        #expect(limiter.claim("198.51.100.7", now: start + .seconds(60)))
        #expect(!limiter.claim("198.51.100.7", now: start + .seconds(100))) // counted from the last wake-up
        #expect(limiter.claim("198.51.100.7", now: start + .seconds(120)))
    }

    @Test func zeroIntervalWakesEveryTime() {
        let limiter = WakeLimiter(interval: .zero)
        #expect(limiter.claim("198.51.100.7", now: start))
        #expect(limiter.claim("198.51.100.7", now: start))
    }

    @Test func memoryIsBounded() {
        let limiter = WakeLimiter(interval: .seconds(60), capacity: 1024)
        // Stale entries go first...
        for i in 0..<1024 { #expect(limiter.claim("a\(i)", now: start)) }
        #expect(limiter.count == 1024)
        #expect(limiter.claim("b", now: start + .seconds(61)))
        #expect(limiter.count == 1)
        // ...and when every entry is recent, the oldest do.
        for i in 0..<2000 { _ = limiter.claim("c\(i)", now: start + .seconds(70) + .milliseconds(i)) }
        #expect(limiter.count == 1024)
        #expect(limiter.claim("c0", now: start + .seconds(75))) // forgotten, so it may be woken again
        #expect(!limiter.claim("c1999", now: start + .seconds(75))) // remembered
    }

    @Test func refusedMeansNever() {
        let limiter = WakeLimiter(interval: .zero)
        limiter.refuse()
        #expect(limiter.isRefused)
        #expect(!limiter.claim("198.51.100.7", now: start))
    }
}
