using StationHub.Stations;

namespace StationHub.Tests.Stations;

/// <summary>
/// The opening_hours subset against examples from the OpenStreetMap wiki (Key:opening_hours and its
/// specification page), each checked at instants inside and outside its hours. 2026-11-23 is a Monday.
/// </summary>
public sealed class OpeningHoursTests
{
    [Theory]
    // "24/7": always open.
    [InlineData("24/7", "2026-11-23 03:00", true)]
    [InlineData("24/7", "2026-11-29 23:59", true)]
    // "Mo-Fr 08:00-12:00,13:00-17:30": a lunch break.
    [InlineData("Mo-Fr 08:00-12:00,13:00-17:30", "2026-11-23 08:00", true)]
    [InlineData("Mo-Fr 08:00-12:00,13:00-17:30", "2026-11-23 12:30", false)]
    [InlineData("Mo-Fr 08:00-12:00,13:00-17:30", "2026-11-27 17:29", true)]
    [InlineData("Mo-Fr 08:00-12:00,13:00-17:30", "2026-11-27 17:30", false)]
    [InlineData("Mo-Fr 08:00-12:00,13:00-17:30", "2026-11-28 10:00", false)]
    // "Mo-Fr 08:00-12:00,13:00-17:30; Sa 08:00-12:00"
    [InlineData("Mo-Fr 08:00-12:00,13:00-17:30; Sa 08:00-12:00", "2026-11-28 09:00", true)]
    [InlineData("Mo-Fr 08:00-12:00,13:00-17:30; Sa 08:00-12:00", "2026-11-29 09:00", false)]
    // "Mo-Sa 10:00-20:00; Tu off": a later rule replaces an earlier one for its days.
    [InlineData("Mo-Sa 10:00-20:00; Tu off", "2026-11-24 12:00", false)]
    [InlineData("Mo-Sa 10:00-20:00; Tu off", "2026-11-25 12:00", true)]
    // "Mo-Fr 08:30-20:00; Tu 10:00-14:00": the later rule wins on Tuesday.
    [InlineData("Mo-Fr 08:30-20:00; Tu 10:00-14:00", "2026-11-24 09:00", false)]
    [InlineData("Mo-Fr 08:30-20:00; Tu 10:00-14:00", "2026-11-24 13:00", true)]
    [InlineData("Mo-Fr 08:30-20:00; Tu 10:00-14:00", "2026-11-23 09:00", true)]
    // "Mo,We,Fr 10:00-12:00": a list of days.
    [InlineData("Mo,We,Fr 10:00-12:00", "2026-11-25 11:00", true)]
    [InlineData("Mo,We,Fr 10:00-12:00", "2026-11-26 11:00", false)]
    // "Mo-Su 22:00-06:00" / "22:00-06:00": past midnight, into the next day.
    [InlineData("Mo-Su 22:00-06:00", "2026-11-23 23:30", true)]
    [InlineData("Mo-Su 22:00-06:00", "2026-11-24 05:59", true)]
    [InlineData("Mo-Su 22:00-06:00", "2026-11-24 06:00", false)]
    [InlineData("Mo-Su 22:00-06:00", "2026-11-24 12:00", false)]
    // "Fr-Sa 18:00-02:00": the early hours belong to the day the range began.
    [InlineData("Fr-Sa 18:00-02:00", "2026-11-29 01:00", true)]
    [InlineData("Fr-Sa 18:00-02:00", "2026-11-30 01:00", false)]
    // "Sa-Mo 10:00-16:00": a range that wraps the week.
    [InlineData("Sa-Mo 10:00-16:00", "2026-11-23 11:00", true)]
    [InlineData("Sa-Mo 10:00-16:00", "2026-11-24 11:00", false)]
    // "Mo-Fr 00:00-24:00; Sa,Su off": whole days.
    [InlineData("Mo-Fr 00:00-24:00; Sa,Su off", "2026-11-27 23:59", true)]
    [InlineData("Mo-Fr 00:00-24:00; Sa,Su off", "2026-11-28 00:00", false)]
    // "10:00-20:00": no selector, every day.
    [InlineData("10:00-20:00", "2026-11-29 19:59", true)]
    // "24/7; Su off" and "Mo-Fr": a day selector alone is the whole day.
    [InlineData("24/7; Su off", "2026-11-29 12:00", false)]
    [InlineData("Mo-Fr", "2026-11-27 03:00", true)]
    [InlineData("Mo-Fr", "2026-11-28 03:00", false)]
    public void Reads_the_wiki_examples(string hours, string local, bool open)
    {
        var parsed = OpeningHours.Parse(hours);

        Assert.Equal(open, parsed.IsOpenAt(DateTime.Parse(local, System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Theory]
    [InlineData("Mo-Fr 08:00-18:00; PH off", "PH")]
    [InlineData("Jan-Mar Mo-Fr 08:00-12:00", "Jan-Mar")]
    [InlineData("Mo-Fr 08:00+", "08:00+")]
    [InlineData("Mo-Fr sunrise-sunset", "sunrise-sunset")]
    [InlineData("Mo-Fr 08:00-18:00 \"by appointment\"", "by appointment")]
    [InlineData("Mo-Fr 8:00-18:00", "8:00-18:00")]
    [InlineData("Mo-Fr 08:00-25:00", "08:00-25:00")]
    [InlineData("Mo-Fr 08:60-18:00", "08:60-18:00")]
    [InlineData("Mo-Fx 08:00-18:00", "Mo-Fx")]
    [InlineData("Mo-Fr 08:00-18:00;; Sa 10:00-12:00", "empty rule")]
    [InlineData("Mo-Fr 08:00-12:00 || Sa 10:00-12:00", "||")]
    [InlineData("", "1 to 512")]
    public void Refuses_what_the_subset_does_not_read_and_names_it(string hours, string named)
    {
        Assert.False(OpeningHours.TryParse(hours, out _, out var error));
        Assert.Contains(named, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Knows_when_hours_are_always_open()
    {
        Assert.True(OpeningHours.Parse("24/7").AlwaysOpen);
        Assert.True(OpeningHours.Parse("Mo-Su 00:00-24:00").AlwaysOpen);
        Assert.False(OpeningHours.Parse("Mo-Sa 00:00-24:00").AlwaysOpen);
    }
}
