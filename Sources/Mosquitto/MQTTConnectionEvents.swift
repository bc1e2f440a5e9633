/// Connection events of one client, in order. Single consumer.
public struct MQTTConnectionEvents: AsyncSequence, Sendable {
    public typealias Element = MQTTConnectionEvent
    let stream: AsyncStream<MQTTConnectionEvent>

    public struct AsyncIterator: AsyncIteratorProtocol {
        var wrapped: AsyncStream<MQTTConnectionEvent>.AsyncIterator

        public mutating func next() async -> MQTTConnectionEvent? {
            await wrapped.next()
        }

        public mutating func next(isolation actor: isolated (any Actor)?) async -> MQTTConnectionEvent? {
            await wrapped.next(isolation: actor)
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(wrapped: stream.makeAsyncIterator())
    }
}
