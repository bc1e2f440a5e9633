// swift-tools-version:6.2
import PackageDescription

// In-process measurements for bench/run, as a package of its own so that the root package's
// `swift build` does not build them: `swift build -c release --package-path bench`.
let package = Package(
    name: "nmap2mqtt-bench",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "nmap2mqtt", path: ".."),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
    ],
    targets: [
        .executableTarget(
            name: "nmap2mqtt-bench",
            dependencies: [
                .product(name: "Mosquitto", package: "nmap2mqtt"),
                .product(name: "NmapScanner", package: "nmap2mqtt"),
                .product(name: "Presence", package: "nmap2mqtt"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
    ]
)
