/// Which scans run when, across the targets of one node: pure, with time only from its callers
/// (monotonic seconds, `Moment.elapsed`), so the tests step it through scripted time.
///
/// - Each target has its own schedule: a round falls due every `interval` after the previous one fell
///   due, and never before the previous round of the same target has ended (a long round makes the next
///   one wait; never two rounds of one target at once).
/// - A round is its target's chunks (``ScanChunks``), each one scan. At most `parallel` scans run at
///   once, all targets and chunks together; a slot is taken per chunk and given back when it ends.
/// - When a slot is free, a round that fell due starts first (earliest due first); otherwise the next
///   chunk of a round in progress (the round that started first, first). So a sweep of many chunks holds
///   a short target back by one chunk at most.
/// - A round ends when all its chunks have: the caller then applies it once.
struct ScanScheduler: Sendable {
    /// One scan to start: chunk `chunk` of target `target`'s round.
    struct Job: Sendable, Hashable {
        var target: Int
        var chunk: Int
    }

    /// A round in progress.
    private struct Round: Sendable {
        var startedAt: Double
        var nextChunk = 0
        var finished = 0
    }

    let intervals: [Double]
    let chunkCounts: [Int]
    let parallel: Int
    /// When each target's next round falls due (the current one's, while it runs).
    private(set) var due: [Double]
    private var rounds: [Int: Round] = [:]
    /// Scans running now.
    private(set) var running = 0

    /// Every target falls due at `start`, the first in the list first.
    init(intervals: [Double], chunkCounts: [Int], parallel: Int, start: Double) {
        self.intervals = intervals
        self.chunkCounts = chunkCounts.map { max(1, $0) }
        self.parallel = max(1, parallel)
        due = Array(repeating: start, count: intervals.count)
    }

    /// Whether target `target` has a round in progress.
    func isScanning(_ target: Int) -> Bool {
        rounds[target] != nil
    }

    /// The scans to start at `now`, in order; each holds a slot until ``finished(_:at:)``.
    mutating func start(at now: Double) -> [Job] {
        var jobs: [Job] = []
        while running < parallel, let job = pick(at: now) {
            jobs.append(job)
            running += 1
        }
        return jobs
    }

    private mutating func pick(at now: Double) -> Job? {
        let waiting = due.indices.filter { rounds[$0] == nil && due[$0] <= now }
        if let target = waiting.min(by: { due[$0] != due[$1] ? due[$0] < due[$1] : $0 < $1 }) {
            rounds[target] = Round(startedAt: now, nextChunk: 1)
            return Job(target: target, chunk: 0)
        }
        let continuing = rounds.filter { $0.value.nextChunk < chunkCounts[$0.key] }
        guard
            let (target, round) = continuing.min(by: {
                $0.value.startedAt != $1.value.startedAt ? $0.value.startedAt < $1.value.startedAt : $0.key < $1.key
            })
        else { return nil }
        rounds[target]?.nextChunk += 1
        return Job(target: target, chunk: round.nextChunk)
    }

    /// A scan ended at `now`: its slot is free. True when it was the last of its round (the caller
    /// applies the round now); the target's next round then falls due one interval after this one did,
    /// or now if that has passed.
    mutating func finished(_ job: Job, at now: Double) -> Bool {
        running = max(0, running - 1)
        guard var round = rounds[job.target] else { return false }
        round.finished += 1
        guard round.finished >= chunkCounts[job.target] else {
            rounds[job.target] = round
            return false
        }
        rounds[job.target] = nil
        due[job.target] = max(due[job.target] + intervals[job.target], now)
        return true
    }

    /// When a round falls due that nothing else would start: the earliest due time of a target without a
    /// round, while a slot is free; nil when every slot is taken (a scan that ends wakes the caller).
    var nextWake: Double? {
        guard running < parallel else { return nil }
        return due.indices.filter { rounds[$0] == nil }.map { due[$0] }.min()
    }
}
