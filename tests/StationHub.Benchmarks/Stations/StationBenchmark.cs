using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using StationHub.Benchmarks.HazardReports;
using StationHub.Benchmarks.Measurement;
using StationHub.LocalHost.Hosting;
using StationHub.Platform.Security;
using StationHub.Stations;
using StationHub.Testing;

namespace StationHub.Benchmarks.Stations;

/// <summary>One measured level of the stations part.</summary>
public sealed record StationLevel(string What, int Concurrency, LoadResult Result);

/// <summary>The stations part's figures.</summary>
public sealed record StationRun(int Stations, int ReportingStations, IReadOnlyList<StationLevel> Levels);

/// <summary>
/// Part 5, the warm map: a local host (triggers off) over its own Azurite with a registry of 10,000
/// stations spread over the sample's six districts. (a) Status reports: <c>PUT
/// /api/v1/stations/{id}/status</c> over HTTP from 200 keyed stations in turn, against the limit, the
/// same storage work done by a bare table client in this process (a point read of the station's row
/// and its replace under the ETag, the row the same size as the hub's). (b) The map: <c>GET
/// /api/v1/stations?near=lat,lon</c> at random points of the two cities, with the default limit
/// (100) and with <c>limit=10</c>, at c = 1 for the latency tail and c = 4 for throughput.
/// </summary>
public sealed class StationBenchmark(BenchmarkOptions options, TextWriter progress)
{
    public const int Stations = 10_000;
    public const int Reporting = 200;
    public static readonly IReadOnlyList<int> ReportConcurrencies = [1, 4, 16];

    public async Task<StationRun> RunAsync()
    {
        await using var azurite = await AzuriteProcess.StartAsync();
        var registry = new TestRegistry(
            new Uri("http://127.0.0.1:9/city/webhooks"),
            new Uri("http://127.0.0.1:9/open311/requests.json"),
            new Uri("http://127.0.0.1:9/platform/webhooks"),
            new Uri("http://127.0.0.1:9/other/webhooks"));
        var districts = WriteStations(registry.RegistryPath);
        var prefix = "s" + Guid.NewGuid().ToString("N")[..10];
        var settings = registry.Settings(azurite.ConnectionString, prefix);
        settings[TriggerRuntime.DisabledSetting] = "true";
        for (var i = 0; i < Reporting; i++)
        {
            settings[$"Auth:ApiKeyHashes:station:{StationId(i)}"] = ApiKeys.Hash(KeyOf(i));
        }

        await using var host = await ChildHost.StartAsync(settings);
        using var http = BenchmarkReports.HttpClientFor(host.BaseAddress);
        var limitTable = new TableClient(azurite.ConnectionString, prefix + "LimitStationStatus");
        await limitTable.CreateIfNotExistsAsync();
        var levels = new List<StationLevel>();
        try
        {
            var report = ReportOperation(http);
            var bare = LimitOperation(limitTable);
            await LoadRunner.ClosedLoopAsync(4, options.WarmUp, report, 50_000_000);
            await LoadRunner.ClosedLoopAsync(4, TimeSpan.FromSeconds(1), bare, 50_000_000);
            await QuietMachine.WaitAsync(azurite.ProcessId, host.ProcessId, progress);
            foreach (var concurrency in ReportConcurrencies)
            {
                var hub = await LoadRunner.ClosedLoopAsync(concurrency, options.Duration, report);
                var limit = await LoadRunner.ClosedLoopAsync(concurrency, options.Duration, bare);
                levels.Add(new StationLevel("status report (hub)", concurrency, hub));
                levels.Add(new StationLevel("status report (limit)", concurrency, limit));
                progress.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  status reports c={concurrency}: hub {hub.PerSecond:0}/s, limit {limit.PerSecond:0}/s, ratio {hub.PerSecond / limit.PerSecond:0.00}; hub p99 {hub.Latency.P99:0.0} ms"));
            }

            foreach (var limit in new[] { (int?)null, 10 })
            {
                var near = NearOperation(http, districts, limit);
                await LoadRunner.ClosedLoopAsync(2, TimeSpan.FromSeconds(2), near, 1_000_000);
                await QuietMachine.WaitAsync(azurite.ProcessId, host.ProcessId, progress);
                foreach (var concurrency in new[] { 1, 4 })
                {
                    var result = await LoadRunner.ClosedLoopAsync(concurrency, concurrency == 1 ? options.Duration * 2 : options.Duration, near);
                    var what = limit is null ? "GET near= (limit 100)" : "GET near=&limit=10";
                    levels.Add(new StationLevel(what, concurrency, result));
                    progress.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {what} c={concurrency}: {result.PerSecond:0}/s, p50 {result.Latency.P50:0.00} ms, p99 {result.Latency.P99:0.00} ms, errors {result.ErrorCount}"));
                }
            }
        }
        finally
        {
            await host.StopAsync(TimeSpan.FromSeconds(15));
            File.Delete(registry.RegistryPath);
        }

        return new StationRun(Stations, Reporting, levels);
    }

    public static void Print(StationRun run, TextWriter output)
    {
        output.WriteLine();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Stations: {run.Stations:N0} in the registry, {run.ReportingStations} reporting"));
        output.WriteLine("| what | c | per s | p50 ms | p95 ms | p99 ms | max ms | errors |");
        output.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var level in run.Levels)
        {
            var r = level.Result;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {level.What} | {level.Concurrency} | {r.PerSecond:0} | {r.Latency.P50:0.00} | {r.Latency.P95:0.00} | {r.Latency.P99:0.00} | {r.Latency.Max:0.0} | {r.ErrorCount} |"));
        }
    }

    private static string StationId(int i) => "bench-" + i.ToString("D5", CultureInfo.InvariantCulture);

    private static string KeyOf(int i) => "bench-key-" + i.ToString(CultureInfo.InvariantCulture);

    /// <summary>Adds the stations to the registry file, at seeded random points of the six districts; returns the districts' boxes.</summary>
    private static List<(double South, double West, double North, double East)> WriteStations(string path)
    {
        var document = JsonNode.Parse(File.ReadAllText(path))!;
        var boxes = new List<(string Code, (double, double, double, double) Box)>();
        foreach (var district in document["cities"]!.AsArray().SelectMany(c => c!["districts"]!.AsArray()))
        {
            var area = district!["area"]!.AsArray().Select(p => (Lat: (double)p![0]!, Lon: (double)p[1]!)).ToList();
            boxes.Add(((string)district["code"]!, (area.Min(p => p.Lat), area.Min(p => p.Lon), area.Max(p => p.Lat), area.Max(p => p.Lon))));
        }

        var random = new Random(20261127);
        string[] hours = ["24/7", "Mo-Fr 08:00-22:00; Sa,Su 10:00-20:00", "Mo-Su 07:00-23:00", "18:00-08:00"];
        var stations = document["stations"]!.AsArray();
        for (var i = 0; i < Stations; i++)
        {
            var (code, (south, west, north, east)) = boxes[i % boxes.Count];
            // Inside the box, away from its edges, so no rounding puts a station over a border.
            var lat = south + ((north - south) * (0.01 + (0.98 * random.NextDouble())));
            var lon = west + ((east - west) * (0.01 + (0.98 * random.NextDouble())));
            stations.Add(new JsonObject
            {
                ["id"] = StationId(i),
                ["name"] = "Bench station " + i.ToString(CultureInfo.InvariantCulture),
                ["district"] = code,
                ["location"] = new JsonObject { ["lat"] = Math.Round(lat, 6), ["lon"] = Math.Round(lon, 6) },
                ["address"] = i.ToString(CultureInfo.InvariantCulture) + " Bench Road",
                ["openingHours"] = hours[i % hours.Length],
                ["services"] = new JsonArray("drinking_water", "meal_heating", "ebike_charging", "phone_charging", "rest_seats", "toilet", "first_aid_kit", "heating_cooling", "repair_tools", "wifi"),
            });
        }

        File.WriteAllText(path, document.ToJsonString());
        return [.. boxes.Select(b => b.Box)];
    }

    private static Operation ReportOperation(HttpClient http) => async (number, cancellationToken) =>
    {
        var i = (int)(number % Reporting);
        var body = Body(number);
        using var request = new HttpRequestMessage(HttpMethod.Put, $"api/v1/stations/{StationId(i)}/status") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("x-api-key", KeyOf(i));
        using var response = await http.SendAsync(request, cancellationToken);
        await response.Content.LoadIntoBufferAsync(cancellationToken);
        return response.StatusCode == HttpStatusCode.OK ? null : "HTTP " + ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
    };

    /// <summary>Open with 1–5 free chargers: the signal stays the same, so no notice is queued after each station's first.</summary>
    private static string Body(long number) =>
        "{\"open\":true,\"chargers\":{\"free\":" + (1 + (number % 5)).ToString(CultureInfo.InvariantCulture) + ",\"total\":8},\"observedAt\":\""
        + TimeProvider.System.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture) + "\"}";

    /// <summary>The limit: the station row's point read, then its replace under the ETag (or its insert, the first time).</summary>
    private static Operation LimitOperation(TableClient table) => async (number, cancellationToken) =>
    {
        var id = StationId((int)(number % Reporting));
        var found = await table.GetEntityIfExistsAsync<StationStatusEntity>(id, StationStatusEntity.Row, cancellationToken: cancellationToken);
        var entity = found.HasValue ? found.Value! : new StationStatusEntity { PartitionKey = id, Day = "20261127", Signal = "open/some", Source = "station" };
        entity.ObservedAt = TimeProvider.System.GetUtcNow();
        entity.ReceivedAt = entity.ObservedAt;
        entity.AccountedUntil = entity.ObservedAt;
        entity.ChargersFree = (int)(1 + (number % 5));
        entity.ChargersTotal = 8;
        entity.Open = true;
        entity.Reports++;
        try
        {
            if (found.HasValue)
            {
                await table.UpdateEntityAsync(entity, entity.ETag, TableUpdateMode.Replace, cancellationToken);
            }
            else
            {
                await table.AddEntityAsync(entity, cancellationToken);
            }

            return null;
        }
        catch (Azure.RequestFailedException exception) when (exception.Status is 409 or 412)
        {
            return null; // another loop wrote the same row first: the hub would read again
        }
    };

    private static Operation NearOperation(HttpClient http, List<(double South, double West, double North, double East)> boxes, int? limit) => async (number, cancellationToken) =>
    {
        var box = boxes[(int)(number % boxes.Count)];
        var random = new Random((int)number);
        var lat = box.South + ((box.North - box.South) * random.NextDouble());
        var lon = box.West + ((box.East - box.West) * random.NextDouble());
        var uri = string.Create(CultureInfo.InvariantCulture, $"api/v1/stations?near={lat:0.00000},{lon:0.00000}") + (limit is { } l ? "&limit=" + l.ToString(CultureInfo.InvariantCulture) : string.Empty);
        using var response = await http.GetAsync(uri, cancellationToken);
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return "HTTP " + ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
        }

        using var map = JsonDocument.Parse(bytes);
        return map.RootElement.GetProperty("features").GetArrayLength() == (limit ?? 100) ? null : "short answer";
    };
}
