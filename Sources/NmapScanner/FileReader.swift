import Glibc

/// Reads a whole file with read(2) until end of file: procfs files report size 0, so anything that
/// trusts stat's size reads nothing from `/proc/net/arp`.
enum FileReader {
    static func readAll(path: String, limit: Int = 64 << 20) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        // The size stat gives is only where to start: read straight into an array of that size plus
        // one byte (to see the end), so a 9 MB saved scan costs one allocation and no copy.
        var info = stat()
        let expected = fstat(fd, &info) == 0 && info.st_size > 0 ? min(Int(info.st_size), limit) : 0
        var ended = false
        var failed = false
        var result = [UInt8](unsafeUninitializedCapacity: expected + 1) { buffer, count in
            while count < buffer.count {
                let n = read(fd, buffer.baseAddress! + count, buffer.count - count)
                if n > 0 {
                    count += n
                } else if n == 0 {
                    ended = true
                    return
                } else if errno != EINTR {
                    failed = true
                    return
                }
            }
        }
        if failed { return nil }
        if ended { return result }
        var chunk = [UInt8](repeating: 0, count: 65536)
        while result.count < limit {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n > 0 {
                result.append(contentsOf: chunk[0..<n])
            } else if n == 0 {
                return result
            } else if errno != EINTR {
                return nil
            }
        }
        return result
    }
}

extension FileReader {
    /// Calls `body` with a whole regular file's bytes, read into a private mapping that the kernel may
    /// back with 2 MB pages: reading a 9 MB saved scan into an array cost 2,300 page faults, more
    /// than a third of parsing it. Anything else (procfs, pipes, a file that grows while it is read)
    /// is read by `readAll`. Nil when the file cannot be read.
    static func withContents<Result>(path: String, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG, info.st_size > 0 else {
            close(fd)
            return readAll(path: path, limit: .max).map { $0.withUnsafeBufferPointer(body) }
        }
        let hugePage = 2 << 20
        // One byte more than the size, to see the end of the file; a huge page more, to align to one.
        let wanted = (Int(info.st_size) + 1 + hugePage - 1) / hugePage * hugePage
        let mappedLength = wanted + hugePage
        guard let mapping = mmap(nil, mappedLength, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
            mapping != MAP_FAILED
        else {
            close(fd)
            return readAll(path: path, limit: .max).map { $0.withUnsafeBufferPointer(body) }
        }
        defer { munmap(mapping, mappedLength) }
        let offset = (hugePage - Int(bitPattern: mapping) % hugePage) % hugePage
        let base = (mapping + offset).assumingMemoryBound(to: UInt8.self)
        _ = madvise(base, wanted, MADV_HUGEPAGE) // only advice: without it, ordinary pages
        var count = 0
        var failed = false
        while count < wanted {
            let n = read(fd, base + count, wanted - count)
            if n > 0 {
                count += n
            } else if n == 0 {
                break
            } else if errno != EINTR {
                failed = true
                break
            }
        }
        close(fd)
        if failed { return nil }
        if count == wanted { return readAll(path: path, limit: .max).map { $0.withUnsafeBufferPointer(body) } }
        return body(UnsafeBufferPointer(start: base, count: count))
    }
}
