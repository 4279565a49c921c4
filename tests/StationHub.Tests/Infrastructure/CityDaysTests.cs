using StationHub.Platform.Webhooks;

namespace StationHub.Tests.Infrastructure;

/// <summary>A test world never starts within a few minutes of the city's midnight (16:00 UTC for Asia/Shanghai).</summary>
public sealed class CityDaysTests
{
    [Theory]
    [InlineData("2026-12-05T15:57:30Z", "2026-12-05T16:00:01Z", "2026-12-06")]
    [InlineData("2026-12-05T15:59:59Z", "2026-12-05T16:00:01Z", "2026-12-06")]
    [InlineData("2026-12-05T15:56:59Z", "2026-12-05T15:56:59Z", "2026-12-05")]
    [InlineData("2026-12-05T16:00:00Z", "2026-12-05T16:00:00Z", "2026-12-06")]
    [InlineData("2026-12-05T09:00:00Z", "2026-12-05T09:00:00Z", "2026-12-05")]
    public void A_world_that_would_start_just_before_the_citys_midnight_starts_just_past_it(string system, string world, string day)
    {
        var now = DateTimeOffset.Parse(system, System.Globalization.CultureInfo.InvariantCulture);

        var started = now + CityDays.PastMidnightIfNear(now);

        Assert.Equal(DateTimeOffset.Parse(world, System.Globalization.CultureInfo.InvariantCulture), started);
        Assert.Equal(DateOnly.Parse(day, System.Globalization.CultureInfo.InvariantCulture), CityDays.Of(started));
        Assert.Equal(CityDays.Of(started), CityDays.Of(started + CityDays.MidnightMargin));
    }

    [Fact]
    public void The_shift_stays_inside_the_webhooks_tolerance_so_requests_signed_on_the_system_clock_still_verify()
    {
        Assert.True(CityDays.MidnightMargin + TimeSpan.FromSeconds(1) < StandardWebhook.Tolerance);
    }
}
