/// What merging known devices into a configuration did.
public struct ConfigMergeOutcome: Sendable, Equatable {
    /// A device left out because the configuration already lists its MAC; the user's entry stays.
    public struct AlreadyListed: Sendable, Equatable {
        public var device: KnownDevice
        /// The line of that MAC's entry in the configuration.
        public var configLine: Int?
    }

    /// The configuration's new text; the old text when nothing was added.
    public var text: String
    /// Appended to `devices:`, in known_devices.yaml's order.
    public var added: [KnownDevice]
    public var alreadyListed: [AlreadyListed]
}
