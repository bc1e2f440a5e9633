/// A phone's join, and storms, as frames sent from inside a test LAN namespace by a few lines of Python
/// with a raw socket (`ip netns exec NS python3 -c SCRIPT COMMAND...`): python3 is already needed by
/// the lab, and a raw socket lets a test send what a phone sends (a DHCPREQUEST from 0.0.0.0, a
/// gratuitous ARP) without a DHCP client. Only ever run inside a lab's namespaces. Used by the
/// PassiveListener lab tests and the end-to-end instant-arrival tests.
public enum FrameSender {
    /// Runs `commands` (see the script's header) in `namespace`, which must be one of a lab's.
    public static func send(in namespace: String, _ commands: [String]) async throws {
        try await ChildProcess.run("ip", ["netns", "exec", namespace, "python3", "-c", script] + commands)
    }

    public static let script = #"""
        # Sends hand-made frames on eth0 of the namespace it runs in (a test LAN namespace): each argument is
        # one command, its fields separated by commas.
        #   dhcp-request,MAC,REQUESTED_IP,HOST_NAME   DHCPREQUEST broadcast from 0.0.0.0 (options 53, 50, 12)
        #   dhcp-inform,MAC,CLIENT_IP                  DHCPINFORM broadcast from CLIENT_IP (ciaddr set)
        #   garp,MAC,IP                                gratuitous ARP request (sender = target = IP), broadcast
        #   vlan-garp,MAC,IP,VID                       the same with an 802.1Q tag
        #   storm,MAC,IP,COUNT                         COUNT gratuitous ARPs, as fast as possible
        #   paced-storm,MAC,IP,RATE,SECONDS            RATE gratuitous ARPs a second (in 1 ms batches) for SECONDS
        #   random-macs,PREFIX,COUNT,SEED              COUNT ARP requests from random unicast MACs, senders PREFIX.100-253,
        #                                              for PREFIX.254 (nobody: the scanner's kernel does not answer)
        #   udp,IP                                     one UDP datagram to IP port 9 (an ordinary socket: the kernel ARPs)
        import random, socket, struct, sys, time

        BROADCAST = b"\xff" * 6
        _sock = None

        def send(frame):
            global _sock
            if _sock is None:
                _sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
                _sock.bind(("eth0", 0))
            _sock.send(frame)

        def mac(text):
            return bytes.fromhex(text.replace(":", ""))

        def ip(text):
            return socket.inet_aton(text)

        def arp(op, sender_mac, sender_ip, target_mac, target_ip):
            return struct.pack("!HHBBH", 1, 0x0800, 6, 4, op) + sender_mac + sender_ip + target_mac + target_ip

        def ethernet(source, ethertype, payload, destination=BROADCAST, vid=None):
            tag = b"" if vid is None else struct.pack("!HH", 0x8100, vid)
            return destination + source + tag + struct.pack("!H", ethertype) + payload

        def checksum(header):
            total = sum(struct.unpack("!%dH" % (len(header) // 2), header))
            while total >> 16:
                total = (total & 0xFFFF) + (total >> 16)
            return ~total & 0xFFFF

        def dhcp(message_type, client_mac, client_ip, options):
            bootp = struct.pack("!BBBBIHH", 1, 1, 6, 0, random.getrandbits(32), 0, 0x8000)
            bootp += client_ip + b"\0" * 12 + client_mac + b"\0" * 10 + b"\0" * 192 + b"\x63\x82\x53\x63"
            bootp += bytes([53, 1, message_type]) + options + bytes([55, 3, 1, 3, 6, 255])
            udp = struct.pack("!HHHH", 68, 67, 8 + len(bootp), 0) + bootp
            source = client_ip
            header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0, source, ip("255.255.255.255"))
            header = header[:10] + struct.pack("!H", checksum(header)) + header[12:]
            return ethernet(client_mac, 0x0800, header + udp)

        for command in sys.argv[1:]:
            kind, *fields = command.split(",")
            if kind == "dhcp-request":
                m, requested, name = fields
                options = bytes([50, 4]) + ip(requested) + bytes([12, len(name)]) + name.encode()
                send(dhcp(3, mac(m), ip("0.0.0.0"), options))
            elif kind == "dhcp-inform":
                m, client = fields
                send(dhcp(8, mac(m), ip(client), b""))
            elif kind == "garp":
                m, address = fields
                send(ethernet(mac(m), 0x0806, arp(1, mac(m), ip(address), b"\0" * 6, ip(address))))
            elif kind == "vlan-garp":
                m, address, vid = fields
                send(ethernet(mac(m), 0x0806, arp(1, mac(m), ip(address), b"\0" * 6, ip(address)), vid=int(vid)))
            elif kind == "storm":
                m, address, count = fields
                frame = ethernet(mac(m), 0x0806, arp(1, mac(m), ip(address), b"\0" * 6, ip(address)))
                send(frame)
                raw = _sock.send
                for _ in range(int(count) - 1):
                    raw(frame)
            elif kind == "paced-storm":
                m, address, rate, seconds = fields
                frame = ethernet(mac(m), 0x0806, arp(1, mac(m), ip(address), b"\0" * 6, ip(address)))
                send(frame)
                raw = _sock.send
                start = time.monotonic()
                sent = 1
                while time.monotonic() - start < float(seconds):
                    due = int((time.monotonic() - start) * int(rate))
                    while sent < due:
                        raw(frame)
                        sent += 1
                    time.sleep(0.001)
                print(sent)
            elif kind == "random-macs":
                prefix, count, seed = fields
                rng = random.Random(int(seed))
                for _ in range(int(count)):
                    m = bytes([rng.randrange(256) & 0xFC]) + bytes(rng.randrange(256) for _ in range(5))
                    sender = ip("%s.%d" % (prefix, rng.randrange(100, 254)))
                    send(ethernet(m, 0x0806, arp(1, m, sender, b"\0" * 6, ip(prefix + ".254"))))
            elif kind == "udp":
                (address,) = fields
                socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", (address, 9))
            else:
                sys.exit("unknown command " + kind)
        """#
}
