using System.Globalization;
using System.Text.Json;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StationHub.Ledger.Integrity;

namespace StationHub.Ledger;

/// <summary>
/// The two ledger timers. <see cref="CompileTodayAsync"/> (every 15 minutes) publishes the day
/// so far as a draft. <see cref="SealAsync"/> (hourly) seals, in order, every complete day of the
/// city's calendar not yet sealed: its figures from that day's entries alone, the previous day's
/// hash as <c>prevHash</c>, the Merkle root of its figures, and its own hash. A day is added once
/// and never replaced, and is computed from the same data by any host, so a missed run (catching up
/// several days) or a repeated one (two hosts at once) gives the same chain, each day once.
/// </summary>
public sealed class LedgerSealer(LedgerStore store, IOptions<LedgerOptions> options, TimeProvider time, ILogger<LedgerSealer> logger, IEnumerable<ILedgerOutbox>? outboxes = null)
{
    private readonly TimeZoneInfo zone = TimeZoneInfo.FindSystemTimeZoneById(options.Value.TimeZone);

    /// <summary>Today in the city's calendar.</summary>
    public DateOnly Today => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(time.GetUtcNow(), zone).DateTime);

    /// <summary>Writes the facts a flow stored with its changes but has not written yet (<see cref="ILedgerOutbox"/>), so the day read next counts them.</summary>
    private async Task DrainOutboxesAsync(CancellationToken cancellationToken)
    {
        foreach (var outbox in outboxes ?? [])
        {
            await outbox.DrainAsync(cancellationToken);
        }
    }

    public async Task CompileTodayAsync(CancellationToken cancellationToken = default)
    {
        await DrainOutboxesAsync(cancellationToken);
        var today = Today;
        var last = await store.LastSealedBeforeAsync(today, cancellationToken);
        var figures = LedgerDay.Figures(await store.EntriesOfAsync(today, cancellationToken), last?.Outstanding ?? 0);
        var summary = LedgerDay.Summary(today, options.Value.TimeZone, last?.Hash ?? string.Empty, sealedDay: false, figures);
        await store.SaveDraftAsync(
            new LedgerDayEntity
            {
                PartitionKey = LedgerDayEntity.DraftPartition,
                RowKey = LedgerStore.Key(today),
                Json = summary.ToJsonString(),
                Outstanding = figures[LedgerDay.TotalScope][LedgerDay.OutstandingPoints],
            },
            cancellationToken);
        Log.Compiled(logger, LedgerStore.Key(today));
    }

    public async Task<int> SealAsync(CancellationToken cancellationToken = default)
    {
        await DrainOutboxesAsync(cancellationToken);
        // Days before this one are complete and past the grace period: sealable.
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(time.GetUtcNow() - options.Value.SealGrace, zone).DateTime);
        var last = await store.LastSealedBeforeAsync(today, cancellationToken);
        DateOnly day;
        string prevHash;
        long outstanding;
        if (last is null)
        {
            day = options.Value.StartDate is { } start ? DateOnly.ParseExact(start, "yyyy-MM-dd", CultureInfo.InvariantCulture) : today.AddDays(-1);
            prevHash = string.Empty;
            outstanding = 0;
        }
        else
        {
            day = DateOnly.ParseExact(last.RowKey, "yyyy-MM-dd", CultureInfo.InvariantCulture).AddDays(1);
            prevHash = last.Hash!;
            outstanding = last.Outstanding;
        }

        var count = 0;
        for (; day < today; day = day.AddDays(1))
        {
            var sealedDay = await store.FindSealedAsync(day, cancellationToken);
            if (sealedDay is null)
            {
                // Late marks are read before anything they stand for, so a mark set again meanwhile stays.
                var late = await store.LateDaysAsync(cancellationToken);
                await store.MarkSealingAsync(day, cancellationToken);
                var figures = LedgerDay.Figures(await store.EntriesOfAsync(day, cancellationToken), outstanding);
                var (corrections, carried) = await CorrectionsAsync(day, late, cancellationToken);
                figures[LedgerDay.TotalScope][LedgerDay.OutstandingPoints] += LedgerDay.PointsMovement(corrections.Values);
                var summary = LedgerDay.Summary(day, options.Value.TimeZone, prevHash, sealedDay: true, figures, corrections);
                using (var document = JsonDocument.Parse(summary.ToJsonString()))
                {
                    summary[DayHash.HashMember] = DayHash.Compute(document.RootElement);
                }

                var candidate = new LedgerDayEntity
                {
                    RowKey = LedgerStore.Key(day),
                    Json = summary.ToJsonString(),
                    Hash = (string)summary[DayHash.HashMember]!,
                    PrevHash = prevHash,
                    Outstanding = figures[LedgerDay.TotalScope][LedgerDay.OutstandingPoints],
                };
                if (await store.TrySealAsync(candidate, cancellationToken))
                {
                    count++;
                    sealedDay = candidate;
                    Log.Sealed(logger, candidate.RowKey, candidate.Hash);
                    foreach (var mark in carried)
                    {
                        await store.ClearLateAsync(mark, cancellationToken);
                    }

                    if (corrections.Count > 0)
                    {
                        Log.Corrected(logger, candidate.RowKey, string.Join(", ", corrections.Keys));
                    }
                }
                else
                {
                    sealedDay = await store.FindSealedAsync(day, cancellationToken) ?? throw new InvalidOperationException($"Ledger day {day} vanished.");
                }
            }

            prevHash = sealedDay.Hash!;
            outstanding = sealedDay.Outstanding;
        }

        return count;
    }

    /// <summary>
    /// The corrections <paramref name="day"/> carries: for each earlier sealed day marked late, its
    /// additive figures recounted now, less what it published and what the days between already
    /// carried. Returns them with the marks they account for (cleared once the day is sealed).
    /// </summary>
    private async Task<(SortedDictionary<string, SortedDictionary<string, SortedDictionary<string, long>>> Corrections, List<TableEntity> Carried)> CorrectionsAsync(
        DateOnly day, List<TableEntity> late, CancellationToken cancellationToken)
    {
        var corrections = new SortedDictionary<string, SortedDictionary<string, SortedDictionary<string, long>>>(StringComparer.Ordinal);
        var carried = new List<TableEntity>();
        foreach (var mark in late.Where(m => string.CompareOrdinal(m.RowKey, LedgerStore.Key(day)) < 0).OrderBy(m => m.RowKey, StringComparer.Ordinal))
        {
            var original = DateOnly.ParseExact(mark.RowKey, "yyyy-MM-dd", CultureInfo.InvariantCulture);
            if (await store.FindSealedAsync(original, cancellationToken) is not { } sealedOriginal)
            {
                continue; // Not sealed after all: its own seal counts its entries.
            }

            var accounted = new List<(string Scope, string Kind, long Value)>();
            using (var published = JsonDocument.Parse(sealedOriginal.Json))
            {
                accounted.AddRange(LedgerDay.FiguresOf(published.RootElement));
            }

            for (var between = original.AddDays(1); between < day; between = between.AddDays(1))
            {
                if (await store.FindSealedAsync(between, cancellationToken) is { } later)
                {
                    using var document = JsonDocument.Parse(later.Json);
                    accounted.AddRange(LedgerDay.CorrectionsOf(document.RootElement).Where(c => c.Date == mark.RowKey).Select(c => (c.Scope, c.Kind, c.Value)));
                }
            }

            var missing = LedgerDay.Missing(LedgerDay.Figures(await store.EntriesOfAsync(original, cancellationToken), 0), accounted);
            if (missing.Count > 0)
            {
                corrections[mark.RowKey] = missing;
            }

            carried.Add(mark);
        }

        return (corrections, carried);
    }
}

internal static partial class Log
{
    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Ledger day {Date} sealed: {Hash}")]
    public static partial void Sealed(ILogger logger, string date, string hash);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Debug, Message = "Ledger day {Date} compiled so far")]
    public static partial void Compiled(ILogger logger, string date);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Information, Message = "Ledger day {Date} carries corrections to {OriginalDates}")]
    public static partial void Corrected(ILogger logger, string date, string originalDates);
}
