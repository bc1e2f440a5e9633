import Foundation
import Testing

@testable import Presence

/// The hand-written UTC timestamps agree with Foundation's ISO 8601 style, and parsing refuses
/// what is not one of our spellings.
@Suite struct TimestampTests {
    static let dates: [Date] = [
        Date(timeIntervalSince1970: 0),
        Date(timeIntervalSince1970: 1_795_708_513.25),
        Date(timeIntervalSince1970: 951_782_400.999), // 2000-02-29
        Date(timeIntervalSince1970: 4_102_444_799.5), // 2099-12-31T23:59:59
        Date(timeIntervalSince1970: -86_400.5),
    ]

    @Test("matches Foundation's ISO 8601 formatting", arguments: dates)
    func matchesFoundation(_ date: Date) {
        #expect(Timestamp.text(date) == date.formatted(Date.ISO8601FormatStyle()))
        #expect(Timestamp.precise(date) == date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)))
    }

    @Test("round-trips to the millisecond", arguments: dates)
    func roundTrip(_ date: Date) throws {
        let back = try #require(Timestamp.parse(Timestamp.precise(date)))
        #expect(abs(back.timeIntervalSince(date)) < 0.001)
        let whole = try #require(Timestamp.parse(Timestamp.text(date)))
        #expect(abs(whole.timeIntervalSince(date)) < 1)
    }

    @Test func compactForFileNames() {
        #expect(Timestamp.compact(Date(timeIntervalSince1970: 1_795_708_513.25)) == "20261126T155513Z")
    }

    @Test(
        "refuses what is not ours",
        arguments: [
            "", "2026-11-26", "2026-11-26T15:00:00", "2026-11-26T15:00:00+01:00", "2026-13-01T00:00:00Z",
            "2026-02-30T00:00:00Z", "2026-11-26T24:00:00Z", "2026-11-26 15:00:00Z", "2026-11-26T15:00:00.Z",
            "2026-11-26T15:00:00.1234567890Z", "x026-11-26T15:00:00Z", "2026-11-26T15:00:00.25",
        ])
    func refuses(_ text: String) {
        #expect(Timestamp.parse(text) == nil)
    }
}
