using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using StationHub.Tests.Infrastructure;
using StationHub.Triggers;

namespace StationHub.Tests.Faults;

/// <summary>
/// Random mutations of valid requests — values swapped for other JSON, fields dropped or doubled,
/// bytes flipped, cut or inserted — signed again so they reach validation. None may get a 5xx,
/// and whatever the hub accepted must not end in a poison queue. The seed is printed on failure.
/// </summary>
public sealed class FuzzTests
{
    private const int Mutations = 400;

    [Fact]
    public async Task Mutated_requests_never_get_a_5xx_and_nothing_accepted_is_poisoned()
    {
        var seed = Environment.GetEnvironmentVariable("STATIONHUB_FUZZ_SEED") is { } s ? int.Parse(s, System.Globalization.CultureInfo.InvariantCulture) : 20261122;
        var random = new Random(seed);
        await using var world = await HubScenario.StartAsync();
        var report = await world.AcceptReportAsync("fuzz-base");
        await world.WaitForStatusAsync(report, "routed");
        var bases = Bases(report);
        var failures = new List<string>();

        for (var i = 0; i < Mutations; i++)
        {
            var (path, body, signed, key) = bases[random.Next(bases.Count)];
            var mutated = Mutate(body, random);
            using var request = signed
                ? Webhooks.Signed(path, "", world.PlatformSigner)
                : new HttpRequestMessage(HttpMethod.Post, path);
            request.Content = new ByteArrayContent(mutated) { Headers = { ContentType = new("application/json") } };
            if (signed)
            {
                Resign(request, mutated, world);
            }
            else
            {
                request.Headers.Add("x-api-key", key);
            }

            using var response = await world.Hub.Client.SendAsync(request);
            if ((int)response.StatusCode >= 500)
            {
                failures.Add($"#{i} {path} -> {(int)response.StatusCode}: {Encoding.UTF8.GetString(mutated)}");
            }
        }

        Assert.True(failures.Count == 0, $"seed {seed}: {failures.Count} mutations got a 5xx:\n" + string.Join("\n", failures.Take(10)));

        await world.QuietAsync();
        foreach (var queue in Queues.All)
        {
            var poison = await world.Storage.Hub.PoisonQueue(queue).GetPropertiesAsync();
            Assert.True(poison.Value.ApproximateMessagesCount == 0, $"seed {seed}: {queue}-poison holds {poison.Value.ApproximateMessagesCount} messages");
        }
    }

    private static List<(string Path, string Body, bool Signed, string? Key)> Bases(string report) =>
    [
        ("api/v1/platforms/swiftride/hazard-reports", Webhooks.HazardReport("fz-1"), true, null),
        ("api/v1/platforms/swiftride/hazard-reports", Webhooks.HazardReport("fz-2", lat: 29.85, lon: 121.50, district: "330203"), true, null),
        ("api/v1/platforms/swiftride/pickup-orders", PickupOrders.PickupOrderFlowTests.Created("fz-o1"), true, null),
        ("api/v1/platforms/swiftride/pickup-orders", """{"type":"pickup_order.cancelled","timestamp":"2026-11-22T08:00:00Z","data":{"orderId":"fz-o1"}}""", true, null),
        ("api/v1/platforms/swiftride/points-transactions", """{"type":"points.earned","timestamp":"2026-11-22T08:00:00Z","data":{"transactionId":"fz-t1","courierId":"c-1","task":"mediation","stationId":"st-hz-01"}}""", true, null),
        ("api/v1/platforms/swiftride/points-transactions", """{"type":"points.redeemed","timestamp":"2026-11-22T08:00:00Z","data":{"transactionId":"fz-t2","courierId":"c-1","reward":"skills_course"}}""", true, null),
        ("api/v1/platforms/swiftride/points-transactions", """{"type":"points.reversed","timestamp":"2026-11-22T08:00:00Z","data":{"transactionId":"fz-t3","courierId":"c-1","reference":"fz-t1"}}""", true, null),
        ("api/v1/platforms/swiftride/gig-work", GigWork.GigWorkWorld.Job("fz-j1"), true, null),
        ("api/v1/platforms/swiftride/gig-work", GigWork.GigWorkWorld.Made("fz-m1", "fz-j1", "fz-w1", GigWork.GigWorkWorld.T0.AddHours(1)), true, null),
        ("api/v1/platforms/swiftride/gig-work", GigWork.GigWorkWorld.Paid("fz-m1", GigWork.GigWorkWorld.T0.AddHours(2)), true, null),
        ($"api/v1/city/requests/{report}/updates", $$"""{"updateId":"fz-u1","status":"in_progress","note":"n","updatedAt":"{{Webhooks.RecentlyObserved()}}"}""", false, TestRegistry.WebhookCityKey),
    ];

    private static byte[] Mutate(string body, Random random)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        switch (random.Next(8))
        {
            case 0:
                bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
                return bytes;
            case 1:
                var start = random.Next(bytes.Length);
                return [.. bytes.Take(start), .. bytes.Skip(start + random.Next(1, 20))];
            case 2:
                var at = random.Next(bytes.Length);
                return [.. bytes.Take(at), .. RandomBytes(random), .. bytes.Skip(at)];
            case 3:
                return bytes[..random.Next(bytes.Length)];
            default:
                return Encoding.UTF8.GetBytes(MutateJson(body, random));
        }
    }

    private static string MutateJson(string body, Random random)
    {
        var root = JsonNode.Parse(body)!;
        var objects = new List<JsonObject>();
        Collect(root, objects);
        var target = objects[random.Next(objects.Count)];
        var keys = target.Select(p => p.Key).ToList();
        var key = keys.Count > 0 ? keys[random.Next(keys.Count)] : "extra";
        switch (random.Next(4))
        {
            case 0:
                target.Remove(key);
                break;
            case 1:
                target["unexpected" + random.Next(10)] = RandomValue(random, 0);
                break;
            case 2:
                // A duplicate member, written by hand: System.Text.Json objects cannot hold one.
                var text = root.ToJsonString();
                var needle = $"\"{key}\":";
                var index = text.IndexOf(needle, StringComparison.Ordinal);
                return index < 0 ? text : text.Insert(index, $"{needle}{RandomValue(random, 0)?.ToJsonString() ?? "null"},");
            default:
                target[key] = RandomValue(random, 0);
                break;
        }

        return root.ToJsonString();
    }

    private static void Collect(JsonNode? node, List<JsonObject> objects)
    {
        if (node is JsonObject obj)
        {
            objects.Add(obj);
            foreach (var (_, child) in obj)
            {
                Collect(child, objects);
            }
        }
    }

    private static JsonNode? RandomValue(Random random, int depth) => random.Next(depth > 2 ? 9 : 11) switch
    {
        0 => null,
        1 => JsonValue.Create(random.Next(2) == 0),
        2 => JsonValue.Create(random.NextInt64(long.MinValue, long.MaxValue)),
        3 => JsonValue.Create((random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-10, 300))),
        4 => JsonValue.Create(new string('x', random.Next(0, 3000))),
        5 => JsonValue.Create("\u202e\u0000\ud83d\ude80 \u00e9\u0301 " + random.Next()),
        6 => JsonValue.Create("2026-11-22T08:00:00" + (random.Next(2) == 0 ? "Z" : "+08:00")),
        7 => JsonValue.Create("https://example.com/" + random.Next()),
        8 => JsonValue.Create(random.Next(-5, 200_000)),
        9 => new JsonArray(RandomValue(random, depth + 1), RandomValue(random, depth + 1)),
        _ => new JsonObject { ["k" + random.Next(5)] = RandomValue(random, depth + 1) },
    };

    private static byte[] RandomBytes(Random random)
    {
        var bytes = new byte[random.Next(1, 12)];
        random.NextBytes(bytes);
        return bytes;
    }

    private static void Resign(HttpRequestMessage request, byte[] body, HubScenario world)
    {
        foreach (var header in new[] { "webhook-id", "webhook-timestamp", "webhook-signature" })
        {
            request.Headers.Remove(header);
        }

        var id = "msg_" + Guid.NewGuid().ToString("N");
        var now = TimeProvider.System.GetUtcNow();
        request.Headers.Add("webhook-id", id);
        request.Headers.Add("webhook-timestamp", now.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add("webhook-signature", world.PlatformSigner.Sign(id, now, body));
    }
}
