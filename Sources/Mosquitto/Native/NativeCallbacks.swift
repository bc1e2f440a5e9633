import CMosquitto

/// The C callbacks. Each one finds its ``ClientCore`` through libmosquitto's user-data pointer,
/// copies what it needs out of C memory, and hands it over. No business logic, no awaiting.
///
/// Installed from this nonisolated code on purpose: closures formed in main-actor code crash when
/// libmosquitto's thread calls them (docs/ARCHITECTURE.md, "Facts of this platform").
enum NativeCallbacks {
    private static func core(_ obj: UnsafeMutableRawPointer?) -> ClientCore? {
        obj.map { Unmanaged<ClientCore>.fromOpaque($0).takeUnretainedValue() }
    }

    static func install(on raw: OpaquePointer) {
        mosquitto_connect_v5_callback_set(raw) { _, obj, rc, flags, _ in
            NativeCallbacks.core(obj)?.didConnect(code: rc, sessionPresent: flags & 1 == 1)
        }
        mosquitto_disconnect_v5_callback_set(raw) { _, obj, rc, _ in
            NativeCallbacks.core(obj)?.didDisconnect(code: rc)
        }
        mosquitto_publish_v5_callback_set(raw) { _, obj, mid, reasonCode, properties in
            let reason = reasonCode >= 0x80 ? NativeProperties.reasonString(properties) : nil
            NativeCallbacks.core(obj)?.didPublish(mid: mid, reasonCode: reasonCode, reasonString: reason)
        }
        mosquitto_message_v5_callback_set(raw) { _, obj, message, properties in
            guard let message = message?.pointee, let core = NativeCallbacks.core(obj) else { return }
            let topic = message.topic.map { String(cString: $0) } ?? ""
            let payload: [UInt8]
            if let bytes = message.payload, message.payloadlen > 0 {
                payload = Array(UnsafeRawBufferPointer(start: bytes, count: Int(message.payloadlen)))
            } else {
                payload = []
            }
            core.didReceive(MQTTMessage(topic: topic, payload: payload, qos: MQTTQoS(rawValue: Int(message.qos)) ?? .atMostOnce,
                                        retain: message.retain, properties: NativeProperties.read(properties)))
        }
        mosquitto_subscribe_v5_callback_set(raw) { _, obj, mid, count, granted, _ in
            let codes = (0 ..< Int(max(0, count))).map { granted?[$0] ?? 0x80 }
            NativeCallbacks.core(obj)?.didSubscribe(mid: mid, grantedCodes: codes)
        }
        mosquitto_unsubscribe_v5_callback_set(raw) { _, obj, mid, _ in
            NativeCallbacks.core(obj)?.didUnsubscribe(mid: mid)
        }
        setLogging(on: raw, true)
    }

    /// libmosquitto formats a log line for every packet while a log callback is set; the client
    /// turns it off while connected unless its logger wants debug output (see `ClientCore`).
    static func setLogging(on raw: OpaquePointer, _ enabled: Bool) {
        guard enabled else {
            mosquitto_log_callback_set(raw, nil)
            return
        }
        mosquitto_log_callback_set(raw) { _, obj, level, text in
            guard let text else { return }
            NativeCallbacks.core(obj)?.didLog(isError: level & Int32(MOSQ_LOG_ERR) != 0 || level & Int32(MOSQ_LOG_WARNING) != 0,
                                              text: String(cString: text))
        }
    }

    static func connectRefusalText(_ code: Int32, protocolVersion: MQTTProtocolVersion) -> String {
        protocolVersion == .v5 ? NativeLibrary.reasonText(code) : NativeLibrary.connackText(code)
    }

    static var successCode: Int32 { Int32(MOSQ_ERR_SUCCESS.rawValue) }
}
