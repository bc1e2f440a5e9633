import CMosquitto

/// The one owner of a `struct mosquitto *`. Nothing outside `Native/` sees C.
///
/// `@unchecked Sendable`: libmosquitto guards each handle with its own mutexes once
/// `mosquitto_threaded_set` is on, so publish/subscribe from any thread while our loop thread
/// runs `mosquitto_loop_forever` is what the library is built for.
struct NativeHandle: @unchecked Sendable {
    private let raw: OpaquePointer

    init(clientID: String, cleanSession: Bool) throws(MosquittoError) {
        NativeLibrary.ensureInitialised()
        guard let raw = mosquitto_new(clientID, cleanSession, nil) else {
            throw MosquittoError(
                .invalidConfiguration,
                "cannot create an MQTT client with client id \"\(clientID)\": out of memory or an empty id without clean session")
        }
        self.raw = raw
        mosquitto_threaded_set(raw, true)
    }

    func destroy() {
        mosquitto_destroy(raw)
    }

    /// Points libmosquitto's user data at `core` and installs the callbacks that forward to it.
    /// The caller keeps `core` alive for as long as the handle exists.
    func install(_ core: ClientCore) {
        mosquitto_user_data_set(raw, Unmanaged.passUnretained(core).toOpaque())
        NativeCallbacks.install(on: raw)
    }

    func configure(_ configuration: MQTTConfiguration) throws(MosquittoError) {
        func check(_ rc: Int32, _ what: String) throws(MosquittoError) {
            let code = MosquittoReturnCode(rawValue: rc)
            guard code.isSuccess else { throw MosquittoError(.invalidConfiguration, "\(what): \(code)") }
        }
        let version = configuration.protocolVersion == .v5 ? MQTT_PROTOCOL_V5 : MQTT_PROTOCOL_V311
        try check(mosquitto_int_option(raw, MOSQ_OPT_PROTOCOL_VERSION, version), "cannot set MQTT protocol \(configuration.protocolVersion)")
        mosquitto_int_option(raw, MOSQ_OPT_TCP_NODELAY, 1)
        if configuration.username != nil || configuration.password != nil {
            try check(
                mosquitto_username_pw_set(raw, configuration.username, configuration.password),
                "cannot set the MQTT username \"\(configuration.username ?? "")\" (the password is not shown)")
        }
        if let tls = configuration.tls {
            if tls.caFile == nil && tls.caDirectory == nil && tls.useSystemCAs {
                mosquitto_int_option(raw, MOSQ_OPT_TLS_USE_OS_CERTS, 1)
            }
            let rc = MosquittoReturnCode(rawValue: mosquitto_tls_set(raw, tls.caFile, tls.caDirectory, tls.certificateFile, tls.keyFile, nil))
            if !rc.isSuccess {
                let files = [
                    tls.caFile.map { "CA file \($0)" }, tls.caDirectory.map { "CA directory \($0)" },
                    tls.certificateFile.map { "certificate \($0)" }, tls.keyFile.map { "key \($0)" },
                ]
                .compactMap { $0 }.joined(separator: ", ")
                throw MosquittoError(
                    .invalidConfiguration,
                    "TLS set-up failed (\(files.isEmpty ? "system CAs" : files)): \(rc); each file must exist, be readable and be PEM, and a certificate needs its key"
                )
            }
            try check(mosquitto_tls_insecure_set(raw, tls.insecure), "cannot set TLS insecure mode")
        }
        if let will = configuration.will {
            let rc = will.payload.withUnsafeBytes { bytes in
                mosquitto_will_set(raw, will.topic, Int32(bytes.count), bytes.baseAddress, Int32(will.qos.rawValue), will.retain)
            }
            try MosquittoReturnCode(rawValue: rc).check("setting the will", topic: will.topic)
        }
    }

    /// Turns libmosquitto's own log lines on or off.
    func setLogging(_ enabled: Bool) {
        NativeCallbacks.setLogging(on: raw, enabled)
    }

    func connectAsync(host: String, port: Int, keepAlive: Duration) -> MosquittoReturnCode {
        MosquittoReturnCode(rawValue: mosquitto_connect_async(raw, host, Int32(port), Int32(max(5, keepAlive.components.seconds))))
    }

    func reconnectAsync() -> MosquittoReturnCode {
        MosquittoReturnCode(rawValue: mosquitto_reconnect_async(raw))
    }

    func disconnect() -> MosquittoReturnCode {
        MosquittoReturnCode(rawValue: mosquitto_disconnect(raw))
    }

    /// Queues a PUBLISH and returns its message id. Called from the publisher's own thread:
    /// libmosquitto queues the packet under its own mutex and wakes the loop thread itself.
    /// `cTopic` is `topic` as a C string, made once by the caller for the check and the call.
    func publish(
        topic: String, cTopic: UnsafePointer<CChar>, payload: UnsafeRawBufferPointer, qos: MQTTQoS, retain: Bool,
        properties: MQTTv5.PublishProperties?
    ) throws(MosquittoError) -> Int32 {
        var list: OpaquePointer? = nil
        if let properties, !properties.isEmpty {
            list = try NativeProperties.make(properties)
        }
        defer { mosquitto_property_free_all(&list) }
        var mid: Int32 = 0
        let rc = MosquittoReturnCode(
            rawValue: mosquitto_publish_v5(
                raw, &mid, cTopic, Int32(payload.count), payload.baseAddress,
                Int32(qos.rawValue), retain, list))
        guard rc.isSuccess else {
            if rc == .invalid, let problem = Self.topicProblem(topic, isFilter: false) { throw problem }
            throw rc.error("publishing", topic: topic)
        }
        return mid
    }

    func subscribe(_ filter: String, qos: MQTTQoS) throws(MosquittoError) -> Int32 {
        var mid: Int32 = 0
        let rc = MosquittoReturnCode(rawValue: mosquitto_subscribe_v5(raw, &mid, filter, Int32(qos.rawValue), 0, nil))
        guard rc.isSuccess else {
            if rc == .invalid, let problem = Self.topicProblem(filter, isFilter: true) { throw problem }
            throw rc.error("subscribing", topic: filter)
        }
        return mid
    }

    func unsubscribe(_ filter: String) throws(MosquittoError) -> Int32 {
        var mid: Int32 = 0
        let rc = MosquittoReturnCode(rawValue: mosquitto_unsubscribe_v5(raw, &mid, filter, nil))
        guard rc.isSuccess else {
            if rc == .invalid, let problem = Self.topicProblem(filter, isFilter: true) { throw problem }
            throw rc.error("unsubscribing", topic: filter)
        }
        return mid
    }

    /// Says what is wrong with a topic name or filter, or nil when libmosquitto accepts it.
    static func topicProblem(_ topic: String, isFilter: Bool) -> MosquittoError? {
        topic.withCString { topicProblem(topic, cTopic: $0, isFilter: isFilter) }
    }

    /// The same, with the topic already a C string.
    static func topicProblem(_ topic: String, cTopic: UnsafePointer<CChar>, isFilter: Bool) -> MosquittoError? {
        if cTopic.pointee == 0 {
            return MosquittoError(.invalidTopic, "the topic is empty; MQTT needs at least one character, e.g. \"nmap2mqtt/bridge/state\"")
        }
        let rc = MosquittoReturnCode(rawValue: isFilter ? mosquitto_sub_topic_check(cTopic) : mosquitto_pub_topic_check(cTopic))
        guard !rc.isSuccess else { return nil }
        if isFilter {
            return MosquittoError(
                .invalidTopic,
                "\"\(topic)\" is not a valid topic filter: '#' may only be the last level and '+' must fill a whole level")
        }
        return MosquittoError(
            .invalidTopic,
            "\"\(topic)\" is not a valid topic to publish to: it must not contain the wildcards '+' or '#'")
    }
}

extension NativeHandle {
    /// One pass of libmosquitto's network loop; blocks up to `timeoutMilliseconds` (loop thread only).
    func loop(timeoutMilliseconds: Int32) -> MosquittoReturnCode {
        MosquittoReturnCode(rawValue: mosquitto_loop(raw, timeoutMilliseconds, 1))
    }
}
