#!/usr/bin/env python3
"""One parse of a saved nmap XML file with python-nmap, as Home Assistant's nmap_tracker parses nmap's
stdout (PortScanner.analyse_nmap_xml_scan). The file is read first; only the parse is timed. Prints one
JSON object: seconds, hosts up (as nmap_tracker counts them), peak memory of this process."""
import json
import sys
import time

import nmap


def status(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return -1


def main():
    path = sys.argv[1]
    with open(path) as f:
        xml = f.read()
    before = status("VmRSS")
    scanner = nmap.PortScanner.__new__(nmap.PortScanner)  # skips __init__, which runs `nmap -V`
    scanner._scan_result = {}
    started = time.perf_counter()
    result = scanner.analyse_nmap_xml_scan(nmap_xml_output=xml)
    took = time.perf_counter() - started
    up = sum(1 for info in result["scan"].values() if info["status"]["state"] == "up")
    print(json.dumps({"tool": "python-nmap", "bytes": len(xml.encode()), "seconds": took, "hosts_up": up,
                      "hosts_down": len(result["scan"]) - up, "peak_rss_kib": status("VmHWM"),
                      "rss_before_parse_kib": before}, sort_keys=True))


if __name__ == "__main__":
    main()
