import Foundation

/// Debian's headless Chromium, for tests of what a person looks at.
public enum Chromium {
    /// Where it is installed, if it is.
    public static let path = ["chromium", "chromium-browser"].lazy.compactMap { try? ChildProcess.locate($0) }.first {
        access($0, X_OK) == 0
    }

    /// CI (env CI=true) installs it: there a missing browser is a failure, not a skip.
    public static let onCI = ProcessInfo.processInfo.environment["CI"] == "true"

    /// Runs it headless with `arguments` (e.g. `--dump-dom URL`), stdout (the DOM) to `output`; its own
    /// chatter on stderr is dropped. Returns the exit status.
    public static func run(_ arguments: [String], output: String) async throws -> Int32 {
        guard let chromium = path else {
            throw HarnessError("chromium is not installed, and on CI it must be: scripts/install-deps installs it")
        }
        let profile = NSTemporaryDirectory() + "test-chromium-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: profile) }
        let quoted =
            ([
                chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--disable-extensions", "--user-data-dir=\(profile)", "--hide-scrollbars",
            ] + arguments)
            .map { "'\($0)'" }.joined(separator: " ")
        let child = try ChildProcess("/bin/sh", ["-c", "\(quoted) > '\(output)' 2>/dev/null"])
        guard let code = await child.waitForExit(within: .seconds(90)) else {
            await child.kill()
            throw HarnessError("chromium did not finish within 90 s")
        }
        return code
    }
}
