import Foundation
import TestSupport
import Testing

@testable import Presence

/// `Presence.Household`, the merge of several nodes' views (issue 16); not this target's `Household`
/// simulator of one LAN, which shadows the name here.
typealias Merge = Presence.Household

/// The rules of `Presence.Household`'s header, one or more tests each; every test can fail.
@Suite("Household merge of several nodes")
struct HouseholdMergeTests {
    static let phone = "3c22fb123456"
    static let laptop = "f45c89abcdef"

    /// A device as a node shows it; times are seconds after `FakeClock.start`.
    static func device(
        _ state: PresenceState, id: String = phone, seen lastSeen: TimeInterval, ip: String = "192.0.2.12",
        firstSeen: TimeInterval = 0, deleted: Bool = false, reason: String = "arp-response"
    ) -> Device {
        Device(
            id: id, mac: nil, ip: ip, name: "Device \(id)", state: state, firstSeen: FakeClock.at(firstSeen),
            lastSeen: FakeClock.at(lastSeen), deleted: deleted, reason: reason)
    }

    /// A household seen from node `self`, with each other node's liveness and views.
    static func household(_ nodes: [String: (online: Bool, devices: [Device])], self selfID: String = "a") -> Merge {
        var household = Merge(selfID: selfID)
        for (node, view) in nodes {
            household.setOnline(node, view.online)
            for device in view.devices { household.setView(node, device: device.id, device) }
        }
        return household
    }

    /// The one merged device with this id.
    static func merged(_ household: Merge, own: [Device], _ id: String = phone) throws -> Merge.MergedDevice {
        let all = household.merged(own: own)
        #expect(all.filter { $0.device.id == id }.count == 1, "one merged device per id: \(all.map(\.device.id))")
        return try #require(all.first { $0.device.id == id })
    }

    // MARK: - State

    @Test("home when any live view says home, whatever the others and this node say")
    func homeWhenAnyLiveViewIsHome() throws {
        let household = Self.household([
            "b": (true, [Self.device(.notHome, seen: 300)]),
            "c": (true, [Self.device(.home, seen: 100)]),
        ])
        let merged = try Self.merged(household, own: [Self.device(.notHome, seen: 200)])
        #expect(merged.device.state == .home && merged.available)
        #expect(merged.viewers == ["a", "b", "c"])
        // Only another node's view: still home.
        let alone = try Self.merged(Self.household(["b": (true, [Self.device(.home, seen: 100)])]), own: [])
        #expect(alone.device.state == .home && alone.available && alone.viewers == ["b"])
    }

    @Test("not_home only when every live viewer says not_home")
    func notHomeOnlyWhenEveryLiveViewerSaysSo() throws {
        let own = [Self.device(.notHome, seen: 100)]
        let allAway = Self.household(["b": (true, [Self.device(.notHome, seen: 150)])])
        let away = try Self.merged(allAway, own: own)
        #expect(away.device.state == .notHome && away.available)
        // This node's own home view is a live view too.
        let ownHome = try Self.merged(allAway, own: [Self.device(.home, seen: 100)])
        #expect(ownHome.device.state == .home)
        // A third live node that says home keeps it home.
        let oneHome = Self.household([
            "b": (true, [Self.device(.notHome, seen: 150)]), "c": (true, [Self.device(.home, seen: 50)]),
        ])
        #expect(try Self.merged(oneHome, own: own).device.state == .home)
    }

    @Test("A device seen only by a dead node keeps the state of its freshest view and is unavailable")
    func onlyDeadViewers() throws {
        let household = Self.household([
            "b": (false, [Self.device(.home, seen: 100, ip: "192.0.2.12")]),
            "c": (false, [Self.device(.notHome, seen: 200, ip: "192.0.2.13")]),
        ])
        let merged = try Self.merged(household, own: [])
        #expect(merged.device.state == .notHome && merged.device.ip == "192.0.2.13" && !merged.available)
        #expect(merged.viewers == ["b", "c"])
        let home = try Self.merged(Self.household(["b": (false, [Self.device(.home, seen: 100)])]), own: [])
        #expect(home.device.state == .home && !home.available)
    }

    @Test("A node's death never makes its devices leave: they keep their state and become unavailable")
    func deathKeepsState() throws {
        for state in [PresenceState.home, .notHome] {
            var household = Self.household(["b": (true, [Self.device(.home, seen: 10)])])
            household.setView("b", device: Self.phone, Self.device(state, seen: 100))
            let before = try Self.merged(household, own: [])
            #expect(before.device.state == state && before.available)
            let died = household.setOnline("b", false)
            #expect(died)
            let after = try Self.merged(household, own: [])
            #expect(after.device.state == state, "the death of b changed \(state) to \(after.device.state)")
            #expect(!after.available)
            let cameBack = household.setOnline("b", true)
            #expect(cameBack)
            #expect(try Self.merged(household, own: []).available)
        }
    }

    @Test("A device two nodes see stays home and available when either dies")
    func sharedDeviceSurvivesEitherDeath() throws {
        // Another node dies: this node's own view carries it.
        var household = Self.household(["b": (true, [Self.device(.home, seen: 100)])])
        household.setOnline("b", false)
        let ownCarries = try Self.merged(household, own: [Self.device(.home, seen: 90)])
        #expect(ownCarries.device.state == .home && ownCarries.available && ownCarries.viewers == ["a", "b"])
        // Of two other nodes, one dies: the live one carries it, whatever the dead one last said.
        for deadSays in [PresenceState.home, .notHome] {
            var two = Self.household([
                "b": (true, [Self.device(.home, seen: 100)]), "c": (true, [Self.device(deadSays, seen: 120)]),
            ])
            two.setOnline("c", false)
            let merged = try Self.merged(two, own: [])
            #expect(merged.device.state == .home && merged.available && merged.viewers == ["b", "c"])
        }
    }

    // MARK: - Attributes

    @Test("Attributes come from the freshest view that agrees with the merged state")
    func attributesFromFreshestAgreeingView() throws {
        let household = Self.household([
            "b": (true, [Self.device(.home, seen: 200, ip: "192.0.2.2")]),
            "c": (true, [Self.device(.notHome, seen: 300, ip: "192.0.2.3", reason: "re-probe got no answer")]),
        ])
        let merged = try Self.merged(household, own: [Self.device(.home, seen: 100, ip: "192.0.2.1")])
        #expect(merged.device.state == .home)
        #expect(merged.device.ip == "192.0.2.2", "the fresher home view, not the freshest (disagreeing) one")
        #expect(merged.device.lastSeen == FakeClock.at(200) && merged.device.reason == "arp-response")
    }

    @Test("A live view's attributes come before a fresher dead one's")
    func liveBeforeDead() throws {
        let household = Self.household([
            "b": (false, [Self.device(.home, seen: 500, ip: "192.0.2.2")]),
            "c": (true, [Self.device(.home, seen: 100, ip: "192.0.2.3")]),
        ])
        let merged = try Self.merged(household, own: [])
        #expect(merged.device.ip == "192.0.2.3" && merged.device.lastSeen == FakeClock.at(100) && merged.available)
    }

    @Test("Equally fresh views: the lower node id's attributes, so every node picks the same")
    func tieGoesToLowerID() throws {
        let views: [String: (online: Bool, devices: [Device])] = [
            "c": (true, [Self.device(.home, seen: 100, ip: "192.0.2.3")]),
            "b": (true, [Self.device(.home, seen: 100, ip: "192.0.2.2")]),
        ]
        #expect(try Self.merged(Self.household(views, self: "z"), own: []).device.ip == "192.0.2.2")
        // Against this node's own view: the lower id wins too, whoever is self.
        let own = [Self.device(.home, seen: 100, ip: "192.0.2.9")]
        #expect(try Self.merged(Self.household(views, self: "z"), own: own).device.ip == "192.0.2.2")
        #expect(try Self.merged(Self.household(views, self: "a"), own: own).device.ip == "192.0.2.9")
    }

    @Test("firstSeen is the earliest of all views, live or dead, agreeing or not")
    func firstSeenIsEarliest() throws {
        let household = Self.household([
            "b": (false, [Self.device(.notHome, seen: 50, firstSeen: 10)]),
            "c": (true, [Self.device(.home, seen: 300, firstSeen: 40)]),
        ])
        let merged = try Self.merged(household, own: [Self.device(.home, seen: 400, firstSeen: 30)])
        #expect(merged.device.firstSeen == FakeClock.at(10))
        #expect(merged.device.lastSeen == FakeClock.at(400), "the other attributes still come from the freshest")
    }

    @Test("A device deleted in any view, or in this node's own, stays deleted")
    func deletedAnywhereStaysDeleted() throws {
        let deadDeleted = Self.household([
            "b": (false, [Self.device(.notHome, seen: 10, deleted: true)]),
            "c": (true, [Self.device(.home, seen: 300)]),
        ])
        #expect(try Self.merged(deadDeleted, own: [Self.device(.home, seen: 400)]).device.deleted)
        let ownDeleted = Self.household(["b": (true, [Self.device(.home, seen: 300)])])
        #expect(try Self.merged(ownDeleted, own: [Self.device(.home, seen: 100, deleted: true)]).device.deleted)
        #expect(try !Self.merged(ownDeleted, own: [Self.device(.home, seen: 100)]).device.deleted)
    }

    // MARK: - Leader

    @Test("The leader is the lowest live id; it changes when it dies and when it comes back")
    func leaderIsLowestLiveID() {
        var household = Self.household(["a": (true, []), "c": (true, [])], self: "b")
        #expect(household.leader == "a" && household.liveNodes == ["a", "b", "c"])
        household.setOnline("a", false)
        #expect(household.leader == "b" && household.liveNodes == ["b", "c"] && household.allNodes == ["a", "b", "c"])
        household.setOnline("a", true)
        #expect(household.leader == "a")
        // The highest id leads when all below it are dead, and this node is always live to itself.
        var last = Self.household(["a": (false, []), "b": (false, [])], self: "c")
        #expect(last.leader == "c" && !last.hasLiveOthers)
        last.setOnline("b", true)
        #expect(last.leader == "b" && last.hasLiveOthers)
        #expect(Merge(selfID: "m").leader == "m")
    }

    // MARK: - Bookkeeping

    @Test("setOnline and setView say whether anything changed")
    func settersReportChanges() {
        var household = Merge(selfID: "a")
        var answers: [Bool] = []
        for online in [true, true, false, false] { answers.append(household.setOnline("b", online)) }
        #expect(answers == [true, false, true, false])

        let view = Self.device(.home, seen: 100)
        var moved = view
        moved.ip = "192.0.2.99"
        var refreshed = moved
        refreshed.lastSeen = FakeClock.at(200) // a new last_seen alone is a change of the view
        answers = [view, view, moved, refreshed, nil, nil].map { household.setView("b", device: Self.phone, $0) }
        #expect(answers == [true, false, true, true, true, false])
        let unknown = household.setView("c", device: Self.phone, nil)
        #expect(!unknown, "clearing what an unknown node never said changes nothing")
        #expect(household.others["b"]?.devices.isEmpty == true)
    }

    @Test("forget drops every other node's view of the device, and only of that device")
    func forgetDropsOtherViews() throws {
        var household = Self.household([
            "b": (true, [Self.device(.home, seen: 100), Self.device(.home, id: Self.laptop, seen: 100)]),
            "c": (false, [Self.device(.notHome, seen: 50)]),
        ])
        household.forget(Self.phone)
        #expect(household.others["b"]?.devices[Self.phone] == nil && household.others["c"]?.devices[Self.phone] == nil)
        #expect(household.others["b"]?.devices[Self.laptop] != nil)
        #expect(household.merged(own: []).map(\.device.id) == [Self.laptop])
        // This node's own view is the caller's: it still shows, alone.
        let own = try Self.merged(household, own: [Self.device(.notHome, seen: 10)])
        #expect(own.viewers == ["a"] && own.device.state == .notHome)
    }

    @Test("This node's own id in setOnline and setView is ignored: it is live to itself and its view is `own`")
    func ownIDIgnored() throws {
        var household = Merge(selfID: "a")
        let ownLiveness = household.setOnline("a", false)
        let ownView = household.setView("a", device: Self.phone, Self.device(.home, seen: 100))
        #expect(!ownLiveness && !ownView)
        #expect(household.others.isEmpty && household.liveNodes == ["a"] && household.leader == "a")
        #expect(household.merged(own: []).isEmpty)
        household.setOnline("b", true)
        household.setOnline("a", false)
        #expect(household.leader == "a", "a dead will of this node, retained from an earlier run, does not unseat it")
    }

    @Test("The single-node fast path gives what the general merge gives")
    func singleNodeFastPathEqualsGeneralMerge() {
        let own = [
            Self.device(.home, id: "001ba9010203", seen: 100, firstSeen: 5),
            Self.device(.notHome, id: Self.phone, seen: 50, reason: "re-probe got no answer"),
            Self.device(.home, id: Self.laptop, seen: 90, deleted: true),
        ]
        let alone = Merge(selfID: "a")
        // A dead node without views: the general path runs, and must find the same.
        var general = Merge(selfID: "a")
        general.setOnline("b", false)
        #expect(alone.others.isEmpty && !general.others.isEmpty)
        let fast = alone.merged(own: own)
        #expect(fast == general.merged(own: own))
        #expect(fast.map(\.device) == own && fast.allSatisfy { $0.available && $0.viewers == ["a"] })
    }

    @Test(
        "The fast path sorts by id as documented")
    func singleNodeFastPathSorts() {
        let own = [Self.device(.home, id: Self.phone, seen: 1), Self.device(.home, id: "001ba9010203", seen: 1)]
        var general = Merge(selfID: "a")
        general.setOnline("b", false)
        #expect(Merge(selfID: "a").merged(own: own) == general.merged(own: own))
    }

    // MARK: - Convergence

    /// One retained message: a node's liveness, or its view of one device.
    enum Retained: Equatable {
        case online(String, Bool)
        case view(String, String, Device)
    }

    @Test("Two nodes fed the same retained messages in any order agree on the merge and the leader", arguments: 0..<20)
    func convergence(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        let nodes = ["a", "b", "c", "d"]
        let ids = (0..<12).map { String(format: "02000000%04x", $0) }
        var online: [String: Bool] = ["a": true, "b": true]
        for node in ["c", "d"] { online[node] = random.below(2) == 0 }
        var views: [String: [Device]] = [:]
        for node in nodes {
            for id in ids where random.below(3) > 0 {
                views[node, default: []].append(
                    Self.device(
                        random.below(2) == 0 ? .home : .notHome, id: id, seen: TimeInterval(random.below(5) * 60),
                        ip: "192.0.2.\(random.below(4) + 1)", firstSeen: TimeInterval(random.below(3)),
                        deleted: random.below(10) == 0))
            }
        }
        var messages: [Retained] = nodes.map { .online($0, online[$0]!) }
        for (node, devices) in views { messages += devices.map { .view(node, $0.id, $0) } }

        func fed(_ selfID: String, _ order: [Retained]) -> Merge {
            var household = Merge(selfID: selfID)
            for message in order {
                switch message {
                case .online(let node, let live): household.setOnline(node, live)
                case .view(let node, let id, let device): household.setView(node, device: id, device)
                }
            }
            return household
        }
        let a = fed("a", messages.shuffled(using: &random))
        let b = fed("b", messages.shuffled(using: &random))
        let mergedA = a.merged(own: views["a"] ?? [])
        let mergedB = b.merged(own: views["b"] ?? [])
        #expect(mergedA == mergedB, "seed \(seed)")
        #expect(a.leader == "a" && b.leader == "a", "seed \(seed)")
        #expect(a.liveNodes == b.liveNodes && a.allNodes == b.allNodes)
        // Leader changes are seen alike: a dies (its will), b and a third node agree on the next.
        var bAfter = b
        bAfter.setOnline("a", false)
        var c = fed("c", messages.shuffled(using: &random))
        c.setOnline("a", false)
        if online["c"] == true {
            #expect(bAfter.leader == "b" && c.leader == "b", "seed \(seed)")
            #expect(bAfter.merged(own: views["b"] ?? []) == c.merged(own: views["c"] ?? []), "seed \(seed)")
        }
    }

    // MARK: - Flaws the simulation found, fixed

    @Test("A restored view not yet confirmed gives way to a live confirmed one, and counts when it is alone")
    func memoryGivesWayToNews() throws {
        // b restarted with the phone home in its state file; a decided while b was away that it left.
        var household = Merge(selfID: "a")
        household.setOnline("b", true)
        let first = household.setView("b", device: Self.phone, Self.device(.home, seen: 300), confirmed: false)
        let again = household.setView("b", device: Self.phone, Self.device(.home, seen: 300), confirmed: false)
        #expect(first && !again)
        let decided = [Self.device(.notHome, seen: 200, reason: "re-probe of 192.0.2.12 got no answer")]
        #expect(try Self.merged(household, own: decided).device.state == .notHome)
        // Alone, memory is all there is: the restored state stands (as for one bridge after a restart).
        #expect(try Self.merged(household, own: []).device.state == .home)
        // b sees it: news beats a's decision.
        let news = household.setView("b", device: Self.phone, Self.device(.home, seen: 400), confirmed: true)
        #expect(news)
        #expect(try Self.merged(household, own: decided).device.state == .home)
        // This node's own memory gives way the same way.
        let restored = [Self.device(.home, seen: 300)]
        household.setView("b", device: Self.phone, Self.device(.notHome, seen: 250), confirmed: true)
        #expect(household.merged(own: restored, ownUnconfirmed: [Self.phone]).first?.device.state == .notHome)
        #expect(household.merged(own: restored).first?.device.state == .home)
    }

    @Test("A restarted node's memory does not undo news from a node that died since (the simulation's false home)")
    func memoryGivesWayToDeadNews() throws {
        // b decided the phone left while a was down, then died; a restarted with it home in its state file.
        var household = Merge(selfID: "a")
        household.setOnline("b", true)
        household.setView("b", device: Self.phone, Self.device(.notHome, seen: 850), confirmed: true)
        household.setOnline("b", false)
        let restored = [Self.device(.home, seen: 848)]
        let merged = try #require(household.merged(own: restored, ownUnconfirmed: [Self.phone]).first)
        #expect(merged.device.state == .notHome && merged.available)
        // Once a sees it, its news decides.
        #expect(household.merged(own: [Self.device(.home, seen: 900)]).first?.device.state == .home)
    }

    @Test(
        "A node's death never makes anyone leave: not even through another node's stale not_home")
    func staleNotHomeOutvotesDeadHome() throws {
        var household = Self.household(["b": (true, [Self.device(.home, seen: 1000)])])
        let own = [Self.device(.notHome, seen: 100, reason: "re-probe of 192.0.2.12 got no answer")]
        #expect(try Self.merged(household, own: own).device.state == .home)
        household.setOnline("b", false)
        #expect(try Self.merged(household, own: own).device.state == .home, "b's death made a present device leave")
        // As the simulation met it: the leader sees neither; node-03 says not_home, node-04 home, then dies.
        var leader = Self.household(
            [
                "node-03": (true, [Self.device(.notHome, seen: 100, reason: "re-probe of 192.0.2.12 got no answer")]),
                "node-04": (true, [Self.device(.home, seen: 1000)]),
            ], self: "node-01")
        leader.setOnline("node-04", false)
        #expect(try Self.merged(leader, own: []).device.state == .home, "node-04's death made a present device leave")
    }
}
