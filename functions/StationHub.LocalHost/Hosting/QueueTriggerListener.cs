using Azure;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using StationHub.Platform.Storage;
using StationHub.Platform.Telemetry;
using StationHub.Triggers;

namespace StationHub.LocalHost.Hosting;

/// <summary>
/// Runs one queue-triggered function the way the Azure Functions queue extension does:
/// fetches up to <c>batchSize</c> messages, fetches again when fewer than
/// <c>newBatchThreshold</c> are in flight, backs off polling an empty queue up to
/// <c>maxPollingInterval</c>, returns a failed message after <c>visibilityTimeout</c>, and
/// after <c>maxDequeueCount</c> tries moves it to <c>{queue}-poison</c>. While a message is
/// processed it stays hidden (renewed at half its lease), so several hosts can compete for one
/// queue. On shutdown it stops fetching, lets work in flight finish within the grace period, and
/// makes anything unfinished visible again at once. A message this process sends to the queue
/// (<see cref="QueueSends"/>), or a failed one it returns, ends an idle wait when it becomes visible, as the
/// Functions host does for its output bindings' messages; any other is found by the next poll.
/// </summary>
public sealed partial class QueueTriggerListener(
    QueueFunction function,
    HubStorage storage,
    QueueTriggerSettings settings,
    IServiceProvider services,
    TimeProvider time,
    ILogger<QueueTriggerListener> logger,
    HubActivity activity) : BackgroundService
{
    /// <summary>How long work in flight may go on after shutdown begins.</summary>
    public static readonly TimeSpan ShutdownGrace = TimeSpan.FromSeconds(10);

    // Raw clients: each message is decoded here, so one that is not base64 goes to poison alone
    // instead of failing every receive of its batch (the SDK decodes a whole batch at once).
    private readonly QueueClient queue = storage.RawQueue(function.Queue);
    private readonly QueueClient poison = storage.RawQueue(function.Queue + Queues.PoisonSuffix);
    private readonly CancellationTokenSource abort = new();
    private readonly Wakeup wakeup = new();
    private CancellationToken stopping;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Polls, deletes and poison moves count as the function's own storage requests.
        using var caller = StorageRequestMetrics.For(function.Name);
        stopping = stoppingToken;
        using var watching = storage.Sends.Watch(function.Queue, WakeIn);
        var inFlight = new List<Task>();
        var delay = settings.MinPollingInterval;
        stoppingToken.Register(() => abort.CancelAfter(ShutdownGrace));
        while (!stoppingToken.IsCancellationRequested)
        {
            inFlight.RemoveAll(task => task.IsCompleted);
            if (inFlight.Count > settings.NewBatchThreshold)
            {
                await ((Task)Task.WhenAny(inFlight)).WaitAsync(stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                continue;
            }

            // A receive counts as a run from before it asks, so a message taken off the queue is never
            // between "visible" and "being processed" unseen by a test waiting for quiet.
            QueueMessage[] messages;
            using var receiving = activity.Begin();
            try
            {
                var response = await queue.ReceiveMessagesAsync(settings.BatchSize, settings.MessageLease, stoppingToken);
                messages = response.Value;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                // Storage is unreachable (restarting, say): back off as for an empty queue.
                Log.PollFailed(logger, function.Queue, exception.GetType().Name, exception.Message);
                messages = [];
            }

            if (messages.Length == 0)
            {
                receiving.Dispose();
                delay = await wakeup.WaitAsync(delay, time, stoppingToken)
                    ? settings.MinPollingInterval
                    : TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, settings.MaxPollingInterval.Ticks));
                continue;
            }

            delay = settings.MinPollingInterval;
            foreach (var message in messages)
            {
                inFlight.Add(ProcessAsync(message, activity.Begin()));
            }
        }

        await Task.WhenAll(inFlight);
    }

    public override void Dispose()
    {
        abort.Dispose();
        base.Dispose();
    }

    /// <summary>Ends the idle wait when a message sent or returned to the queue becomes visible.</summary>
    private void WakeIn(TimeSpan visibleIn)
    {
        if (visibleIn <= TimeSpan.Zero)
        {
            wakeup.Set();
            return;
        }

        _ = Task.Delay(visibleIn, time, stopping).ContinueWith(
            static (waited, state) =>
            {
                if (waited.IsCompletedSuccessfully)
                {
                    ((Wakeup)state!).Set();
                }
            },
            wakeup,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private async Task ProcessAsync(QueueMessage message, HubActivity.Run run)
    {
        using var counted = run;
        try
        {
            await ProcessCoreAsync(message);
        }
        catch (Exception exception)
        {
            // Storage failed while settling the message: it becomes visible again when its lease
            // runs out and is processed again (handlers are idempotent).
            Log.SettleFailed(logger, exception, function.Name, message.MessageId);
        }
    }

    private async Task ProcessCoreAsync(QueueMessage message)
    {
        var receipt = new Receipt(message.PopReceipt);
        if (message.DequeueCount > settings.MaxDequeueCount)
        {
            await MoveToPoisonAsync(message, receipt);
            return;
        }

        if (Decode(message) is not { } body)
        {
            Log.NotBase64(logger, function.Name, message.MessageId);
            await MoveToPoisonAsync(message, receipt);
            return;
        }

        using var renewal = new CancellationTokenSource();
        var renewing = RenewAsync(message, receipt, renewal.Token);
        try
        {
            await function.RunAsync(services, body, message.DequeueCount, abort.Token);
            await renewal.CancelAsync();
            await renewing;
            await queue.DeleteMessageAsync(message.MessageId, receipt.Value, CancellationToken.None);
            Log.Processed(logger, function.Name, message.MessageId, message.DequeueCount);
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
            await renewal.CancelAsync();
            await renewing;
            await ReleaseAsync(message, receipt, TimeSpan.Zero);
            Log.Abandoned(logger, function.Name, message.MessageId);
        }
        catch (Exception exception)
        {
            await renewal.CancelAsync();
            await renewing;
            Log.Failed(logger, exception, function.Name, message.MessageId, message.DequeueCount, settings.MaxDequeueCount);
            if (message.DequeueCount >= settings.MaxDequeueCount)
            {
                await MoveToPoisonAsync(message, receipt);
            }
            else
            {
                await ReleaseAsync(message, receipt, settings.VisibilityTimeout);
            }
        }
    }

    /// <summary>The message's body as the Functions queue extension reads it (base64), or null when it is not base64.</summary>
    private static BinaryData? Decode(QueueMessage message)
    {
        var text = message.Body.ToString();
        var bytes = new byte[text.Length * 3 / 4 + 3];
        return Convert.TryFromBase64String(text, bytes, out var written) ? BinaryData.FromBytes(bytes.AsMemory(0, written)) : null;
    }

    private async Task RenewAsync(QueueMessage message, Receipt receipt, CancellationToken cancellationToken)
    {
        var period = settings.MessageLease / 2;
        try
        {
            while (true)
            {
                await Task.Delay(period, time, cancellationToken);
                var updated = await queue.UpdateMessageAsync(message.MessageId, receipt.Value, visibilityTimeout: settings.MessageLease, cancellationToken: cancellationToken);
                receipt.Value = updated.Value.PopReceipt;
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (RequestFailedException exception)
        {
            Log.RenewFailed(logger, function.Name, message.MessageId, exception.Status);
        }
    }

    private async Task ReleaseAsync(QueueMessage message, Receipt receipt, TimeSpan visibility)
    {
        try
        {
            await queue.UpdateMessageAsync(message.MessageId, receipt.Value, visibilityTimeout: visibility, cancellationToken: CancellationToken.None);
            WakeIn(visibility);
        }
        catch (RequestFailedException exception)
        {
            // The lease ran out or the store is down; the message becomes visible on its own.
            Log.ReleaseFailed(logger, function.Name, message.MessageId, exception.Status);
        }
    }

    private async Task MoveToPoisonAsync(QueueMessage message, Receipt receipt)
    {
        // Copy first, then delete: a crash in between leaves the message in both, never in neither.
        await poison.SendMessageAsync(message.Body, cancellationToken: CancellationToken.None);
        await queue.DeleteMessageAsync(message.MessageId, receipt.Value, CancellationToken.None);
        Log.Poisoned(logger, function.Name, message.MessageId, message.DequeueCount, poison.Name);
    }

    /// <summary>
    /// What an idle listener waits on beside its back-off. Set while the listener is not waiting (it is receiving, say),
    /// it ends the next wait at once, so a message sent in between is never left for a later poll.
    /// </summary>
    private sealed class Wakeup
    {
        private TaskCompletionSource signal = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Set() => Volatile.Read(ref signal).TrySetResult();

        /// <summary>True when set (and then reset for the next wait); false when <paramref name="delay"/> ran out or the wait was cancelled.</summary>
        public async Task<bool> WaitAsync(TimeSpan delay, TimeProvider time, CancellationToken cancellationToken)
        {
            var current = Volatile.Read(ref signal);
            if (!current.Task.IsCompleted)
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                await Task.WhenAny(current.Task, Task.Delay(delay, time, timeout.Token));
                await timeout.CancelAsync();
            }

            if (!current.Task.IsCompleted)
            {
                return false;
            }

            Interlocked.CompareExchange(ref signal, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), current);
            return true;
        }
    }

    private sealed class Receipt(string value)
    {
        public string Value { get; set; } = value;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 9001, Level = LogLevel.Debug, Message = "{Function} processed message {MessageId} (try {DequeueCount})")]
        public static partial void Processed(ILogger logger, string function, string messageId, long dequeueCount);

        [LoggerMessage(EventId = 9002, Level = LogLevel.Warning, Message = "{Function} failed on message {MessageId} (try {DequeueCount} of {MaxDequeueCount})")]
        public static partial void Failed(ILogger logger, Exception exception, string function, string messageId, long dequeueCount, int maxDequeueCount);

        [LoggerMessage(EventId = 9009, Level = LogLevel.Error, Message = "{Function}: message {MessageId} is not base64 and goes to poison at once")]
        public static partial void NotBase64(ILogger logger, string function, string messageId);

        [LoggerMessage(EventId = 9003, Level = LogLevel.Error, Message = "{Function} moved message {MessageId} to {PoisonQueue} after {DequeueCount} tries")]
        public static partial void Poisoned(ILogger logger, string function, string messageId, long dequeueCount, string poisonQueue);

        [LoggerMessage(EventId = 9004, Level = LogLevel.Information, Message = "{Function} gave message {MessageId} back to its queue at shutdown")]
        public static partial void Abandoned(ILogger logger, string function, string messageId);

        [LoggerMessage(EventId = 9005, Level = LogLevel.Warning, Message = "Polling queue {Queue} failed: {ErrorType} {Error}")]
        public static partial void PollFailed(ILogger logger, string queue, string errorType, string? error);

        [LoggerMessage(EventId = 9008, Level = LogLevel.Warning, Message = "{Function} could not settle message {MessageId}; it will be seen again")]
        public static partial void SettleFailed(ILogger logger, Exception exception, string function, string messageId);

        [LoggerMessage(EventId = 9006, Level = LogLevel.Warning, Message = "{Function} could not renew message {MessageId}: {Status}")]
        public static partial void RenewFailed(ILogger logger, string function, string messageId, int status);

        [LoggerMessage(EventId = 9007, Level = LogLevel.Warning, Message = "{Function} could not release message {MessageId}: {Status}")]
        public static partial void ReleaseFailed(ILogger logger, string function, string messageId, int status);
    }
}
