using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using StationHub.Platform.Webhooks;

// dotnet run --project functions/StationHub.Cli -- sample [--hub http://127.0.0.1:7071] [--settings local.settings.json] [--sandbox http://127.0.0.1:7079]
//   Sends a signed hazard report as the sample platform, waits for it to reach the sandbox city,
//   sends a second report of the same place (202; the router links it: the platform hears
//   hazard_report.linked with duplicateOf, the city gets nothing new),
//   answers as the city (acknowledged, then resolved), waits for the platform to hear back for
//   both, then reopens the report (hazard_report.reopened: routed again, the city hears it).
//   The sandbox receivers are the local host's when it serves them; otherwise (say, against the
//   Functions app) this command starts them itself at --sandbox, where the sample registry points.
// gig-sample: a small day of gig work at station st-hz-01 (see GigSampleAsync).
// Run-now calls (POST /admin/functions/{name}) carry --admin-key (local host; default the sample's)
// and --functions-key or STATIONHUB_FUNCTIONS_KEY (the Functions host's master key). What fails
// (a 401, a hub that does not answer, a step that never comes) is said, and the exit code is 1.
var options = Options.Parse(args);
if (options.Command == "admin")
{
    // admin add|list|rotate|revoke|import …: the registry's admin API (see AdminCommands).
    return await StationHub.Cli.AdminCommands.RunAsync(args);
}

if (options.Command == "witness")
{
    // witness --key ... --log <hub verifier key> [--state FILE] [--urls URL]: a C2SP tlog-witness for the ledger.
    return await StationHub.Cli.WitnessServer.RunAsync(args);
}

if (options.Command == "keygen")
{
    // keygen <name> [--witness]: a new Ed25519 signed-note key (or cosignature key) and its verifier key.
    return StationHub.Cli.WitnessServer.KeyGen(args);
}

if (options.Command == "verify-ledger")
{
    // verify-ledger [--hub URL] [--proof DATE SCOPE KIND]: from the public API alone.
    using var client = HubAnswers.Client(options.Hub, TimeSpan.FromSeconds(30));
    var verifier = new StationHub.Ledger.LedgerVerifier(client);
    var result = await verifier.VerifyAsync();
    if (!result.Ok)
    {
        Console.WriteLine($"FAILED at {result.FirstBadDay}: {result.Reason} ({result.DaysChecked} days listed)");
        return 1;
    }

    Console.WriteLine($"OK: {result.DaysChecked} sealed days, hashes and chain intact, Merkle roots match their figures");

    // The signed checkpoints: --key VKEY (pin the hub's key), --witness VKEY ... --quorum N,
    // --seen FILE ... (checkpoints kept from before), --save FILE (keep the latest for next time).
    var policy = new StationHub.Ledger.Checkpoints.CheckpointPolicy(
        Flag(args, "--key").FirstOrDefault(),
        Flag(args, "--witness"),
        int.Parse(Flag(args, "--quorum").FirstOrDefault() ?? "0", CultureInfo.InvariantCulture),
        [.. Flag(args, "--seen").Where(File.Exists).Select(File.ReadAllText)]);
    var checkpoints = await new StationHub.Ledger.Checkpoints.LedgerCheckpointVerifier(client).VerifyAsync(policy);
    if (!checkpoints.Ok)
    {
        Console.WriteLine($"FAILED ({checkpoints.Problem}) at {checkpoints.Day}: {checkpoints.Reason}");
        return 1;
    }

    Console.WriteLine($"OK: {checkpoints.CheckpointsChecked} checkpoints signed by the hub{(policy.HubKey is null ? " (key as served: pin it with --key)" : string.Empty)}, each consistent with the one before; tree size {checkpoints.TreeSize}; cosigned by {(checkpoints.Cosigners.Count == 0 ? "no trusted witness" : string.Join(", ", checkpoints.Cosigners))} (quorum {policy.Quorum})");
    if (Flag(args, "--save").FirstOrDefault() is { } save && checkpoints.LatestCheckpoint is { } latestCheckpoint)
    {
        await File.WriteAllTextAsync(save, latestCheckpoint);
    }
    var proofAt = Array.IndexOf(args, "--proof");
    if (proofAt >= 0 && proofAt + 3 < args.Length)
    {
        var included = await verifier.VerifyProofAsync(args[proofAt + 1], args[proofAt + 2], args[proofAt + 3]);
        Console.WriteLine(included ? $"OK: {args[proofAt + 3]} of {args[proofAt + 2]} is in the sealed day {args[proofAt + 1]}" : "FAILED: the inclusion proof does not verify");
        return included ? 0 : 1;
    }

    return 0;
}

if (options.Command is not ("sample" or "pickup-sample" or "gig-sample"))
{
    Console.Error.WriteLine("usage: StationHub.Cli sample|pickup-sample|gig-sample|verify-ledger|witness|keygen|admin [--hub URL] [--settings FILE] [--sandbox URL] [--platform ID] [--city-key KEY] [--platform-key KEY] [--station-key KEY] [--admin-key KEY] [--functions-key KEY] [--proof DATE SCOPE KIND]");
    return 2;
}

var settings = ReadSettings(options.SettingsPath);
var secret = settings.GetValueOrDefault($"Secrets__Platforms__{options.Platform}__SigningSecret")
    ?? throw new InvalidOperationException($"No signing secret for platform '{options.Platform}' in {options.SettingsPath}.");
var signer = new StandardWebhook(secret);
using var http = HubAnswers.Client(options.Hub, TimeSpan.FromSeconds(20));
using var sandboxClient = HubAnswers.Client(options.Sandbox, TimeSpan.FromSeconds(20));
await using var sandbox = await StationHub.Cli.SandboxHost.EnsureAsync(new Uri(options.Sandbox), settings, Path.GetDirectoryName(Path.GetFullPath(options.SettingsPath))!);

if (options.Command == "pickup-sample")
{
    return await PickupSampleAsync();
}

if (options.Command == "gig-sample")
{
    return await GigSampleAsync();
}

var run = Clock.GetUtcNow().ToUnixTimeSeconds();
var reportId = "sample-" + run.ToString(CultureInfo.InvariantCulture);

// Each run reports its own place (cells about 66 m apart, beyond the 50 m duplicate radius), so an
// earlier run's report, reopened and still open, does not make this run's a duplicate of it.
var lat = 30.2300 + (run % 100 * 0.0006);
var lon = 120.1600 + (run / 100 % 80 * 0.0006);
var body = ReportBody(reportId, "courier-7", lat, lon);

Step($"1. platform {options.Platform} posts hazard report {reportId} (signed)");
var posted = await PostSignedAsync($"api/v1/platforms/{options.Platform}/hazard-reports", body);
Console.WriteLine($"   -> {(int)posted.Status} {posted.Body}");
if (posted.Status != 202)
{
    return 1;
}

var answer = JsonDocument.Parse(posted.Body).RootElement;
var hubId = answer.GetProperty("hubId").GetString()!;
var statusUrl = answer.GetProperty("statusUrl").GetString()!.TrimStart('/');

Step("2. the hub routes it to the city that owns the street");
await WaitAsync(async () => (await GetStatusAsync()).Contains("\"status\":\"routed\"", StringComparison.Ordinal));
await WaitAsync(async () => (await ArrivalsAsync("city", hubId, "hazard_report.routed")) > 0);
Console.WriteLine($"   -> the sandbox city received hazard_report.routed for {hubId}");

Step("3. another courier reports the same place: linked as a duplicate, the city gets nothing new");
var duplicateId = reportId + "-dup";
var duplicate = await PostSignedAsync($"api/v1/platforms/{options.Platform}/hazard-reports", ReportBody(duplicateId, "courier-8", lat + 0.00018, lon));
Console.WriteLine($"   -> {(int)duplicate.Status} {duplicate.Body}");
var duplicateAnswer = JsonDocument.Parse(duplicate.Body).RootElement;
if (duplicate.Status != 202)
{
    return 1;
}

var duplicateHubId = duplicateAnswer.GetProperty("hubId").GetString()!;
var duplicateStatusUrl = duplicateAnswer.GetProperty("statusUrl").GetString()!.TrimStart('/');
await WaitAsync(async () => (await GetStatusAsync(duplicateStatusUrl)).Contains("\"status\":\"routed\"", StringComparison.Ordinal));
await WaitAsync(async () => (await ArrivalsAsync("platform", duplicateHubId, "hazard_report.linked")) > 0);
var duplicateStatus = JsonDocument.Parse(await GetStatusAsync(duplicateStatusUrl)).RootElement;
if (!duplicateStatus.TryGetProperty("duplicateOf", out var duplicateOf) || duplicateOf.GetString() != hubId)
{
    Console.WriteLine($"   -> expected the status resource to show duplicateOf {hubId}");
    return 1;
}

Console.WriteLine($"   -> the sandbox platform received hazard_report.linked: duplicateOf {hubId}");
await Task.Delay(1000);
if (await ArrivalsAsync("city", duplicateHubId) > 0)
{
    Console.WriteLine("   -> the city was sent the duplicate");
    return 1;
}

Console.WriteLine($"   -> {duplicateHubId} is linked to {hubId}; the city's view of it counts one linked report");

foreach (var status in new[] { "acknowledged", "resolved" })
{
    Step($"4. the city answers: {status}");
    var update = await PostCityUpdateAsync(status);
    Console.WriteLine($"   -> {(int)update.Status} {update.Body}");
    await WaitAsync(async () => (await GetStatusAsync()).Contains($"\"status\":\"{status}\"", StringComparison.Ordinal));
}

Step("5. the platform hears back for both reports, each under its own reportId (hazard_report.updated)");
await WaitAsync(async () => await ArrivalsAsync("platform", hubId, "hazard_report.updated") >= 2 && await ArrivalsAsync("platform", duplicateHubId, "hazard_report.updated") >= 2);
Console.WriteLine("   -> the sandbox platform received both updates of each");

Step("6. the courier finds it not fixed: the platform reopens it (hazard_report.reopened)");
var reopen = JsonSerializer.Serialize(new
{
    type = "hazard_report.reopened",
    timestamp = Clock.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
    data = new { reportId, note = "Still blocked the evening after the city closed it", observedAt = Clock.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) },
});
var reopened = await PostSignedAsync($"api/v1/platforms/{options.Platform}/hazard-reports", reopen);
Console.WriteLine($"   -> {(int)reopened.Status} {reopened.Body}");
if (reopened.Status != 202)
{
    return 1;
}

await WaitAsync(async () => (await GetStatusAsync()).Contains("\"status\":\"routed\"", StringComparison.Ordinal));
await WaitAsync(async () => (await ArrivalsAsync("city", hubId, "hazard_report.reopened")) > 0);
Console.WriteLine($"   -> back to routed; the sandbox city received hazard_report.reopened for {hubId}, and its SLA clock starts again");
Console.WriteLine($"   status: {await GetStatusAsync()}");
Console.WriteLine($"Done. The hub's log shows each step; GET {options.Sandbox}sandbox/inbox lists what the sandbox receivers got.");
return 0;

string ReportBody(string id, string courierId, double atLat, double atLon) => JsonSerializer.Serialize(new
{
    type = "hazard_report.created",
    timestamp = Clock.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
    data = new
    {
        reportId = id,
        courierId,
        category = "blocked_fire_exit",
        description = "Fire exit of the night market blocked by parked e-bikes",
        location = new { lat = Math.Round(atLat, 6), lon = Math.Round(atLon, 6), address = "Hubin Rd 12, Shangcheng" },
        mediaUrls = new[] { "https://media.example.com/sample/fire-exit.jpg" },
        observedAt = Clock.GetUtcNow().AddMinutes(-2).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
    },
});

// pickup-sample: a group-buy order to station st-hz-01, its arrival, the customer collecting it with
// the code the platform received, and the revenue entries the ledger will sum.
async Task<int> PickupSampleAsync()
{
    var orderId = "order-" + Clock.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
    var order = JsonSerializer.Serialize(new
    {
        type = "pickup_order.created",
        timestamp = Clock.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        data = new { orderId, stationId = "st-hz-01", parcels = 3, handlingFeeFen = 150, commissionFen = 1299, pickupWithinHours = 72 },
    });
    Step($"1. platform {options.Platform} sends pickup order {orderId} to station st-hz-01 (handling fee 150 fen, commission 1299 fen)");
    var created = await PostSignedAsync($"api/v1/platforms/{options.Platform}/pickup-orders", order);
    Console.WriteLine($"   -> {created.Status} {created.Body}");
    if (created.Status != 202)
    {
        return 1;
    }

    var orderHubId = JsonDocument.Parse(created.Body).RootElement.GetProperty("hubId").GetString()!;
    Step("2. the parcel arrives; station staff scan it");
    var arrived = await StationPostAsync($"api/v1/stations/st-hz-01/pickup-orders/{orderHubId}/arrival", null);
    Console.WriteLine($"   -> {arrived.Status} {arrived.Body}");

    Step("3. the platform receives pickup_order.ready with the pickup code");
    string? code = null;
    await WaitAsync(async () =>
    {
        using var inbox = JsonDocument.Parse(await InboxAsync());
        code = inbox.RootElement.EnumerateArray()
            .Where(a => a.GetProperty("subject").GetString() == orderHubId && a.GetProperty("type").GetString() == "pickup_order.ready")
            .Select(a => a.GetProperty("pickupCode").GetString())
            .FirstOrDefault();
        return code is not null;
    });
    Console.WriteLine($"   -> code {code}");

    // The day's draft before this collection, so step 5 knows a draft that holds it: compiled, it counts one more.
    var zone = TimeZoneInfo.FindSystemTimeZoneById(settings.GetValueOrDefault("Ledger__TimeZone") ?? new StationHub.Ledger.LedgerOptions().TimeZone);
    var day = TimeZoneInfo.ConvertTime(TimeProvider.System.GetUtcNow(), zone).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
    await RunNowAsync("CompileLedger");
    var collectedBefore = (await StationFiguresAsync(day)).GetValueOrDefault("pickup.collected");

    Step("4. the customer collects the parcel with the code");
    var collected = await StationPostAsync($"api/v1/stations/st-hz-01/pickup-orders/{orderHubId}/collection", JsonSerializer.Serialize(new { pickupCode = code }));
    Console.WriteLine($"   -> {collected.Status} {collected.Body}");

    Step("5. today's ledger draft (POST /admin/functions/CompileLedger): the station's revenue, split with the governance fund");
    // Read from the public ledger, as anyone would: the CLI never reads the hub's storage. The collection's
    // entries are written from the queue after its answer, and run-now answers before the compile runs,
    // so the draft is compiled again until it counts this collection.
    var figures = new Dictionary<string, long>();
    var looks = 0;
    await WaitAsync(async () =>
    {
        if (looks++ % 10 == 0)
        {
            await RunNowAsync("CompileLedger");
        }

        figures = await StationFiguresAsync(day);
        return figures.GetValueOrDefault("pickup.collected") > collectedBefore && figures.ContainsKey("pickup.fund.commission");
    });
    var lines = figures.Where(figure => figure.Key.StartsWith("pickup.", StringComparison.Ordinal))
        .Select(figure => $"   station~st-hz-01 {figure.Key,-32} {figure.Value,8}").ToList();
    lines.ForEach(Console.WriteLine);
    Console.WriteLine("Done. (The day's figures so far, this order among them: pickup.fund.* is the governance fund's share, rounded down to the fen; the station keeps the rest.)");
    return 0;
}

// gig-sample: a small day of gig work at station st-hz-01, as a platform reports it: a job wanting
// four porters, four matches (paid within 2 hours, paid late, still unpaid, cancelled), one event
// sent before its match and one sent twice; then the overdue-pay notice the platform receives, and
// the station's figures and subsidy as the public ledger shows them.
async Task<int> GigSampleAsync()
{
    var now = Clock.GetUtcNow();
    var run = now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
    var jobId = "job-" + run;
    string At(double hoursAgo) => now.AddHours(-hoursAgo).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
    string Event(string type, object data) => JsonSerializer.Serialize(new { type, timestamp = At(0), data });
    var events = new List<(string Note, string Body)>
    {
        ("the job: 4 porters wanted at st-hz-01", Event("gig_job.posted", new { jobId, stationId = "st-hz-01", workersWanted = 4, trade = "porter", postedAt = At(8), payFen = 20_000 })),
        ("a payment sent before its match (it waits)", Event("gig_match.paid", new { matchId = $"m1-{run}", paidAt = At(3.5), amountFen = 20_000 })),
    };
    foreach (var (n, hours) in new[] { (1, 7.5), (2, 7.4), (3, 7.3), (4, 7.2) })
    {
        events.Add(($"worker {n} matched", Event("gig_match.made", new { matchId = $"m{n}-{run}", jobId, workerId = $"sample-worker-{n}", matchedAt = At(hours) })));
    }

    events.AddRange(
    [
        ("match 1 completed (paid 30 min later)", Event("gig_match.completed", new { matchId = $"m1-{run}", completedAt = At(4) })),
        ("match 2 completed", Event("gig_match.completed", new { matchId = $"m2-{run}", completedAt = At(5) })),
        ("match 2 paid 3 hours after completion", Event("gig_match.paid", new { matchId = $"m2-{run}", paidAt = At(2), amountFen = 20_000 })),
        ("match 3 completed 2.5 hours ago, not paid", Event("gig_match.completed", new { matchId = $"m3-{run}", completedAt = At(2.5) })),
        ("match 4 cancelled", Event("gig_match.cancelled", new { matchId = $"m4-{run}", reason = "the employer called it off" })),
        ("match 4 cancelled again (a repeat: 200, nothing twice)", Event("gig_match.cancelled", new { matchId = $"m4-{run}", reason = "the employer called it off" })),
    ]);
    var step = 1;
    foreach (var (note, body) in events)
    {
        Step($"{step++}. {note}");
        var answer = await PostSignedAsync($"api/v1/platforms/{options.Platform}/gig-work", body);
        Console.WriteLine($"   -> {answer.Status} {answer.Body}");
        if (answer.Status is not (200 or 202))
        {
            return 1;
        }
    }

    Step($"{step++}. the payment watch runs (POST /admin/functions/FlagOverdueGigPayments, local host) and the platform hears of match 3");
    var subject = $"made~m3-{run}";
    await WaitAsync(async () =>
    {
        await RunNowAsync("FlagOverdueGigPayments");

        using var inbox = JsonDocument.Parse(await InboxAsync());
        return inbox.RootElement.EnumerateArray().Any(a => a.GetProperty("type").GetString() == "gig_match.payment_overdue" && a.GetProperty("subject").GetString() == subject);
    });
    Console.WriteLine("   -> gig_match.payment_overdue arrived at the sandbox platform");

    Step($"{step}. today's ledger draft (POST /admin/functions/CompileLedger) and the station's standing beside its subsidy");
    await RunNowAsync("CompileLedger");

    string standings = string.Empty;
    await WaitAsync(async () =>
    {
        standings = await http.GetStringAsync("api/v1/gig-work/stations");
        using var document = JsonDocument.Parse(standings);
        return document.RootElement.GetProperty("stations").EnumerateArray().Any(s => s.GetProperty("stationId").GetString() == "st-hz-01" && s.GetProperty("matchesMade").GetInt64() > 0);
    });
    using (var document = JsonDocument.Parse(standings))
    {
        var station = document.RootElement.GetProperty("stations").EnumerateArray().First(s => s.GetProperty("stationId").GetString() == "st-hz-01");
        Console.WriteLine($"   {station}");
    }

    Console.WriteLine("Done. The ledger page (/ledger) shows the same figures; a day's summary lists them per station under gig.*.");
    return 0;
}

// Station st-hz-01's figures in the day's ledger (the draft, or the sealed day); none when the day has none yet.
async Task<Dictionary<string, long>> StationFiguresAsync(string day)
{
    using var response = await http.GetAsync($"api/v1/ledger/{day}");
    if (!response.IsSuccessStatusCode)
    {
        return [];
    }

    using var summary = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
    return summary.RootElement.GetProperty("figures").TryGetProperty("station~st-hz-01", out var station)
        ? station.EnumerateObject().ToDictionary(figure => figure.Name, figure => figure.Value.GetInt64(), StringComparer.Ordinal)
        : [];
}

async Task<(int Status, string Body)> StationPostAsync(string path, string? json)
{
    using var request = new HttpRequestMessage(HttpMethod.Post, path);
    if (json is not null)
    {
        request.Content = new StringContent(json, Encoding.UTF8, "application/json");
    }

    request.Headers.Add("x-api-key", options.StationKey);
    using var response = await http.SendAsync(request);
    return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
}

async Task<(int Status, string Body)> PostSignedAsync(string path, string json)
{
    var id = "msg_" + Guid.NewGuid().ToString("N");
    var now = Clock.GetUtcNow();
    var bytes = Encoding.UTF8.GetBytes(json);
    using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(bytes) };
    request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
    request.Headers.Add(StandardWebhook.IdHeader, id);
    request.Headers.Add(StandardWebhook.TimestampHeader, now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
    request.Headers.Add(StandardWebhook.SignatureHeader, signer.Sign(id, now, bytes));
    using var response = await http.SendAsync(request);
    return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
}

async Task<(int Status, string Body)> PostCityUpdateAsync(string status)
{
    var json = JsonSerializer.Serialize(new { updateId = $"{reportId}-{status}", status, note = $"Sample city says {status}", updatedAt = Clock.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) });
    using var request = new HttpRequestMessage(HttpMethod.Post, $"api/v1/city/requests/{hubId}/updates") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
    request.Headers.Add("x-api-key", options.CityKey);
    using var response = await http.SendAsync(request);
    return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
}

async Task<string> GetStatusAsync(string? url = null)
{
    using var request = new HttpRequestMessage(HttpMethod.Get, url ?? statusUrl);
    request.Headers.Add("x-api-key", options.PlatformKey);
    using var response = await http.SendAsync(request);
    return await response.Content.ReadAsStringAsync();
}

// POST /admin/functions/{name} with the keys given; a refusal ends the run with what to do about it.
async Task RunNowAsync(string name)
{
    using var request = new HttpRequestMessage(HttpMethod.Post, $"admin/functions/{name}") { Content = new StringContent("{\"input\":\"\"}", Encoding.UTF8, "application/json") };
    request.Headers.Add("x-api-key", options.AdminKey);
    if (!string.IsNullOrEmpty(options.FunctionsKey))
    {
        request.Headers.Add("x-functions-key", options.FunctionsKey);
    }

    using var response = await http.SendAsync(request);
    if ((int)response.StatusCode == 401)
    {
        HubAnswers.Fail($"POST /admin/functions/{name} was refused (401): give the Functions host's master key with --functions-key KEY or {Options.FunctionsKeyVariable}, or an administrator's key with --admin-key KEY.");
    }

    if ((int)response.StatusCode != 202)
    {
        HubAnswers.Fail($"POST /admin/functions/{name} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }
}

async Task<string> InboxAsync() => await sandboxClient.GetStringAsync("sandbox/inbox");

static List<string> Flag(string[] args, string name) =>
    [.. args.Select((arg, i) => (arg, i)).Where(p => p.arg == name && p.i + 1 < args.Length).Select(p => args[p.i + 1])];

// How many times a sandbox receiver ("city", "platform", "body") got something about a report, of one type or any.
async Task<int> ArrivalsAsync(string receiver, string subject, string? type = null)
{
    using var inbox = JsonDocument.Parse(await InboxAsync());
    return inbox.RootElement.EnumerateArray().Count(a =>
        a.GetProperty("receiver").GetString() == receiver
        && a.GetProperty("subject").GetString() == subject
        && (type is null || a.GetProperty("type").GetString() == type));
}

static async Task WaitAsync(Func<Task<bool>> done)
{
    for (var i = 0; i < 150; i++)
    {
        if (await done())
        {
            return;
        }

        await Task.Delay(200);
    }

    HubAnswers.Fail("The hub did not get there within 30 s; see its log.");
}

static void Step(string text) => Console.WriteLine(text);

static Dictionary<string, string> ReadSettings(string path)
{
    using var document = JsonDocument.Parse(File.ReadAllText(path));
    return document.RootElement.GetProperty("Values").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.ToString());
}

internal sealed record Options(string Command, string Hub, string SettingsPath, string Platform, string CityKey, string PlatformKey, string StationKey, string Sandbox, string AdminKey, string? FunctionsKey)
{
    /// <summary>Where the Functions host's master key may be given instead of --functions-key.</summary>
    public const string FunctionsKeyVariable = "STATIONHUB_FUNCTIONS_KEY";

    public static Options Parse(string[] args)
    {
        string Value(string name, string fallback)
        {
            var index = Array.IndexOf(args, name);
            return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback;
        }

        var settings = File.Exists("local.settings.json") ? "local.settings.json" : "local.settings.sample.json";
        return new Options(
            args.Length > 0 ? args[0] : string.Empty,
            Value("--hub", "http://127.0.0.1:7071/"),
            Value("--settings", settings),
            Value("--platform", "swiftride"),
            // The sample settings' local-only keys (see README).
            Value("--city-key", "local-hangzhou-key"),
            Value("--platform-key", "local-swiftride-key"),
            Value("--station-key", "local-st-hz-01-key"),
            Value("--sandbox", StationHub.Sandbox.SandboxReceivers.DefaultUrl + "/"),
            Value("--admin-key", "local-admin-key"),
            Value("--functions-key", Environment.GetEnvironmentVariable(FunctionsKeyVariable) ?? string.Empty));
    }
}

internal static class Clock
{
    public static readonly TimeProvider Time = TimeProvider.System;

    public static DateTimeOffset GetUtcNow() => Time.GetUtcNow();
}

/// <summary>
/// The CLI's HTTP clients: a hub (or sandbox) that does not answer, or answers too late, ends the run
/// with a sentence naming it and exit code 1, not an unhandled exception.
/// </summary>
internal sealed class HubAnswers(string name) : DelegatingHandler(new HttpClientHandler())
{
    public static HttpClient Client(string url, TimeSpan timeout) =>
        new(new HubAnswers(url) { Limit = timeout }) { BaseAddress = new Uri(url), Timeout = Timeout.InfiniteTimeSpan };

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    public static void Fail(string message)
    {
        Console.Error.WriteLine("FAILED: " + message);
        Environment.Exit(1);
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Limit);
        try
        {
            return await base.SendAsync(request, timeout.Token);
        }
        catch (HttpRequestException exception)
        {
            Fail($"{name} does not answer ({request.Method} {request.RequestUri?.AbsolutePath}): {exception.Message}");
            throw;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            Fail($"{name} did not answer {request.Method} {request.RequestUri?.AbsolutePath} within {Limit.TotalSeconds:0} s.");
            throw;
        }
    }

    public TimeSpan Limit { get; set; } = TimeSpan.FromSeconds(20);
}
