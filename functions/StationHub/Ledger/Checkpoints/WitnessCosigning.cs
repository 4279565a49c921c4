using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;
using StationHub.Delivery;
using StationHub.Ledger.Integrity;
using StationHub.Platform.Json;
using StationHub.Platform.Registry;
using StationHub.Platform.Storage;
using StationHub.Triggers;

namespace StationHub.Ledger.Checkpoints;

/// <summary>Ask one witness to cosign the ledger's latest checkpoint (queued after each new checkpoint; retries are new messages).</summary>
public sealed record LedgerWitnessRequested(int SchemaVersion, string CorrelationId, DateTimeOffset OccurredAt, string WitnessId, string Date, int Attempt)
{
    public const int CurrentSchemaVersion = 1;
}

/// <summary>Queues one <see cref="LedgerWitnessRequested"/> per witness of the registry.</summary>
public sealed class WitnessRequests(HubStorage storage, HubRegistry registry, TimeProvider time)
{
    public async Task RequestAllAsync(string date, CancellationToken cancellationToken = default)
    {
        foreach (var witness in registry.Witnesses)
        {
            var message = new LedgerWitnessRequested(LedgerWitnessRequested.CurrentSchemaVersion, "ledger-" + date + "-" + witness.Id, time.GetUtcNow(), witness.Id, date, 0);
            await RequestAsync(message, null, cancellationToken);
        }
    }

    public Task RequestAsync(LedgerWitnessRequested message, TimeSpan? delay, CancellationToken cancellationToken = default) =>
        storage.SendAsync(Queues.LedgerWitness, message, HubJsonContext.Default.LedgerWitnessRequested, delay, cancellationToken);
}

/// <summary>
/// Queue function over <c>ledger-witness</c>: calls a witness's C2SP tlog-witness
/// <c>add-checkpoint</c> with the size it last cosigned, the RFC 9162 consistency proof from there
/// and the latest checkpoint, and keeps the cosignature it answers (checked against the witness's
/// key) to serve appended to that checkpoint. A 409 tells the witness's own size: the request is
/// made again from there. A witness that is down or refuses is tried again on the delivery
/// schedule, and in any case with the next day's checkpoint; sealing never waits for it.
/// </summary>
public sealed partial class WitnessCosigning(
    IHttpClientFactory httpClients,
    HubRegistry registry,
    LedgerCheckpoints checkpoints,
    LedgerTreeStore tree,
    WitnessRequests requests,
    RetryPolicy retries,
    ILogger<WitnessCosigning> logger)
{
    public const string HttpClientName = "witnesses";

    /// <summary>How many times one message follows a witness's 409 before it waits for a retry.</summary>
    private const int ResubmitsAfterConflict = 2;

    public async Task HandleAsync(BinaryData body, CancellationToken cancellationToken = default)
    {
        var message = QueueMessages.Read(body, HubJsonContext.Default.LedgerWitnessRequested);
        if (registry.FindWitness(message.WitnessId) is not { } witness)
        {
            Log.UnknownWitness(logger, message.WitnessId);
            return;
        }

        // Whatever day the message was for, the newest checkpoint is the one worth cosigning.
        if (await checkpoints.LatestAsync(cancellationToken) is not { } latest)
        {
            return;
        }

        var error = await SubmitAsync(witness, latest, cancellationToken);
        if (error is null)
        {
            return;
        }

        if (retries.NextDelay(message.Attempt, null) is { } delay)
        {
            await requests.RequestAsync(message with { Attempt = message.Attempt + 1 }, delay < TimeSpan.FromDays(7) ? delay : TimeSpan.FromDays(6), cancellationToken);
            Log.Retrying(logger, witness.Id, latest.RowKey, message.Attempt + 1, error, delay);
        }
        else
        {
            Log.GaveUp(logger, witness.Id, latest.RowKey, message.Attempt + 1, error);
        }
    }

    /// <summary>Null when the witness cosigned; otherwise why not.</summary>
    private async Task<string?> SubmitAsync(LedgerWitness witness, LedgerCheckpointEntity latest, CancellationToken cancellationToken)
    {
        var verifier = NoteVerifier.Parse(witness.VerifierKey);
        var text = SignedNote.Parse(latest.Note).Text;
        var oldSize = await tree.WitnessSizeAsync(witness.Id, cancellationToken);
        var client = httpClients.CreateClient(HttpClientName);
        for (var attempt = 0; attempt <= ResubmitsAfterConflict; attempt++)
        {
            if (oldSize > latest.TreeSize)
            {
                Log.WitnessAhead(logger, witness.Id, oldSize, latest.TreeSize);
                return $"the witness has cosigned size {oldSize}, beyond the hub's {latest.TreeSize}";
            }

            var proof = await checkpoints.ConsistencyAsync(oldSize, latest.TreeSize, cancellationToken);
            var request = new AddCheckpointRequest(oldSize, proof, latest.Note);
            HttpResponseMessage response;
            string answer;
            try
            {
                using var content = new StringContent(request.ToString(), Encoding.UTF8, "text/plain");
                response = await client.PostAsync(new Uri(witness.Url.AbsoluteUri.TrimEnd('/') + "/add-checkpoint"), content, cancellationToken);
                answer = await response.Content.ReadAsStringAsync(cancellationToken);
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                return exception.Message;
            }

            using (response)
            {
                if (response.StatusCode == HttpStatusCode.Conflict
                    && response.Content.Headers.ContentType?.MediaType == AddCheckpointRequest.SizeContentType
                    && long.TryParse(answer.TrimEnd('\n'), NumberStyles.None, CultureInfo.InvariantCulture, out var witnessSize))
                {
                    Log.WitnessSize(logger, witness.Id, witnessSize, oldSize);
                    oldSize = witnessSize;
                    await tree.SaveWitnessSizeAsync(witness.Id, witnessSize, cancellationToken);
                    continue;
                }

                if (!response.IsSuccessStatusCode)
                {
                    return $"{(int)response.StatusCode}: {answer.Trim()}";
                }
            }

            var cosignatures = new List<string>();
            foreach (var line in answer.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                try
                {
                    if (verifier.Verifies(text, SignedNote.ParseLine(line)))
                    {
                        cosignatures.Add(line + "\n");
                    }
                }
                catch (FormatException)
                {
                    // Not a signature line: ignored, as the spec asks of unknown lines.
                }
            }

            if (cosignatures.Count == 0)
            {
                return "the answer holds no cosignature from the witness's key";
            }

            await tree.SaveCosignatureAsync(latest.RowKey, witness.Id, cosignatures[0], cancellationToken);
            await tree.SaveWitnessSizeAsync(witness.Id, latest.TreeSize, cancellationToken);
            Log.Cosigned(logger, witness.Id, latest.RowKey, latest.TreeSize);
            return null;
        }

        return "the witness kept answering 409";
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 5021, Level = LogLevel.Information, Message = "Witness {WitnessId} cosigned the checkpoint of {Date} (tree size {TreeSize})")]
        public static partial void Cosigned(ILogger logger, string witnessId, string date, long treeSize);

        [LoggerMessage(EventId = 5022, Level = LogLevel.Warning, Message = "Witness {WitnessId} did not cosign the checkpoint of {Date} (try {Attempt}): {Error}; trying again in {Delay}")]
        public static partial void Retrying(ILogger logger, string witnessId, string date, int attempt, string error, TimeSpan delay);

        [LoggerMessage(EventId = 5023, Level = LogLevel.Error, Message = "Witness {WitnessId} did not cosign the checkpoint of {Date} after {Attempts} tries: {Error}; the next checkpoint will ask again")]
        public static partial void GaveUp(ILogger logger, string witnessId, string date, int attempts, string error);

        [LoggerMessage(EventId = 5024, Level = LogLevel.Information, Message = "Witness {WitnessId} has cosigned up to size {WitnessSize} (the hub thought {OldSize}); asking again from there")]
        public static partial void WitnessSize(ILogger logger, string witnessId, long witnessSize, long oldSize);

        [LoggerMessage(EventId = 5025, Level = LogLevel.Critical, Message = "Witness {WitnessId} has cosigned a tree of size {WitnessSize}, larger than the hub's {TreeSize}: someone else signed with the hub's key, or its storage was rolled back")]
        public static partial void WitnessAhead(ILogger logger, string witnessId, long witnessSize, long treeSize);

        [LoggerMessage(EventId = 5026, Level = LogLevel.Warning, Message = "A witness request names {WitnessId}, which the registry no longer lists; dropped")]
        public static partial void UnknownWitness(ILogger logger, string witnessId);
    }
}
