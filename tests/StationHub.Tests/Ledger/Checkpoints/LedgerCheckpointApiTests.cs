using System.Globalization;
using System.Net;
using System.Text.Json;
using StationHub.Ledger;
using StationHub.Ledger.Checkpoints;
using StationHub.Ledger.Integrity;
using StationHub.Tests.Infrastructure;

namespace StationHub.Tests.Ledger.Checkpoints;

/// <summary>The key, checkpoints, consistency proofs and whole-tree inclusion proofs over HTTP.</summary>
public sealed class LedgerCheckpointApiTests
{
    [Fact]
    public async Task Checkpoints_key_and_proofs_are_served_and_check_out()
    {
        var clock = CityDays.StartClock();
        var yesterday = CityDays.Of(clock.GetUtcNow()).AddDays(-1);
        var start = yesterday.AddDays(-2);
        await using var world = await HubScenario.StartAsync(clock: clock, configure: s =>
        {
            s["LocalHost:TriggersDisabled"] = "true";
            s["Ledger:SealGrace"] = "00:00:00";
            s["Ledger:StartDate"] = Key(start);
        });
        var noon = new DateTimeOffset(yesterday.ToDateTime(new TimeOnly(4, 0)), TimeSpan.Zero);
        await world.Hub.Get<LedgerEntryWriter>().WriteAsync(
        [
            new LedgerEntry(LedgerKinds.PickupCollected, LedgerScopes.Station("st-hz-01"), "po-1", noon, 2),
            new LedgerEntry(LedgerKinds.PickupRevenue("handling_fee"), LedgerScopes.Station("st-hz-01"), "po-1", noon, 150),
            new LedgerEntry(LedgerKinds.ReportReceived, LedgerScopes.District("330102"), "hr-1", noon),
        ]);
        using var before = await world.Hub.Client.GetAsync("api/v1/ledger/checkpoint");
        Assert.Equal(HttpStatusCode.NotFound, before.StatusCode);
        Assert.Equal(3, await world.Hub.Get<LedgerSealing>().RunAsync());
        var client = world.Hub.Client;

        var key = await client.GetStringAsync("api/v1/ledger/key");
        var latestText = await client.GetStringAsync("api/v1/ledger/checkpoint");
        var dayText = await client.GetStringAsync($"api/v1/ledger/{Key(yesterday)}/checkpoint");
        var firstText = await client.GetStringAsync($"api/v1/ledger/{Key(start)}/checkpoint");

        Assert.Equal(TestRegistry.LedgerVerifierKey + "\n", key);
        var verifier = NoteVerifier.Parse(key.TrimEnd('\n'));
        var latest = SignedNote.Parse(latestText);
        var first = SignedNote.Parse(firstText);
        Assert.NotNull(verifier.FindIn(latest));
        Assert.NotNull(verifier.FindIn(first));
        Assert.Equal(latestText, dayText);
        var latestCheckpoint = Checkpoint.Parse(latest.Text);
        var firstCheckpoint = Checkpoint.Parse(first.Text);
        Assert.Equal(Key(yesterday), latestCheckpoint.Day);
        Assert.Equal(Key(start), firstCheckpoint.Day);

        // Consistency from the first day's checkpoint to the latest.
        using var consistency = JsonDocument.Parse(await client.GetStringAsync($"api/v1/ledger/consistency?from={firstCheckpoint.Size}&to={latestCheckpoint.Size}"));
        var proof = consistency.RootElement.GetProperty("proof").EnumerateArray().Select(h => Convert.FromHexString(h.GetString()!)).ToArray();
        Assert.True(MerkleTree.VerifyConsistency(firstCheckpoint.Size, latestCheckpoint.Size, proof, firstCheckpoint.Root, latestCheckpoint.Root));

        // A figure's proof now also reaches the latest checkpoint's root.
        using var figure = JsonDocument.Parse(await client.GetStringAsync($"api/v1/ledger/{Key(yesterday)}/proof?scope=station~st-hz-01&kind=pickup.revenue.handling_fee"));
        var tree = figure.RootElement.GetProperty("tree");
        var leaf = LedgerLeaf.Leaf("station~st-hz-01", "pickup.revenue.handling_fee", 150);
        Assert.Equal(latestCheckpoint.Size, tree.GetProperty("treeSize").GetInt64());
        Assert.Equal(Convert.ToHexStringLower(latestCheckpoint.Root), tree.GetProperty("root").GetString());
        Assert.True(MerkleTree.VerifyInclusion(
            leaf,
            (int)tree.GetProperty("leafIndex").GetInt64(),
            (int)latestCheckpoint.Size,
            [.. tree.GetProperty("proof").EnumerateArray().Select(h => Convert.FromHexString(h.GetString()!))],
            latestCheckpoint.Root));
    }

    [Fact]
    public async Task Bad_sizes_for_a_consistency_proof_are_a_problem_400()
    {
        await using var world = await HubScenario.StartAsync(configure: s => s["LocalHost:TriggersDisabled"] = "true");

        foreach (var query in new[] { "from=2&to=1", "from=-1&to=1", "from=x&to=1", "to=1", "from=0&to=100000" })
        {
            using var response = await world.Hub.Client.GetAsync("api/v1/ledger/consistency?" + query);

            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }

        using var none = await world.Hub.Client.GetAsync("api/v1/ledger/2020-01-01/checkpoint");
        Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);
    }

    private static string Key(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
