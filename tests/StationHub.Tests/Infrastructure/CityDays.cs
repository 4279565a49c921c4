using StationHub.LocalHost.Hosting;

namespace StationHub.Tests.Infrastructure;

/// <summary>
/// The city's calendar as the test worlds keep it (both test cities are in Asia/Shanghai, as is the ledger),
/// and the clock a world starts on. A clock helper: it alone reads the system clock for a day.
/// A world never starts within <see cref="MidnightMargin"/> of the city's midnight: one that would is
/// started just past it (its clock ahead of the system's by at most the margin and a second, inside
/// the webhooks' five-minute tolerance). So a test of a few minutes or less reads one city day from
/// its start to its end, whenever the suite runs, and a test that names "today" or "yesterday"
/// before its world starts takes them from the clock it then hands the world.
/// </summary>
public static class CityDays
{
    public static readonly TimeZoneInfo Zone = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");

    /// <summary>How near the city's midnight a world may not start.</summary>
    public static readonly TimeSpan MidnightMargin = TimeSpan.FromMinutes(3);

    /// <summary>The city's day at <paramref name="at"/>.</summary>
    public static DateOnly Of(DateTimeOffset at) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(at, Zone).DateTime);

    /// <summary>The clock for a world that starts now (give it to <see cref="HubScenario.StartAsync"/>).</summary>
    public static ShiftedClock StartClock() => new(PastMidnightIfNear(TimeProvider.System.GetUtcNow()));

    /// <summary>How far to move a clock that reads <paramref name="now"/> so that it is not within the margin before the city's midnight: zero, or just past midnight.</summary>
    public static TimeSpan PastMidnightIfNear(DateTimeOffset now)
    {
        var local = TimeZoneInfo.ConvertTime(now, Zone);
        var midnight = local.Date.AddDays(1);
        var until = new DateTimeOffset(midnight, Zone.GetUtcOffset(midnight)) - now;
        return until <= MidnightMargin ? until + TimeSpan.FromSeconds(1) : TimeSpan.Zero;
    }
}
