import CMosquitto

#if canImport(Glibc)
import Glibc
#endif

/// Conversions between ``MQTTv5/PublishProperties`` and libmosquitto property lists.
enum NativeProperties {
    /// Builds a property list; the caller frees it with `mosquitto_property_free_all`.
    static func make(_ properties: MQTTv5.PublishProperties) throws(MosquittoError) -> OpaquePointer? {
        var list: OpaquePointer? = nil
        func check(_ rc: Int32, _ what: String) throws(MosquittoError) {
            let code = MosquittoReturnCode(rawValue: rc)
            guard code.isSuccess else {
                mosquitto_property_free_all(&list)
                throw MosquittoError(.invalidArgument, "MQTT 5 property \(what) is invalid: \(code)")
            }
        }
        if let expiry = properties.messageExpiryInterval {
            try check(mosquitto_property_add_int32(&list, Int32(MQTT_PROP_MESSAGE_EXPIRY_INTERVAL.rawValue), expiry), "message expiry interval")
        }
        if let contentType = properties.contentType {
            try check(mosquitto_property_add_string(&list, Int32(MQTT_PROP_CONTENT_TYPE.rawValue), contentType), "content type \"\(contentType)\"")
        }
        for property in properties.userProperties {
            try check(
                mosquitto_property_add_string_pair(&list, Int32(MQTT_PROP_USER_PROPERTY.rawValue), property.name, property.value),
                "user property \"\(property.name)\"")
        }
        return list
    }

    /// Reads the publish properties of a received message.
    static func read(_ list: OpaquePointer?) -> MQTTv5.PublishProperties {
        var result = MQTTv5.PublishProperties()
        var current = list
        while let property = current {
            switch Int(mosquitto_property_identifier(property)) {
            case Int(MQTT_PROP_MESSAGE_EXPIRY_INTERVAL.rawValue):
                var value: UInt32 = 0
                if mosquitto_property_read_int32(property, Int32(MQTT_PROP_MESSAGE_EXPIRY_INTERVAL.rawValue), &value, false) != nil {
                    result.messageExpiryInterval = value
                }
            case Int(MQTT_PROP_CONTENT_TYPE.rawValue):
                var value: UnsafeMutablePointer<CChar>? = nil
                if mosquitto_property_read_string(property, Int32(MQTT_PROP_CONTENT_TYPE.rawValue), &value, false) != nil, let value {
                    result.contentType = String(cString: value)
                    free(value)
                }
            case Int(MQTT_PROP_USER_PROPERTY.rawValue):
                var name: UnsafeMutablePointer<CChar>? = nil
                var value: UnsafeMutablePointer<CChar>? = nil
                if mosquitto_property_read_string_pair(property, Int32(MQTT_PROP_USER_PROPERTY.rawValue), &name, &value, false) != nil {
                    result.userProperties.append(.init(name.map { String(cString: $0) } ?? "", value.map { String(cString: $0) } ?? ""))
                }
                free(name)
                free(value)
            default:
                break
            }
            current = mosquitto_property_next(property)
        }
        return result
    }

    /// The reason string property of an acknowledgement, if the broker sent one.
    static func reasonString(_ list: OpaquePointer?) -> String? {
        var value: UnsafeMutablePointer<CChar>? = nil
        guard mosquitto_property_read_string(list, Int32(MQTT_PROP_REASON_STRING.rawValue), &value, false) != nil, let value else {
            return nil
        }
        defer { free(value) }
        return String(cString: value)
    }
}
