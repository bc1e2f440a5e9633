#!/usr/bin/env python3
"""Writes a synthetic `nmap -oX - -sn -v --reason` sweep of a 198.18.0.0/PREFIX network, as nmap 7.93
writes it (copied from a real lab run: Tests/NmapScannerTests/Fixtures/root-sn-verbose.xml).

With -v every address gets a <host> element; down ones are short. One address in ten is up, with a MAC,
a vendor and, for half of them, a PTR name: about 9 MB for a /16. No nmap runs; the addresses are in
198.18.0.0/15, the range RFC 2544 sets aside for benchmarks.

usage: gen_nmap_xml.py PREFIX OUT   (PREFIX 16..24)
"""
import sys

VENDORS = [("3C:22:FB", "Apple"), ("B8:27:EB", "Raspberry Pi Foundation"), ("F4:F5:D8", "Google"),
           ("00:12:F0", "Intel Corporate"), ("00:17:88", "Philips Lighting BV"), ("AC:BC:32", "Apple")]


def main():
    prefix, out = int(sys.argv[1]), sys.argv[2]
    if not 16 <= prefix <= 24:
        sys.exit("PREFIX must be 16..24")
    count = 1 << (32 - prefix)
    target = f"198.18.0.0/{prefix}"
    # nmap escapes "--" as "-&#45;" (a comment may not hold "--"), in the comment and the attribute alike.
    args = f"nmap -oX - {target} -sn -v --reason".replace("--", "-&#45;")
    up = 0
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE nmaprun>\n'
        '<?xml-stylesheet href="file:///usr/bin/../share/nmap/nmap.xsl" type="text/xsl"?>\n'
        f'<!-- Nmap 7.93 scan initiated Thu Nov 26 15:54:00 2026 as: {args} -->\n'
        f'<nmaprun scanner="nmap" args="{args}" start="1795708440" startstr="Thu Nov 26 15:54:00 2026" '
        'version="7.93" xmloutputversion="1.05">\n'
        '<verbose level="1"/>\n<debugging level="0"/>\n'
        '<taskbegin task="ARP Ping Scan" time="1795708440"/>\n'
        f'<taskend task="ARP Ping Scan" time="1795708442" extrainfo="{count} total hosts"/>\n']
    for i in range(count):
        ip = f"198.18.{i >> 8}.{i & 255}"
        if i % 10 == 3:
            up += 1
            oui, vendor = VENDORS[i % len(VENDORS)]
            mac = f"{oui}:{(i >> 16) & 255:02X}:{(i >> 8) & 255:02X}:{i & 255:02X}"
            names = (f'<hostnames>\n<hostname name="host-{i}.lab" type="PTR"/>\n</hostnames>\n'
                     if i % 20 == 3 else '<hostnames>\n</hostnames>\n')
            parts.append(f'<host><status state="up" reason="arp-response" reason_ttl="0"/>\n'
                         f'<address addr="{ip}" addrtype="ipv4"/>\n'
                         f'<address addr="{mac}" addrtype="mac" vendor="{vendor}"/>\n{names}'
                         f'<times srtt="{100 + i % 900}" rttvar="5000" to="100000"/>\n</host>\n')
        else:
            parts.append(f'<host><status state="down" reason="no-response" reason_ttl="0"/>\n'
                         f'<address addr="{ip}" addrtype="ipv4"/>\n</host>\n')
    parts.append(f'<runstats><finished time="1795708442" timestr="Thu Nov 26 15:54:02 2026" '
                 f'summary="Nmap done at Thu Nov 26 15:54:02 2026; {count} IP addresses ({up} hosts up) scanned '
                 f'in 1.97 seconds" elapsed="1.97" exit="success"/><hosts up="{up}" down="{count - up}" '
                 f'total="{count}"/>\n</runstats>\n</nmaprun>\n')
    with open(out, "w") as f:
        f.write("".join(parts))
    print(up)


if __name__ == "__main__":
    main()
