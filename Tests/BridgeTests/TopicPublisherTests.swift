import Foundation
import Mosquitto
import Testing

@testable import Bridge

@Suite("Topic publisher against a recording broker")
struct TopicPublisherTests {
    /// Runs the publisher until it has nothing left (or 2 s), then stops it.
    private func drain(_ publisher: TopicPublisher, _ sink: RecordingSink) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await publisher.run(client: sink) }
            await publisher.waitUntilIdle(deadline: .now + .seconds(30))
            group.cancelAll()
        }
    }

    @Test("a topic stated twice before it went out is sent once, with its newest payload; the same payload is not sent again")
    func coalesces() async {
        let publisher = TopicPublisher(logger: quietLogger)
        let sink = RecordingSink()
        publisher.retain("a/state", "home")
        publisher.retain("a/state", "not_home")
        await drain(publisher, sink)
        publisher.retain("a/state", "not_home")
        await drain(publisher, sink)
        #expect(sink.messages == [.init(topic: "a/state", payload: "not_home", retain: true)])
    }

    @Test("bridge state first, then discovery, then states; held discovery waits for resendAll")
    func priorities() async {
        let publisher = TopicPublisher(logger: quietLogger)
        let sink = RecordingSink()
        publisher.holdDiscovery()
        publisher.retain("a/state", "home")
        publisher.retain("ha/config", "{}", priority: .discovery)
        publisher.retain("bridge/state", "online", priority: .bridgeState)
        await drain(publisher, sink)
        #expect(sink.messages.map(\.topic) == ["bridge/state", "a/state"])
        publisher.resendAll()
        await drain(publisher, sink)
        #expect(sink.messages.map(\.topic) == ["bridge/state", "a/state", "bridge/state", "ha/config", "a/state"])
    }

    @Test("an event that got no acknowledgement in time is not sent a second time; a retained topic is")
    func ackTimeout() async {
        let publisher = TopicPublisher(logger: quietLogger)
        let sink = RecordingSink()
        sink.behave(.timeOut)
        publisher.send("events", Array("{\"event\":\"arrived\"}".utf8))
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await publisher.run(client: sink) }
            // The event went unacknowledged; then a retained topic does too, again and again.
            #expect(await eventually { sink.attempts == 1 })
            publisher.retain("a/state", "home")
            #expect(await eventually { sink.attempts >= 3 })
            sink.behave(.accept)
            publisher.send("events", Array("{\"event\":\"departed\"}".utf8))
            await publisher.waitUntilIdle(deadline: .now + .seconds(30))
            group.cancelAll()
        }
        let events = sink.messages.filter { $0.topic == "events" }.map(\.payload)
        #expect(events == ["{\"event\":\"arrived\"}", "{\"event\":\"departed\"}"], "each event handed over once")
        let states = sink.messages.filter { $0.topic == "a/state" }
        #expect(states.count > 1 && states.last == .init(topic: "a/state", payload: "home", retain: true), "the retained topic until acknowledged")
    }

    @Test("while disconnected an event waits and goes out once after the reconnect")
    func disconnected() async {
        let publisher = TopicPublisher(logger: quietLogger)
        let sink = RecordingSink()
        sink.behave(.disconnected)
        publisher.send("events", Array("e1".utf8))
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await publisher.run(client: sink) }
            let waiting = await eventually { sink.attempts >= 1 && publisher.pendingEvents().count == 1 }
            #expect(waiting && sink.messages.isEmpty, "tried once, refused, and waits")
            sink.behave(.accept)
            publisher.resendAll()
            await publisher.waitUntilIdle(deadline: .now + .seconds(30))
            group.cancelAll()
        }
        #expect(sink.messages == [.init(topic: "events", payload: "e1", retain: false)])
    }

    @Test("past the queue limit the oldest events are dropped, never a retained topic")
    func boundedEvents() async {
        let publisher = TopicPublisher(logger: quietLogger, eventQueueLimit: 3)
        for n in 1...5 { publisher.send("events", Array("e\(n)".utf8)) }
        publisher.retain("a/state", "home")
        #expect(publisher.pendingEvents().map { String(decoding: $0.payload, as: UTF8.self) } == ["e3", "e4", "e5"])
        #expect(publisher.desiredPayload("a/state") == Array("home".utf8))
    }

    @Test("a clear that went out is forgotten; its echo is recognised once")
    func clears() async {
        let publisher = TopicPublisher(logger: quietLogger)
        let sink = RecordingSink()
        publisher.retain("ha/config", "{}", priority: .discovery)
        await drain(publisher, sink)
        publisher.clear("ha/config")
        await drain(publisher, sink)
        #expect(sink.messages.last == .init(topic: "ha/config", payload: "", retain: true))
        #expect(publisher.desiredPayload("ha/config") == nil)
        #expect(publisher.isOwnClear("ha/config") && !publisher.isOwnClear("ha/config"))
        #expect(publisher.wasPublished("ha/config"))
    }
}
