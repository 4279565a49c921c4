using System.Globalization;

namespace StationHub.Stations;

/// <summary>
/// A station's opening hours in a documented subset of OpenStreetMap's <c>opening_hours</c> syntax
/// (no .NET parser of it is published; see docs/stations.md):
/// <list type="bullet">
/// <item><c>24/7</c>;</item>
/// <item>rules separated by <c>;</c>, a later rule replacing what earlier ones said for the days it names
/// (<c>Mo-Sa 10:00-20:00; Tu off</c>);</item>
/// <item>weekday selectors <c>Mo Tu We Th Fr Sa Su</c>, as ranges (<c>Mo-Fr</c>, wrapping <c>Fr-Mo</c>) and
/// lists (<c>Mo,We,Fr</c>, <c>Mo-We,Fr</c>); no selector means every day;</item>
/// <item>one or more time ranges <c>08:00-12:00,13:00-17:30</c>, up to <c>24:00</c>; a range ending at or
/// before its start runs past midnight (<c>22:00-06:00</c>), and those hours belong to the day it started;</item>
/// <item><c>off</c> or <c>closed</c> for the days named; a selector with no times means the whole day.</item>
/// </list>
/// Anything else (public holidays <c>PH</c>, months, weeks, <c>sunrise</c>, open ends <c>+</c>, comments,
/// <c>||</c> fallbacks) is refused with a message that names it, so a registry cannot claim hours the hub misreads.
/// </summary>
public sealed class OpeningHours
{
    private const int MinutesPerDay = 24 * 60;
    private static readonly string[] DayNames = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"];

    /// <summary>Per weekday (Monday first), the open ranges in minutes from that day's midnight; an end past 1440 runs into the next day.</summary>
    private readonly (int Start, int End)[][] week;

    private OpeningHours(string text, (int Start, int End)[][] week)
    {
        Text = text;
        this.week = week;
    }

    public string Text { get; }

    /// <summary>True when every minute of the week is open.</summary>
    public bool AlwaysOpen => week.All(day => day.Any(range => range.Start == 0 && range.End >= MinutesPerDay));

    public static OpeningHours Parse(string text) =>
        TryParse(text, out var hours, out var error) ? hours! : throw new FormatException(error);

    public static bool TryParse(string? text, out OpeningHours? hours, out string? error)
    {
        hours = null;
        error = null;
        if (string.IsNullOrWhiteSpace(text) || text.Length > 512)
        {
            error = "opening hours must be 1 to 512 characters";
            return false;
        }

        var week = new (int Start, int End)[7][];
        for (var d = 0; d < 7; d++)
        {
            week[d] = [];
        }

        var rules = text.Split(';', StringSplitOptions.TrimEntries);
        for (var i = 0; i < rules.Length; i++)
        {
            var rule = rules[i];
            if (rule.Length == 0)
            {
                if (i > 0 && i == rules.Length - 1)
                {
                    continue; // a trailing ';'
                }

                error = "an empty rule between ';'";
                return false;
            }

            if (!TryRule(rule, week, out error))
            {
                error = $"rule '{rule}': {error}";
                return false;
            }
        }

        hours = new OpeningHours(text.Trim(), week);
        return true;
    }

    /// <summary>Whether the hours say open at this wall-clock time of the station's city.</summary>
    public bool IsOpenAt(DateTime local)
    {
        var day = ((int)local.DayOfWeek + 6) % 7;
        var minute = (local.Hour * 60) + local.Minute;
        foreach (var (start, end) in week[day])
        {
            if (minute >= start && minute < end)
            {
                return true;
            }
        }

        foreach (var (_, end) in week[(day + 6) % 7])
        {
            if (end > MinutesPerDay && minute < end - MinutesPerDay)
            {
                return true;
            }
        }

        return false;
    }

    public override string ToString() => Text;

    private static bool TryRule(string rule, (int Start, int End)[][] week, out string? error)
    {
        error = null;
        if (rule == "24/7")
        {
            for (var d = 0; d < 7; d++)
            {
                week[d] = [(0, MinutesPerDay)];
            }

            return true;
        }

        var parts = rule.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        bool[] days;
        string? times;
        if (parts[0].Length > 0 && char.IsAsciiLetterUpper(parts[0][0]))
        {
            if (!TryDays(parts[0], out days, out error))
            {
                return false;
            }

            times = parts.Length > 1 ? parts[1] : null;
        }
        else
        {
            days = [true, true, true, true, true, true, true];
            times = rule;
        }

        (int Start, int End)[] ranges;
        if (times is null)
        {
            ranges = [(0, MinutesPerDay)];
        }
        else if (times is "off" or "closed")
        {
            ranges = [];
        }
        else if (!TryTimes(times, out ranges, out error))
        {
            return false;
        }

        for (var d = 0; d < 7; d++)
        {
            if (days[d])
            {
                week[d] = ranges;
            }
        }

        return true;
    }

    private static bool TryDays(string text, out bool[] days, out string? error)
    {
        days = new bool[7];
        error = null;
        foreach (var item in text.Split(','))
        {
            var ends = item.Split('-');
            if (ends.Length > 2 || !TryDay(ends[0], out var first) || !TryDay(ends[^1], out var last))
            {
                error = $"'{item}' is not a weekday or weekday range (Mo Tu We Th Fr Sa Su; PH, months and weeks are not supported)";
                return false;
            }

            for (var d = first; ; d = (d + 1) % 7)
            {
                days[d] = true;
                if (d == last)
                {
                    break;
                }
            }
        }

        return true;
    }

    private static bool TryDay(string text, out int day)
    {
        day = Array.IndexOf(DayNames, text);
        return day >= 0;
    }

    private static bool TryTimes(string text, out (int Start, int End)[] ranges, out string? error)
    {
        var list = new List<(int, int)>();
        error = null;
        foreach (var item in text.Split(','))
        {
            var ends = item.Split('-');
            if (ends.Length != 2 || !TryTime(ends[0], out var start) || !TryTime(ends[1], out var end) || start >= MinutesPerDay)
            {
                error = $"'{item}' is not a time range such as 08:00-22:00 (open ends, sunrise and comments are not supported)";
                ranges = [];
                return false;
            }

            list.Add((start, end <= start ? end + MinutesPerDay : end));
        }

        ranges = [.. list];
        return true;
    }

    private static bool TryTime(string text, out int minutes)
    {
        minutes = 0;
        if (text.Length != 5 || text[2] != ':'
            || !int.TryParse(text.AsSpan(0, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var hour)
            || !int.TryParse(text.AsSpan(3, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var minute)
            || minute > 59 || hour > 24 || (hour == 24 && minute != 0))
        {
            return false;
        }

        minutes = (hour * 60) + minute;
        return true;
    }
}
