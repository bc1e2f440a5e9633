#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The time zone the page's clock times are shown in, by hand (`localtime_r`), so the process loads no ICU.
// swift-format-ignore: UseSynthesizedInitializer
// (its initialiser is private on purpose: zones come from the factories)
public struct DisplayZone: Sendable {
    /// A broken-down time.
    struct Parts: Equatable {
        var year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int
        /// 0 = Sunday.
        var weekday: Int
        /// Seconds east of UTC.
        var offset: Int
        var abbreviation: String
    }

    private enum Kind: Sendable {
        case local
        case fixed(offset: Int, name: String)
    }

    private let kind: Kind

    /// The process's zone (`TZ`, `/etc/localtime`).
    public static let local = DisplayZone(kind: .local)

    /// UTC.
    public static let utc = DisplayZone.fixed(offsetSeconds: 0, name: "UTC")

    /// A fixed offset east of UTC (tests, or a zone the daemon was told).
    public static func fixed(offsetSeconds: Int, name: String) -> DisplayZone {
        DisplayZone(kind: .fixed(offset: offsetSeconds, name: name))
    }

    // Private: a zone is made only by the factories above.
    private init(kind: Kind) {
        self.kind = kind
    }

    func parts(_ date: Date) -> Parts {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var broken = tm()
        switch kind {
        case .local:
            localtime_r(&seconds, &broken)
            let abbreviation = broken.tm_zone.map { String(cString: $0) } ?? ""
            return Parts(broken, offset: Int(broken.tm_gmtoff), abbreviation: abbreviation)
        case .fixed(let offset, let name):
            seconds += time_t(offset)
            gmtime_r(&seconds, &broken)
            return Parts(broken, offset: offset, abbreviation: name)
        }
    }
}

extension DisplayZone.Parts {
    init(_ broken: tm, offset: Int, abbreviation: String) {
        self.init(
            year: Int(broken.tm_year) + 1900, month: Int(broken.tm_mon) + 1, day: Int(broken.tm_mday),
            hour: Int(broken.tm_hour), minute: Int(broken.tm_min), second: Int(broken.tm_sec),
            weekday: Int(broken.tm_wday), offset: offset, abbreviation: abbreviation)
    }
}
