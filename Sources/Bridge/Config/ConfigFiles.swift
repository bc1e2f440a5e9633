import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// File access for the configuration: paths relative to the config file, readable-file checks.
enum ConfigFiles {
    /// `path` made absolute against `directory`; `~/` means the home directory.
    static func absolute(_ path: String, relativeTo directory: String, environment: [String: String]) -> String {
        var path = path
        if path == "~" || path.hasPrefix("~/"), let home = environment["HOME"] ?? ProcessInfo.processInfo.environment["HOME"] {
            path = home + path.dropFirst()
        }
        if !path.hasPrefix("/") {
            path = directory.hasSuffix("/") ? directory + path : directory + "/" + path
        }
        return (path as NSString).standardizingPath
    }

    /// The file's contents, or why it cannot be read (`No such file or directory`, `is a directory`).
    static func read(_ path: String) -> Result<Data, ReadFailure> {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            return .failure(ReadFailure(reason: String(cString: strerror(errno))))
        }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            return .failure(ReadFailure(reason: reason))
        }
        if (status.st_mode & S_IFMT) == S_IFDIR {
            close(descriptor)
            return .failure(ReadFailure(reason: "it is a directory"))
        }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        do {
            return .success(try handle.readToEnd() ?? Data())
        } catch {
            return .failure(ReadFailure(reason: "\(error.localizedDescription)"))
        }
    }

    struct ReadFailure: Error, CustomStringConvertible {
        var reason: String
        var description: String { reason }
    }
}
