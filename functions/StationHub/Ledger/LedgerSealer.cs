using System.Globalization;
using System.Text.Json;
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
public sealed class LedgerSealer(LedgerStore store, IOptions<LedgerOptions> options, TimeProvider time, ILogger<LedgerSealer> logger)
{
    private readonly TimeZoneInfo zone = TimeZoneInfo.FindSystemTimeZoneById(options.Value.TimeZone);

    /// <summary>Today in the city's calendar.</summary>
    public DateOnly Today => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(time.GetUtcNow(), zone).DateTime);

    public async Task CompileTodayAsync(CancellationToken cancellationToken = default)
    {
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
                var figures = LedgerDay.Figures(await store.EntriesOfAsync(day, cancellationToken), outstanding);
                var summary = LedgerDay.Summary(day, options.Value.TimeZone, prevHash, sealedDay: true, figures);
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
}

internal static partial class Log
{
    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Ledger day {Date} sealed: {Hash}")]
    public static partial void Sealed(ILogger logger, string date, string hash);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Debug, Message = "Ledger day {Date} compiled so far")]
    public static partial void Compiled(ILogger logger, string date);
}
