import CMosquitto
#if canImport(Glibc)
import Glibc
#endif

extension MosquittoError {
    /// Turns a libmosquitto return code into an error that says what was being done.
    static func native(_ rc: Int32, _ operation: String, topic: String? = nil) -> MosquittoError {
        let text = rc == Int32(MOSQ_ERR_ERRNO.rawValue)
            ? String(cString: strerror(errno))
            : NativeLibrary.errorText(rc)
        let subject = topic.map { " on topic \"\($0)\"" } ?? ""
        let message = "\(operation)\(subject) failed: \(text)"
        switch mosq_err_t(rawValue: rc) {
        case MOSQ_ERR_NO_CONN: return MosquittoError(.notConnected, "\(operation)\(subject) failed: not connected to the broker")
        case MOSQ_ERR_CONN_LOST: return MosquittoError(.connectionLost, message)
        case MOSQ_ERR_CONN_REFUSED, MOSQ_ERR_AUTH: return MosquittoError(.connectionRefused, message)
        case MOSQ_ERR_ACL_DENIED: return MosquittoError(.publishRejected, message)
        case MOSQ_ERR_PAYLOAD_SIZE, MOSQ_ERR_OVERSIZE_PACKET:
            return MosquittoError(.payloadTooLarge, "\(message); MQTT allows at most 268,435,455 bytes and the broker may allow less")
        case MOSQ_ERR_MALFORMED_UTF8:
            return MosquittoError(.invalidTopic, "\(operation)\(subject) failed: the topic is not valid UTF-8")
        case MOSQ_ERR_NOT_SUPPORTED, MOSQ_ERR_QOS_NOT_SUPPORTED, MOSQ_ERR_RETAIN_NOT_SUPPORTED:
            return MosquittoError(.notSupported, message)
        case MOSQ_ERR_TLS, MOSQ_ERR_TLS_HANDSHAKE, MOSQ_ERR_OCSP: return MosquittoError(.tls, message)
        case MOSQ_ERR_ERRNO, MOSQ_ERR_EAI, MOSQ_ERR_LOOKUP, MOSQ_ERR_PROXY, MOSQ_ERR_KEEPALIVE, MOSQ_ERR_TIMEOUT:
            return MosquittoError(.network, message)
        case MOSQ_ERR_PROTOCOL, MOSQ_ERR_MALFORMED_PACKET, MOSQ_ERR_DUPLICATE_PROPERTY:
            return MosquittoError(.protocolError, message)
        case MOSQ_ERR_INVAL, MOSQ_ERR_NOT_FOUND: return MosquittoError(.invalidArgument, message)
        default: return MosquittoError(.unknown, message)
        }
    }
}
