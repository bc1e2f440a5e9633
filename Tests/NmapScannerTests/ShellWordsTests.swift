import Testing

@testable import NmapScanner

@Suite struct ShellWordsTests {
    @Test(arguments: [
        ("-F --host-timeout 5s", ["-F", "--host-timeout", "5s"]),
        ("  -sn\t-PR \n -T4  ", ["-sn", "-PR", "-T4"]),
        ("--script-args 'a=1, b=2'", ["--script-args", "a=1, b=2"]),
        (#"--script-args "user=\"bob\" path=C:\\x""#, ["--script-args", #"user="bob" path=C:\x"#]),
        (#"--data-string "a\nb""#, ["--data-string", #"a\nb"#]),
        (#"a\ b c"#, ["a b", "c"]),
        (#"pre'mid dle'post"#, ["premid dlepost"]),
        ("", []),
    ])
    func splitsLikeAShell(input: String, expected: [String]) throws {
        #expect(try ShellWords.split(input) == expected)
    }

    @Test(arguments: ["-F 'unclosed", #"-F "unclosed"#, #"-F trailing\"#])
    func refusesUnbalancedQuotes(input: String) {
        #expect(throws: NmapScannerError.self) { try ShellWords.split(input) }
        do {
            _ = try ShellWords.split(input)
        } catch {
            #expect(error.kind == .unbalancedQuote)
            #expect(error.message.contains(input))
        }
    }
}
