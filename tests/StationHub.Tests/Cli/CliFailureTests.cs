using System.Diagnostics;
using System.Text.Json;
using StationHub.Tests.Infrastructure;

namespace StationHub.Tests.Cli;

/// <summary>
/// The CLI as an operator runs it (<c>dotnet StationHub.Cli.dll …</c>, a child process): what fails is
/// said, and it exits 1, instead of crashing with an unhandled exception.
/// </summary>
public sealed class CliFailureTests
{
    private static readonly string CliDll = Path.Combine(RepoPaths.Root, "functions", "StationHub.Cli", "bin", "Release", "net10.0", "StationHub.Cli.dll");

    [Fact]
    public async Task A_hub_that_does_not_answer_is_said_and_exits_1()
    {
        var (exitCode, output) = await RunAsync("verify-ledger", "--hub", $"http://127.0.0.1:{Loopback.FreePort()}/");

        Assert.Equal(1, exitCode);
        Assert.Contains("does not answer", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Gig_sample_refused_by_run_now_says_which_key_to_give_and_exits_1()
    {
        await using var world = await HubScenario.StartAsync();
        var settings = Path.Combine(Path.GetTempPath(), $"stationhub-cli-{Guid.NewGuid():N}.json");
        var values = world.Settings.Where(pair => pair.Value is not null).ToDictionary(pair => pair.Key.Replace(":", "__", StringComparison.Ordinal), pair => pair.Value!);
        await File.WriteAllTextAsync(settings, JsonSerializer.Serialize(new Dictionary<string, object> { ["Values"] = values }));
        try
        {
            var (exitCode, output) = await RunAsync(
                "gig-sample", "--hub", world.Hub.BaseAddress.AbsoluteUri, "--settings", settings,
                "--sandbox", $"http://127.0.0.1:{Loopback.FreePort()}/", "--admin-key", "not-an-admin-key", "--functions-key", "not-the-master-key");

            Assert.Equal(1, exitCode);
            Assert.Contains("POST /admin/functions/FlagOverdueGigPayments was refused (401)", output, StringComparison.Ordinal);
            Assert.Contains("--functions-key", output, StringComparison.Ordinal);
            Assert.DoesNotContain("Unhandled exception", output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(settings);
        }
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(params string[] args)
    {
        Assert.True(File.Exists(CliDll), $"The CLI is not built at {CliDll}.");
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = RepoPaths.Root };
        start.ArgumentList.Add(CliDll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
