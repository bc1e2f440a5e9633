#!/usr/bin/env python3
"""Sums up one daemon run of bench/run from its files: the bridge/info messages (`messages.log`, one scan
each, told apart by last_scan_start), the memory samples (`samples.tsv`: VmHWM, RssAnon, smaps_rollup
Anonymous and Private_Dirty, RssFile, KiB) and the daemon's own CPU ticks (utime + stime; nmap is a child process, so
its CPU is not in them) between the end of the first scan and the end of the run.

usage: daemon_summary.py DIR T_CPU0 CPU0 CPU1 CLK_TCK [--scans-only]"""
import json
import os
import sys


def largest_mappings(path, count=8):
    """The files whose pages make up most of the resident set, from a copy of /proc/PID/smaps."""
    if not os.path.exists(path):
        return []
    rss, current = {}, None
    with open(path) as f:
        for line in f:
            parts = line.split()
            if parts and "-" in parts[0] and not parts[0].endswith(":"):
                current = os.path.basename(parts[5]) if len(parts) > 5 else "[anonymous]"
            elif parts and parts[0] == "Rss:" and current:
                rss[current] = rss.get(current, 0) + int(parts[1])
    return sorted(rss.items(), key=lambda item: -item[1])[:count]


def main():
    directory, t_cpu0 = sys.argv[1], float(sys.argv[2])
    cpu0, cpu1, ticks = int(sys.argv[3] or 0), int(sys.argv[4] or 0), int(sys.argv[5])
    scans = {}
    with open(os.path.join(directory, "messages.log"), errors="replace") as f:
        for line in f:
            parts = line.rstrip("\n").split(" ", 2)
            if len(parts) < 3 or not parts[1].endswith("/bridge/info"):
                continue
            info = json.loads(parts[2])
            start = info.get("last_scan_start")
            if start and start not in scans:
                scans[start] = {"received": float(parts[0]), "seconds": info.get("last_scan_duration_seconds"),
                                "ok": info.get("last_scan_ok")}
    durations = [s["seconds"] for s in scans.values() if s["ok"] and s["seconds"] is not None]
    failed = sum(1 for s in scans.values() if not s["ok"])
    result = {"scans": len(scans), "scans_failed": failed, "scan_seconds": durations}
    if "--scans-only" not in sys.argv:
        cycles = sum(1 for s in scans.values() if s["received"] > t_cpu0 + 0.5)
        samples = []
        with open(os.path.join(directory, "samples.tsv")) as f:
            for line in f:
                fields = line.split("\t")
                if len(fields) == 5 and all(x.strip().isdigit() for x in fields):
                    samples.append([int(x) for x in fields])
        if not samples or cycles == 0:
            sys.exit("no memory samples or no scan cycles")
        result.update({
            "cycles": cycles, "cpu_seconds": (cpu1 - cpu0) / ticks,
            "cpu_seconds_per_cycle": (cpu1 - cpu0) / ticks / cycles,
            "peak_rss_kib": max(s[0] for s in samples), "max_rss_anon_kib": max(s[1] for s in samples),
            "max_anonymous_kib": max(s[2] for s in samples), "max_private_dirty_kib": max(s[3] for s in samples),
            "max_rss_file_kib": max(s[4] for s in samples), "samples": len(samples),
            "largest_mappings": largest_mappings(os.path.join(directory, "smaps.txt")),
        })
    print(json.dumps(result, sort_keys=True))


if __name__ == "__main__":
    main()
