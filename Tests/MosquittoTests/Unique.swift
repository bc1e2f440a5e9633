import Foundation

/// Names no other test uses: tests run in parallel, each with its own broker, and unique topics
/// and client ids make any cross-talk show up as a failure rather than pass by luck.
enum Unique {
    static func topic(_ name: String) -> String {
        "test/\(name)/\(UUID().uuidString.prefix(8))"
    }

    static func clientID(_ name: String) -> String {
        "\(name)-\(UUID().uuidString.prefix(8))"
    }
}
