#!/usr/bin/env python3
"""The "Several nodes (simulation)" section of bench/RESULTS.md, from the JSON line of
`nmap2mqtt-bench household` (issue 16). report.py calls `section`; run alone, it prints the section
for a results file of that subcommand:

usage: household_report.py HOUSEHOLD_JSONL [WHERE_FROM]"""
import json
import sys


def _sec(seconds):
    return "—" if seconds is None else f"{seconds:.1f} s"


def _ms(seconds):
    return "—" if seconds is None else (f"{seconds * 1000:.2f} ms" if seconds < 0.01 else f"{seconds * 1000:.0f} ms")


def _rate(value):
    return "—" if value is None else f"{value:.2f}"


def _ratio(a, b):
    return "—" if not a or not b else f"{a / b:.2f}×"


def rows(h):
    """(measurement, several nodes, one node alone, ratio, target, met) rows for one run of the subcommand."""
    shared, alone = h["shared_per_device_hour"], h["alone_per_device_hour"]
    total = h["household_total_per_device_hour"]
    out = [
        (f"Shared topics (the leader's `state` + `attributes`): messages per device per hour "
         f"(state {_rate(h['shared_state_per_device_hour'])}, attributes {_rate(h['shared_attributes_per_device_hour'])}; "
         f"alone: {_rate(h['alone_state_per_device_hour'])}, {_rate(h['alone_attributes_per_device_hour'])})",
         _rate(shared), f"one node alone {_rate(alone)}", _ratio(shared, alone), "", ""),
        (f"Node topics (each node's view), all nodes together: messages per device per hour "
         f"({_rate(h['node_topic_at_restart_per_device_hour'])} of them from restarted nodes showing everything again)",
         _rate(h["node_topic_per_device_hour"]), "one node alone: none", "", "", ""),
        ("All device messages per device per hour (shared + node topics)", _rate(total),
         f"one node alone {_rate(alone)}", _ratio(total, alone), "", ""),
        (f"Leave → `not_home` on the shared topics: median (max; {h['leave_samples']} leaves, "
         f"alone {h['alone_leave_samples']})",
         f"{_sec(h['leave_median_seconds'])} ({_sec(h['leave_max_seconds'])})",
         f"one node alone {_sec(h['alone_leave_median_seconds'])} ({_sec(h['alone_leave_max_seconds'])})", "", "", ""),
        (f"Return → `home` on the shared topics: median (max; {h['return_samples']} returns, "
         f"alone {h['alone_return_samples']})",
         f"{_sec(h['return_median_seconds'])} ({_sec(h['return_max_seconds'])})",
         f"one node alone {_sec(h['alone_return_median_seconds'])} ({_sec(h['alone_return_max_seconds'])})", "", "", ""),
        ("False `not_home` on the shared topics (published while the device was present)"
         + (f"; the first, in seconds after the warm-up: {', '.join(h['false_not_home_examples'])}" if h["false_not_home"] else ""),
         str(h["false_not_home"]),
         f"one node alone {h['alone_false_not_home']}", "", "0",
         "yes" if h["false_not_home"] == 0 and h["alone_false_not_home"] == 0 else "**no**"),
        ("False `home` on the shared topics (published while the device was away)"
         + (f"; the first, in seconds after the warm-up: {', '.join(h['false_home_examples'])}" if h["false_home"] else ""),
         str(h["false_home"]), f"one node alone {h['alone_false_home']}", "", "", ""),
        (f"Devices unavailable while a node is dead: median of the {h['deaths']} deaths (max); "
         f"while every node is live: {h['unavailable_while_all_live']}",
         f"{h['unavailable_per_death_median']:.0f} ({h['unavailable_per_death_max']})", "", "", "", ""),
        (f"Leader changes (every live node's `Household` named the same leader: "
         f"{'yes' if h['leader_disagreements'] == 0 else 'no, ' + str(h['leader_disagreements']) + ' times'})",
         str(h["leader_changes"]), "", "", "", ""),
        (f"One merge, `Household.merged(own:)` over {h['devices']:,} devices (median of {h['merges']}; "
         f"max {_ms(h['merge_max_seconds'])})",
         _ms(h["merge_median_seconds"]), f"one node alone (fast path) {_ms(h['alone_merge_median_seconds'])}", "", "", ""),
    ]
    return out


def how(h):
    """The paragraph that says how the figures are taken."""
    takeover = 2 * h["leader_changes"] / (h["minutes"] / 60)
    return f"""- **Several nodes (simulation)**: `nmap2mqtt-bench household` runs the real `PresenceEngine` (one per
  node) and the real `Household` merge on a simulated clock, in process ({h['wall_seconds']:.1f} s of real time
  for both runs): {h['nodes']} nodes, {h['devices']:,} devices in {h['nodes']} segments, {h['overlapping_devices']}
  of them also seen by the next node; the first 3 devices of each segment (router, switch, TV) never leave.
  Each node scans its segment every 12 s (scans take 2 s; consider_home 180 s, reprobe lead 6 s) and
  re-probes what its engine asks for; a re-probe is answered when the device is really there (the
  routers are its witnesses). Every minute {h['churn_percent_per_minute']:g}% of the devices leave or return, each at a
  random second of the minute (half of them are away at the start; seed {h['seed']}). About every 4 minutes a
  node dies (the nodes in turn; {h['deaths']} deaths) and restarts {h['down_seconds']:.0f} s later (± 10 s) from its
  devices as they were. Each node publishes its view of a device on its node topics by the bridge's
  mirror rule (anything but `last_seen` changed; `last_seen` refreshed every 15 min, the default
  `mqtt.last_seen_refresh`; a restarted node shows everything again), and every live node hears it at
  once. The leader (the lowest live id) merges after every step in which something was published, and
  publishes on the shared topics a `state` message per change of the merged state and an `attributes`
  message per change of its payload, by the same rule. A new leader is taken to know what the shared
  topics retain: one that showed everything again would add 2 messages per device at each of the
  {h['leader_changes']} leader changes ({takeover:.0f} per device per hour). One node alone: one engine over all
  {h['devices']:,} devices with the same churn, never dying. Delays run from the moment a device leaves or
  returns to the shared message; an absence shorter than the decision gives no sample
  ({h['short_absences']} of them). False states are checked against who is really there when the shared message
  goes out. Counted over {h['minutes']:g} simulated minutes after 5 minutes of warm-up. Not counted: discovery
  messages (the viewers of {h['shared_discovery_messages']} devices changed), `bridge/info`, the devices list and
  events, which go out per step rather than per device."""


def section(h, where_from=""):
    header = ("| measurement | several nodes | one node alone (same run) | ratio | target | met |\n"
              "|---|---|---|---|---|---|\n")
    table = header + "".join(f"| {' | '.join(str(c) for c in row)} |\n" for row in rows(h))
    return f"## Several nodes (simulation)\n\n{where_from}{table}\n{how(h)}\n"


if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        runs = [json.loads(line) for line in f if line.strip()]
    print(section(runs[-1], sys.argv[2] + "\n\n" if len(sys.argv) > 2 else ""), end="")
