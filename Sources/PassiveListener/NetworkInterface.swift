import Glibc

/// An interface named in the configuration, with the index the kernel gave it.
struct NetworkInterface: Sendable, Equatable {
    var name: String
    var index: Int32

    /// Looks `names` up in the calling thread's network namespace.
    static func resolve(_ names: [String]) throws(PassiveListenerError) -> [NetworkInterface] {
        var resolved: [NetworkInterface] = []
        for name in names where !resolved.contains(where: { $0.name == name }) {
            let index = if_nametoindex(name)
            guard index > 0 else {
                throw PassiveListenerError(
                    kind: .noSuchInterface, value: name,
                    message:
                        "passive listener: no interface '\(name)' here (\(LinuxABI.describe(errno))); `ip link` lists the ones there are, or list none to listen on all"
                )
            }
            resolved.append(NetworkInterface(name: name, index: Int32(bitPattern: index)))
        }
        return resolved
    }
}
