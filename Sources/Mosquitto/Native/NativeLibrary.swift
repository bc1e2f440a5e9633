import CMosquitto

/// libmosquitto's process-wide set-up, done once before the first client is made.
enum NativeLibrary {
    private static let initialised: Bool = {
        mosquitto_lib_init()
        return true
    }()

    static func ensureInitialised() {
        _ = initialised
    }

    static func errorText(_ rc: Int32) -> String {
        String(cString: mosquitto_strerror(rc))
    }

    static func reasonText(_ reasonCode: Int32) -> String {
        String(cString: mosquitto_reason_string(reasonCode))
    }

    static func connackText(_ code: Int32) -> String {
        String(cString: mosquitto_connack_string(code))
    }
}
