/// Where the server gets what it shows.
///
/// The contract: ``snapshot()`` is cheap and never blocks, and is safe to call from any thread. The server
/// calls it on its own thread for each page, `/metrics` or `/healthz` request (at most about once a second
/// per route: it caches for a second), and never calls anything else. Keep the snapshot ready (the daemon
/// updates a ``StatusBoard`` after each scan and each change) rather than computing it on demand under a
/// lock the presence engine needs: then no web client, however slow or hostile, can delay a presence
/// decision or an MQTT publish.
public protocol StatusSource: Sendable {
    /// The current snapshot: a copy of values the daemon already holds.
    func snapshot() -> StatusSnapshot
}
