import CMosquitto

#if canImport(Glibc)
import Glibc
#endif

/// What a libmosquitto call returned (`MOSQ_ERR_*`). Every C call's `int` result is read as one of
/// these right away, so no raw return code travels through the module.
struct MosquittoReturnCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    let rawValue: Int32

    init(rawValue: Int32) { self.rawValue = rawValue }
    private init(_ code: mosq_err_t) { rawValue = Int32(code.rawValue) }

    static let success = MosquittoReturnCode(MOSQ_ERR_SUCCESS)
    static let invalid = MosquittoReturnCode(MOSQ_ERR_INVAL)
    static let noConnection = MosquittoReturnCode(MOSQ_ERR_NO_CONN)
    static let connectionLost = MosquittoReturnCode(MOSQ_ERR_CONN_LOST)
    static let errno = MosquittoReturnCode(MOSQ_ERR_ERRNO)
    static let tls = MosquittoReturnCode(MOSQ_ERR_TLS)

    var isSuccess: Bool { self == .success }

    /// libmosquitto's words for it; for `MOSQ_ERR_ERRNO`, the system's (read at once: errno moves on).
    var description: String {
        self == .errno ? String(cString: strerror(Glibc.errno)) : String(cString: mosquitto_strerror(rawValue))
    }

    /// Throws the error for a failed call; `operation` says what was being done.
    func check(_ operation: @autoclosure () -> String, topic: String? = nil) throws(MosquittoError) {
        guard isSuccess else { throw error(operation(), topic: topic) }
    }

    /// The module's error for this code, saying what was being done and on which topic.
    func error(_ operation: String, topic: String? = nil) -> MosquittoError {
        let subject = topic.map { " on topic \"\($0)\"" } ?? ""
        let message = "\(operation)\(subject) failed: \(description)"
        switch mosq_err_t(rawValue: rawValue) {
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
