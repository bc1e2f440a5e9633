/// Why a scan produced no trustworthy list of hosts. A failure changes no device's presence.
public struct ScanFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// The nmap program was not found (not on PATH, or no file at the configured path).
        case nmapNotFound
        /// The file exists but cannot be run (permissions, not a program).
        case nmapNotExecutable
        /// The process could not be started for another reason (errno in the message).
        case spawnFailed
        /// The run outlived its timeout; its whole process group was killed.
        case timedOut
        /// nmap exited with this status.
        case nonZeroExit(Int32)
        /// nmap was killed by this signal, not by us.
        case killedBySignal(Int32)
        /// The output is not nmap XML.
        case invalidXML
        /// The XML stops early: no `<finished exit="success">` and closed `</nmaprun>`.
        case incompleteXML
        /// nmap wrote `<finished exit="error">` with its own error message.
        case nmapReportedError
        /// The task awaiting the scan was cancelled; nmap was killed.
        case cancelled
        /// The caller asked for something that cannot be run (e.g. re-probing an invalid address).
        case invalidRequest
    }

    public var kind: Kind
    /// What happened, in words.
    public var message: String
    /// The end of what nmap wrote to stderr (at most about 2000 characters), often its own explanation.
    public var stderr: String

    public init(kind: Kind, message: String, stderr: String = "") {
        self.kind = kind
        self.message = message
        self.stderr = stderr
    }

    public var description: String {
        let said = stderr.trimmingWhitespace()
        return said.isEmpty ? message : "\(message) (nmap said: \(said))"
    }
}
