using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/VgpuIac.Benchmarks -- --filter '*' [--job short]
BenchmarkSwitcher.FromAssembly(typeof(VgpuIac.Benchmarks.CodecAndParserBenchmarks).Assembly).Run(args);
