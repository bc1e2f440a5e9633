import Glibc

/// Reads a whole file with read(2) until end of file: procfs files report size 0, so anything that
/// trusts stat's size reads nothing from `/proc/net/arp`.
enum FileReader {
    static func readAll(path: String, limit: Int = 64 << 20) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var result: [UInt8] = []
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
