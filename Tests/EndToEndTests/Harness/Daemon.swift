import Foundation
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// The built `nmap2mqtt` executable, run as a user would run it.
struct Daemon {
    let process: ChildProcess
    let logFile: String

    /// The executable built beside the test bundle (`swift build --build-tests` builds both).
    static let executable: String = {
        let bundleDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for directory in [bundleDirectory, bundleDirectory.deletingLastPathComponent()] {
            let candidate = directory.appendingPathComponent("nmap2mqtt").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return TestLAN.repositoryRoot.appendingPathComponent(".build/debug/nmap2mqtt").path
    }()

    var log: String { (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? "" }

    /// Runs a short command of the executable; returns its exit code and output.
    static func run(_ arguments: [String], directory: String) async throws -> (status: Int32, output: String) {
        let output = directory + "/command-\(UUID().uuidString).log"
        let child = try ChildProcess(executable, arguments, outputFile: output)
        guard let status = await child.waitForExit(within: .seconds(30)) else {
            await child.kill()
            throw EndToEndError("nmap2mqtt \(arguments.joined(separator: " ")) did not finish within 30 s")
        }
        return (status, (try? String(contentsOfFile: output, encoding: .utf8)) ?? "")
    }
}
