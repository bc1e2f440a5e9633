import ArgumentParser
import Foundation

/// Issue 16, item 4: several nodes on one base topic against one node alone, simulated in process
/// (`SimulatedHousehold`: the real engine and the real merge on a simulated clock). Prints messages
/// per device per hour, decision delays, false states on the shared topics, devices unavailable while
/// a node is dead, and the cost of one merge.
struct HouseholdSimulation: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "household",
        abstract: "Simulate several nodes sharing one base topic against one node alone (issue 16).")

    @Option(help: "Nodes, one per segment.")
    var nodes = 5

    @Option(help: "Devices in all, split evenly between the segments.")
    var devices = 5_000

    @Option(help: "Simulated minutes measured (after 5 minutes of warm-up).")
    var minutes = 60.0

    @Option(help: "Percent of the devices that leave or return each minute.")
    var churn = 1.0

    @Option(help: "A node dies about every this many seconds (the nodes in turn).")
    var deathEvery = 240.0

    @Option(help: "Seconds a dead node stays down before it restarts from its state file.")
    var downFor = 60.0

    @Option(help: "Seed of the presence, churn and death schedule.")
    var seed: UInt64 = 16

    func run() throws {
        guard nodes >= 1, devices >= nodes * 20, minutes > 0 else {
            throw ValidationError("use at least 1 node, 20 devices per node and a positive duration")
        }
        var scenario = SimulatedHousehold.Scenario()
        scenario.nodes = nodes
        scenario.devices = devices
        scenario.minutes = minutes
        scenario.churnPerMinute = churn / 100
        scenario.deathEvery = deathEvery
        scenario.downFor = downFor
        scenario.seed = seed

        let clock = ContinuousClock()
        let started = clock.now
        var several = SimulatedHousehold(scenario, alone: false)
        several.run()
        var one = SimulatedHousehold(scenario, alone: true)
        one.run()
        let took = clock.now - started

        let many = several.tally
        let single = one.tally
        let perDeviceHour = { (count: Int) in (Double(count) / Double(devices) / (minutes / 60) * 1000).rounded() / 1000 }
        let shared = many.sharedState + many.sharedAttributes
        let merges = many.mergeSeconds.sorted()
        let examples = { (list: [(device: Int, at: Double)]) in
            list.prefix(5).map { "device \($0.device) at \(Int($0.at - scenario.warmUp)) s" }
        }
        JSONLine.print([
            "nodes": nodes, "devices": devices, "minutes": minutes, "churn_percent_per_minute": churn, "seed": seed,
            "overlapping_devices": nodes > 1 ? devices / scenario.overlapEvery : 0, "deaths": many.deaths,
            "down_seconds": downFor,
            "shared_per_device_hour": perDeviceHour(shared),
            "shared_state_per_device_hour": perDeviceHour(many.sharedState),
            "shared_attributes_per_device_hour": perDeviceHour(many.sharedAttributes),
            "shared_discovery_messages": many.sharedDiscovery,
            "node_topic_per_device_hour": perDeviceHour(many.nodeTopic),
            "node_topic_at_restart_per_device_hour": perDeviceHour(many.nodeTopicAtRestart),
            "household_total_per_device_hour": perDeviceHour(shared + many.nodeTopic),
            "alone_per_device_hour": perDeviceHour(single.sharedState + single.sharedAttributes),
            "alone_state_per_device_hour": perDeviceHour(single.sharedState),
            "alone_attributes_per_device_hour": perDeviceHour(single.sharedAttributes),
            "leave_median_seconds": Self.median(many.leaveDelays), "leave_max_seconds": many.leaveDelays.max() ?? 0,
            "leave_samples": many.leaveDelays.count,
            "return_median_seconds": Self.median(many.returnDelays), "return_max_seconds": many.returnDelays.max() ?? 0,
            "return_samples": many.returnDelays.count,
            "alone_leave_median_seconds": Self.median(single.leaveDelays),
            "alone_leave_max_seconds": single.leaveDelays.max() ?? 0, "alone_leave_samples": single.leaveDelays.count,
            "alone_return_median_seconds": Self.median(single.returnDelays),
            "alone_return_max_seconds": single.returnDelays.max() ?? 0, "alone_return_samples": single.returnDelays.count,
            "false_not_home": many.falseNotHome.count, "false_not_home_examples": examples(many.falseNotHome),
            "false_home": many.falseHome.count, "false_home_examples": examples(many.falseHome),
            "alone_false_not_home": single.falseNotHome.count, "alone_false_home": single.falseHome.count,
            "unavailable_per_death_median": Self.median(many.unavailablePerDeath.map(Double.init)),
            "unavailable_per_death_max": many.unavailablePerDeath.max() ?? 0,
            "unavailable_while_all_live": many.unavailableWhileAllLive,
            "leader_changes": many.leaderChanges, "leader_disagreements": many.leaderDisagreements,
            "merge_median_seconds": Self.median(merges), "merge_max_seconds": merges.last ?? 0, "merges": merges.count,
            "alone_merge_median_seconds": Self.median(single.mergeSeconds),
            "probes": many.probes, "probes_answered": many.probesAnswered, "alone_probes": single.probes,
            "short_absences": many.shortAbsences, "undecided_leaves": many.undecidedLeaves,
            "oldest_undecided_leave_seconds": many.oldestUndecidedLeave,
            "alone_undecided_leaves": single.undecidedLeaves,
            "wake_anomalies": many.wakeAnomalies + single.wakeAnomalies, "wall_seconds": took.seconds,
        ])
    }

    private static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }
}
