using System.Diagnostics;
using System.Net;
using System.Text.Json;
using StationHub.Platform.Webhooks;
using StationHub.Tests.Infrastructure;

namespace StationHub.Tests.Cli;

/// <summary>
/// <c>StationHub.Cli admin …</c> as an operator runs it (a child process) against a running hub:
/// onboarding a platform (add, rotate, list, revoke), importing a registry document, and a refusal that
/// says which key to give and exits 1.
/// </summary>
public sealed class CliAdminTests
{
    private static readonly string CliDll = Path.Combine(RepoPaths.Root, "functions", "StationHub.Cli", "bin", "Release", "net10.0", "StationHub.Cli.dll");

    [Fact]
    public async Task A_platform_is_onboarded_rotated_listed_and_revoked_from_the_command_line()
    {
        await using var world = await HubScenario.StartAsync();
        var hub = world.Hub.BaseAddress.AbsoluteUri;

        // 1. add: the platform joins and is answered its secret and key, once.
        var (added, addOutput) = await RunAsync(["admin", "add", "platform", "cliride", "--name", "CliRide", "--webhook-url", world.OtherPlatform.Url("cliride/webhooks").AbsoluteUri, "--hub", hub]);
        Assert.True(added == 0, addOutput);
        var created = Answer(addOutput);
        var secret = Credential(created, "signing-secret").GetProperty("secret").GetString()!;
        Assert.StartsWith("whsec_", secret, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Accepted, await ReportAsync(world, secret));

        // 2. rotate: another secret; both verify during the overlap.
        var (rotated, rotateOutput) = await RunAsync(["admin", "rotate", "platform", "cliride", "--hub", hub]);
        Assert.True(rotated == 0, rotateOutput);
        var next = Answer(rotateOutput).GetProperty("secret").GetString()!;
        Assert.Equal(HttpStatusCode.Accepted, await ReportAsync(world, secret));
        Assert.Equal(HttpStatusCode.Accepted, await ReportAsync(world, next));

        // 3. list: ids and ends, no secret.
        var (listed, listOutput) = await RunAsync(["admin", "list", "platform", "cliride", "--hub", hub]);
        Assert.True(listed == 0, listOutput);
        Assert.Equal(3, Answer(listOutput).GetArrayLength());
        Assert.DoesNotContain("whsec_", listOutput, StringComparison.Ordinal);

        // revoke: the first secret stops at once.
        var firstId = Credential(created, "signing-secret").GetProperty("id").GetString()!;
        var (revoked, revokeOutput) = await RunAsync(["admin", "revoke", "platform", "cliride", firstId, "--hub", hub]);
        Assert.True(revoked == 0, revokeOutput);
        Assert.Equal(HttpStatusCode.Unauthorized, await ReportAsync(world, secret));
        Assert.Equal(HttpStatusCode.Accepted, await ReportAsync(world, next));
    }

    [Fact]
    public async Task Import_posts_a_registry_document_and_a_refusal_exits_1_naming_the_key()
    {
        await using var world = await HubScenario.StartAsync();
        var hub = world.Hub.BaseAddress.AbsoluteUri;
        var file = Path.Combine(Path.GetTempPath(), $"stationhub-cli-import-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, """{ "stations": [ { "id": "st-cli-01", "name": "Cli Station", "district": "330102", "location": { "lat": 30.2460, "lon": 120.1710 } } ] }""");
        try
        {
            var (imported, importOutput) = await RunAsync(["admin", "import", file, "--hub", hub]);
            Assert.True(imported == 0, importOutput);
            var (listed, listOutput) = await RunAsync(["admin", "list", "station", "--hub", hub]);
            Assert.True(listed == 0, listOutput);
            Assert.Contains("st-cli-01", listOutput, StringComparison.Ordinal);

            var (refused, refusedOutput) = await RunAsync(["admin", "list", "platform", "--hub", hub, "--admin-key", TestRegistry.PlatformKey]);
            Assert.Equal(1, refused);
            Assert.Contains("401", refusedOutput, StringComparison.Ordinal);
            Assert.Contains("--admin-key", refusedOutput, StringComparison.Ordinal);
            Assert.DoesNotContain("Unhandled exception", refusedOutput, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static async Task<HttpStatusCode> ReportAsync(HubScenario world, string secret)
    {
        using var request = Webhooks.Signed("api/v1/platforms/cliride/hazard-reports", Webhooks.HazardReport("cli-" + Guid.NewGuid().ToString("N")[..12]), new StandardWebhook(secret), timestamp: world.Clock.GetUtcNow());
        using var response = await world.Hub.Client.SendAsync(request);
        return PlatformRetries.OutcomeOf(response);
    }

    /// <summary>The JSON the CLI printed after its status line.</summary>
    private static JsonElement Answer(string output) => JsonDocument.Parse(output[output.IndexOf('\n', StringComparison.Ordinal)..]).RootElement.Clone();

    private static JsonElement Credential(JsonElement created, string type) =>
        created.GetProperty("credentials").EnumerateArray().Single(c => c.GetProperty("type").GetString() == type);

    private static async Task<(int ExitCode, string Output)> RunAsync(string[] args)
    {
        Assert.True(File.Exists(CliDll), $"The CLI is not built at {CliDll}.");
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = RepoPaths.Root };
        start.ArgumentList.Add(CliDll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["STATIONHUB_ADMIN_KEY"] = TestRegistry.AdminKey;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
