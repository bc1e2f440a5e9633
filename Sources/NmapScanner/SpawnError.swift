/// posix_spawn refused to start the program.
struct SpawnError: Error, Sendable {
    var program: String
    var errno: Int32
}
