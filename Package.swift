// swift-tools-version:6.2
import PackageDescription

let package = Package(
    name: "nmap2mqtt",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "nmap2mqtt", targets: ["nmap2mqtt"]),
        .library(name: "Mosquitto", targets: ["Mosquitto"]),
        .library(name: "NetworkAddresses", targets: ["NetworkAddresses"]),
        .library(name: "NmapScanner", targets: ["NmapScanner"]),
        .library(name: "Presence", targets: ["Presence"]),
        .library(name: "Bridge", targets: ["Bridge"]),
        .library(name: "StatusPage", targets: ["StatusPage"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.1.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.0"),
    ],
    targets: [
        // The only target that touches C: libmosquitto through pkg-config.
        .systemLibrary(
            name: "CMosquitto",
            pkgConfig: "libmosquitto",
            providers: [.apt(["libmosquitto-dev"])]
        ),
        .target(
            name: "Mosquitto",
            dependencies: [
                "CMosquitto",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The one MAC address type, shared by the scanner, the listener, the engine and the bridge.
        .target(name: "NetworkAddresses"),
        .target(
            name: "NmapScanner",
            dependencies: [
                "NetworkAddresses",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "Presence",
            dependencies: [
                "NetworkAddresses",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "PassiveListener",
            dependencies: [
                "NetworkAddresses",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The status page, /metrics and /healthz: a value model the daemon fills, no Bridge or Presence.
        .target(
            name: "StatusPage",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .target(
            name: "Bridge",
            dependencies: [
                "Mosquitto",
                "NetworkAddresses",
                "NmapScanner",
                "PassiveListener",
                "Presence",
                "StatusPage",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "DequeModule", package: "swift-collections"),
            ]
        ),
        .executableTarget(
            name: "nmap2mqtt",
            dependencies: [
                "Bridge",
                "NmapScanner",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "publish-retained",
            dependencies: [
                "Mosquitto",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "examples/PublishRetained"
        ),


        // Shared by the test targets: a real mosquitto broker, the network-namespace test LAN.
        .target(
            name: "TestSupport",
            dependencies: [],
            path: "Tests/TestSupport",
            resources: [.copy("MosquittoConfigs")]
        ),
        .testTarget(
            name: "MosquittoTests",
            dependencies: [
                "Mosquitto",
                "TestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "NetworkAddressesTests",
            dependencies: ["NetworkAddresses"]
        ),
        .testTarget(
            name: "NmapScannerTests",
            dependencies: ["NetworkAddresses", "NmapScanner", "TestSupport"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "PresenceTests",
            dependencies: ["NetworkAddresses", "Presence", "TestSupport"]
        ),
        .testTarget(
            name: "PassiveListenerTests",
            dependencies: ["NetworkAddresses", "PassiveListener", "TestSupport"]
        ),
        .testTarget(
            name: "StatusPageTests",
            dependencies: [
                "StatusPage",
                "TestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .testTarget(
            name: "BridgeTests",
            dependencies: ["Bridge", "Mosquitto", "NetworkAddresses", "TestSupport"]
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "Bridge",
                "Mosquitto",
                "TestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Fixtures")]
        ),
    ]
)
