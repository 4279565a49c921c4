using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using StationHub.Ledger;
using StationHub.Platform.Storage;
using StationHub.Tenants;
using StationHub.Tests.Faults;
using StationHub.Tests.Infrastructure;
using StationHub.Tests.Ledger;

namespace StationHub.Tests.Tenants;

/// <summary>
/// Every change to a public registry entry is a ledger fact of its day, end to end over HTTP: a
/// station created, replaced and deleted through the admin API is three <c>registry.changed</c> facts
/// in the compiled day, with its kind, id and version and nothing else; a city's and a platform's
/// changes are not published (their changed fields are logged); the sealed day verifies, and its
/// count is what was changed.
/// </summary>
public sealed class RegistryLedgerTests
{
    private const string Station = """
        { "name": "Ledger Street Rider Station", "district": "330102", "location": { "lat": 30.2575, "lon": 120.1645 },
          "openingHours": "24/7", "services": ["drinking_water", "toilet"] }
        """;

    [Fact]
    public async Task A_station_created_replaced_and_deleted_is_three_registry_changed_facts_and_a_city_or_platform_change_is_none()
    {
        var clock = CityDays.StartClock();
        var today = CityDays.Of(clock.GetUtcNow());
        await using var world = await HubScenario.StartAsync(clock: clock, configure: s => LedgerEndToEndTests.LedgerFrom(s, today));
        var client = world.Hub.Client;

        using var created = await SendAsync(client, HttpMethod.Put, "api/v1/admin/stations/st-ledger", Station);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var createdAt = Version(created);
        using var replaced = await SendAsync(client, HttpMethod.Put, "api/v1/admin/stations/st-ledger", Station.Replace("Ledger Street", "Ledger Road", StringComparison.Ordinal), created.Headers.ETag!.Tag);
        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
        var replacedAt = Version(replaced);
        using var deleted = await SendAsync(client, HttpMethod.Delete, "api/v1/admin/stations/st-ledger");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);

        // A platform joins and a city's endpoint (an admin-only field) moves: logged, never published.
        using var platform = await SendAsync(client, HttpMethod.Put, "api/v1/admin/platforms/ledger-ride", $$"""{ "name": "LedgerRide", "webhookUrl": "{{world.Platform.Url("platform/webhooks").AbsoluteUri}}" }""");
        Assert.Equal(HttpStatusCode.Created, platform.StatusCode);
        using var city = await SendAsync(client, HttpMethod.Get, "api/v1/admin/cities/hangzhou");
        var cityBody = JsonNode.Parse(await city.Content.ReadAsStringAsync())!.AsObject();
        cityBody["delivery"]!["endpoint"] = world.City.Url("city/webhooks-moved").AbsoluteUri;
        using var moved = await SendAsync(client, HttpMethod.Put, "api/v1/admin/cities/hangzhou", cityBody.ToJsonString(), city.Headers.ETag!.Tag);
        Assert.Equal(HttpStatusCode.OK, moved.StatusCode);

        // Compiled as the 15-minute timer does: the station's three changes, each once, with its kind, id and version only.
        await world.Hub.Get<LedgerSealer>().CompileTodayAsync();
        var draft = await client.GetFromJsonAsync<JsonElement>($"api/v1/ledger/{LedgerStore.Key(today)}");
        var figures = draft.GetProperty("figures");
        var scope = figures.GetProperty(LedgerScopes.Registry("station"));
        Assert.Equal(
            [LedgerKinds.RegistryChanged, RegistryLedgerSection.EntryVersion("st-ledger"), RegistryLedgerSection.Version],
            scope.EnumerateObject().Select(f => f.Name).Order(StringComparer.Ordinal).ToArray());
        Assert.Equal(3, scope.GetProperty(LedgerKinds.RegistryChanged).GetInt64());
        var deletedAt = scope.GetProperty(RegistryLedgerSection.EntryVersion("st-ledger")).GetInt64();
        Assert.Equal(deletedAt, scope.GetProperty(RegistryLedgerSection.Version).GetInt64());
        Assert.True(deletedAt > replacedAt && replacedAt > createdAt, $"versions {createdAt}, {replacedAt}, {deletedAt}");
        var registryScopes = figures.EnumerateObject().Where(s => s.Name.StartsWith(LedgerScopes.RegistryPrefix, StringComparison.Ordinal)).Select(s => s.Name).ToList();
        Assert.Equal([LedgerScopes.Registry("station")], registryScopes);
        Assert.Equal(3, figures.GetProperty(LedgerDay.TotalScope).GetProperty(LedgerKinds.RegistryChanged).GetInt64());
        Assert.DoesNotContain(figures.GetProperty(LedgerDay.TotalScope).EnumerateObject(), f => f.Name.StartsWith(LedgerKinds.RegistryChanged + "~", StringComparison.Ordinal));

        // Each fact is one entry keyed by kind, id and version: nothing else is stored either.
        var entries = (await world.Storage.LedgerEntriesAsync()).Where(e => e.Kind == LedgerKinds.RegistryChanged).ToList();
        Assert.Equal(
            new[] { createdAt, replacedAt, deletedAt }.Select(v => $"station:st-ledger@{v}"),
            entries.Select(e => e.SourceId).Order(StringComparer.Ordinal));
        Assert.All(entries, e => Assert.Equal("st-ledger", e.Label));

        // Sealed after the city's midnight: the chain verifies, and the sealed count is the changes made.
        var midnight = new DateTimeOffset(today.AddDays(1).ToDateTime(TimeOnly.MinValue), CityDays.Zone.GetUtcOffset(today.AddDays(1).ToDateTime(TimeOnly.MinValue)));
        var sealer = new LedgerSealer(world.Hub.Get<LedgerStore>(), world.Hub.Get<IOptions<LedgerOptions>>(), new FakeTimeProvider(midnight.AddMinutes(1)), NullLogger<LedgerSealer>.Instance, [world.Hub.Get<RegistryFacts>()]);
        Assert.True(await sealer.SealAsync() >= 1);
        var verified = await new LedgerVerifier(client).VerifyAsync();
        Assert.True(verified.Ok, verified.Reason);
        var published = await LedgerRecount.PublishedAsync(client);
        Assert.Equal(3, published[LedgerStore.Key(today)][LedgerKinds.RegistryChanged]);
        await LedgerRecount.AssertMatchesAsync(world, client);
    }

    [Fact]
    public async Task Facts_left_in_the_outbox_by_a_host_that_failed_after_the_commit_are_written_once_before_the_day_is_compiled()
    {
        var clock = CityDays.StartClock();
        var today = CityDays.Of(clock.GetUtcNow());
        await using var azurite = await Azurite.GatedAsync();
        // Only this test's requests reach the tables: no queue or timer function, no registry poll after the first.
        await using var world = await HubScenario.StartBehindGatesAsync(azurite, triggers: false, configure: s => LedgerEndToEndTests.LedgerFrom(s, today), clock: clock);
        world.PlatformRetries = false;
        await Eventually.UntilAsync(() => Task.FromResult(world.Hub.Get<RegistryStore>().Version > 0), "the hub has not read the registry");

        // The table service goes away right after the change's commit (its version read, and its transaction:
        // the gate counts the batch and its four operations, the station, its key, the outbox row and the
        // version row), before the facts reach the ledger: as if the host died there. The change stands.
        azurite.TableGate.CloseAfterRequests(1 + 1 + 4);
        using (var created = await SendAsync(world.Hub.Client, HttpMethod.Put, "api/v1/admin/stations/st-outbox", Station))
        {
            Assert.True(created.StatusCode == HttpStatusCode.Created, $"{created.StatusCode}: {await created.Content.ReadAsStringAsync()}\n{world.Log}");
        }

        azurite.TableGate.Reopen();
        var registry = world.Storage.Hub.Table(StationHub.Triggers.Tables.Registry);
        Assert.NotNull(await registry.FindAsync<TableEntity>(RegistryStore.Partition, "station:st-outbox"));
        Assert.Single(await OutboxAsync(registry));
        Assert.DoesNotContain(await world.Storage.LedgerEntriesAsync(), e => e.Kind == LedgerKinds.RegistryChanged);

        // The 15-minute compile drains the outbox first: the fact is on the day, once, however often it runs.
        await world.Hub.Get<LedgerSealer>().CompileTodayAsync();
        await world.Hub.Get<LedgerSealer>().CompileTodayAsync();
        await world.Hub.Get<RegistryFacts>().DrainAsync();
        var draft = await world.Hub.Client.GetFromJsonAsync<JsonElement>($"api/v1/ledger/{LedgerStore.Key(today)}");
        var stations = draft.GetProperty("figures").GetProperty(LedgerScopes.Registry("station"));
        Assert.Equal(1, stations.GetProperty(LedgerKinds.RegistryChanged).GetInt64());
        Assert.True(stations.TryGetProperty(RegistryLedgerSection.EntryVersion("st-outbox"), out _));
        Assert.Single(await world.Storage.LedgerEntriesAsync(), e => e.Kind == LedgerKinds.RegistryChanged);
        Assert.Empty(await OutboxAsync(registry));
    }

    private static async Task<List<TableEntity>> OutboxAsync(TableClient registry)
    {
        var rows = new List<TableEntity>();
        await foreach (var row in registry.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {RegistryStore.Partition} and RowKey ge {RegistryFacts.OutboxPrefix} and RowKey lt {"!facts;"}")))
        {
            rows.Add(row);
        }

        return rows;
    }

    [Fact]
    public void A_kind_with_more_entries_changed_in_a_day_than_a_day_lists_is_published_as_its_count()
    {
        static List<LedgerEntryEntity> Changes(int count) =>
            [.. Enumerable.Range(0, count).Select(i => new LedgerEntryEntity { Kind = LedgerKinds.RegistryChanged, Scope = LedgerScopes.Registry("station"), Label = $"st-{i}", Amount = 7 })];

        var listed = LedgerDay.Figures(Changes(RegistryLedgerSection.MaxListed), 0)[LedgerScopes.Registry("station")];
        Assert.Equal(RegistryLedgerSection.MaxListed + 2, listed.Count);
        var bulk = LedgerDay.Figures(Changes(RegistryLedgerSection.MaxListed + 1), 0)[LedgerScopes.Registry("station")];
        Assert.Equal([LedgerKinds.RegistryChanged, RegistryLedgerSection.Version], bulk.Keys.ToArray());
        Assert.Equal(RegistryLedgerSection.MaxListed + 1, bulk[LedgerKinds.RegistryChanged]);
    }

    private static long Version(HttpResponseMessage response) => long.Parse(response.Headers.ETag!.Tag.Trim('"'), System.Globalization.CultureInfo.InvariantCulture);

    private static async Task<HttpResponseMessage> SendAsync(HttpClient host, HttpMethod method, string path, string? body = null, string? ifMatch = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        request.Headers.Add("x-api-key", TestRegistry.AdminKey);
        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        return await host.SendAsync(request);
    }
}
