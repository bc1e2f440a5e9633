/// Splits `scan_options` into words the way a POSIX shell (and Python's `shlex.split`, which Home
/// Assistant uses) would, without running a shell: so a user's `--script-args 'a=1, b=2'` reaches
/// nmap as one word and nothing in the string is ever executed.
///
/// Single quotes keep everything literally; double quotes keep everything but `\"` and `\\`;
/// outside quotes a backslash keeps the next character literally.
public enum ShellWords {
    public static func split(_ text: String) throws(NmapScannerError) -> [String] {
        enum Quote { case none, single, double }
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote = Quote.none
        var iterator = text.unicodeScalars.makeIterator()
        while let c = iterator.next() {
            switch quote {
            case .single:
                if c == "'" { quote = .none } else { current.unicodeScalars.append(c) }
            case .double:
                if c == "\"" {
                    quote = .none
                } else if c == "\\" {
                    guard let next = iterator.next() else { break }
                    if next != "\"" && next != "\\" { current.unicodeScalars.append(c) }
                    current.unicodeScalars.append(next)
                } else {
                    current.unicodeScalars.append(c)
                }
            case .none:
                if c == " " || c == "\t" || c == "\n" || c == "\r" {
                    if inWord { words.append(current) }
                    current = ""
                    inWord = false
                } else if c == "'" {
                    quote = .single
                    inWord = true
                } else if c == "\"" {
                    quote = .double
                    inWord = true
                } else if c == "\\" {
                    guard let next = iterator.next() else {
                        throw NmapScannerError(
                            kind: .unbalancedQuote, value: text,
                            message: "scan_options '\(text)' ends with a lone backslash; "
                                + "escape it as \\\\ or remove it")
                    }
                    current.unicodeScalars.append(next)
                    inWord = true
                } else {
                    current.unicodeScalars.append(c)
                    inWord = true
                }
            }
        }
        switch quote {
        case .single, .double:
            let mark = quote == .single ? "'" : "\""
            throw NmapScannerError(
                kind: .unbalancedQuote, value: text,
                message: "scan_options '\(text)' has an unbalanced \(mark) quote; "
                    + "close it, or escape it with a backslash to pass it literally")
        case .none:
            if inWord { words.append(current) }
        }
        return words
    }
}
