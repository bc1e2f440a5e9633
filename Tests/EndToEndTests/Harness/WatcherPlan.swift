/// The subscriber to everything (`#`) that stands for Home Assistant.
enum WatcherPlan: Sendable {
    case anonymous
    case login(username: String, password: String)
    /// Over TLS, trusting the CA in `caFile`.
    case tls(caFile: String)
    case none
}
