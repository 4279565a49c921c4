using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using StationHub.Benchmarks.HazardReports;
using StationHub.Benchmarks.Measurement;
using StationHub.LocalHost.Hosting;
using StationHub.Platform.Security;
using StationHub.Testing;
using StationHub.Triggers;

namespace StationHub.Benchmarks.Soak;

/// <summary>
/// The soak (issue 26): minutes of mixed signed traffic at a steady rate against the local host as a
/// child process, with every trigger on, over its own Azurite on disk, with faults: the host killed
/// with -9 at a third of the run and started again, and the emulator frozen (SIGSTOP) for 20 s at two
/// thirds. Clients retry as platforms and stations do (the same webhook-id, the same body, the same
/// Idempotency-Key), and a share of the traffic is deliberate retries whose answers must match the
/// first byte for byte. Per minute: sent/s, answered/s, p50/p99 of every answer, errors by status, the
/// host's and the emulator's RSS. At the end, once the hub is quiet: every accepted item applied and
/// delivered once, nothing in poison, the ledger's entries equal to what was accepted, and one body per
/// <c>station.status_changed</c> webhook-id. With <c>--soak-bare</c>, the same rate and length of
/// reports through the bare 3-call client (claim, queue, insert, and a reader draining the queue) on a
/// fresh emulator, to tell the hub's drift from the emulator's.
/// </summary>
public sealed class SoakBenchmark(BenchmarkOptions options, TextWriter progress)
{
    private const string Platform = TestRegistry.Platform;
    private static readonly string[] Couriers = [.. Enumerable.Range(0, 20).Select(i => "soak-courier-" + i.ToString(CultureInfo.InvariantCulture))];
    private static readonly string[] Tasks = ["patrol_hour", "mediation", "emergency_assistance"];
    private static readonly (string Id, string Key)[] Stations = [(TestRegistry.Station, TestRegistry.StationKey), (TestRegistry.OtherStation, TestRegistry.OtherStationKey)];
    private static readonly TimeSpan FreezeFor = TimeSpan.FromSeconds(20);

    private readonly ConcurrentDictionary<int, MinuteCounts> minutes = new();
    private readonly ConcurrentDictionary<string, Item> accepted = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> codes = new(StringComparer.Ordinal);
    private readonly ConcurrentBag<string> problems = [];
    private readonly ConcurrentBag<string> unplannedExits = [];
    private readonly List<Task> inFlight = [];
    private long started;
    private int retriesSame;
    private int retriesDiffer;
    private int lateConflicts;
    private int collected;
    private HttpClient? client;

    // The hub's address: a restarted host binds a port of its own, so requests follow it here.
    private Uri? hubBase;

    public async Task<SoakRun> RunAsync()
    {
        var hub = await RunHubAsync();
        IReadOnlyList<SoakMinute>? bare = null;
        IReadOnlyList<SoakMinute>? bareCells = null;
        if (options.SoakBare)
        {
            progress.WriteLine("   the bare 3-call client at the same rate, on a fresh emulator");
            bare = await RunBareAsync(withCells: false);
            progress.WriteLine("   the bare 3-call client plus the duplicate check's storage calls (9 point reads, 1 cell write), on a fresh emulator");
            bareCells = await RunBareAsync(withCells: true);
        }

        return hub with { Bare = bare, BareWithCells = bareCells };
    }

    public static void Print(SoakRun run, TextWriter output)
    {
        output.WriteLine();
        output.WriteLine($"Soak: {run.Minutes.Count} min at {run.Rate:0.#}/s, Azurite {(run.OnDisk ? "on disk" : "in memory")}; load average {run.LoadAverage}");
        PrintMinutes(run.Minutes, output);
        if (run.Bare is { } bare)
        {
            output.WriteLine("Bare 3-call client (claim, queue, insert; queue drained), same rate and length:");
            PrintMinutes(bare, output);
        }

        if (run.BareWithCells is { } cells)
        {
            output.WriteLine("Bare 3-call client plus the duplicate check's calls (9 point reads of CityRequests-like cells, 1 cell upsert):");
            PrintMinutes(cells, output);
        }

        foreach (var line in run.Checks)
        {
            output.WriteLine(line);
        }
    }

    private static void PrintMinutes(IReadOnlyList<SoakMinute> rows, TextWriter output)
    {
        output.WriteLine("| min | sent/s | answered/s | p50 ms | p99 ms | errors by status | hub RSS MB | Azurite RSS MB | storage req/item | note |");
        output.WriteLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (var m in rows)
        {
            var errors = m.Errors.Count == 0 ? "—" : string.Join(" ", m.Errors.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => $"{e.Key}×{e.Value}"));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {m.Minute} | {m.SentPerSecond:0.0} | {m.AnsweredPerSecond:0.0} | {m.P50:0} | {m.P99:0} | {errors} | {m.HubRssMb:0} | {m.AzuriteRssMb:0} | {(m.StoragePerItem is { } perItem ? perItem.ToString("0.0", CultureInfo.InvariantCulture) : "—")} | {m.Note} |"));
        }
    }

    private async Task<SoakRun> RunHubAsync()
    {
        var folder = Directory.CreateTempSubdirectory("soak-azurite-");
        var azurite = await StartAzuriteAsync(folder.FullName);
        var city = await TestReceiver.StartAsync();
        var open311 = await TestReceiver.StartAsync();
        var platform = await TestReceiver.StartAsync();
        var other = await TestReceiver.StartAsync();
        var registry = new TestRegistry(city.Url("city/webhooks"), open311.Url("open311/requests.json"), platform.Url("platform/webhooks"), other.Url("platform/webhooks"), IntakeStack.UnthrottledRatePerSecond);
        var prefix = "s" + Guid.NewGuid().ToString("N")[..10];
        var settings = registry.Settings(azurite.ConnectionString, prefix);

        // The test hooks give the host's own count of its storage requests (GET /admin/test/activity).
        settings[TestHooks.EnabledSetting] = "true";
        var host = await ChildHost.StartAsync(settings);
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = 256, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5) })
        {
            BaseAddress = host.BaseAddress,
            Timeout = TimeSpan.FromSeconds(10),
        };
        client = http;
        hubBase = host.BaseAddress;
        var notes = new ConcurrentDictionary<int, string>();
        try
        {
            var duration = options.SoakDuration;
            var killAt = duration / 3;
            var freezeAt = duration * 2 / 3;
            var rate = options.SoakRate;
            var random = new Random(26);
            var total = (long)(duration.TotalSeconds * rate);
            var hubRss = new ConcurrentDictionary<int, long>();
            var azuriteRss = new ConcurrentDictionary<int, long>();
            started = Stopwatch.GetTimestamp();
            var killed = false;
            var frozen = false;
            var currentHost = host;
            using var stop = new CancellationTokenSource();
            var codeReader = ReadCodesAsync(platform, stop.Token);
            var storageRequests = new ConcurrentDictionary<int, long>();
            SoakMinute RowOf(int minute, MinuteCounts counts) =>
                counts.Row(minute, hubRss.GetValueOrDefault(minute), azuriteRss.GetValueOrDefault(minute), notes.GetValueOrDefault(minute) ?? string.Empty, storageRequests.TryGetValue(minute, out var counted) ? counted : null);
            var lastCount = 0L;
            var hostDown = false;
            using var hostGate = new SemaphoreSlim(1, 1);
            var sampler = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    var minute = Minute();
                    await hostGate.WaitAsync(CancellationToken.None);
                    try
                    {
                        if (currentHost.HasExited)
                        {
                            // Not the planned kill (that holds the gate): keep what the host printed, and start it again
                            // as the Functions runtime would, so the run goes on and says what happened.
                            if (!hostDown)
                            {
                                hostDown = true;
                                var tail = currentHost.Tail;
                                progress.WriteLine($"   minute {minute}: the hub exited on its own; its last lines:");
                                progress.WriteLine(tail);
                                unplannedExits.Add($"minute {minute}: the hub exited on its own; its last lines:\n{tail}");
                                notes[minute] = "hub exited on its own, restarted";
                                await currentHost.DisposeAsync();
                            }

                            try
                            {
                                currentHost = await ChildHost.StartAsync(settings);
                                hubBase = currentHost.BaseAddress;
                                lastCount = 0;
                                hostDown = false;
                            }
                            catch (Exception e) when (e is InvalidOperationException or TimeoutException)
                            {
                                progress.WriteLine($"   minute {minute}: the hub did not start again ({e.Message}); trying again");
                            }
                        }

                        // The host's own count; a restarted host counts from zero again.
                        if (await currentHost.StorageRequestsAsync() is { } count)
                        {
                            var added = count.Requests >= lastCount ? count.Requests - lastCount : count.Requests;
                            lastCount = count.Requests;
                            storageRequests.AddOrUpdate(minute, added, (_, held) => held + added);
                        }
                    }
                    finally
                    {
                        hostGate.Release();
                    }

                    hubRss.AddOrUpdate(minute, Rss(currentHost.ProcessId), (_, held) => Math.Max(held, Rss(currentHost.ProcessId)));
                    azuriteRss.AddOrUpdate(minute, Rss(azurite.ProcessId), (_, held) => Math.Max(held, Rss(azurite.ProcessId)));
                    await Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None);
                }
            });

            var gig = 0;
            for (long n = 0; n < total; n++)
            {
                var due = TimeSpan.FromSeconds(n / rate);
                var wait = due - Stopwatch.GetElapsedTime(started);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait);
                }

                if (!killed && Stopwatch.GetElapsedTime(started) >= killAt)
                {
                    killed = true;
                    var minute = Minute();
                    progress.WriteLine($"   minute {minute}: the hub killed with -9");
                    await hostGate.WaitAsync(CancellationToken.None);
                    try
                    {
                        currentHost.Kill();
                        var restart = Stopwatch.GetTimestamp();
                        await currentHost.DisposeAsync();
                        currentHost = await ChildHost.StartAsync(settings);
                        hubBase = currentHost.BaseAddress;
                        lastCount = 0;
                        notes[minute] = $"hub -9, answering again {Stopwatch.GetElapsedTime(restart).TotalSeconds:0.0} s later";
                    }
                    finally
                    {
                        hostGate.Release();
                    }
                }

                if (!frozen && Stopwatch.GetElapsedTime(started) >= freezeAt)
                {
                    frozen = true;
                    var minute = Minute();
                    progress.WriteLine($"   minute {minute}: Azurite frozen for {FreezeFor.TotalSeconds:0} s");
                    notes[minute] = $"Azurite SIGSTOP {FreezeFor.TotalSeconds:0} s";
                    Signal("STOP", azurite.ProcessId);
                    _ = Task.Delay(FreezeFor).ContinueWith(_ => Signal("CONT", azurite.ProcessId), TaskScheduler.Default);
                }

                var pick = random.NextDouble();
                Task work = pick switch
                {
                    < 0.50 => SendWebhookAsync(registry, Report(n)),
                    < 0.65 => OrderAsync(registry, n),
                    < 0.80 => SendWebhookAsync(registry, Points(n)),
                    < 0.90 => StatusAsync(n),
                    < 0.97 => SendWebhookAsync(registry, Gig(gig++)),
                    _ => RetryAsync(registry, random),
                };
                lock (inFlight)
                {
                    inFlight.Add(work);
                }

                if (n % (long)(rate * 60) == 0 && n > 0)
                {
                    progress.WriteLine($"   minute {Minute()}: {accepted.Count} items accepted, {problems.Count} refused for good, {minutes.Values.Sum(m => m.ErrorCount)} error answers so far");

                    // The minute before, as its row will read: a run that never reaches its end still says what it saw.
                    if (minutes.TryGetValue(Minute() - 1, out var ended))
                    {
                        PrintMinutes([RowOf(Minute() - 1, ended)], progress);
                    }
                }
            }

            Task[] pending;
            lock (inFlight)
            {
                pending = [.. inFlight];
            }

            await Task.WhenAll(pending);
            var checks = await CheckAsync(azurite, prefix, city, platform, stop.Token);
            await stop.CancelAsync();
            await sampler;
            await codeReader;
            if (unplannedExits.IsEmpty)
            {
                checks = [.. checks, "The hub exited on its own: 0 times."];
            }
            else
            {
                checks = [.. checks, $"The hub exited on its own: {unplannedExits.Count} times (restarted each time):", .. unplannedExits];
            }

            var rows = minutes.OrderBy(m => m.Key).Select(m => RowOf(m.Key, m.Value)).ToList();
            await currentHost.StopAsync(TimeSpan.FromSeconds(15));
            await currentHost.DisposeAsync();
            return new SoakRun(rate, LoadAverage(), rows, checks, null, OnDisk: options.SoakDisk);
        }
        finally
        {
            await host.DisposeAsync();
            await city.DisposeAsync();
            await open311.DisposeAsync();
            await platform.DisposeAsync();
            await other.DisposeAsync();
            await azurite.DisposeAsync();
            File.Delete(registry.RegistryPath);
            folder.Delete(recursive: true);
        }
    }

    private async Task<IReadOnlyList<SoakMinute>> RunBareAsync(bool withCells)
    {
        var folder = Directory.CreateTempSubdirectory("soak-bare-");
        var azurite = await StartAzuriteAsync(folder.FullName);
        try
        {
            var queue = new QueueClient(azurite.ConnectionString, "bare-accepted", StorageLimitClient.QueueOptions);
            var table = new TableClient(azurite.ConnectionString, "BareReports");
            var cells = new TableClient(azurite.ConnectionString, "BareCells");
            await queue.CreateIfNotExistsAsync();
            await table.CreateIfNotExistsAsync();
            await cells.CreateIfNotExistsAsync();
            var client = new StorageLimitClient(queue, table, "bare" + Guid.NewGuid().ToString("N")[..6], new Pseudonyms(RandomNumberGenerator.GetBytes(32)).Courier(Platform, "courier-42"));
            minutes.Clear();
            var azuriteRss = new ConcurrentDictionary<int, long>();
            started = Stopwatch.GetTimestamp();
            using var stop = new CancellationTokenSource();
            var reader = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    azuriteRss.AddOrUpdate(Minute(), Rss(azurite.ProcessId), (_, held) => Math.Max(held, Rss(azurite.ProcessId)));
                    var messages = (await queue.ReceiveMessagesAsync(32, cancellationToken: CancellationToken.None)).Value;
                    await Task.WhenAll(messages.Select(m => queue.DeleteMessageAsync(m.MessageId, m.PopReceipt)));
                    if (messages.Length == 0)
                    {
                        await Task.Delay(200, CancellationToken.None);
                    }
                }
            });
            var total = (long)(options.SoakDuration.TotalSeconds * options.SoakRate);
            var work = new List<Task>();
            for (long n = 0; n < total; n++)
            {
                var wait = TimeSpan.FromSeconds(n / options.SoakRate) - Stopwatch.GetElapsedTime(started);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait);
                }

                var number = n;
                work.Add(Task.Run(async () =>
                {
                    var minute = Minute();
                    var counts = minutes.GetOrAdd(minute, _ => new MinuteCounts());
                    counts.Sent();
                    var at = Stopwatch.GetTimestamp();
                    try
                    {
                        if (withCells)
                        {
                            await DuplicateCellsAsync(cells, number);
                        }

                        await client.SendAndStoreAsync(number, CancellationToken.None);
                        counts.Answer(200, Stopwatch.GetElapsedTime(at).TotalMilliseconds);
                    }
                    catch (Azure.RequestFailedException exception)
                    {
                        counts.Answer(exception.Status, Stopwatch.GetElapsedTime(at).TotalMilliseconds);
                    }
                }));
            }

            await Task.WhenAll(work);
            await stop.CancelAsync();
            await reader;
            return [.. minutes.OrderBy(m => m.Key).Select(m => m.Value.Row(m.Key, 0, azuriteRss.GetValueOrDefault(m.Key), string.Empty))];
        }
        finally
        {
            await azurite.DisposeAsync();
            folder.Delete(recursive: true);
        }
    }

    /// <summary>
    /// What the hub's duplicate check costs a report in storage (DuplicateClaims): the nine cells around its
    /// place read at once (point reads, one partition per city and category), then its own cell written.
    /// Places spread as the soak's reports do, so the partition grows as CityRequests does.
    /// </summary>
    private static async Task DuplicateCellsAsync(TableClient cells, long number)
    {
        const string partition = "hangzhou~dup~blocked_fire_exit";
        var (y, x) = (number % 100, number / 100 % 100);
        var reads = new List<Task>(9);
        for (var dy = -1; dy <= 1; dy++)
        {
            for (var dx = -1; dx <= 1; dx++)
            {
                reads.Add(cells.GetEntityIfExistsAsync<TableEntity>(partition, string.Create(CultureInfo.InvariantCulture, $"{y + dy:D6}~{x + dx:D6}")));
            }
        }

        await Task.WhenAll(reads);
        await cells.UpsertEntityAsync(new TableEntity(partition, string.Create(CultureInfo.InvariantCulture, $"{y:D6}~{x:D6}~{number}")) { ["Report"] = "r" + number.ToString(CultureInfo.InvariantCulture) }, TableUpdateMode.Replace);
    }

    /// <summary>Posts a webhook until it is accepted (a 2xx), under its one webhook-id, as a platform retries; keeps the first answer.</summary>
    private async Task SendWebhookAsync(TestRegistry registry, Item item)
    {
        var answer = await UntilAnsweredAsync(() => Webhooks.Signed(item.Path, item.Body, registry.PlatformSigner, item.WebhookId), status => status is 200 or 202);
        if (answer is { } body)
        {
            item.FirstAnswer = body;
            item.HubId = JsonDocument.Parse(body).RootElement.GetProperty("hubId").GetString();
            accepted[item.WebhookId] = item;
        }
    }

    /// <summary>A pickup order: created, then (as the parcel comes) arrival and collection with the code the platform got, each with its own Idempotency-Key.</summary>
    private async Task OrderAsync(TestRegistry registry, long n)
    {
        var item = Order(n);
        await SendWebhookAsync(registry, item);
        if (item.HubId is not { } hubId)
        {
            return;
        }

        var station = $"api/v1/stations/{TestRegistry.Station}/pickup-orders/{hubId}/";
        if (await UntilAnsweredAsync(() => StationPost(station + "arrival", null, "arrive-" + item.Id), status => status == 200) is null)
        {
            return;
        }

        var deadline = Stopwatch.GetTimestamp();
        string? code;
        while (!codes.TryGetValue(item.Id, out code))
        {
            if (Stopwatch.GetElapsedTime(deadline) > TimeSpan.FromMinutes(3))
            {
                problems.Add($"order {item.Id}: no pickup code reached the platform in 3 min");
                return;
            }

            await Task.Delay(250);
        }

        var body = "{\"pickupCode\":\"" + code + "\"}";
        var collection = await UntilAnsweredAsync(() => StationPost(station + "collection", body, "collect-" + item.Id), status => status == 200, late409: true);
        if (collection is not null)
        {
            Interlocked.Increment(ref collected);
            item.Collection = (station + "collection", body, "collect-" + item.Id, collection);
        }
    }

    private async Task StatusAsync(long n)
    {
        var (id, key) = Stations[n % Stations.Length];
        var open = n % 3 != 0;
        var body = string.Create(CultureInfo.InvariantCulture, $"{{\"open\":{(open ? "true" : "false")},\"chargers\":{{\"free\":{n % 4},\"total\":8}},\"observedAt\":\"{TimeProvider.System.GetUtcNow():yyyy-MM-dd'T'HH:mm:ss.fff'Z'}\"}}");
        await UntilAnsweredAsync(() =>
        {
            var request = new HttpRequestMessage(HttpMethod.Put, $"api/v1/stations/{id}/status") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            request.Headers.Add("x-api-key", key);
            return request;
        }, status => status == 200);
    }

    /// <summary>A deliberate retry of something already answered: the same webhook-id (or Idempotency-Key) and body; the answer must be the first, byte for byte.</summary>
    private async Task RetryAsync(TestRegistry registry, Random random)
    {
        var done = accepted.Values.Where(i => i.FirstAnswer is not null).Take(2000).ToList();
        if (done.Count == 0)
        {
            return;
        }

        var item = done[random.Next(done.Count)];
        string? answer;
        string? first;
        if (item.Collection is { } keyed)
        {
            (answer, first) = (await UntilAnsweredAsync(() => StationPost(keyed.Path, keyed.Body, keyed.Key), status => status < 500 && status != 429), keyed.Answer);
        }
        else
        {
            (answer, first) = (await UntilAnsweredAsync(() => Webhooks.Signed(item.Path, item.Body, registry.PlatformSigner, item.WebhookId), status => status is 200 or 202), item.FirstAnswer);
        }

        if (answer is null)
        {
            return;
        }

        if (answer == first)
        {
            Interlocked.Increment(ref retriesSame);
        }
        else
        {
            Interlocked.Increment(ref retriesDiffer);
            problems.Add($"retry of {item.Id}: {answer} after {first}");
        }
    }

    private static HttpRequestMessage StationPost(string path, string? body, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = body is null ? null : new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("x-api-key", TestRegistry.StationKey);
        request.Headers.Add("Idempotency-Key", key);
        return request;
    }

    /// <summary>
    /// Sends until an answer <paramref name="done"/> accepts comes (retrying no answer, 5xx and 429 with
    /// exponential backoff, for at most 5 minutes); every answer counted in its minute. Null when none came, or one that is
    /// not retried and not accepted (a problem).
    /// </summary>
    private async Task<string?> UntilAnsweredAsync(Func<HttpRequestMessage> build, Func<int, bool> done, bool late409 = false)
    {
        var first = Stopwatch.GetTimestamp();
        var retried = false;
        var attempt = 0;
        while (Stopwatch.GetElapsedTime(first) < TimeSpan.FromMinutes(5))
        {
            var counts = minutes.GetOrAdd(Minute(), _ => new MinuteCounts());
            counts.Sent();
            var at = Stopwatch.GetTimestamp();
            try
            {
                using var request = build();
                request.RequestUri = new Uri(hubBase!, request.RequestUri!);
                using var response = await client!.SendAsync(request);
                var status = (int)response.StatusCode;
                var body = await response.Content.ReadAsStringAsync();
                counts.Answer(status, Stopwatch.GetElapsedTime(at).TotalMilliseconds);
                if (done(status))
                {
                    return body;
                }

                if (status < 500 && status != 429)
                {
                    if (late409 && retried && status == 409)
                    {
                        Interlocked.Increment(ref lateConflicts);
                    }

                    problems.Add($"{request.RequestUri}: {status} {body}");
                    return null;
                }
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
            {
                counts.Answer(0, Stopwatch.GetElapsedTime(at).TotalMilliseconds);
            }

            // As platforms back off: 1 s, 2 s, 4 s ... up to 30 s, with jitter, so a slow hub is not buried in retries.
            attempt++;
            retried = true;
            await Task.Delay(TimeSpan.FromSeconds(Math.Min(30, Math.Pow(2, attempt - 1)) * (0.8 + (RandomNumberGenerator.GetInt32(0, 401) / 1000.0))));
        }

        return null;
    }

    /// <summary>Reads the platform's pickup_order.ready notices as they come, for their codes.</summary>
    private async Task ReadCodesAsync(TestReceiver platform, CancellationToken cancellationToken)
    {
        var seen = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            var all = platform.All;
            for (; seen < all.Count; seen++)
            {
                if (!all[seen].Text.Contains("pickup_order.ready", StringComparison.Ordinal))
                {
                    continue;
                }

                var data = JsonDocument.Parse(all[seen].Body).RootElement.GetProperty("data");
                codes[data.GetProperty("orderId").GetString()!] = data.GetProperty("pickupCode").GetString()!;
            }

            await Task.Delay(200, CancellationToken.None);
        }
    }

    /// <summary>Waits until the hub is quiet, then checks every promise; each line says what held.</summary>
    private async Task<IReadOnlyList<string>> CheckAsync(AzuriteProcess azurite, string prefix, TestReceiver city, TestReceiver platform, CancellationToken cancellationToken)
    {
        var queues = new QueueServiceClient(azurite.ConnectionString, StorageLimitClient.QueueOptions);
        var tables = new TableServiceClient(azurite.ConnectionString);
        var quiet = Stopwatch.StartNew();
        var looks = 0;
        while (looks < 2 && quiet.Elapsed < TimeSpan.FromMinutes(5))
        {
            var queued = 0;
            foreach (var queue in Queues.All)
            {
                queued += (await queues.GetQueueClient(prefix + queue).GetPropertiesAsync(cancellationToken)).Value.ApproximateMessagesCount;
            }

            looks = queued == 0 ? looks + 1 : 0;
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        }

        var lines = new List<string> { $"Quiet {quiet.Elapsed.TotalSeconds:0} s after the load ended." };
        var poisoned = 0;
        foreach (var queue in Queues.All)
        {
            poisoned += (await queues.GetQueueClient(prefix + queue + Queues.PoisonSuffix).GetPropertiesAsync(cancellationToken)).Value.ApproximateMessagesCount;
        }

        lines.Add($"Poison: {poisoned} messages.");
        var byKind = accepted.Values.GroupBy(i => i.Kind).ToDictionary(g => g.Key, g => g.ToList());
        var reports = byKind.GetValueOrDefault("report", []).Select(i => i.HubId!).ToHashSet(StringComparer.Ordinal);
        var routed = city.All.Where(r => r.Text.Contains("hazard_report.routed", StringComparison.Ordinal))
            .Select(r => (Subject: JsonDocument.Parse(r.Body).RootElement.GetProperty("data").GetProperty("service_request_id").GetString()!, r.WebhookId)).ToList();
        var routedIds = routed.GroupBy(r => r.Subject).ToDictionary(g => g.Key, g => g.Select(r => r.WebhookId).Distinct().Count(), StringComparer.Ordinal);
        lines.Add($"Reports: {reports.Count} accepted, {reports.Count(routedIds.ContainsKey)} delivered to the city, {reports.Count(r => !routedIds.ContainsKey(r))} lost, "
            + $"{routedIds.Count(r => r.Value > 1)} under two webhook-ids (doubled), {routedIds.Keys.Count(k => !reports.Contains(k))} not accepted; {routed.Count} deliveries in all (repeats of one webhook-id allowed).");
        var transactions = byKind.GetValueOrDefault("points", []).Select(i => i.Id).ToHashSet(StringComparer.Ordinal);
        var told = platform.All.Where(r => r.Text.Contains("points.balance_changed", StringComparison.Ordinal))
            .Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("data").GetProperty("transactionId").GetString()!).ToHashSet(StringComparer.Ordinal);
        lines.Add($"Points: {transactions.Count} accepted, {transactions.Count(told.Contains)} told to the platform, {transactions.Count(t => !told.Contains(t))} not told.");
        var orders = byKind.GetValueOrDefault("order", []);
        var collectedTold = platform.All.Count(r => r.Text.Contains("pickup_order.collected", StringComparison.Ordinal));
        lines.Add($"Pickup orders: {orders.Count} accepted, {Volatile.Read(ref collected)} collected (each with its key), {collectedTold} pickup_order.collected notices; "
            + $"collections answered 409 after a retry: {Volatile.Read(ref lateConflicts)}.");
        lines.Add($"Gig work: {byKind.GetValueOrDefault("gig", []).Count} events accepted.");
        lines.Add($"Retries under the same webhook-id or key: {Volatile.Read(ref retriesSame)} got the first answer byte for byte, {Volatile.Read(ref retriesDiffer)} did not.");
        var notices = platform.All.Where(r => r.Text.Contains("station.status_changed", StringComparison.Ordinal)).GroupBy(r => r.WebhookId).ToList();
        lines.Add($"station.status_changed: {notices.Count} webhook-ids, {notices.Count(g => g.Select(r => r.Text).Distinct().Count() > 1)} with two bodies.");

        // The ledger's entries, each source once: what was accepted, no more, no less.
        var ledger = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        await foreach (var table in tables.QueryAsync(TableServiceClient.CreateQueryFilter($"TableName ge {prefix + Tables.LedgerEntries} and TableName lt {prefix + Tables.LedgerEntries + "~"}"), cancellationToken: cancellationToken))
        {
            await foreach (var entry in tables.GetTableClient(table.Name).QueryAsync<TableEntity>(select: ["Kind", "SourceId"], cancellationToken: cancellationToken))
            {
                if (entry.GetString("Kind") is { } kind)
                {
                    (ledger.TryGetValue(kind, out var list) ? list : ledger[kind] = []).Add(entry.GetString("SourceId") ?? string.Empty);
                }
            }
        }

        lines.Add(LedgerLine("report.received", ledger.GetValueOrDefault(global::StationHub.Ledger.LedgerKinds.ReportReceived, []), reports));
        lines.Add(LedgerLine("pickup.received", ledger.GetValueOrDefault(global::StationHub.Ledger.LedgerKinds.PickupReceived, []), orders.Select(o => o.HubId!).ToHashSet(StringComparer.Ordinal)));
        lines.Add(LedgerLine("points.issued.*", ledger.Where(l => l.Key.StartsWith("points.issued.", StringComparison.Ordinal)).SelectMany(l => l.Value).ToList(),
            byKind.GetValueOrDefault("points", []).Select(i => global::StationHub.Points.PointsIntake.HubTransactionId(Platform, i.Id)).ToHashSet(StringComparer.Ordinal)));
        lines.Add($"Other answers that are not retried ({problems.Count}): {string.Join(" | ", problems.Take(5))}");
        return lines;
    }

    private static string LedgerLine(string what, IReadOnlyCollection<string> sources, IReadOnlySet<string> expected)
    {
        var counts = sources.GroupBy(s => s, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        return $"Ledger {what}: {expected.Count} accepted, {expected.Count(counts.ContainsKey)} entered, {expected.Count(e => !counts.ContainsKey(e))} missing, "
            + $"{counts.Count(c => c.Value > 1)} twice, {counts.Keys.Count(k => !expected.Contains(k))} not accepted.";
    }

    private static Item Report(long n)
    {
        var id = "soak-r" + n.ToString(CultureInfo.InvariantCulture);
        return new Item("report", id, $"api/v1/platforms/{Platform}/hazard-reports", Webhooks.HazardReport(id));
    }

    private static Item Points(long n)
    {
        var id = "soak-t" + n.ToString(CultureInfo.InvariantCulture);
        var body = $$$"""{"type":"points.earned","timestamp":"2026-11-22T08:00:00Z","data":{"transactionId":"{{{id}}}","courierId":"{{{Couriers[n % Couriers.Length]}}}","task":"{{{Tasks[n % Tasks.Length]}}}","stationId":"{{{TestRegistry.Station}}}"}}""";
        return new Item("points", id, $"api/v1/platforms/{Platform}/points-transactions", body);
    }

    private static Item Order(long n)
    {
        var id = "soak-o" + n.ToString(CultureInfo.InvariantCulture);
        var body = "{\"type\":\"pickup_order.created\",\"timestamp\":\"2026-11-22T08:00:00Z\",\"data\":{" +
            $"\"orderId\":\"{id}\",\"stationId\":\"{TestRegistry.Station}\",\"parcels\":1,\"handlingFeeFen\":100,\"commissionFen\":50,\"pickupWithinHours\":72}}}}";
        return new Item("order", id, $"api/v1/platforms/{Platform}/pickup-orders", body);
    }

    /// <summary>Gig event i: job j{i/3}, then its match, then the match's pay (sent in that order, a few seconds apart at the soak's rate).</summary>
    private static Item Gig(int i)
    {
        var (job, match) = ($"soak-j{i / 3}", $"soak-m{i / 3}");
        var t0 = TimeProvider.System.GetUtcNow().AddHours(-6);
        var iso = (DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var data = (i % 3) switch
        {
            0 => ("gig_job.posted", $"\"jobId\":\"{job}\",\"stationId\":\"{TestRegistry.Station}\",\"workersWanted\":2,\"trade\":\"porter\",\"postedAt\":\"{iso(t0)}\",\"payFen\":20000"),
            1 => ("gig_match.made", $"\"matchId\":\"{match}\",\"jobId\":\"{job}\",\"workerId\":\"soak-worker-{i % 7}\",\"matchedAt\":\"{iso(t0.AddHours(1))}\""),
            _ => ("gig_match.paid", $"\"matchId\":\"{match}\",\"paidAt\":\"{iso(t0.AddHours(3))}\",\"amountFen\":18000"),
        };
        var body = $"{{\"type\":\"{data.Item1}\",\"timestamp\":\"2026-11-22T08:00:00Z\",\"data\":{{{data.Item2}}}}}";
        return new Item("gig", "soak-g" + i.ToString(CultureInfo.InvariantCulture), $"api/v1/platforms/{Platform}/gig-work", body);
    }

    /// <summary>
    /// In memory by default (as every other part); on disk with <c>--soak-disk yes</c>, as the issue's soak
    /// ran. A loaded machine can take more than the start timeout, so up to three tries.
    /// </summary>
    private async Task<AzuriteProcess> StartAzuriteAsync(string folder)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await AzuriteProcess.StartAsync(options.SoakDisk ? folder : null);
            }
            catch (TimeoutException) when (attempt < 3)
            {
            }
        }
    }

    private int Minute() => (int)(Stopwatch.GetElapsedTime(started).TotalMinutes) + 1;

    private static long Rss(int pid) => ProcessMetrics.Memory(pid)?.Rss ?? 0;

    private static void Signal(string signal, int pid)
    {
        using var kill = Process.Start("kill", ["-" + signal, pid.ToString(CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    /// <summary>One item the clients send until it is accepted, under one webhook-id.</summary>
    private sealed class Item(string kind, string id, string path, string body)
    {
        public string Kind { get; } = kind;

        public string Id { get; } = id;

        public string Path { get; } = path;

        public string Body { get; } = body;

        public string WebhookId { get; } = "msg_" + id;

        public string? FirstAnswer { get; set; }

        public string? HubId { get; set; }

        public (string Path, string Body, string Key, string Answer)? Collection { get; set; }
    }

    private sealed class MinuteCounts
    {
        private readonly ConcurrentBag<double> latencies = [];
        private readonly ConcurrentDictionary<string, int> errors = new(StringComparer.Ordinal);
        private int sent;
        private int answered;

        public int ErrorCount => errors.Values.Sum();

        public void Sent() => Interlocked.Increment(ref sent);

        public void Answer(int status, double milliseconds)
        {
            if (status != 0)
            {
                Interlocked.Increment(ref answered);
                latencies.Add(milliseconds);
            }

            if (status is 0 or >= 400)
            {
                errors.AddOrUpdate(status == 0 ? "none" : status.ToString(CultureInfo.InvariantCulture), 1, (_, n) => n + 1);
            }
        }

        public SoakMinute Row(int minute, long hubRss, long azuriteRss, string note, long? storageRequests = null)
        {
            var summary = LatencySummary.Of(latencies);
            double? perItem = storageRequests is { } counted && answered > 0 ? (double)counted / answered : null;
            return new SoakMinute(minute, sent / 60.0, answered / 60.0, summary.P50, summary.P99, new Dictionary<string, int>(errors, StringComparer.Ordinal), hubRss / 1048576.0, azuriteRss / 1048576.0, note, perItem);
        }
    }
}

/// <summary>A soak's result: per minute, and the end checks (one line each).</summary>
public sealed record SoakRun(double Rate, string LoadAverage, IReadOnlyList<SoakMinute> Minutes, IReadOnlyList<string> Checks, IReadOnlyList<SoakMinute>? Bare, IReadOnlyList<SoakMinute>? BareWithCells = null, bool OnDisk = false);

/// <param name="StoragePerItem">The hub's storage requests in the minute (its own count, idle polls left out) per request answered in it: the whole cost of the work that minute, end to end, not only its intake.</param>
public sealed record SoakMinute(int Minute, double SentPerSecond, double AnsweredPerSecond, double P50, double P99, IReadOnlyDictionary<string, int> Errors, double HubRssMb, double AzuriteRssMb, string Note, double? StoragePerItem = null);
