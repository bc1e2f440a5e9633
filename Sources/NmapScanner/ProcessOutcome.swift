/// Everything a finished (or killed, or never started) child process left behind.
struct ProcessOutcome: Sendable {
    enum Termination: Sendable, Equatable {
        case exited(Int32)
        case signaled(Int32)
    }

    /// nil when the process was never started because the run was cancelled first.
    var termination: Termination?
    var stdout: [UInt8]
    var stderr: [UInt8]
    /// We killed the process group because the run outlived its timeout.
    var timedOut: Bool
    /// We killed the process group (or never started it) because the awaiting task was cancelled.
    var cancelled: Bool
}
