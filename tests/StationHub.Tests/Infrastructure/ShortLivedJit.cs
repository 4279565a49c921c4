using System.Runtime.CompilerServices;

namespace StationHub.Tests.Infrastructure;

/// <summary>
/// The suite's processes live seconds to minutes: the test host, and every local host, CLI and
/// Functions worker a test starts. Tiered PGO instruments hot methods and compiles them again, a cost
/// that pays back only in a long-running process; measured on the whole suite (2 cores), it was about
/// 15 % of the suite's CPU (272–280 CPU-seconds a run with it, 235–237 without). So the test host runs
/// without it (<c>TieredPGO</c> in the project), and so does every process it starts: the variable set
/// here is inherited by them. A test only; the deployed app and the benchmarks keep the runtime's default.
/// </summary>
internal static class ShortLivedJit
{
    [ModuleInitializer]
    internal static void WithoutTieredPgo() => Environment.SetEnvironmentVariable("DOTNET_TieredPGO", "0");
}
