// swift-tools-version: 6.1
import PackageDescription

let defaultSwiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

let serviceTargets: [Target] =
    []
    + Target.service(
        "Gateway", executable: "gateway",
        dependencies: [
            "ServiceKit", "Database", "Schema", "JobQueue", "Catalog", "Generations", "Storage", "WireFormat", "PublicAPI", "ReplicateAPI",
            "NetworkPolicy",
            .product(name: "JWTKit", package: "jwt-kit"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "MultipartKit", package: "multipart-kit"),
        ], resources: ["index.html", "console.css", "console.js", "favicon.svg"].map { .embedInCode("Console/\($0)") })
    + Target.service(
        "Dispatcher", executable: "dispatcher",
        dependencies: [
            "ServiceKit", "Database", "JobQueue", "JobContract", "Generations", "Catalog", "WireFormat", "PublicAPI",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ])
    + Target.service(
        "Generator", executable: "generator",
        dependencies: [
            "ServiceKit", "Database", "JobQueue", "JobContract", "Catalog", "Generations", "ReplicateAPI", "WireFormat",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ])
    + Target.service(
        "Downloader", executable: "downloader",
        dependencies: [
            "ServiceKit", "Database", "JobContract", "Generations", "Storage", "NetworkPolicy", "SafeHTTP", "WireFormat",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Tracing", package: "swift-distributed-tracing"),
        ])
    + Target.service(
        "Notifier", executable: "notifier",
        dependencies: [
            "ServiceKit", "Database", "JobContract", "JobQueue", "Generations", "SafeHTTP", "ReplicateAPI", "WireFormat", "PublicAPI", "Storage",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ])
    + Target.service(
        "ReplicateSimulator", executable: "replicate-simulator",
        dependencies: [
            "ServiceKit", "ReplicateAPI", "Catalog", "WireFormat",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "CompressNIO", package: "compress-nio"),
        ])

let package = Package(
    name: "imagegen",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "gateway", targets: ["Gateway"]),
        .executable(name: "dispatcher", targets: ["Dispatcher"]),
        .executable(name: "generator", targets: ["Generator"]),
        .executable(name: "downloader", targets: ["Downloader"]),
        .executable(name: "notifier", targets: ["Notifier"]),
        .executable(name: "replicate-simulator", targets: ["ReplicateSimulator"]),
        .executable(name: "imagegen-benchmark", targets: ["ImagegenBenchmark"]),
        .executable(name: "imagegen", targets: ["ImagegenCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.8.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/vapor/multipart-kit", from: "4.7.1"),
        .package(url: "https://github.com/adam-fowler/compress-nio", from: "1.5.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        // Traces over OTLP/HTTP only: the gRPC exporter's dependencies are not built.
        .package(url: "https://github.com/swift-otel/swift-otel", from: "1.6.0", traits: ["OTLPHTTP"]),
        .package(url: "https://github.com/apple/swift-distributed-tracing", from: "1.7.3"),
    ],
    targets: serviceTargets + [
        // Shared libraries
        .sharedTarget("WireFormat", dependencies: []),
        // The public API's wire types: request limits, response bodies, user tokens (no PostgreSQL, no server code).
        .sharedTarget("PublicAPI", dependencies: ["WireFormat", .product(name: "JWTKit", package: "jwt-kit")]),
        .sharedTarget(
            "JobContract",
            dependencies: [
                "WireFormat",
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]),
        .sharedTarget(
            "ServiceKit",
            dependencies: [
                "WireFormat", "JobContract",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "OTel", package: "swift-otel"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ]),
        .sharedTarget(
            "Database",
            dependencies: [
                "ServiceKit",
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]),
        .target(
            name: "Schema", dependencies: ["Database"], path: "Shared/Schema", exclude: ["schema.sql"], resources: [.copy("Migrations")],
            swiftSettings: defaultSwiftSettings),
        .sharedTarget(
            "JobQueue",
            dependencies: [
                "Database", "JobContract", "WireFormat", "PublicAPI",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]),
        .sharedTarget("NetworkPolicy", dependencies: []),
        .sharedTarget(
            "SafeHTTP",
            dependencies: [
                "NetworkPolicy",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]),
        .sharedTarget("Catalog", dependencies: ["WireFormat", "PublicAPI", "NetworkPolicy"]),
        .sharedTarget(
            "Generations",
            dependencies: [
                "Database", "JobQueue", "JobContract", "Catalog", "ReplicateAPI", "WireFormat", "PublicAPI", "ServiceKit", "Storage",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
        .sharedTarget(
            "ReplicateAPI",
            dependencies: [
                "WireFormat",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ]),
        .sharedTarget(
            "Storage",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]),
        // Clients
        .executableTarget(
            name: "ImagegenCLI",
            dependencies: [
                "WireFormat", "PublicAPI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Clients/imagegen/Sources",
            swiftSettings: defaultSwiftSettings
        ),
        // Benchmarks (never run as tests; see Benchmarks/README.md)
        .executableTarget(
            name: "ImagegenBenchmark",
            dependencies: [
                "ServiceKit", "Database", "JobQueue", "JobContract", "Generations", "GatewayService",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Benchmarks/imagegen-benchmark",
            swiftSettings: defaultSwiftSettings
        ),
        // Tests
        .target(
            name: "TestSupport",
            dependencies: [
                "ServiceKit", "Database", "Schema", "JobQueue", "Generations",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            path: "Tests/TestSupport",
            swiftSettings: defaultSwiftSettings
        ),
        // Each module's tests are named after it.
        .testTarget(
            name: "GenerationsTests",
            dependencies: [
                "TestSupport", "Generations", "Catalog", "ReplicateAPI", "WireFormat", "JobQueue", "Database",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: defaultSwiftSettings
        ),
        .testTarget(
            name: "CatalogTests",
            dependencies: ["TestSupport", "Catalog", "Generations", "NetworkPolicy", "ReplicateAPI", "ServiceKit", "WireFormat"],
            swiftSettings: defaultSwiftSettings
        ),
        .testTarget(
            name: "StorageTests",
            dependencies: [
                "TestSupport", "Storage",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: defaultSwiftSettings
        ),
        .testTarget(
            name: "JobContractTests",
            dependencies: ["JobContract", "Generations", "WireFormat", .product(name: "HTTPTypes", package: "swift-http-types")],
            swiftSettings: defaultSwiftSettings),
        .testTarget(
            name: "SchemaTests",
            dependencies: [
                "TestSupport", "Schema", "Database", "Generations", "JobQueue", "JobContract", "PublicAPI",
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: defaultSwiftSettings
        ),
        .testTarget(
            name: "NotifierTests",
            dependencies: [
                "NotifierService", "TestSupport", "Generations", "JobContract", "ReplicateAPI", "WireFormat", "PublicAPI", "Catalog",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: defaultSwiftSettings
        ),
        .testTarget(
            name: "JobQueueTests", dependencies: ["TestSupport", "JobQueue", "Generations", "Database", "Schema", "PublicAPI"],
            swiftSettings: defaultSwiftSettings),
        .testTarget(
            name: "DispatcherTests",
            dependencies: [
                "TestSupport", "JobQueue", "JobContract", "Catalog", "Generations", "Database", "WireFormat",
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            swiftSettings: defaultSwiftSettings
        ),
        .testTarget(
            name: "DownloaderTests",
            dependencies: [
                "TestSupport", "DownloaderService", "Storage", "Generations", "JobContract", "ServiceKit", "Database", "WireFormat",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: defaultSwiftSettings
        ),
        .testTarget(
            name: "GatewayTests",
            dependencies: [
                "TestSupport", "GatewayService", "ReplicateAPI", "Catalog", "Generations", "ServiceKit", "Database", "JobQueue", "WireFormat",
                "PublicAPI",
                "Storage",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "JWTKit", package: "jwt-kit"),
            ],
            swiftSettings: defaultSwiftSettings
        ),
        .testTarget(
            name: "GeneratorTests",
            dependencies: [
                "TestSupport", "GeneratorService", "ReplicateSimulatorService", "ReplicateAPI", "Catalog", "Generations", "ServiceKit",
                "NetworkPolicy",
                "JobQueue", "JobContract", "Database", "WireFormat",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: defaultSwiftSettings
        ),
        .testTarget(
            name: "ReplicateSimulatorTests",
            dependencies: [
                "TestSupport", "ReplicateSimulatorService", "ReplicateAPI", "Catalog", "ServiceKit", "Storage", "WireFormat",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: defaultSwiftSettings
        ),
    ]
)

extension Target {
    /// A library under Shared/<name>.
    static func sharedTarget(_ name: String, dependencies: [Dependency]) -> Target {
        .target(name: name, dependencies: dependencies, path: "Shared/\(name)", swiftSettings: defaultSwiftSettings)
    }
}

extension Target {
    /// A service: library `<Name>Service` (everything testable) and thin executable `<Name>`.
    static func service(
        _ name: String, executable: String, dependencies: [Target.Dependency], resources: [Resource]? = nil
    ) -> [Target] {
        [
            .target(
                name: "\(name)Service",
                dependencies: dependencies,
                path: "Services/\(executable)/Sources/\(name)Service",
                resources: resources,
                swiftSettings: defaultSwiftSettings
            ),
            .executableTarget(
                name: name,
                dependencies: [
                    .byName(name: "\(name)Service"), "ServiceKit",
                    .product(name: "ArgumentParser", package: "swift-argument-parser"),
                    .product(name: "Hummingbird", package: "hummingbird"),
                ],
                path: "Services/\(executable)/Sources/\(name)",
                swiftSettings: defaultSwiftSettings
            ),
        ]
    }
}
