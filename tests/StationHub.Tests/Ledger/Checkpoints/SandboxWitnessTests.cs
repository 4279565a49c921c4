using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StationHub.Ledger;
using StationHub.Ledger.Checkpoints;
using StationHub.Ledger.Integrity;
using StationHub.Platform.Registry;
using StationHub.Platform.Security;
using StationHub.Sandbox;
using StationHub.Tests.Infrastructure;

namespace StationHub.Tests.Ledger.Checkpoints;

/// <summary>The sample's path: a seal queues a witness request, the queue function calls the sandbox witness, the checkpoint comes back cosigned.</summary>
public sealed class SandboxWitnessTests
{
    // The sample settings' sandbox witness (local.settings.sample.json; its verifier key is in registry.sample.json).
    private const string SampleWitnessKey = "PRIVATE+KEY+sandbox.stationhub.local/witness+739ffde2+BC/mLHNKoAS+82l3wqFVXb7EMMLsQSbfmlTE7Fdr+rlC";
    private const string SampleWitnessVerifierKey = "sandbox.stationhub.local/witness+739ffde2+BLAueWn10mq71OZQ7jx22aZYjmDpqzgVFCZ2jWoHPA1O";

    [Fact]
    public async Task A_sealed_day_comes_back_cosigned_by_the_sandbox_witness_through_the_queue()
    {
        var clock = CityDays.StartClock();
        var yesterday = CityDays.Of(clock.GetUtcNow()).AddDays(-1);
        await using var world = await HubScenario.StartAsync(clock: clock, startHub: false, configure: s =>
        {
            s["Ledger:SealGrace"] = "00:00:00";
            s["Ledger:StartDate"] = yesterday.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        });
        // The sandbox takes a port of its own first; then the registry the hub reads points at it.
        await using var sandbox = await StartSandboxAsync(world.Registry.RegistryPath);
        var registry = await File.ReadAllTextAsync(world.Registry.RegistryPath);
        await File.WriteAllTextAsync(world.Registry.RegistryPath, registry.Replace("http://127.0.0.1:9/witness", new Uri(Loopback.AddressOf(sandbox), "sandbox/witness").ToString(), StringComparison.Ordinal));
        await world.StartHubAsync();

        Assert.Equal(1, await world.Hub.Get<LedgerSealing>().RunAsync());

        var witness = NoteVerifier.Parse(SampleWitnessVerifierKey);
        var served = await Eventually.UntilAsync(
            async () => SignedNote.Parse(await world.Hub.Client.GetStringAsync("api/v1/ledger/checkpoint")),
            note => witness.FindIn(note) is not null,
            note => "the checkpoint was not cosigned by the sandbox witness",
            TimeSpan.FromSeconds(30));

        Assert.NotNull(witness.FindIn(served));
        Assert.NotNull(NoteVerifier.Parse(TestRegistry.LedgerVerifierKey).FindIn(served));
        var verified = await new LedgerCheckpointVerifier(world.Hub.Client).VerifyAsync(new CheckpointPolicy(TestRegistry.LedgerVerifierKey, [SampleWitnessVerifierKey], Quorum: 1));
        Assert.True(verified.Ok, verified.Problem + ": " + verified.Reason);
    }

    // The sandbox receivers on their own address, as StationHub.Cli starts them beside a hub that has none.
    private static async Task<WebApplication> StartSandboxAsync(string registryPath)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [SandboxReceivers.WitnessKeySetting] = SampleWitnessKey,
            [LedgerSigningKey.Setting] = TestRegistry.LedgerSigningKey,
        });
        builder.WebHost.UseUrls(Loopback.AnyPort);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton(RegistryLoader.Load(registryPath));
        builder.Services.AddSingleton(services => new HubSecrets(services.GetRequiredService<IConfiguration>()));
        builder.Services.AddSingleton(TimeProvider.System);
        var app = builder.Build();
        SandboxReceivers.Map(app);
        await app.StartAsync();
        return app;
    }
}
