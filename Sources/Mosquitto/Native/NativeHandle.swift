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
            throw MosquittoError(.invalidConfiguration,
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
        func check(_ rc: Int32, _ what: String, _ code: MosquittoError.Code = .invalidConfiguration) throws(MosquittoError) {
            guard rc == MOSQ_ERR_SUCCESS.rawValue else {
                throw MosquittoError(code, "\(what): \(NativeLibrary.errorText(rc))")
            }
        }
        let version = configuration.protocolVersion == .v5 ? MQTT_PROTOCOL_V5 : MQTT_PROTOCOL_V311
        try check(mosquitto_int_option(raw, MOSQ_OPT_PROTOCOL_VERSION, version), "cannot set MQTT protocol \(configuration.protocolVersion)")
        mosquitto_int_option(raw, MOSQ_OPT_TCP_NODELAY, 1)
        if configuration.username != nil || configuration.password != nil {
            try check(mosquitto_username_pw_set(raw, configuration.username, configuration.password),
                      "cannot set the MQTT username \"\(configuration.username ?? "")\" (the password is not shown)")
        }
        if let tls = configuration.tls {
            if tls.caFile == nil && tls.caDirectory == nil && tls.useSystemCAs {
                mosquitto_int_option(raw, MOSQ_OPT_TLS_USE_OS_CERTS, 1)
            }
            let rc = mosquitto_tls_set(raw, tls.caFile, tls.caDirectory, tls.certificateFile, tls.keyFile, nil)
            if rc != MOSQ_ERR_SUCCESS.rawValue {
                let files = [tls.caFile.map { "CA file \($0)" }, tls.caDirectory.map { "CA directory \($0)" },
                             tls.certificateFile.map { "certificate \($0)" }, tls.keyFile.map { "key \($0)" }]
                    .compactMap { $0 }.joined(separator: ", ")
                throw MosquittoError(.invalidConfiguration,
                                     "TLS set-up failed (\(files.isEmpty ? "system CAs" : files)): \(NativeLibrary.errorText(rc)); each file must exist, be readable and be PEM, and a certificate needs its key")
            }
            try check(mosquitto_tls_insecure_set(raw, tls.insecure), "cannot set TLS insecure mode")
        }
        if let will = configuration.will {
            let rc = will.payload.withUnsafeBytes { bytes in
                mosquitto_will_set(raw, will.topic, Int32(bytes.count), bytes.baseAddress, Int32(will.qos.rawValue), will.retain)
            }
            if rc != MOSQ_ERR_SUCCESS.rawValue {
                throw MosquittoError.native(rc, "setting the will", topic: will.topic)
            }
        }
    }

    /// Turns libmosquitto's own log lines on or off.
    func setLogging(_ enabled: Bool) {
        NativeCallbacks.setLogging(on: raw, enabled)
    }

    func connectAsync(host: String, port: Int, keepAlive: Duration) -> Int32 {
        mosquitto_connect_async(raw, host, Int32(port), Int32(max(5, keepAlive.components.seconds)))
    }

    func reconnectAsync() -> Int32 {
        mosquitto_reconnect_async(raw)
    }

    func disconnect() -> Int32 {
        mosquitto_disconnect(raw)
    }

    /// Queues a PUBLISH and returns its message id.
    func publish(topic: String, payload: [UInt8], qos: MQTTQoS, retain: Bool,
                 properties: MQTTv5.PublishProperties?) throws(MosquittoError) -> Int32 {
        var mid: Int32 = 0
        var list: OpaquePointer? = nil
        if let properties, !properties.isEmpty {
            list = try NativeProperties.make(properties)
        }
        defer { mosquitto_property_free_all(&list) }
        let rc = payload.withUnsafeBytes { bytes in
            mosquitto_publish_v5(raw, &mid, topic, Int32(bytes.count), bytes.baseAddress, Int32(qos.rawValue), retain, list)
        }
        guard rc == MOSQ_ERR_SUCCESS.rawValue else {
            if rc == MOSQ_ERR_INVAL.rawValue {
                throw Self.topicProblem(topic, isFilter: false) ?? MosquittoError.native(rc, "publishing", topic: topic)
            }
            throw MosquittoError.native(rc, "publishing", topic: topic)
        }
        return mid
    }

    func subscribe(_ filter: String, qos: MQTTQoS) throws(MosquittoError) -> Int32 {
        var mid: Int32 = 0
        let rc = mosquitto_subscribe_v5(raw, &mid, filter, Int32(qos.rawValue), 0, nil)
        guard rc == MOSQ_ERR_SUCCESS.rawValue else {
            if rc == MOSQ_ERR_INVAL.rawValue, let problem = Self.topicProblem(filter, isFilter: true) { throw problem }
            throw MosquittoError.native(rc, "subscribing", topic: filter)
        }
        return mid
    }

    func unsubscribe(_ filter: String) throws(MosquittoError) -> Int32 {
        var mid: Int32 = 0
        let rc = mosquitto_unsubscribe_v5(raw, &mid, filter, nil)
        guard rc == MOSQ_ERR_SUCCESS.rawValue else {
            if rc == MOSQ_ERR_INVAL.rawValue, let problem = Self.topicProblem(filter, isFilter: true) { throw problem }
            throw MosquittoError.native(rc, "unsubscribing", topic: filter)
        }
        return mid
    }

    /// Says what is wrong with a topic name or filter, or nil when libmosquitto accepts it.
    static func topicProblem(_ topic: String, isFilter: Bool) -> MosquittoError? {
        if topic.isEmpty {
            return MosquittoError(.invalidTopic, "the topic is empty; MQTT needs at least one character, e.g. \"nmap2mqtt/bridge/state\"")
        }
        let rc = isFilter ? mosquitto_sub_topic_check(topic) : mosquitto_pub_topic_check(topic)
        guard rc != MOSQ_ERR_SUCCESS.rawValue else { return nil }
        if isFilter {
            return MosquittoError(.invalidTopic,
                                  "\"\(topic)\" is not a valid topic filter: '#' may only be the last level and '+' must fill a whole level")
        }
        return MosquittoError(.invalidTopic,
                              "\"\(topic)\" is not a valid topic to publish to: it must not contain the wildcards '+' or '#'")
    }
}

extension NativeHandle {
    /// One pass of libmosquitto's network loop; blocks up to `timeoutMilliseconds` (loop thread only).
    func loop(timeoutMilliseconds: Int32) -> Int32 {
        mosquitto_loop(raw, timeoutMilliseconds, 1)
    }
}
