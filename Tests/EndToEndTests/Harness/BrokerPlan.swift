import TestSupport

/// The broker a scenario runs against.
enum BrokerPlan: Sendable {
    /// A broker of its own on a free loopback port, started before the body runs.
    case started(MosquittoBrokerConfig)
    /// None yet: the body starts it with ``Scene/startBroker(config:)`` on ``Scene/brokerPort``.
    case later
    /// No broker at all (commands that must fail before they connect).
    case none

    static let anonymous = BrokerPlan.started(.anonymous)
}
