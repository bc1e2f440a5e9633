import ArgumentParser

/// In-process measurements for `bench/run`. Each subcommand does one measurement and prints one JSON
/// object on stdout, so the script can put figures from different tools side by side.
@main
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nmap2mqtt-bench",
        abstract: "nmap2mqtt's benchmarks (run them through bench/run).",
        subcommands: [ParseBenchmark.self, EngineBenchmark.self, PublishBenchmark.self, HouseholdSimulation.self]
    )
}
