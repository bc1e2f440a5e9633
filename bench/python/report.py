#!/usr/bin/env python3
"""Turns bench/run's measurements (RESULTS_DIR/*.jsonl) into one table on stdout and bench/RESULTS.md.
Exits 1 when a measurement is missing or bench/run recorded one it could not take; a missed target is
reported, never a failure.

usage: report.py RESULTS_DIR RESULTS_MD RUN_SECONDS"""
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys

import household_report

RESULTS, OUTPUT, RUN_SECONDS = sys.argv[1], sys.argv[2], int(sys.argv[3])
BENCH = os.path.dirname(os.path.abspath(OUTPUT))
VENV_PYTHON = os.path.join(BENCH, ".venv", "bin", "python")

# The daemon runs of bench/run.
DAEMON_INTERVAL, LATENCY_INTERVAL, LATENCY_CONSIDER_HOME = 12, 6, 12
# Home Assistant nmap_tracker defaults (config flow): scan every 120 s, away 180 s after the first down scan.
HA_INTERVAL, HA_CONSIDER_HOME = 120, 180

missing = []


def load(name):
    path = os.path.join(RESULTS, name + ".jsonl")
    if not os.path.exists(path):
        missing.append(name)
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def med(values, what):
    values = [v for v in values if v is not None]
    if not values:
        missing.append(what)
        return None
    return statistics.median(values)


def ms(seconds):
    return "—" if seconds is None else (f"{seconds * 1000:.2f} ms" if seconds < 0.01 else f"{seconds * 1000:.0f} ms")


def sec(seconds):
    return "—" if seconds is None else f"{seconds:.1f} s"


def mb(kib):
    return "—" if kib is None else f"{kib / 1024:.1f} MB"


def rate(per_second):
    return "—" if per_second is None else f"{per_second / 1000:.0f}k msg/s"


def ratio(a, b, digits=1):
    if a is None or b is None or b == 0:
        return None
    return a / b


def fmt_ratio(r, suffix="×", digits=1):
    return "—" if r is None else f"{r:.{digits}f}{suffix}"


def verdict(ok):
    return "—" if ok is None else ("yes" if ok else "**no**")


def command(*argv):
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=20).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return ""


rows = []  # (measurement, nmap2mqtt, alternative, ratio, target, met)
notes = []

# 1. Parsing -------------------------------------------------------------------------------------------
parse_16 = {}
for prefix, label in ((24, "/24 (256 hosts)"), (20, "/20 (4,096 hosts)"), (16, "/16 (65,536 hosts)")):
    ours, theirs = load(f"parse-nmap2mqtt-{prefix}"), load(f"parse-python-nmap-{prefix}")
    if ours and theirs and ours[0].get("hosts_up") != theirs[0].get("hosts_up"):
        missing.append(f"parse /{prefix}: the parsers disagree on hosts up ({ours[0]['hosts_up']} vs {theirs[0]['hosts_up']})")
    t_ours, t_theirs = med([r["seconds"] for r in ours], f"parse-{prefix}"), med([r["seconds"] for r in theirs], f"parse-{prefix}")
    m_ours, m_theirs = med([r["peak_rss_kib"] for r in ours], f"parse-{prefix}"), med([r["peak_rss_kib"] for r in theirs], f"parse-{prefix}")
    speed, memory = ratio(t_theirs, t_ours), ratio(m_ours, m_theirs)
    size = ours[0]["bytes"] / 1e6 if ours else 0
    big = prefix == 16
    rows.append((f"Parse `nmap -sn -v` XML, {label}, {size:.2f} MB: time", ms(t_ours), f"python-nmap {ms(t_theirs)}",
                 fmt_ratio(speed) + " faster" if speed else "—", "≥ 20× faster" if big else "",
                 verdict(speed >= 20 if speed and big else None)))
    rows.append((f"Parse {label}: peak memory (VmHWM)", mb(m_ours), f"python-nmap {mb(m_theirs)}",
                 fmt_ratio(memory, "", 2) + " of it" if memory else "—", "≤ 0.20 of it" if big else "",
                 verdict(memory <= 0.2 if memory and big else None)))
    if big:
        parse_16 = {"speed": speed, "memory": memory, "floor": med([r.get("rss_before_parse_kib") for r in ours], "floor"),
                    "m_ours": m_ours}

whole = load("scan-xml-16")
if whole:
    w = whole[0]
    speed = ratio(w["python_nmap_mean"], w["nmap2mqtt_mean"])
    rows.append((f"Whole process on the /16: `nmap2mqtt scan --xml` (table) against python-nmap's process "
                 f"(hyperfine mean of {w['runs']}; min {ms(w['nmap2mqtt_min'])} / {ms(w['python_nmap_min'])})",
                 ms(w["nmap2mqtt_mean"]), f"python-nmap {ms(w['python_nmap_mean'])}",
                 fmt_ratio(speed) + " faster" if speed else "—", "≥ 20× faster", verdict(speed >= 20 if speed else None)))

# 2. Engine ---------------------------------------------------------------------------------------------
engine = load("engine")
step = engine[0]["median_seconds"] if engine else None
if engine:
    e = engine[0]
    rows.append((f"Presence engine: one scan step over {e['devices']:,} devices (median of {e['steps']}; "
                 f"max {ms(e['max_seconds'])})", ms(step), "", "", "< 10 ms", verdict(step < 0.010)))
else:
    missing.append("engine")

# 2b. Several nodes (simulation) ---------------------------------------------------------------------------
household = load("household")
household_section = household_report.section(household[0]) if household else ""

# 3. Publishing -----------------------------------------------------------------------------------------
publish = load("publish")
publish_ratio = {}
for qos, count in ((0, 100_000), (1, 10_000)):
    per = {}
    for tool in ("nmap2mqtt", "mosquitto_pub", "paho-mqtt"):
        times = [r["seconds"] for r in publish if r["tool"] == tool and r["qos"] == qos]
        t = med(times, f"publish {tool} QoS {qos}")
        per[tool] = count / t if t else None
    vs_pub, vs_paho = ratio(per["nmap2mqtt"], per["mosquitto_pub"]), ratio(per["nmap2mqtt"], per["paho-mqtt"])
    publish_ratio[qos] = vs_pub
    rows.append((f"Publish {count:,} QoS {qos} messages (whole process, median of 3)", rate(per["nmap2mqtt"]),
                 f"mosquitto_pub {rate(per['mosquitto_pub'])}", fmt_ratio(vs_pub, "×", 2) + " of it" if vs_pub else "—",
                 "≥ 1× mosquitto_pub", verdict(vs_pub >= 1.0 if vs_pub else None)))
    rows.append((f"Publish {count:,} QoS {qos}: against paho-mqtt", rate(per["nmap2mqtt"]),
                 f"paho-mqtt {rate(per['paho-mqtt'])}", fmt_ratio(vs_paho, "×", 1) + " of it" if vs_paho else "—", "", ""))

# 4. Daemon and scans -----------------------------------------------------------------------------------
daemon = load("daemon")
scans = load("scan")
scan_med = {name: med([r["seconds"] for r in scans if r["options"] == name], f"scan {name}")
            for name in ("default", "sn-n", "arp-scan")}
scan_hosts = {name: sorted({r["hosts_up"] for r in scans if r["options"] == name}) for name in scan_med}
if daemon:
    d = daemon[0]
    rows.append((f"Daemon on the test LAN, {DAEMON_INTERVAL} s interval, 2 min: peak resident memory (VmHWM)",
                 mb(d["peak_rss_kib"]), "", "", "< 30 MB", verdict(d["peak_rss_kib"] < 30 * 1024)))
    rows.append(("Daemon: private anonymous memory (smaps_rollup `Anonymous`, highest sample)",
                 mb(d["max_anonymous_kib"]), "", "", "< 8 MB", verdict(d["max_anonymous_kib"] < 8 * 1024)))
    rows.append((f"Daemon: its own CPU per scan cycle, nmap excluded ({d['cycles']} cycles)",
                 f"{d['cpu_seconds_per_cycle'] * 1000:.1f} ms", "", "", "", ""))
    daemon_scan = med(d["scan_seconds"], "daemon scans")
    rows.append((f"Daemon: scan duration with the default options `-F --host-timeout 5s` ({len(d['scan_seconds'])} scans)",
                 sec(daemon_scan), "", "", "", ""))
else:
    d = None
rows.append((f"One scan of the lab /24, default options `-F --host-timeout 5s` (hosts up {scan_hosts['default']})",
             sec(scan_med["default"]), f"`-sn -n` {sec(scan_med['sn-n'])} (hosts up {scan_hosts['sn-n']})",
             fmt_ratio(ratio(scan_med["default"], scan_med["sn-n"])) + " as long" if scan_med["default"] and scan_med["sn-n"] else "—",
             "", ""))
rows.append(("One scan of the lab /24: default options against arp-scan", sec(scan_med["default"]),
             f"arp-scan {sec(scan_med['arp-scan'])} (hosts {scan_hosts['arp-scan']})",
             fmt_ratio(ratio(scan_med["default"], scan_med["arp-scan"])) + " as long" if scan_med["default"] and scan_med["arp-scan"] else "—",
             "", ""))

# 5. Latency --------------------------------------------------------------------------------------------
latency = load("latency")
latency_scans = load("latency-scans")
scan_time = max(latency_scans[0]["scan_seconds"]) if latency_scans and latency_scans[0]["scan_seconds"] else None
ha_scan = scan_med["sn-n"] or 0
for event, bound, bound_text in (
        ("join", (LATENCY_INTERVAL + scan_time) if scan_time else None, f"interval + scan time = {LATENCY_INTERVAL} + {scan_time or 0:.1f} s"),
        ("leave", LATENCY_CONSIDER_HOME + LATENCY_INTERVAL, f"consider_home + interval = {LATENCY_CONSIDER_HOME} + {LATENCY_INTERVAL} s")):
    values = [r["seconds"] for r in latency if r["event"] == event]
    if len(values) < 3:
        missing.append(f"latency {event} ({len(values)} of 3)")
    if event == "join":
        ha = f"HA: mean {HA_INTERVAL / 2 + ha_scan:.0f} s, worst {HA_INTERVAL + ha_scan:.0f} s"
    else:
        ha = f"HA: {2 * HA_INTERVAL + ha_scan:.0f}–{3 * HA_INTERVAL + ha_scan:.0f} s, mean {2.5 * HA_INTERVAL + ha_scan:.0f} s"
    worst = max(values) if values else None
    rows.append((f"Detection latency, host {'joins → `home`' if event == 'join' else 'leaves → `not_home`'} "
                 f"(interval {LATENCY_INTERVAL} s, consider_home {LATENCY_CONSIDER_HOME} s; runs: "
                 f"{', '.join(f'{v:.1f}' for v in values) or '—'} s)",
                 sec(statistics.median(values)) if values else "—", ha, "",
                 f"≤ {bound:.1f} s ({bound_text})" if bound else bound_text,
                 verdict(worst <= bound if worst is not None and bound else None)))

# Output ------------------------------------------------------------------------------------------------
header = ("| measurement | nmap2mqtt | alternative (same run) | ratio | target | met |\n"
          "|---|---|---|---|---|---|\n")
table = header + "".join(f"| {' | '.join(str(c) for c in row)} |\n" for row in rows)

failures_file = os.path.join(RESULTS, "failures.txt")
failures = open(failures_file).read().split("\n") if os.path.exists(failures_file) else []
failures = [f for f in failures if f.strip()] + missing

meminfo = {line.split(":")[0]: line.split(":")[1].strip() for line in open("/proc/meminfo")}
model = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
versions = command(VENV_PYTHON, "-c", "import importlib.metadata as m; print('python-nmap', m.version('python-nmap') + ',', 'paho-mqtt', m.version('paho-mqtt'))")
machine = [
    f"- Date: {datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')} (the run took {RUN_SECONDS // 60} min {RUN_SECONDS % 60} s)",
    f"- CPU: {model}, {os.cpu_count()} cores (`nproc`); memory {int(meminfo['MemTotal'].split()[0]) // 1024} MB; "
    f"load average at the end {os.getloadavg()[0]:.1f}",
    f"- {platform.system()} {platform.release()}; {command('swift', '--version').splitlines()[0] if command('swift', '--version') else 'swift ?'}",
    f"- {command('nmap', '--version').splitlines()[0] if command('nmap', '--version') else 'nmap ?'}; "
    f"{(command('mosquitto', '-h').splitlines() or ['mosquitto ?'])[0]}; {versions}; {command('python3', '--version')}",
]

print()
print("\n".join(machine))
print()
print(table)
if failures:
    print("Not measured:\n" + "\n".join(f"- {f}" for f in failures))

limits = []
if parse_16.get("memory") and parse_16["memory"] > 0.2:
    limits.append(
        f"- **Parse memory on the /16** ({parse_16['memory']:.2f} of python-nmap's): the process holds the 9 MB "
        f"input plus Swift's and Foundation's floor ({mb(parse_16['floor'])} before the parse starts); the parser "
        f"itself adds {mb(parse_16['m_ours'] - parse_16['floor'])}. The ratio moves with python-nmap's own peak.")
if parse_16.get("speed") and parse_16["speed"] < 20:
    limits.append(
        f"- **Parse speed on the /16** ({parse_16['speed']:.1f}×): both figures are in-process times on a "
        "machine shared with other work; python-nmap's time varies more than ours from run to run.")
if step is not None and step >= 0.010:
    limits.append(
        "- **Engine step**: the median of the step moves with the machine's load (the minimum is in "
        "the raw results); the work per device is a MAC normalization, one dictionary lookup and an in-place update.")
for qos, r in publish_ratio.items():
    if r is not None and r < 1.0:
        limits.append(
            f"- **QoS {qos} publishing** ({r:.2f}× mosquitto_pub): both send through libmosquitto (per message: a "
            "packet, and a wake-up byte libmosquitto writes to its own loop; `packet__queue`); the module also makes "
            "an async call and one lock round trip per publish"
            + (", and for QoS 1 a continuation resumed for every PUBACK (the price of an `await`able publish that "
               "reports the broker's answer); both are capped by the broker's in-flight window of 20 and the round "
               "trip, so single runs of about 0.3 s move the ratio around 1. " if qos == 1 else ". ")
            + ("Both clocks stop when the last message is written (mosquitto_pub -l: its last QoS 0 message; the "
               "module: the DISCONNECT queued behind it), and the broker's count confirms every message arrived. "
               if qos == 0 else "")
            + "Runs (s): " + "; ".join(
                f"{tool} " + ", ".join(f"{x['seconds']:.3f}" for x in publish if x["tool"] == tool and x["qos"] == qos)
                for tool in ("nmap2mqtt", "mosquitto_pub")) + ".")
if household and (household[0]["false_not_home"] or household[0]["alone_false_not_home"]):
    limits.append(
        f"- **False `not_home` in the simulation** ({household[0]['false_not_home']} with several nodes, "
        f"{household[0]['alone_false_not_home']} alone; first: {', '.join(household[0]['false_not_home_examples'])}): "
        "a present device was published `not_home` on the shared topics (section 'Several nodes (simulation)').")
if d and d["peak_rss_kib"] >= 30 * 1024:
    top = ", ".join(f"{name} {kib / 1024:.1f}" for name, kib in d.get("largest_mappings", []))
    limits.append(
        f"- **Daemon peak resident memory** ({mb(d['peak_rss_kib'])}): {mb(d.get('max_rss_file_kib'))} of it are pages of "
        f"files, the Swift runtime, Foundation (with its ICU) and the other shared libraries, which every Swift "
        f"program that uses Foundation maps (a program importing only Foundation already has about 18 MB, "
        f"with FoundationXML about 21.5 MB); they are shared with other processes using the same libraries "
        f"and are not the daemon's own. Its own (anonymous) memory is {mb(d['max_anonymous_kib'])}. Largest "
        f"mappings at the end of the run, MB: {top}. Going under 30 MB would mean dropping Foundation "
        f"for FoundationEssentials throughout (the modules, the configuration reader and the executable import "
        f"Foundation today).")
if d and d["max_anonymous_kib"] >= 8 * 1024:
    limits.append(
        f"- **Daemon private memory** ({mb(d['max_anonymous_kib'])}): heap of the Swift runtime, Foundation, libmosquitto "
        "and the daemon's threads; see the largest mappings above.")

text = f"""# Benchmarks: nmap2mqtt against the tools users would pick instead

Produced by `sudo bench/run` (issue 7): it builds in release mode, installs what it needs, measures every
figure below in the same run and writes this file. Ratios compare figures taken minutes apart on the
same machine; absolute times move with the machine's load, so read the ratios.

## Machine

{chr(10).join(machine)}

## Results

{table}
{"**Not measured in this run:**" + chr(10) + chr(10).join(f"- {f}" for f in failures) + chr(10) if failures else ""}
{household_section}
## Where a target is missed

{chr(10).join(limits) if limits else "Every target was met in this run."}

## How each figure is taken

- **Parsing**: `bench/python/gen_nmap_xml.py` writes a synthetic `nmap -oX - -sn -v --reason` sweep of
  198.18.0.0/24, /20 and /16 (a benchmark range; no nmap runs), in nmap 7.93's exact layout (copied from a
  real lab run): every address has a `<host>`, one in ten is up with a MAC, a vendor and for half of them a
  PTR name. Each tool runs as its own process, three times per size: it reads the file into memory,
  then parses it once, timed in-process (`NmapXMLParser.parse`; python-nmap 0.7.1's
  `PortScanner.analyse_nmap_xml_scan`, what Home Assistant's nmap_tracker calls). Peak memory is the
  process's `VmHWM` after the parse, for both. Both parsers must agree on the number of hosts up.
- **Whole process on the /16**: one `hyperfine -N -w 2 -r 10` run alternates the release
  `nmap2mqtt scan --xml sweep-16.xml` (start-up, reading the file, parsing, vendors, printing the
  6,554-row table) with `bench/python/parse_python_nmap.py sweep-16.xml` under the virtualenv's Python
  (interpreter start, `import nmap`, reading, parsing); both outputs go to /dev/null. The ratio is of the means.
- **Engine**: `nmap2mqtt-bench engine 10000` feeds `PresenceEngine` 62 scans of 10,000 devices, 12 s apart:
  every scan one device in a hundred is missing (a different hundredth each time), one in a hundred is on a
  new IP, and one hundredth left for good, so after `consider_home` they fall due, are re-probed (answered
  "no") and depart. One step is `apply` + `nextDecision` + `probesDue` + `resolve` for each due probe +
  `excludedAddresses`, as the bridge calls them after a scan; sightings are built before the clock starts.
  The first (all arrivals) and second steps are not counted.
- **Publishing**: one mosquitto broker on loopback; each client publishes a 16-byte payload to one topic, MQTT 5,
  three runs each, alternating tools. Times are whole processes (start, connect, publish, wait, disconnect),
  the same for all three. QoS 1: libmosquitto and paho keep their own in-flight window and queue the rest;
  `nmap2mqtt-bench publish` keeps up to 100 `publish` calls awaiting their PUBACK at once. QoS 0: the
  module's and paho's runs end with one QoS 1 message whose PUBACK means the broker has read everything
  before it; `mosquitto_pub -l` exits once it has sent everything. The broker's own count of PUBLISH
  packets received (`$SYS/broker/publish/messages/received`) must grow by at least the count, or the run
  is not taken.
- **Daemon**: the release `nmap2mqtt run` against the test LAN of `scripts/testlan.sh` (six hosts in
  198.18.42.0/24, nmap run inside the scanner namespace by a wrapper), default scan options, interval
  {DAEMON_INTERVAL} s, for 2 minutes. Memory is sampled every 2 s from `/proc/PID/status` (`VmHWM`) and
  `/proc/PID/smaps_rollup` (`Anonymous`, the private memory; most of the resident set is shared library
  pages). CPU is the daemon's own `utime + stime` from the end of its first scan to the end of the run,
  divided by the scans that ended in between; nmap runs as a child process, so its CPU is not included.
  Scan durations come from `nmap2mqtt/bridge/info`. The one-off scans (three each) run nmap with the
  daemon's default options and with `-sn -n`, and `arp-scan -I eth0 198.18.42.0/24`, inside the scanner
  namespace; "hosts up" counts the scanner itself for nmap.
- **Latency**: a second daemon with interval {LATENCY_INTERVAL} s and consider_home {LATENCY_CONSIDER_HOME} s; host 4 leaves the LAN
  (its veth is deleted) and comes back, three times, at different points of the scan cycle; the delay
  runs from the `ip link` command to the receipt of `not_home` / `home` on its state topic by a subscriber.
  Bounds: joining is seen by the next scan that starts after it, so at most interval + scan time (the
  longest scan of that run); leaving becomes `not_home` when `consider_home` has passed since the last
  sighting and a re-probe of its IP gets no answer, so at most consider_home + interval (+ the probe).
- **Home Assistant's nmap_tracker**, computed from its rules (not run): it scans every T = {HA_INTERVAL} s; a
  device that joins is seen by the next scan: delay uniform in (0, T] plus the scan time s, mean T/2 + s,
  worst T + s. A device that leaves is first seen down by the next scan (time d in (0, T] after leaving),
  which only starts the clock (`first_offline`); it becomes `not_home` at the first later scan with
  now − first_offline ≥ consider_home = {HA_CONSIDER_HOME} s, i.e. ⌈{HA_CONSIDER_HOME}/{HA_INTERVAL}⌉ = 2 scans later: delay
  d + 2T + s, between 2T + s and 3T + s ({2 * HA_INTERVAL}–{3 * HA_INTERVAL} s + s), mean 2.5T + s. s is taken as this
  run's `-sn -n` scan of the lab ({sec(scan_med['sn-n'])}), the kind of scan its 2025.10 defaults run.
  With nmap2mqtt's own defaults (interval 12 s, consider_home 180 s) the same bounds are 12 s + s to join
  and 192 s to leave.
"""
with open(OUTPUT, "w") as f:
    f.write(text)
print(f"\nWrote {OUTPUT}")
sys.exit(1 if failures else 0)
