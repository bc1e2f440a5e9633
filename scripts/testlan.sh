#!/usr/bin/env bash
# testlan.sh: a small LAN of network namespaces for nmap2mqtt's tests, benchmarks and demo. Root only.
#
# Nothing it makes touches the root namespace's links: every veth pair is created directly inside the
# lab's namespaces, addresses come from the benchmarking range 198.18.42.0/24 (RFC 2544), and the scanner namespace
# has no default route, so nmap run inside it can reach nothing but the lab. `up` refuses to build a
# lab whose subnet overlaps a network this machine is really on.
#
#   testlan.sh up LAB [SEGMENT]   build lab LAB and print its facts (below) on stdout; SEGMENT 1-9
#                                 (default 1) picks its subnet and MACs, so that labs of different
#                                 segments are different LANs with different devices (a household)
#   testlan.sh facts LAB          print the facts of a lab that is up
#   testlan.sh down LAB           remove everything `up` made (namespaces, /etc/netns/LAB-*, listeners);
#                                 idempotent, also after a half-done `up`
#   testlan.sh leave LAB N        host N drops off the LAN (its veth pair is deleted)
#   testlan.sh join LAB N         host N comes back with the same MAC and IP
#   testlan.sh nmap-wrapper LAB PATH [root|unprivileged|net-raw]
#                                 write an executable PATH that runs nmap inside LAB-scan:
#                                 root (default): as root;
#                                 unprivileged: as nobody (uid 65534), no capabilities;
#                                 net-raw: as nobody with CAP_NET_RAW in its ambient set (nmap then
#                                 needs --privileged to use raw sockets, as in a systemd unit with
#                                 AmbientCapabilities=CAP_NET_RAW)
#   testlan.sh roam LAB N OTHER   host N of LAB moves to lab OTHER's switch (a phone walking from one
#                                 segment to another): its link to LAB goes, a new one joins OTHER at
#                                 OTHER's subnet .(20+N), same MAC; prints that address. Undone by
#                                 `down` of either lab.
#   testlan.sh scanner LAB K      add a second (third...) scanner namespace LAB-scanK (K 2-9) on the
#                                 lab's switch, at .K with MAC 02:00:00:00:00:0K (two nodes on one
#                                 segment); its facts line is `scanner_extra`
#   testlan.sh nmap-wrapper LAB PATH MODE K
#                                 as above, nmap inside LAB-scanK (K 1 is LAB-scan)
#   testlan.sh pids LAB           print the pids of processes running in LAB-scan, the holder excepted
#                                 (a test's nmap that should have been killed)
#   testlan.sh check              exit 0 if labs can be built here, else print why and exit 1
#
# LAB is 1-6 characters [a-z0-9] so interface names stay within 15 characters. Labs with different
# names are independent, so tests can build several at once.
#
# The lab: namespace LAB-br holds bridge br0; LAB-scan is the scanner (eth0 198.18.42.1/24, MAC
# 02:00:00:00:00:01); LAB-h1 .. LAB-h6 are hosts at 198.18.42.11 .. 198.18.42.16, each with eth0 and a
# fixed MAC. A lab of SEGMENT N > 1 is on 198.18.(41+N).0/24 instead, its hosts' MACs have N-1 in
# their fifth byte (XOR: the vendor prefix and the locally-administered bit stay) and its host names
# end in -sN (anna-iphone-s2.lab). h1 listens on TCP 80 and h2 on TCP 22 (both among nmap's top 100 ports). LAB-scan resolves
# names from /etc/netns/LAB-scan/hosts only (its resolver is 127.0.0.1 inside the namespace, where
# nothing answers), so nmap's reverse DNS gives the names below without any real DNS.
#
# Facts (tab-separated, one record a line):
#   lab              LAB
#   scanner          LAB-scan  198.18.42.1 02:00:00:00:00:01  scanner.lab
#   neighbour_table  /proc/PID/net/arp   (the scanner namespace's kernel neighbour table, readable from
#                                          the root namespace through a holder process inside LAB-scan)
#   host  N  NAMESPACE  IP  MAC  VENDOR  HOSTNAME  PORT   (VENDOR from nmap-mac-prefixes, "-" when
#                                                          none; PORT "-" when the host listens on none)
#   scanner_extra    K  LAB-scanK  IP  MAC  /proc/PID/net/arp    (after `scanner LAB K`)
# They are also kept in /run/nmap2mqtt-testlan/LAB/facts.tsv while the lab is up.
set -euo pipefail

STATE_ROOT=/run/nmap2mqtt-testlan
MAC_PREFIXES=/usr/share/nmap/nmap-mac-prefixes
SUBNET=198.18.42
SCANNER_IP=$SUBNET.1
SCANNER_MAC=02:00:00:00:00:01
SEGMENT=1

# index  MAC  hostname  listening port
HOSTS=(
  "1 3c:22:fb:10:00:11 anna-iphone.lab 80"
  "2 b8:27:eb:10:00:12 kitchen-pi.lab 22"
  "3 02:5b:26:a8:dc:12 pixel-random.lab -"
  "4 00:12:f0:10:00:14 office-laptop.lab -"
  "5 f4:f5:d8:10:00:15 living-room-speaker.lab -"
  "6 00:aa:bb:10:00:16 mystery-box.lab -"
)

die() { echo "testlan.sh: $*" >&2; exit 1; }

need_root() { [ "$(id -u)" -eq 0 ] || die "must run as root (network namespaces need CAP_SYS_ADMIN)"; }

check_lab_name() {
  [[ "${1:-}" =~ ^[a-z0-9]{1,6}$ ]] || die "lab name '${1:-}' must be 1-6 characters of [a-z0-9]"
}

# Segment N (1-9): the subnet, and each host's MAC and name for it (segment 1 is the lab as it always was).
use_segment() {
  [[ "${1:-}" =~ ^[1-9]$ ]] || die "segment '${1:-}' must be 1-9"
  SEGMENT=$1
  SUBNET=198.18.$((41 + SEGMENT))
  SCANNER_IP=$SUBNET.1
}

# The segment a lab that is up was built for (1 for labs built before segments existed).
load_segment() {
  local seg=1
  [ -f "$STATE_ROOT/$1/segment" ] && seg=$(cat "$STATE_ROOT/$1/segment")
  use_segment "$seg"
}

segment_mac() {  # MAC -> the MAC on this segment
  [ "$SEGMENT" -eq 1 ] && { echo "$1"; return 0; }
  local b
  IFS=: read -r -a b <<<"$1"
  printf '%s:%s:%s:%s:%02x:%s\n' "${b[0]}" "${b[1]}" "${b[2]}" "${b[3]}" $((0x${b[4]} ^ (SEGMENT - 1))) "${b[5]}"
}

segment_name() {  # NAME.lab -> the name on this segment
  [ "$SEGMENT" -eq 1 ] && { echo "$1"; return 0; }
  echo "${1%.lab}-s$SEGMENT.lab"
}

host_record() {  # N -> "N MAC NAME PORT", for this segment
  local rec n mac name port
  for rec in "${HOSTS[@]}"; do
    if [ "${rec%% *}" = "$1" ]; then
      read -r n mac name port <<<"$rec"
      echo "$n $(segment_mac "$mac") $(segment_name "$name") $port"
      return 0
    fi
  done
  die "no host $1 (hosts are 1..${#HOSTS[@]})"
}

# The lab's extra scanner namespaces that exist (LAB-scan2 ...).
extra_scanners() {
  ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^$1-scan[2-9]\$" || true
}

vendor_of() {  # MAC -> vendor name from nmap's table, or "-"
  local prefix v
  prefix=$(echo "${1//:/}" | tr 'a-f' 'A-F' | cut -c1-6)
  v=$(grep -m1 "^$prefix " "$MAC_PREFIXES" 2>/dev/null | cut -d' ' -f2- || true)
  echo "${v:--}"
}

# Creates host N's veth pair (v<N> in LAB-br, eth0 in LAB-h<N>) and configures it.
link_host() {
  local lab=$1 n=$2 mac
  read -r _ mac _ _ <<<"$(host_record "$n")"
  ip link add "v$n" netns "$lab-br" type veth peer name eth0 netns "$lab-h$n"
  ip -n "$lab-h$n" link set eth0 address "$mac"
  ip -n "$lab-h$n" addr add "$SUBNET.$((10 + n))/24" dev eth0
  ip -n "$lab-h$n" link set eth0 up
  ip -n "$lab-br" link set "v$n" master br0
  ip -n "$lab-br" link set "v$n" up
}

# A tiny TCP accept loop, so the host has an open port among nmap's top 100.
start_listener() {
  local lab=$1 n=$2 port=$3 py
  py=$(command -v python3 || true)
  [ -n "$py" ] || die "python3 is needed for the lab's listeners"
  setsid ip netns exec "$lab-h$n" "$py" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1])))
s.listen(64)
while True:
    c, _ = s.accept()
    c.close()
' "$port" </dev/null >/dev/null 2>&1 &
  echo $! >>"$STATE_ROOT/$lab/pids.all"
}

print_facts() {
  local lab=$1
  [ -f "$STATE_ROOT/$lab/facts.tsv" ] || die "lab $lab is not up"
  cat "$STATE_ROOT/$lab/facts.tsv"
}

# The lab must never share addresses with a network this machine is on: a scan that escaped the
# lab's namespace would then reach real hosts.
check_subnet_is_free() {
  local overlap
  overlap=$(ip -4 -o addr show | awk '{print $4}' | grep -E "^${SUBNET//./\\.}\\." || true)
  overlap+=$(ip -4 route show | grep -E "^${SUBNET//./\\.}\\." || true)
  [ -z "$overlap" ] || die "this machine is on $SUBNET.0/24 ($overlap); the lab refuses to overlap a real network"
}

cmd_up() {
  local lab=$1 rec n mac name port holder
  need_root
  check_subnet_is_free
  cmd_down "$lab" 2>/dev/null || true
  mkdir -p "$STATE_ROOT/$lab"
  : >"$STATE_ROOT/$lab/pids.all"
  echo "$SEGMENT" >"$STATE_ROOT/$lab/segment"
  # Any failure from here on removes what was made.
  trap 'cmd_down "$lab" >/dev/null 2>&1 || true' EXIT

  ip netns add "$lab-br"
  ip -n "$lab-br" link add br0 type bridge
  ip -n "$lab-br" link set br0 up
  ip -n "$lab-br" link set lo up

  ip netns add "$lab-scan"
  ip -n "$lab-scan" link set lo up
  ip link add vscan netns "$lab-br" type veth peer name eth0 netns "$lab-scan"
  ip -n "$lab-scan" link set eth0 address "$SCANNER_MAC"
  ip -n "$lab-scan" addr add "$SCANNER_IP/24" dev eth0
  ip -n "$lab-scan" link set eth0 up
  ip -n "$lab-br" link set vscan master br0
  ip -n "$lab-br" link set vscan up

  mkdir -p "/etc/netns/$lab-scan"
  echo "nameserver 127.0.0.1" >"/etc/netns/$lab-scan/resolv.conf"
  {
    echo "127.0.0.1 localhost"
    echo "$SCANNER_IP scanner.lab"
  } >"/etc/netns/$lab-scan/hosts"

  for rec in "${HOSTS[@]}"; do
    read -r n mac name port <<<"$(host_record "${rec%% *}")"
    ip netns add "$lab-h$n"
    ip -n "$lab-h$n" link set lo up
    link_host "$lab" "$n"
    echo "$SUBNET.$((10 + n)) $name" >>"/etc/netns/$lab-scan/hosts"
    if [ "$port" != "-" ]; then start_listener "$lab" "$n" "$port"; fi
  done

  # A holder process in the scanner namespace: /proc/<pid>/net/arp is that namespace's neighbour table.
  setsid ip netns exec "$lab-scan" sleep infinity </dev/null >/dev/null 2>&1 &
  holder=$!
  echo "$holder" >>"$STATE_ROOT/$lab/pids.all"

  {
    printf 'lab\t%s\n' "$lab"
    printf 'scanner\t%s\t%s\t%s\t%s\n' "$lab-scan" "$SCANNER_IP" "$SCANNER_MAC" scanner.lab
    printf 'neighbour_table\t/proc/%s/net/arp\n' "$holder"
    for rec in "${HOSTS[@]}"; do
      read -r n mac name port <<<"$(host_record "${rec%% *}")"
      printf 'host\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$n" "$lab-h$n" "$SUBNET.$((10 + n))" "$mac" \
        "$(vendor_of "$mac")" "$name" "$port"
    done
  } >"$STATE_ROOT/$lab/facts.tsv"
  trap - EXIT

  # Wait until the listeners accept (python needs a moment to start).
  local i
  for i in $(seq 1 50); do
    if ip netns exec "$lab-h1" bash -c "exec 3<>/dev/tcp/127.0.0.1/80" 2>/dev/null &&
       ip netns exec "$lab-h2" bash -c "exec 3<>/dev/tcp/127.0.0.1/22" 2>/dev/null; then
      break
    fi
    sleep 0.1
  done
  print_facts "$lab"
}

# Kills a process we started, by pid, only while it still lives in one of this lab's namespaces.
kill_ours() {
  local lab=$1 pid=$2 ns
  for ns in "$lab-br" "$lab-scan" $(extra_scanners "$lab") $(for r in "${HOSTS[@]}"; do echo "$lab-h${r%% *}"; done); do
    if ip netns pids "$ns" 2>/dev/null | grep -qx "$pid"; then
      kill -KILL "$pid" 2>/dev/null || true
      return 0
    fi
  done
}

cmd_down() {
  local lab=$1 pid rec ns
  need_root
  if [ -f "$STATE_ROOT/$lab/pids.all" ]; then
    while read -r pid; do [ -n "$pid" ] && kill_ours "$lab" "$pid"; done <"$STATE_ROOT/$lab/pids.all"
  fi
  # Anything still running inside the lab (an nmap a test left behind) was started in it by us.
  for ns in "$lab-scan" $(extra_scanners "$lab") $(for r in "${HOSTS[@]}"; do echo "$lab-h${r%% *}"; done) "$lab-br"; do
    for pid in $(ip netns pids "$ns" 2>/dev/null || true); do kill -KILL "$pid" 2>/dev/null || true; done
  done
  for ns in $(for r in "${HOSTS[@]}"; do echo "$lab-h${r%% *}"; done) $(extra_scanners "$lab") "$lab-scan" "$lab-br"; do
    ip netns del "$ns" 2>/dev/null || true
    rm -rf "/etc/netns/$ns"
  done
  rm -rf "${STATE_ROOT:?}/$lab"
}

cmd_leave() {
  local lab=$1 n=$2
  need_root
  load_segment "$lab"
  host_record "$n" >/dev/null
  ip -n "$lab-br" link del "v$n" 2>/dev/null || die "host $n of lab $lab is not on the LAN"
}

cmd_join() {
  local lab=$1 n=$2
  need_root
  load_segment "$lab"
  host_record "$n" >/dev/null
  if ip -n "$lab-br" link show "v$n" >/dev/null 2>&1; then die "host $n of lab $lab is already on the LAN"; fi
  link_host "$lab" "$n"
}

cmd_nmap_wrapper() {
  local lab=$1 path=$2 mode=${3:-root} scanner=${4:-1} run ns
  [ -f "$STATE_ROOT/$lab/facts.tsv" ] || die "lab $lab is not up"
  [[ "$scanner" =~ ^[1-9]$ ]] || die "scanner '$scanner' must be 1-9"
  ns=$lab-scan
  [ "$scanner" -eq 1 ] || ns=$lab-scan$scanner
  ip netns list | awk '{print $1}' | grep -qx "$ns" || die "lab $lab has no scanner $scanner"
  case "$mode" in
    root) run="" ;;
    unprivileged) run="setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all" ;;
    net-raw) run="setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=+net_raw --ambient-caps=+net_raw" ;;
    *) die "wrapper mode '$mode' must be root, unprivileged or net-raw" ;;
  esac
  cat >"$path" <<EOF
#!/bin/sh
# nmap inside test lab $lab (made by scripts/testlan.sh nmap-wrapper, mode $mode).
exec ip netns exec $ns $run nmap "\$@"
EOF
  chmod 755 "$path"
}

cmd_roam() {
  local lab=$1 n=$2 other=$3 mac name ip ns
  need_root
  [ -f "$STATE_ROOT/$other/facts.tsv" ] || die "lab $other is not up"
  load_segment "$lab"
  read -r _ mac name _ <<<"$(host_record "$n")"
  load_segment "$other"
  ip=$SUBNET.$((20 + n))
  # Its name in the other lab's scanners too: an address without one costs nmap's reverse DNS a stall
  # of about 13 s (nothing answers inside the lab).
  for ns in "$other-scan" $(extra_scanners "$other"); do
    echo "$ip $name" >>"/etc/netns/$ns/hosts"
  done
  ip -n "$lab-br" link del "v$n" 2>/dev/null || true
  ip link add "m$n" netns "$other-br" type veth peer name eth0 netns "$lab-h$n"
  ip -n "$lab-h$n" link set eth0 address "$mac"
  ip -n "$lab-h$n" addr add "$ip/24" dev eth0
  ip -n "$lab-h$n" link set eth0 up
  ip -n "$other-br" link set "m$n" master br0
  ip -n "$other-br" link set "m$n" up
  echo "$ip"
}

# A further scanner namespace LAB-scanK on the lab's switch: a second node on the same segment.
cmd_scanner() {
  local lab=$1 k=$2 ns ip mac holder
  need_root
  [ -f "$STATE_ROOT/$lab/facts.tsv" ] || die "lab $lab is not up"
  [[ "$k" =~ ^[2-9]$ ]] || die "scanner '$k' must be 2-9"
  load_segment "$lab"
  ns=$lab-scan$k ip=$SUBNET.$k mac=02:00:00:00:00:0$k
  if ip netns list | awk '{print $1}' | grep -qx "$ns"; then die "lab $lab already has scanner $k"; fi
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  ip link add "vscan$k" netns "$lab-br" type veth peer name eth0 netns "$ns"
  ip -n "$ns" link set eth0 address "$mac"
  ip -n "$ns" addr add "$ip/24" dev eth0
  ip -n "$ns" link set eth0 up
  ip -n "$lab-br" link set "vscan$k" master br0
  ip -n "$lab-br" link set "vscan$k" up
  mkdir -p "/etc/netns/$ns"
  echo "nameserver 127.0.0.1" >"/etc/netns/$ns/resolv.conf"
  cp "/etc/netns/$lab-scan/hosts" "/etc/netns/$ns/hosts"
  echo "$ip scanner$k.lab" >>"/etc/netns/$ns/hosts"
  setsid ip netns exec "$ns" sleep infinity </dev/null >/dev/null 2>&1 &
  holder=$!
  echo "$holder" >>"$STATE_ROOT/$lab/pids.all"
  printf 'scanner_extra\t%s\t%s\t%s\t%s\t/proc/%s/net/arp\n' "$k" "$ns" "$ip" "$mac" "$holder" | tee -a "$STATE_ROOT/$lab/facts.tsv"
}

cmd_pids() {
  local lab=$1 holder pid
  [ -f "$STATE_ROOT/$lab/facts.tsv" ] || die "lab $lab is not up"
  holder=$(awk -F'\t' '$1 == "neighbour_table" { split($2, p, "/"); print p[3] }' "$STATE_ROOT/$lab/facts.tsv")
  for pid in $(ip netns pids "$lab-scan"); do
    [ "$pid" = "$holder" ] || echo "$pid"
  done
}

cmd_check() {
  [ "$(id -u)" -eq 0 ] || { echo "not root: network namespaces need root"; exit 1; }
  local t
  for t in ip nmap python3 setpriv setsid; do
    command -v "$t" >/dev/null 2>&1 || { echo "$t is not installed"; exit 1; }
  done
  local probe="tlchk$$"
  if ! err=$(ip netns add "$probe" 2>&1); then echo "cannot create a network namespace: $err"; exit 1; fi
  ip netns del "$probe" 2>/dev/null || true
}

case "${1:-}" in
  up) check_lab_name "${2:-}"; use_segment "${3:-1}"; cmd_up "$2" ;;
  facts) check_lab_name "${2:-}"; print_facts "$2" ;;
  down) check_lab_name "${2:-}"; cmd_down "$2" ;;
  leave) check_lab_name "${2:-}"; [ -n "${3:-}" ] || die "usage: leave LAB N"; cmd_leave "$2" "$3" ;;
  join) check_lab_name "${2:-}"; [ -n "${3:-}" ] || die "usage: join LAB N"; cmd_join "$2" "$3" ;;
  nmap-wrapper) check_lab_name "${2:-}"; [ -n "${3:-}" ] || die "usage: nmap-wrapper LAB PATH [MODE [SCANNER]]"
    cmd_nmap_wrapper "$2" "$3" "${4:-root}" "${5:-1}" ;;
  roam) check_lab_name "${2:-}"; check_lab_name "${4:-}"; [ -n "${3:-}" ] || die "usage: roam LAB N OTHER"
    cmd_roam "$2" "$3" "$4" ;;
  scanner) check_lab_name "${2:-}"; [ -n "${3:-}" ] || die "usage: scanner LAB K"; cmd_scanner "$2" "$3" ;;
  pids) check_lab_name "${2:-}"; cmd_pids "$2" ;;
  check) cmd_check ;;
  *) sed -n '2,56p' "$0" >&2; exit 2 ;;
esac
