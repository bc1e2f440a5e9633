import CMosquitto

// The C callbacks: named functions with the exact C signatures of libmosquitto's v5 callback
// setters. Each finds its ``ClientCore`` through libmosquitto's user-data pointer, copies what it
// needs out of C memory (which is only valid during the call), and hands it over as one event.
// No business logic, no awaiting.
//
// They are installed from this nonisolated code on purpose: closures formed in main-actor code
// crash when libmosquitto's thread calls them (docs/ARCHITECTURE.md, "Facts of this platform").

/// The client behind libmosquitto's `obj` pointer. Unretained: the core owns the handle and destroys
/// it (so no callback can come any more) before it goes away itself.
private func core(_ obj: UnsafeMutableRawPointer?) -> ClientCore? {
    obj.map { Unmanaged<ClientCore>.fromOpaque($0).takeUnretainedValue() }
}

private func onConnect(_ mosq: OpaquePointer?, _ obj: UnsafeMutableRawPointer?, _ rc: Int32, _ flags: Int32, _ props: OpaquePointer?) {
    core(obj)?.didConnect(MQTTReasonCode(rawValue: rc), sessionPresent: flags & 1 == 1)
}

private func onDisconnect(_ mosq: OpaquePointer?, _ obj: UnsafeMutableRawPointer?, _ rc: Int32, _ props: OpaquePointer?) {
    core(obj)?.didDisconnect(MosquittoReturnCode(rawValue: rc))
}

private func onPublish(_ mosq: OpaquePointer?, _ obj: UnsafeMutableRawPointer?, _ mid: Int32, _ reasonCode: Int32, _ props: OpaquePointer?) {
    let reason = MQTTReasonCode(rawValue: reasonCode)
    core(obj)?.didPublish(mid: mid, reasonCode: reason, reasonString: reason.isFailure ? NativeProperties.reasonString(props) : nil)
}

private func onMessage(
    _ mosq: OpaquePointer?, _ obj: UnsafeMutableRawPointer?, _ message: UnsafePointer<mosquitto_message>?,
    _ props: OpaquePointer?
) {
    guard let message = message?.pointee, let core = core(obj) else { return }
    let topic = message.topic.map { String(cString: $0) } ?? ""
    let payload: [UInt8]
    if let bytes = message.payload, message.payloadlen > 0 {
        payload = Array(UnsafeRawBufferPointer(start: bytes, count: Int(message.payloadlen)))
    } else {
        payload = []
    }
    core.didReceive(
        MQTTMessage(
            topic: topic, payload: payload, qos: MQTTQoS(rawValue: Int(message.qos)) ?? .atMostOnce,
            retain: message.retain, properties: NativeProperties.read(props)))
}

private func onSubscribe(
    _ mosq: OpaquePointer?, _ obj: UnsafeMutableRawPointer?, _ mid: Int32, _ count: Int32,
    _ granted: UnsafePointer<Int32>?, _ props: OpaquePointer?
) {
    let codes = (0..<Int(max(0, count))).map { index in granted.map { MQTTReasonCode(rawValue: $0[index]) } ?? .unspecifiedError }
    core(obj)?.didSubscribe(mid: mid, granted: codes)
}

private func onUnsubscribe(_ mosq: OpaquePointer?, _ obj: UnsafeMutableRawPointer?, _ mid: Int32, _ props: OpaquePointer?) {
    core(obj)?.didUnsubscribe(mid: mid)
}

private func onLog(_ mosq: OpaquePointer?, _ obj: UnsafeMutableRawPointer?, _ level: Int32, _ text: UnsafePointer<CChar>?) {
    guard let text else { return }
    let isProblem = level & Int32(MOSQ_LOG_ERR) != 0 || level & Int32(MOSQ_LOG_WARNING) != 0
    core(obj)?.didLog(isProblem: isProblem, text: String(cString: text))
}

/// Installs the callbacks above on a handle.
enum NativeCallbacks {
    static func install(on raw: OpaquePointer) {
        mosquitto_connect_v5_callback_set(raw, onConnect)
        mosquitto_disconnect_v5_callback_set(raw, onDisconnect)
        mosquitto_publish_v5_callback_set(raw, onPublish)
        mosquitto_message_v5_callback_set(raw, onMessage)
        mosquitto_subscribe_v5_callback_set(raw, onSubscribe)
        mosquitto_unsubscribe_v5_callback_set(raw, onUnsubscribe)
        setLogging(on: raw, true)
    }

    /// libmosquitto formats a log line for every packet while a log callback is set; the client
    /// turns it off while connected unless its logger wants trace output (see `ClientCore`).
    static func setLogging(on raw: OpaquePointer, _ enabled: Bool) {
        mosquitto_log_callback_set(raw, enabled ? onLog : nil)
    }
}
