/// The messages received on the client's subscriptions, in arrival order. Single consumer.
public struct MQTTMessages: AsyncSequence, Sendable {
    public typealias Element = MQTTMessage
    let stream: AsyncStream<MQTTMessage>

    public struct AsyncIterator: AsyncIteratorProtocol {
        var wrapped: AsyncStream<MQTTMessage>.AsyncIterator

        public mutating func next() async -> MQTTMessage? {
            await wrapped.next()
        }

        public mutating func next(isolation actor: isolated (any Actor)?) async -> MQTTMessage? {
            await wrapped.next(isolation: actor)
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(wrapped: stream.makeAsyncIterator())
    }
}
