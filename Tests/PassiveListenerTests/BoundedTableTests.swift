import Testing

@testable import PassiveListener

struct BoundedTableTests {
    @Test func forgetsTheOldestInsertedPastItsCapacity() {
        var table = BoundedTable<Int, String>(capacity: 3)
        for key in 1...3 { table.set(key, "\(key)") }
        table.set(2, "two") // an update keeps its place
        table.set(4, "4")
        #expect(table[1] == nil)
        #expect(table[2] == "two" && table[3] == "3" && table[4] == "4")
        table.set(5, "5")
        #expect(table[2] == nil && table.count == 3)
    }

    @Test func removalsKeepTheBound() {
        var table = BoundedTable<Int, Int>(capacity: 4)
        for round in 0..<1000 {
            table.set(round, round)
            if round % 3 == 0 { table.remove(round - 1) }
            #expect(table.count <= 4)
        }
    }
}
