import ArgumentParser

/// Benchmarks for imagegen; each subcommand prints its figures. Benchmarks/run.sh starts what they need.
@main
struct ImagegenBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "imagegen-benchmark",
        subcommands: [
            QueueThroughput.self, QueueLatency.self, DispatchBenchmark.self, GatewayLoad.self, SSEFanout.self, PipelineBenchmark.self,
            DownloaderMemory.self, GeneratorFigures.self, CapacityBenchmark.self, NotifierBenchmark.self, GatewayGet.self, BatchAccept.self,
            BatchInterleave.self,
        ]
    )
}
