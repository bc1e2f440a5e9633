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
}
