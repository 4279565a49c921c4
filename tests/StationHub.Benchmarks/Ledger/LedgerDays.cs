using System.Globalization;
using StationHub.Ledger;

namespace StationHub.Benchmarks.Ledger;

/// <summary>
/// Synthetic ledger days: a mix of every kind the flows write (reports by district, pickups and
/// their revenue by station, points and deliveries), spread over the city's calendar day.
/// </summary>
public static class LedgerDays
{
    private static readonly string[] Districts = ["330102", "330105", "330106", "330108", "330203", "330212"];
    private static readonly string[] Stations = ["st-hz-01", "st-hz-02", "st-nb-01"];

    /// <summary>The UTC instant of a city-local time of day on a date.</summary>
    public static DateTimeOffset At(DateOnly date, TimeOnly localTime, TimeZoneInfo zone)
    {
        var local = date.ToDateTime(localTime, DateTimeKind.Unspecified);
        return new DateTimeOffset(local, zone.GetUtcOffset(local));
    }

    /// <summary>The <paramref name="count"/> entries of one day, each a distinct fact.</summary>
    public static IEnumerable<LedgerEntry> Entries(DateOnly date, int count, TimeZoneInfo zone)
    {
        var midnight = At(date, TimeOnly.MinValue, zone);
        var step = TimeSpan.FromDays(1) / count;
        var tag = date.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        for (var i = 0; i < count; i++)
        {
            var at = midnight + (step * (i + 0.5));
            var source = string.Create(CultureInfo.InvariantCulture, $"{tag}-{i:D6}");
            var district = LedgerScopes.District(Districts[i % Districts.Length]);
            var station = LedgerScopes.Station(Stations[i % Stations.Length]);
            yield return (i % 10) switch
            {
                0 => new LedgerEntry(LedgerKinds.ReportReceived, district, source, at),
                1 => new LedgerEntry(LedgerKinds.ReportRouted, district, source, at),
                2 => new LedgerEntry(LedgerKinds.ReportFirstResponse, district, source, at, Hours: i % 60 / 2.0),
                3 => new LedgerEntry(LedgerKinds.ReportResolved, district, source, at),
                4 => new LedgerEntry(LedgerKinds.PickupReceived, station, source, at),
                5 => new LedgerEntry(LedgerKinds.PickupRevenue("handling_fee"), station, source, at, 150),
                6 => new LedgerEntry(LedgerKinds.PickupFund("handling_fee"), station, source, at, 30),
                7 => new LedgerEntry(LedgerKinds.PointsIssued("hazard_report"), LedgerScopes.Hub, source, at, 5),
                8 => new LedgerEntry(LedgerKinds.PointsRedeemed("skills_course"), LedgerScopes.Hub, source, at, 2),
                _ => new LedgerEntry(LedgerKinds.DeliveryMade, LedgerScopes.Hub, source, at),
            };
        }
    }
}
