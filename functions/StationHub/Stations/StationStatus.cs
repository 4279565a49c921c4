using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Numerics;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;

namespace StationHub.Stations;

/// <summary>Warm-map settings (section <c>Stations</c>).</summary>
public sealed class StationOptions
{
    public const string Section = "Stations";

    /// <summary>How long a report counts as live (default 10 minutes); after that the station is stale and its free counts unknown.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00")]
    public TimeSpan StaleAfter { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How old the in-memory station index may grow before a request starts a refresh from the table (default 15 s).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan IndexRefresh { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// At most one <c>station.status_changed</c> per station (and so per subscriber) in this long (default 10 s);
    /// changes within it are told together at its end, the last state always (<see cref="StationNotices"/>).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan NoticeWindow { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>Checks <see cref="StationOptions"/>'s data annotations with code generated at compile time (<see cref="Platform.ValidatedOptions"/>).</summary>
[OptionsValidator]
public sealed partial class StationOptionsValidator : IValidateOptions<StationOptions>;

/// <summary>What a station or its platform says: open or not, free and total chargers (and seats), when seen.</summary>
public sealed record StationReport(bool Open, int ChargersFree, int ChargersTotal, int? SeatsFree, int? SeatsTotal, DateTimeOffset ObservedAt);

/// <summary>The live part of a station as the index keeps it.</summary>
/// <param name="ReceivedAt">When the hub wrote it: of two copies, the one written later is the station's state (an observation
/// from a clock ahead may carry a later <paramref name="ObservedAt"/> and still be older, <see cref="StationStatusBook.IsNewer"/>).</param>
public sealed record LiveStatus(bool Open, int ChargersFree, int ChargersTotal, int? SeatsFree, int? SeatsTotal, DateTimeOffset ObservedAt, DateTimeOffset ReceivedAt = default)
{
    public bool IsStaleAt(DateTimeOffset now, TimeSpan staleAfter) => now >= ObservedAt + staleAfter;

    public static LiveStatus Of(StationStatusEntity entity) =>
        new(entity.Open, entity.ChargersFree, entity.ChargersTotal, entity.SeatsFree, entity.SeatsTotal, entity.ObservedAt, entity.ReceivedAt);
}

/// <summary>
/// Table <c>StationStatus</c>: one row per station (partition: the station id, row <c>status</c>), written
/// once per report under its ETag. It holds the last observation, the signal platforms were last told
/// (<see cref="Signal"/>), and the station's minutes of the current and the previous city day as bitmaps
/// (one bit per minute: open, stale), from which the ledger's figures come.
/// </summary>
public sealed class StationStatusEntity : ITableEntity
{
    public const string Row = "status";

    public string PartitionKey { get; set; } = string.Empty;
    public string RowKey { get; set; } = Row;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public bool Open { get; set; }
    public int ChargersFree { get; set; }
    public int ChargersTotal { get; set; }
    public int? SeatsFree { get; set; }
    public int? SeatsTotal { get; set; }
    public DateTimeOffset ObservedAt { get; set; }
    public DateTimeOffset ReceivedAt { get; set; }
    public string Source { get; set; } = string.Empty;

    /// <summary>The signal of the state written (<see cref="StationSignal"/>).</summary>
    public string Signal { get; set; } = StationSignal.None;

    /// <summary>When <see cref="Signal"/> last changed in a way platforms are told of.</summary>
    public DateTimeOffset? SignalChangedAt { get; set; }

    /// <summary>What platforms were last told; null on rows written before notices were coalesced, where <see cref="Signal"/> was it.</summary>
    public string? NotifiedSignal { get; set; }

    /// <summary>The number of the last notice committed (<see cref="StationNotices"/>).</summary>
    public int NoticeSeq { get; set; }

    /// <summary>The last notice committed: its <c>data</c>, exactly as sent, and when it was committed.</summary>
    public string? Notice { get; set; }

    public DateTimeOffset? NoticeAt { get; set; }

    /// <summary>No notice goes out before this (the coalescing window of the last one).</summary>
    public DateTimeOffset? NoticeWindowEnds { get; set; }

    /// <summary>When the wake-up on its way is due; null when none is.</summary>
    public DateTimeOffset? NoticeWakeAt { get; set; }

    /// <summary>True once the stale watch (or a report already stale on arrival) has marked this observation stale.</summary>
    public bool StaleMarked { get; set; }

    /// <summary>Minutes before this instant are accounted in the bitmaps.</summary>
    public DateTimeOffset AccountedUntil { get; set; }

    public string Day { get; set; } = string.Empty;
    public byte[] OpenBits { get; set; } = StationMinutes.NewBits();
    public byte[] StaleBits { get; set; } = StationMinutes.NewBits();
    public int Reports { get; set; }

    public string? PrevDay { get; set; }
    public byte[]? PrevOpenBits { get; set; }
    public byte[]? PrevStaleBits { get; set; }
    public int PrevReports { get; set; }

    /// <summary>A deep copy, to account minutes on without touching what was read.</summary>
    public StationStatusEntity Copy()
    {
        var copy = (StationStatusEntity)MemberwiseClone();
        copy.OpenBits = (byte[])OpenBits.Clone();
        copy.StaleBits = (byte[])StaleBits.Clone();
        copy.PrevOpenBits = (byte[]?)PrevOpenBits?.Clone();
        copy.PrevStaleBits = (byte[]?)PrevStaleBits?.Clone();
        return copy;
    }
}

/// <summary>
/// What platforms are told about: <c>open</c>, <c>closed</c> or <c>stale</c>, with free chargers
/// <c>some</c>, <c>none</c> or <c>unknown</c>. A change of the first part, or of the second between
/// none and some, is a <c>station.status_changed</c>; 3 free becoming 4 is not.
/// </summary>
public static class StationSignal
{
    public const string None = "none";

    public static string Of(StationStatusEntity entity, DateTimeOffset now, TimeSpan staleAfter) =>
        now >= entity.ObservedAt + staleAfter
            ? "stale/unknown"
            : (entity.Open ? "open" : "closed") + "/" + (entity.ChargersFree > 0 ? "some" : "none");

    public static string State(string signal) => signal.Split('/')[0];

    public static bool Changed(string before, string after) =>
        State(before) != State(after) || (before != after && !before.EndsWith("/unknown", StringComparison.Ordinal) && !after.EndsWith("/unknown", StringComparison.Ordinal));

    /// <summary>Why the signal changed, as the notice says it.</summary>
    public static string Reason(string before, string after) => State(after) switch
    {
        "stale" => "went_stale",
        "open" when State(before) != "open" => "opened",
        "closed" when State(before) != "closed" => "closed",
        _ => after.EndsWith("/some", StringComparison.Ordinal) ? "chargers_available" : "chargers_full",
    };
}

/// <summary>
/// The minute accounting behind the ledger's station figures. A minute counts as open when a live
/// report (not stale) said open at its start, and as stale when the last report was older than
/// <see cref="StationOptions.StaleAfter"/>; minutes belong to the city day they start in.
/// </summary>
public static class StationMinutes
{
    /// <summary>Room for the longest civil day (25 hours) in bits.</summary>
    public const int MaxMinutes = 25 * 60;

    private static readonly ConcurrentDictionary<(string Zone, string Day), byte[]> NightMasks = new();

    public static byte[] NewBits() => new byte[(MaxMinutes + 7) / 8];

    public static string DayOf(DateTimeOffset at, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTime(at, zone).ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    /// <summary>The instant the city day starts.</summary>
    public static DateTimeOffset DayStart(string day, TimeZoneInfo zone)
    {
        var local = DateTime.ParseExact(day, "yyyyMMdd", CultureInfo.InvariantCulture);
        return new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(local, zone), TimeSpan.Zero);
    }

    public static string PreviousDay(string day) =>
        DateOnly.ParseExact(day, "yyyyMMdd", CultureInfo.InvariantCulture).AddDays(-1).ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    /// <summary>
    /// Accounts the minutes from <see cref="StationStatusEntity.AccountedUntil"/> to <paramref name="to"/> by the
    /// entity's last observation, rolling the current day into the previous one at the city's midnight.
    /// Only the day of <paramref name="to"/> and the one before are kept.
    /// </summary>
    public static void Advance(StationStatusEntity entity, DateTimeOffset to, TimeSpan staleAfter, TimeZoneInfo zone)
    {
        var toDay = DayOf(to, zone);
        var floor = DayStart(PreviousDay(toDay), zone);
        var start = CeilMinute(entity.AccountedUntil);
        if (start < floor)
        {
            start = floor;
        }

        var freshUntil = entity.ObservedAt + staleAfter;
        var day = entity.Day;
        var dayStart = day.Length == 0 ? DateTimeOffset.MinValue : DayStart(day, zone);
        var nextDayStart = day.Length == 0 ? DateTimeOffset.MinValue : DayStart(NextDay(day), zone);
        for (var minute = start; minute < to; minute = minute.AddMinutes(1))
        {
            if (minute >= nextDayStart || minute < dayStart)
            {
                Roll(entity, DayOf(minute, zone));
                day = entity.Day;
                dayStart = DayStart(day, zone);
                nextDayStart = DayStart(NextDay(day), zone);
            }

            var index = (int)((minute - dayStart).Ticks / TimeSpan.TicksPerMinute);
            if (minute < freshUntil)
            {
                if (entity.Open)
                {
                    Set(entity.OpenBits, index);
                }
            }
            else
            {
                Set(entity.StaleBits, index);
            }
        }

        if (to > entity.AccountedUntil)
        {
            entity.AccountedUntil = to;
        }

        if (entity.Day.Length == 0 || string.CompareOrdinal(entity.Day, toDay) < 0)
        {
            Roll(entity, toDay);
        }
    }

    /// <summary>The station's figures of a city day, if the (advanced) entity still holds that day.</summary>
    public static StationDayFigures? FiguresOf(StationStatusEntity entity, string day, TimeZoneInfo zone)
    {
        var (open, stale, reports) = entity.Day == day ? (entity.OpenBits, entity.StaleBits, entity.Reports)
            : entity.PrevDay == day && entity.PrevOpenBits is not null ? (entity.PrevOpenBits, entity.PrevStaleBits!, entity.PrevReports)
            : (null, null, 0);
        if (open is null)
        {
            return null;
        }

        var night = NightMask(day, zone);
        return new StationDayFigures(Count(open), CountAnd(open, night), Count(stale!), reports, open);
    }

    /// <summary>One bit per minute of the day that falls between 22:00 and 06:00 city time.</summary>
    public static byte[] NightMask(string day, TimeZoneInfo zone) => NightMasks.GetOrAdd((zone.Id, day), key =>
    {
        var mask = NewBits();
        var start = DayStart(key.Day, zone);
        var end = DayStart(NextDay(key.Day), zone);
        var index = 0;
        for (var minute = start; minute < end; minute = minute.AddMinutes(1), index++)
        {
            var hour = TimeZoneInfo.ConvertTime(minute, zone).Hour;
            if (hour < 6 || hour >= 22)
            {
                Set(mask, index);
            }
        }

        return mask;
    });

    /// <summary>The night minutes of the day that began before <paramref name="now"/> (all of them, for a past day).</summary>
    public static int NightMinutesElapsed(string day, DateTimeOffset now, TimeZoneInfo zone)
    {
        var mask = NightMask(day, zone);
        var elapsed = (now - DayStart(day, zone)).Ticks / TimeSpan.TicksPerMinute;
        var count = 0;
        for (var i = 0; i < MaxMinutes && i < elapsed; i++)
        {
            if (IsSet(mask, i))
            {
                count++;
            }
        }

        return count;
    }

    public static int Count(byte[] bits) => bits.Sum(b => BitOperations.PopCount(b));

    public static int CountAnd(byte[] a, byte[] b)
    {
        var count = 0;
        for (var i = 0; i < Math.Min(a.Length, b.Length); i++)
        {
            count += BitOperations.PopCount((uint)(a[i] & b[i]));
        }

        return count;
    }

    public static void OrInto(byte[] target, byte[] bits)
    {
        for (var i = 0; i < Math.Min(target.Length, bits.Length); i++)
        {
            target[i] |= bits[i];
        }
    }

    private static void Roll(StationStatusEntity entity, string day)
    {
        if (entity.Day == day)
        {
            return;
        }

        if (entity.Day.Length > 0 && entity.Day == PreviousDay(day))
        {
            entity.PrevDay = entity.Day;
            entity.PrevOpenBits = entity.OpenBits;
            entity.PrevStaleBits = entity.StaleBits;
            entity.PrevReports = entity.Reports;
        }
        else
        {
            entity.PrevDay = null;
            entity.PrevOpenBits = null;
            entity.PrevStaleBits = null;
            entity.PrevReports = 0;
        }

        entity.Day = day;
        entity.OpenBits = NewBits();
        entity.StaleBits = NewBits();
        entity.Reports = 0;
    }

    private static string NextDay(string day) =>
        DateOnly.ParseExact(day, "yyyyMMdd", CultureInfo.InvariantCulture).AddDays(1).ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    private static DateTimeOffset CeilMinute(DateTimeOffset at)
    {
        var ticks = at.UtcTicks;
        var rest = ticks % TimeSpan.TicksPerMinute;
        return new DateTimeOffset(rest == 0 ? ticks : ticks - rest + TimeSpan.TicksPerMinute, TimeSpan.Zero);
    }

    private static void Set(byte[] bits, int index)
    {
        if (index >= 0 && index < MaxMinutes)
        {
            bits[index >> 3] |= (byte)(1 << (index & 7));
        }
    }

    private static bool IsSet(byte[] bits, int index) => (bits[index >> 3] & (1 << (index & 7))) != 0;
}

/// <summary>A station's figures of one city day.</summary>
public sealed record StationDayFigures(int OpenMinutes, int NightOpenMinutes, int StaleMinutes, int Reports, byte[] OpenBits);
