import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Replaces a file so that a crash or a full disk at any moment leaves either the old file or the
/// new one, never half of one, and the bridge can still read it afterwards.
enum AtomicFile {
    /// Writes `contents` to a temporary file in `path`'s directory, gives it the old file's owner,
    /// group and mode, flushes it to disk and renames it over `path`, then flushes the directory.
    /// Refuses, writing nothing, when the file no longer holds `expected` (someone edited it meanwhile).
    static func replace(_ path: String, with contents: String, ifStill expected: Data) throws(ImportError) {
        var old = stat()
        guard stat(path, &old) == 0 else {
            throw failure("cannot be examined: \(reason())")
        }
        guard (old.st_mode & S_IFMT) == S_IFREG else {
            throw failure("is not a regular file; expected a configuration file to rewrite")
        }
        let directory = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        var template = Array("\(directory)/.\(name).import-XXXXXX".utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else {
            throw failure(
                "cannot be rewritten: no temporary file can be made in \(directory) (\(reason())); expected a directory this user may write to")
        }
        let temporary = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var isOpen = true
        func abandon(_ message: String) -> ImportError {
            if isOpen { close(descriptor) }
            unlink(temporary)
            return failure(message)
        }

        let bytes = Array(contents.utf8)
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + written, bytes.count - written) }
            if count < 0 {
                if errno == EINTR { continue }
                throw abandon("cannot be rewritten: writing \(temporary) failed: \(reason())")
            }
            written += count
        }
        // Owner and group first: a change of owner clears the set-id bits that fchmod then restores.
        var new = stat()
        guard fstat(descriptor, &new) == 0 else {
            throw abandon("cannot be rewritten: \(temporary) cannot be examined: \(reason())")
        }
        if new.st_uid != old.st_uid || new.st_gid != old.st_gid, fchown(descriptor, old.st_uid, old.st_gid) != 0 {
            throw abandon(
                "cannot be rewritten with its owner and group (uid \(old.st_uid), gid \(old.st_gid)) kept: \(reason()); expected to run as the file's owner (in its group) or as root"
            )
        }
        guard fchmod(descriptor, old.st_mode & 0o7777) == 0 else {
            throw abandon("cannot be rewritten with its mode kept: \(reason())")
        }
        guard fsync(descriptor) == 0 else {
            throw abandon("cannot be rewritten: flushing \(temporary) to disk failed: \(reason())")
        }
        isOpen = false
        guard close(descriptor) == 0 else {
            throw abandon("cannot be rewritten: closing \(temporary) failed: \(reason())")
        }
        guard case .success(let current) = ConfigFiles.read(path), current == expected else {
            throw abandon("changed while the import ran; expected to run the import again")
        }
        guard rename(temporary, path) == 0 else {
            throw abandon("cannot be replaced by \(temporary): \(reason())")
        }
        // The rename is durable once the directory is flushed. The new file is in place either way, so
        // a directory that cannot be flushed (some network file systems) is no reason to report failure.
        let directoryDescriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryDescriptor >= 0 {
            fsync(directoryDescriptor)
            close(directoryDescriptor)
        }
    }

    private static func failure(_ message: String) -> ImportError {
        ImportError(.cannotWrite, "\(message) (nothing was written)")
    }

    private static func reason() -> String {
        String(cString: strerror(errno))
    }
}
