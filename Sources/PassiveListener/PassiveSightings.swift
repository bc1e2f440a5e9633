/// The sightings a listener passes on, in the order heard. It ends when the listener stops.
///
/// One consumer at a time (like the `AsyncStream` it wraps). Holding it (or an iterator) keeps the
/// listener running.
public struct PassiveSightings: AsyncSequence, Sendable {
    public typealias Element = PassiveSighting
    public typealias Failure = Never

    let stream: AsyncStream<PassiveSighting>
    let lifetime: ListenerLifetime

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: AsyncStream<PassiveSighting>.Iterator
        let lifetime: ListenerLifetime

        public mutating func next() async -> PassiveSighting? {
            await base.next()
        }

        public mutating func next(isolation actor: isolated (any Actor)?) async -> PassiveSighting? {
            await base.next(isolation: actor)
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: stream.makeAsyncIterator(), lifetime: lifetime)
    }
}
