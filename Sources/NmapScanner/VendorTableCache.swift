import Synchronization

/// nmap-mac-prefixes is loaded once, on the first MAC that needs it (about 32,000 lines), and kept.
final class VendorTableCache: Sendable {
    private let path: String
    private let table = Mutex<MACVendorTable?>(nil)

    init(path: String) {
        self.path = path
    }

    /// The table, or nil when the file cannot be read (nmap installed without its data files).
    func get() -> MACVendorTable? {
        if let loaded = table.withLock({ $0 }) { return loaded }
        guard let loaded = MACVendorTable.load(path: path) else { return nil }
        return table.withLock { current in
            if current == nil { current = loaded }
            return current
        }
    }
}
