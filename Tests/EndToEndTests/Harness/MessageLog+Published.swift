import Foundation

extension MessageLog.Entry {
    /// The payload decoded as `type`.
    func decoded<T: Decodable>(as type: T.Type) throws -> T {
        do {
            return try Published.decode(type, from: message.payload)
        } catch {
            throw EndToEndError("\(message.topic): not a \(T.self): \(error); payload: \(message.string.prefix(300))")
        }
    }
}

extension MessageLog {
    /// Waits for a message on `topic` whose payload, decoded as `type`, satisfies `matches` (the newest
    /// such with `newest`, else the first); returns it with its entry. A payload on `topic` that does
    /// not decode fails the wait at once, with the decoding error, instead of timing out; an empty one
    /// (a cleared retained topic) is passed over.
    func waitFor<T: Decodable>(
        _ topic: String, as type: T.Type, within limit: Duration, since: Date = .distantPast, newest: Bool = false,
        _ what: String, where matches: @escaping (T) -> Bool = { _ in true }
    ) async throws -> (entry: Entry, payload: T) {
        let found: Result<(entry: Entry, payload: T), any Error> = try await wait(what, within: limit, since: since) { entries in
            let candidates = entries.filter { $0.message.topic == topic && !$0.message.payload.isEmpty }
            for entry in newest ? candidates.reversed() : candidates {
                do {
                    let payload = try entry.decoded(as: type)
                    if matches(payload) { return .success((entry, payload)) }
                } catch {
                    return .failure(error)
                }
            }
            return nil
        }
        return try found.get()
    }
}
