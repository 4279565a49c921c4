using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using StationHub.Platform;
using StationHub.Platform.Http;
using StationHub.Platform.Json;
using StationHub.Platform.Security;
using StationHub.Platform.Storage;
using StationHub.Triggers;

namespace StationHub.LocalHost.Hosting;

/// <summary>
/// Checks the settings and prepares storage (<see cref="HubStartup"/>), then starts a listener for
/// each queue function and a scheduler for each timer function of the trigger table, and stops them
/// with the host. It also runs a non-HTTP function on demand, as the Functions host's
/// <c>POST /admin/functions/{name}</c> does.
/// </summary>
public sealed partial class TriggerRuntime(
    HubStorage storage,
    QueueTriggerSettings queueSettings,
    IServiceProvider services,
    TimeProvider time,
    ILoggerFactory logs,
    IConfiguration configuration,
    ApiKeys apiKeys,
    HubActivity activity) : IHostedService
{
    public const string DisabledSetting = "LocalHost:TriggersDisabled";

    /// <summary>Hex SHA-256 of the key the local host takes in <see cref="FunctionsKeyHeader"/>, as the Functions host takes its master key (none by default).</summary>
    public const string MasterKeyHashSetting = "LocalHost:MasterKeyHash";

    /// <summary>The Functions host's header for a function or master key.</summary>
    public const string FunctionsKeyHeader = "x-functions-key";

    private readonly List<BackgroundService> running = [];
    private readonly ConcurrentDictionary<Task, bool> onDemand = new();
    private readonly CancellationTokenSource stopping = new();
    private readonly ILogger logger = logs.CreateLogger<TriggerRuntime>();

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await HubStartup.PrepareAsync(services, cancellationToken);
        if (configuration.GetValue<bool>(DisabledSetting))
        {
            return;
        }

        // A function turned off by its app setting (AzureWebJobs.{name}.Disabled) neither polls nor fires, as on the Functions host.
        foreach (var function in HubTriggers.Queue.Where(IsEnabled))
        {
            running.Add(new QueueTriggerListener(function, storage, queueSettings, services, time, logs.CreateLogger<QueueTriggerListener>(), activity));
        }

        foreach (var function in HubTriggers.Timer.Where(IsEnabled))
        {
            running.Add(new TimerTriggerScheduler(function, storage, services, time, logs.CreateLogger<TimerTriggerScheduler>(), activity));
        }

        foreach (var service in running)
        {
            await service.StartAsync(cancellationToken);
        }
    }

    private bool IsEnabled(TriggerFunction function) => !function.IsDisabled(name => configuration[name]);

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await Task.WhenAll(running.Select(service => service.StopAsync(cancellationToken)));
        await stopping.CancelAsync();
        await Task.WhenAll(onDemand.Keys).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        foreach (var service in running)
        {
            service.Dispose();
        }
    }

    /// <summary>
    /// <c>POST /admin/functions/{name}</c> with <c>{"input": "..."}</c>: starts a queue function on
    /// that input as its message, or a timer function now, and answers 202 at once; 404 for a name
    /// that is not a queue or timer function; 401 without an administrator's key or the master key, as the Functions host.
    /// </summary>
    public async Task RunNowAsync(HttpContext context, string name)
    {
        // Like the Functions host's admin API: a caller proves itself (any local page could otherwise
        // run a timer, or hand a queue function a forged message).
        if (!MayRunNow(context.Request))
        {
            await HttpFunctionRunner.WriteAsync(context, HubResponse.Problem(Problem.Unauthorized(
                $"Running a function now takes an administrator's x-api-key, or the Functions host's master key in {FunctionsKeyHeader}.")));
            return;
        }

        var function = HubTriggers.Find(name);
        if (function is not (QueueFunction or TimerFunction))
        {
            await HttpFunctionRunner.WriteAsync(context, HubResponse.Problem(Problem.NotFound($"No queue or timer function is named '{name}'.")));
            return;
        }

        string? input = null;
        if (context.Request.ContentLength is not 0 && context.Request.HasJsonContentType())
        {
            var read = await RequestBody.ReadAsync(context.Request.Body, context.Request.ContentLength, context.RequestAborted);
            if (read is null || JsonBody.Parse(read, out _) is not { } body || body.RootElement.ValueKind != JsonValueKind.Object)
            {
                await HttpFunctionRunner.WriteAsync(context, HubResponse.Problem(Problem.BadRequest("The body must be a JSON object {\"input\": \"...\"} of at most 64 KiB.")));
                return;
            }

            using (body)
            {
                input = body.RootElement.TryGetProperty("input", out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
            }
        }

        Log.RunningOnDemand(logger, function.Name);
        var counted = activity.Begin();
        var run = function switch
        {
            QueueFunction queue => queue.RunAsync(services, BinaryData.FromString(input ?? string.Empty), dequeueCount: 0, stopping.Token),
            TimerFunction timer => timer.RunAsync(services, stopping.Token),
            _ => Task.CompletedTask,
        };
        onDemand[run] = true;
        _ = run.ContinueWith(
            done =>
            {
                counted.Dispose();
                onDemand.TryRemove(done, out _);
                if (done.Exception is { } exception)
                {
                    Log.OnDemandFailed(logger, exception.GetBaseException(), function.Name);
                }
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        await HttpFunctionRunner.WriteAsync(context, HubResponse.Empty(StationHub.Platform.Http.StatusCodes.Accepted));
    }

    /// <summary>An administrator's <c>x-api-key</c>, or the master key (<see cref="MasterKeyHashSetting"/>) in <c>x-functions-key</c>.</summary>
    private bool MayRunNow(HttpRequest request)
    {
        if (apiKeys.Authenticate(request.Headers[ApiKeyHeader.Name].FirstOrDefault(), PrincipalKind.Admin) is not null)
        {
            return true;
        }

        var presented = request.Headers[FunctionsKeyHeader].FirstOrDefault();
        var stored = configuration[MasterKeyHashSetting];
        if (string.IsNullOrEmpty(presented) || presented.Length > 512 || string.IsNullOrEmpty(stored))
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(ApiKeys.Hash(presented)), Encoding.ASCII.GetBytes(stored.ToLowerInvariant()));
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 9401, Level = LogLevel.Information, Message = "Function {Function} run on demand (POST /admin/functions)")]
        public static partial void RunningOnDemand(ILogger logger, string function);

        [LoggerMessage(EventId = 9402, Level = LogLevel.Error, Message = "Function {Function}, run on demand, failed")]
        public static partial void OnDemandFailed(ILogger logger, Exception exception, string function);
    }
}
