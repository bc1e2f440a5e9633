import Foundation

/// This process's memory as the kernel counts it (`/proc/self/status`), in KiB: the same numbers the
/// script reads for Python and for the daemon, so figures from different tools compare.
struct ProcessMemory {
    /// Peak resident set size (`VmHWM`).
    var peakResidentKiB: Int
    /// Resident set size now (`VmRSS`).
    var residentKiB: Int
    /// Resident anonymous memory now (`RssAnon`): heap and stacks, not shared library pages.
    var anonymousKiB: Int

    static func current() -> ProcessMemory {
        let text = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        func field(_ name: String) -> Int {
            for line in text.split(separator: "\n") where line.hasPrefix(name + ":") {
                let digits = line.dropFirst(name.count + 1).filter(\.isNumber)
                return Int(digits) ?? -1
            }
            return -1
        }
        return ProcessMemory(peakResidentKiB: field("VmHWM"), residentKiB: field("VmRSS"), anonymousKiB: field("RssAnon"))
    }
}
