import ArgumentParser

/// One scan, no MQTT. (Placeholder until the NmapScanner module lands.)
struct ScanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "scan", abstract: "Run one scan and print the hosts found.")

    func run() async throws {
        throw ValidationError("not implemented yet")
    }
}
