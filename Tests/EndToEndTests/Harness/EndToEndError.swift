/// A scenario's failure, said in words: what was awaited or went wrong.
struct EndToEndError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
