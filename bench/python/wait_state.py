#!/usr/bin/env python3
"""Waits for a message in a `mosquitto_sub -F '%U %t %p'` log: prints the receive time of the first message
on TOPIC with payload STATE received after AFTER (a Unix time), or exits 1 after TIMEOUT seconds.

usage: wait_state.py LOG TOPIC STATE AFTER TIMEOUT"""
import sys
import time


def main():
    log, topic, state, after, timeout = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), float(sys.argv[5])
    deadline = time.time() + timeout
    while time.time() < deadline:
        with open(log, errors="replace") as f:
            for line in f:
                parts = line.rstrip("\n").split(" ", 2)
                if len(parts) == 3 and parts[1] == topic and parts[2] == state and float(parts[0]) > after:
                    print(parts[0])
                    return
        time.sleep(0.05)
    sys.exit(1)


if __name__ == "__main__":
    main()
