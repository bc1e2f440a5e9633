/// Digit checks that do not accept other scripts' digits, for addresses and numbers in options.
extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
