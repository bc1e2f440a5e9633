#!/usr/bin/env python3
"""Publishes N messages with paho-mqtt to a local broker, as a Python program would (Home Assistant's
MQTT integration uses paho-mqtt): loop_start, publish in a loop, then wait. QoS 0 ends with one QoS 1
publish whose PUBACK means the broker has read everything before it; QoS 1 waits for the last PUBACK
(paho keeps its own in-flight limit and queues the rest, like libmosquitto).

usage: publish_paho.py QOS COUNT PORT"""
import json
import sys
import time

import paho.mqtt.client as mqtt

TOPIC = "bench/paho"
PAYLOAD = b'{"state":"home"}'


def main():
    qos, count, port = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"bench-paho-{port}-{qos}",
                         protocol=mqtt.MQTTv5)
    client.connect("127.0.0.1", port)
    client.loop_start()
    deadline = time.monotonic() + 10
    while not client.is_connected():
        if time.monotonic() > deadline:
            sys.exit("paho-mqtt: no connection to the broker within 10 s")
        time.sleep(0.005)
    started = time.perf_counter()
    last = None
    for _ in range(count):
        last = client.publish(TOPIC, PAYLOAD, qos=qos)
    if qos == 0:
        last = client.publish(TOPIC, PAYLOAD, qos=1)
    last.wait_for_publish(timeout=120)
    if not last.is_published():
        sys.exit("paho-mqtt: the last message was not acknowledged within 120 s")
    took = time.perf_counter() - started
    client.disconnect()
    client.loop_stop()
    print(json.dumps({"tool": "paho-mqtt", "qos": qos, "count": count, "in_process_seconds": took}))


if __name__ == "__main__":
    main()
