/// What one scan produced. Only a complete scan is evidence about devices; a failed one (nmap error, timeout,
/// truncated XML) says nothing about anyone and so changes no device.
public enum ScanOutcome: Sendable {
    /// The scan finished and these hosts were up, untracked ones included (they are witnesses that the
    /// network works). Hosts left out of the scan (`home_interval`) are simply absent.
    case complete([Sighting])
    /// The scan failed; the reason is kept for reporting.
    case failed(reason: String)
}
