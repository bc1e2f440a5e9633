/// The outcome of one nmap run: a complete list of up hosts, or a failure that says why.
///
/// A failed scan is never an empty "nobody is here" result, so a presence engine can tell
/// "nobody answered" apart from "nmap broke" and leave every device as it was.
public enum ScanReport: Sendable, Equatable {
    case complete(ScanResult)
    case failed(ScanFailure)

    /// The result when the scan completed.
    public var result: ScanResult? {
        if case .complete(let result) = self { return result }
        return nil
    }

    /// The failure when the scan failed.
    public var failure: ScanFailure? {
        if case .failed(let failure) = self { return failure }
        return nil
    }
}
