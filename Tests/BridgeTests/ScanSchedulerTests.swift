import Testing

@testable import Bridge

/// The scan schedule in scripted time: a phones target every 10 s beside a /16 swept in 256 chunks.
@Suite("Scan scheduler: each target on its own schedule, scans sharing the slots")
struct ScanSchedulerTests {
    /// What happened in a scripted run.
    struct Run {
        var starts: [(time: Double, job: ScanScheduler.Job)] = []
        var roundEnds: [(time: Double, target: Int)] = []
        var mostAtOnce = 0

        func starts(of target: Int) -> [(time: Double, job: ScanScheduler.Job)] { starts.filter { $0.job.target == target } }
    }

    /// Runs `scheduler` from 0 to `end`: every scan of target `t` takes `durations[t]` seconds.
    static func simulate(_ scheduler: inout ScanScheduler, durations: [Double], until end: Double) -> Run {
        var run = Run()
        var running: [(end: Double, job: ScanScheduler.Job)] = []
        var now = 0.0
        while now <= end {
            for job in scheduler.start(at: now) {
                run.starts.append((now, job))
                running.append((now + durations[job.target], job))
            }
            run.mostAtOnce = max(run.mostAtOnce, running.count)
            guard let next = (running.map(\.end) + [scheduler.nextWake].compactMap { $0 }).min() else { break }
            now = next
            running.sort { $0.end < $1.end }
            while let first = running.first, first.end <= now {
                running.removeFirst()
                if scheduler.finished(first.job, at: now) { run.roundEnds.append((now, first.job.target)) }
            }
        }
        return run
    }

    static let phones = 0
    static let sweep = 1

    @Test("with parallel 2 the phones keep their 10 s schedule while a /16 is swept: held back by one chunk at most", arguments: [2, 1])
    func phonesKeepTheirSchedule(parallel: Int) {
        var scheduler = ScanScheduler(intervals: [10, 600], chunkCounts: [1, 256], parallel: parallel, start: 0)
        let run = Self.simulate(&scheduler, durations: [2, 3], until: 1199)
        let phones = run.starts(of: Self.phones)
        #expect(phones.count == 120, "one round every 10 s from 0 to 1199")
        for (index, start) in phones.enumerated() {
            let due = Double(index) * 10
            #expect(start.time >= due && start.time - due <= 3, "round \(index) due at \(due) started at \(start.time)")
        }
        #expect(run.mostAtOnce <= parallel)

        // The sweep: its chunks in order, its round ended once, when the last chunk did.
        let sweep = run.starts(of: Self.sweep)
        #expect(Array(sweep.prefix(256).map(\.job.chunk)) == Array(0..<256))
        let sweepEnds = run.roundEnds.filter { $0.target == Self.sweep }
        #expect(!sweepEnds.isEmpty)
        let lastChunkStart = try? #require(sweep.prefix(256).last?.time)
        #expect(sweepEnds.first.map { $0.time == (lastChunkStart ?? 0) + 3 } == true)
        #expect(sweep.dropFirst(256).allSatisfy { $0.time >= 600 }, "the next sweep falls due 600 s after the first did")
    }

    @Test("a round that outlasts its interval makes the next one wait; never two rounds of one target at once")
    func longRoundWaits() {
        var scheduler = ScanScheduler(intervals: [10], chunkCounts: [1], parallel: 4, start: 0)
        let run = Self.simulate(&scheduler, durations: [25], until: 100)
        #expect(run.starts.map(\.time) == [0, 25, 50, 75, 100])
        #expect(run.mostAtOnce == 1)
    }

    @Test("due rounds start before more chunks of a round in progress; two due targets start in due order")
    func priorities() {
        var scheduler = ScanScheduler(intervals: [10, 30, 60], chunkCounts: [1, 1, 4], parallel: 1, start: 0)
        var steps: [(started: [ScanScheduler.Job], roundEnded: Bool)] = []
        func step(finishing job: ScanScheduler.Job?, at time: Double) {
            let ended = job.map { scheduler.finished($0, at: time) } ?? false
            steps.append((scheduler.start(at: time), ended))
        }
        step(finishing: nil, at: 0)
        #expect(scheduler.nextWake == nil, "every slot taken: a scan's end wakes the loop")
        step(finishing: .init(target: 0, chunk: 0), at: 1)
        step(finishing: .init(target: 1, chunk: 0), at: 2)
        step(finishing: .init(target: 2, chunk: 0), at: 3)
        step(finishing: .init(target: 2, chunk: 1), at: 10)
        #expect(
            steps.map(\.started) == [
                [.init(target: 0, chunk: 0)], [.init(target: 1, chunk: 0)], [.init(target: 2, chunk: 0)], [.init(target: 2, chunk: 1)],
                [.init(target: 0, chunk: 0)],
            ], "at 10 the phones are due again: they go before chunk 2")
        #expect(steps.map(\.roundEnded) == [false, true, true, false, false], "a round of four chunks has not ended after two")
        #expect(scheduler.isScanning(2) && scheduler.nextWake == nil)
    }
}
