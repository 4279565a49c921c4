using System.Globalization;
using System.Text;
using Azure.Data.Tables;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using StationHub.Ledger;
using StationHub.Ledger.Checkpoints;
using StationHub.Ledger.Integrity;
using StationHub.LocalHost.Hosting;
using StationHub.Tests.Infrastructure;
using StationHub.Triggers;

namespace StationHub.Tests.Ledger.Checkpoints;

/// <summary>
/// The witness protocol between the hub and a witness over real HTTP, and verify-ledger's checks
/// of the checkpoints, each kind of tampering named.
/// </summary>
public sealed class LedgerCheckpointVerifierTests
{
    // Each test's world starts on this clock, so "yesterday" is the day before the world's (CityDays).
    private readonly ShiftedClock clock = CityDays.StartClock();

    public LedgerCheckpointVerifierTests() => Yesterday = CityDays.Of(clock.GetUtcNow()).AddDays(-1);

    private DateOnly Yesterday { get; }

    [Fact]
    public async Task A_witness_cosigns_over_http_and_the_verifier_counts_it_toward_the_quorum()
    {
        var (witnessPrivate, witnessVerifier) = NoteSigner.Generate("witness.test/city", NoteKeys.CosignatureV1);
        var statePath = Path.Combine(Path.GetTempPath(), $"witness-{Guid.NewGuid():N}.json");
        await using var witness = await StartWitnessAsync(witnessPrivate, statePath);
        await using var world = await StartAsync(witness.Url, witnessVerifier);
        await SealAsync(world);
        var cosigning = world.Hub.Get<WitnessCosigning>();

        await cosigning.HandleAsync(Message("2020-01-01"));
        var verifier = new LedgerCheckpointVerifier(world.Hub.Client);
        var result = await verifier.VerifyAsync(new CheckpointPolicy(TestRegistry.LedgerVerifierKey, [witnessVerifier], Quorum: 1));

        Assert.True(result.Ok, result.Problem + ": " + result.Reason);
        Assert.Equal(["witness.test/city"], result.Cosigners);
        Assert.Equal(3, result.CheckpointsChecked);
        var served = await world.Hub.Client.GetStringAsync("api/v1/ledger/checkpoint");
        Assert.Contains("\n— witness.test/city ", served, StringComparison.Ordinal);
        var page = await world.Hub.Client.GetStringAsync("ledger");
        Assert.Contains("<h2>Latest checkpoint</h2>", page, StringComparison.Ordinal);
        Assert.Contains("<td>witness.test/city</td>", page, StringComparison.Ordinal);
        Assert.Contains("signature valid", page, StringComparison.Ordinal);

        // The witness restarts without its file: the hub's old size gets a 409 with size 0, and it starts over.
        File.Delete(statePath);
        await cosigning.HandleAsync(Message(Key(Yesterday)));
        Assert.True(File.Exists(statePath));

        // Two trusted witnesses required, one cosigned: no quorum.
        var (_, absent) = NoteSigner.Generate("witness.test/absent", NoteKeys.CosignatureV1);
        var short1 = await verifier.VerifyAsync(new CheckpointPolicy(TestRegistry.LedgerVerifierKey, [witnessVerifier, absent], Quorum: 2));
        Assert.False(short1.Ok);
        Assert.Equal(CheckpointProblems.NoQuorum, short1.Problem);
        File.Delete(statePath);
    }

    [Fact]
    public async Task A_rewritten_day_is_named()
    {
        await using var world = await StartAsync();
        await SealAsync(world);
        var table = world.Storage.Hub.Table(Tables.LedgerDays);
        var stored = (await table.GetEntityAsync<LedgerDayEntity>(LedgerDayEntity.SealedPartition, Key(Yesterday))).Value;
        stored.Json = stored.Json.Replace("\"pickup.revenue.handling_fee\":150", "\"pickup.revenue.handling_fee\":15", StringComparison.Ordinal);
        await table.UpdateEntityAsync(stored, stored.ETag);

        var result = await new LedgerCheckpointVerifier(world.Hub.Client).VerifyAsync(new CheckpointPolicy(TestRegistry.LedgerVerifierKey));

        Assert.False(result.Ok);
        Assert.Equal(CheckpointProblems.RewrittenDay, result.Problem);
        Assert.Equal(Key(Yesterday), result.Day);
    }

    [Fact]
    public async Task A_checkpoint_signed_by_another_key_is_named()
    {
        await using var world = await StartAsync();
        await SealAsync(world);
        var table = world.Storage.Hub.Table(Tables.LedgerCheckpoints);
        var stored = (await table.GetEntityAsync<LedgerCheckpointEntity>(LedgerCheckpointEntity.DayPartition, Key(Yesterday.AddDays(-1)))).Value;
        var (otherKey, _) = NoteSigner.Generate("stationhub.test/ledger");
        using var impostor = NoteSigner.Parse(otherKey);
        stored.Note = impostor.SignNote(SignedNote.Parse(stored.Note).Text).ToString();
        await table.UpdateEntityAsync(stored, stored.ETag);

        var result = await new LedgerCheckpointVerifier(world.Hub.Client).VerifyAsync(new CheckpointPolicy(TestRegistry.LedgerVerifierKey));

        Assert.False(result.Ok);
        Assert.Equal(CheckpointProblems.ForeignSignature, result.Problem);
        Assert.Equal(Key(Yesterday.AddDays(-1)), result.Day);
    }

    [Fact]
    public async Task A_split_view_two_checkpoints_of_one_size_with_different_roots_is_named()
    {
        await using var world = await StartAsync();
        await SealAsync(world);
        var verifier = new LedgerCheckpointVerifier(world.Hub.Client);
        var served = Checkpoint.Parse(SignedNote.Parse(await world.Hub.Client.GetStringAsync($"api/v1/ledger/{Key(Yesterday.AddDays(-1))}/checkpoint")).Text);

        // What the hub showed someone else: its own key, the same size, another root.
        using var hubKey = NoteSigner.Parse(TestRegistry.LedgerSigningKey);
        var other = served with { Root = System.Security.Cryptography.SHA256.HashData("another history"u8) };
        var result = await verifier.VerifyAsync(new CheckpointPolicy(TestRegistry.LedgerVerifierKey, Seen: [hubKey.SignNote(other.Text).ToString()]));

        Assert.False(result.Ok);
        Assert.Equal(CheckpointProblems.SplitView, result.Problem);
        Assert.Equal(Key(Yesterday.AddDays(-1)), result.Day);

        // The same other view at a size no day ended at: the tree does not extend it either.
        var elsewhere = other with { Size = served.Size - 1 };
        var unproven = await verifier.VerifyAsync(new CheckpointPolicy(TestRegistry.LedgerVerifierKey, Seen: [hubKey.SignNote(elsewhere.Text).ToString()]));
        Assert.Equal(CheckpointProblems.SplitView, unproven.Problem);
    }

    [Fact]
    public async Task A_shrunken_tree_is_named()
    {
        await using var world = await StartAsync();
        await SealAsync(world);
        var verifier = new LedgerCheckpointVerifier(world.Hub.Client);
        var before = await verifier.VerifyAsync(new CheckpointPolicy(TestRegistry.LedgerVerifierKey));
        Assert.True(before.Ok, before.Reason);

        // The hub rolls back its last day (and its checkpoint); someone kept the checkpoint it had signed.
        await world.Storage.Hub.Table(Tables.LedgerDays).DeleteEntityAsync(LedgerDayEntity.SealedPartition, Key(Yesterday));
        await world.Storage.Hub.Table(Tables.LedgerCheckpoints).DeleteEntityAsync(LedgerCheckpointEntity.DayPartition, Key(Yesterday));

        var result = await verifier.VerifyAsync(new CheckpointPolicy(TestRegistry.LedgerVerifierKey, Seen: [before.LatestCheckpoint!]));

        Assert.False(result.Ok);
        Assert.Equal(CheckpointProblems.ShrunkenTree, result.Problem);
    }

    private static BinaryData Message(string date) =>
        BinaryData.FromString($$"""{"schemaVersion":1,"correlationId":"t","occurredAt":"2026-11-27T00:00:00Z","witnessId":"sandbox","date":"{{date}}","attempt":0}""");

    private async Task<HubScenario> StartAsync(Uri? witnessUrl = null, string? witnessKey = null)
    {
        var world = await HubScenario.StartAsync(startHub: false, clock: clock, configure: s =>
        {
            s["LocalHost:TriggersDisabled"] = "true";
            s["Ledger:SealGrace"] = "00:00:00";
            s["Ledger:StartDate"] = Key(Yesterday.AddDays(-2));
        });
        if (witnessUrl is not null)
        {
            var registry = await File.ReadAllTextAsync(world.Registry.RegistryPath);
            registry = registry
                .Replace("http://127.0.0.1:9/witness", witnessUrl.AbsoluteUri.TrimEnd('/'), StringComparison.Ordinal)
                .Replace("sandbox.stationhub.local/witness+739ffde2+BLAueWn10mq71OZQ7jx22aZYjmDpqzgVFCZ2jWoHPA1O", witnessKey, StringComparison.Ordinal);
            await File.WriteAllTextAsync(world.Registry.RegistryPath, registry);
        }

        await world.StartHubAsync();
        return world;
    }

    private async Task SealAsync(HubScenario world)
    {
        var noon = new DateTimeOffset(Yesterday.ToDateTime(new TimeOnly(4, 0)), TimeSpan.Zero);
        await world.Hub.Get<LedgerEntryWriter>().WriteAsync(
        [
            new LedgerEntry(LedgerKinds.PickupCollected, LedgerScopes.Station("st-hz-01"), "po-1", noon, 2),
            new LedgerEntry(LedgerKinds.PickupRevenue("handling_fee"), LedgerScopes.Station("st-hz-01"), "po-1", noon, 150),
            new LedgerEntry(LedgerKinds.ReportReceived, LedgerScopes.District("330102"), "hr-1", noon),
        ]);
        Assert.Equal(3, await world.Hub.Get<LedgerSealing>().RunAsync());
    }

    private static string Key(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static async Task<TestWitness> StartWitnessAsync(string privateKey, string statePath)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(Loopback.AnyPort);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();
        var hub = NoteVerifier.Parse(TestRegistry.LedgerVerifierKey);
        var witness = new CheckpointWitness(NoteSigner.Parse(privateKey), [hub], new WitnessStateFile(statePath), TimeProvider.System);
        app.MapPost("/w/add-checkpoint", async (HttpContext context) =>
        {
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            var answer = await witness.AddCheckpointAsync(await reader.ReadToEndAsync());
            return Results.Text(answer.Body, answer.ContentType, null, answer.Status);
        });
        await app.StartAsync();
        return new TestWitness(app, new Uri(Loopback.AddressOf(app), "w/"));
    }

    private sealed record TestWitness(WebApplication App, Uri Url) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => App.DisposeAsync();
    }
}
