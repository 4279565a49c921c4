using System.Collections.Frozen;
using System.Globalization;

namespace StationHub.Stations;

/// <summary>
/// The map page's words in English and Chinese, chosen by <c>?lang=</c> or else <c>Accept-Language</c>
/// (RFC 9110 quality values; English when neither language is asked for). Station, district and service
/// names stay as the registry gives them. The page hands the same table to its script.
/// </summary>
public sealed class StationMapText
{
    public static readonly StationMapText English = new("en", new Dictionary<string, string>
    {
        ["title"] = "StationHub warm map",
        ["heading"] = "Warm map: rider stations now",
        ["asOf"] = "As of {0} ({1}).",
        ["live"] = "Status refreshes every {0} s.",
        ["staleNote"] = "No live report means the station has not reported lately: its hours say whether it should be open, and free chargers are unknown.",
        ["open"] = "Open",
        ["closed"] = "Closed",
        ["stale"] = "No live report",
        ["hoursSayOpen"] = "hours say open",
        ["hoursSayClosed"] = "hours say closed",
        ["chargers"] = "Free chargers: {0} of {1}",
        ["chargersNone"] = "Free chargers: no report",
        ["unknown"] = "unknown",
        ["hours"] = "Hours: {0}",
        ["hoursUnknown"] = "Hours unknown",
        ["services"] = "Services: {0}",
        ["lastReport"] = "Last report {0} ({1})",
        ["noReport"] = "No live report yet",
        ["justNow"] = "just now",
        ["minutesAgo"] = "{0} min ago",
        ["hoursAgo"] = "{0} h ago",
        ["daysAgo"] = "{0} d ago",
        ["navigate"] = "Navigate:",
        ["geo"] = "Map app",
        ["amap"] = "Amap",
        ["osm"] = "OpenStreetMap",
        ["nearestOpen"] = "Nearest open stations",
        ["nearest"] = "Nearest stations",
        ["away"] = "{0} away",
        ["locate"] = "Locate me",
        ["locating"] = "Finding your position…",
        ["locateFailed"] = "Your position is not available: {0}",
        ["filters"] = "Filters",
        ["openOnly"] = "Open now only",
        ["allStations"] = "All stations",
        ["anyService"] = "Any service",
        ["serviceFilter"] = "Service",
        ["cityCount"] = "{0}: {1} of {2} open",
        ["noMatch"] = "No station matches.",
        ["mapLabel"] = "Street map of the stations",
        ["schematicLabel"] = "Stations of {0}",
        ["youAreHere"] = "You are here",
        ["ignored"] = "Part of the address was not understood and is ignored: {0}",
        ["otherLanguage"] = "中文",
        ["updated"] = "Updated {0}: {1}",
        ["geojson"] = "The same data as GeoJSON:",
        ["legendChargers"] = "⚡ free/total chargers",
    }, "Services", "zh");

    public static readonly StationMapText Chinese = new("zh", new Dictionary<string, string>
    {
        ["title"] = "骑手暖心驿站地图",
        ["heading"] = "暖心驿站地图：实时状态",
        ["asOf"] = "更新于 {0}（{1}）。",
        ["live"] = "状态每 {0} 秒自动刷新。",
        ["staleNote"] = "“无实时数据”表示驿站近期没有上报：按营业时间判断是否开放，空闲充电位未知。",
        ["open"] = "开放中",
        ["closed"] = "已关闭",
        ["stale"] = "无实时数据",
        ["hoursSayOpen"] = "按营业时间应开放",
        ["hoursSayClosed"] = "按营业时间应关闭",
        ["chargers"] = "空闲充电位：{0} / {1}",
        ["chargersNone"] = "空闲充电位：未上报",
        ["unknown"] = "未知",
        ["hours"] = "营业时间：{0}",
        ["hoursUnknown"] = "营业时间未知",
        ["services"] = "服务：{0}",
        ["lastReport"] = "最近上报 {0}（{1}）",
        ["noReport"] = "尚无实时上报",
        ["justNow"] = "刚刚",
        ["minutesAgo"] = "{0} 分钟前",
        ["hoursAgo"] = "{0} 小时前",
        ["daysAgo"] = "{0} 天前",
        ["navigate"] = "导航：",
        ["geo"] = "地图应用",
        ["amap"] = "高德地图",
        ["osm"] = "OpenStreetMap",
        ["nearestOpen"] = "最近的开放驿站",
        ["nearest"] = "最近的驿站",
        ["away"] = "距离 {0}",
        ["locate"] = "定位我",
        ["locating"] = "正在定位…",
        ["locateFailed"] = "无法获取您的位置：{0}",
        ["filters"] = "筛选",
        ["openOnly"] = "只看开放中",
        ["allStations"] = "全部驿站",
        ["anyService"] = "全部服务",
        ["serviceFilter"] = "服务",
        ["cityCount"] = "{0}：{2} 个驿站中 {1} 个开放",
        ["noMatch"] = "没有符合条件的驿站。",
        ["mapLabel"] = "驿站街道地图",
        ["schematicLabel"] = "{0}的驿站",
        ["youAreHere"] = "您的位置",
        ["ignored"] = "部分参数无法识别，已忽略：{0}",
        ["otherLanguage"] = "English",
        ["updated"] = "{0} 更新：{1}",
        ["geojson"] = "同样的数据（GeoJSON）：",
        ["legendChargers"] = "⚡ 空闲/总充电位",
    }, "服务", "en");

    private readonly FrozenDictionary<string, string> words;

    private StationMapText(string language, Dictionary<string, string> words, string servicesHeading, string other)
    {
        Language = language;
        this.words = words.ToFrozenDictionary(StringComparer.Ordinal);
        ServicesHeading = servicesHeading;
        OtherLanguage = other;
    }

    /// <summary><c>en</c> or <c>zh</c>: the page's <c>lang</c>.</summary>
    public string Language { get; }

    /// <summary>The language the switch link offers.</summary>
    public string OtherLanguage { get; }

    public string ServicesHeading { get; }

    /// <summary>Every word, for the page's script.</summary>
    public IReadOnlyDictionary<string, string> Words => words;

    public string this[string key] => words[key];

    public string Format(string key, params object?[] args) => string.Format(CultureInfo.InvariantCulture, words[key], args);

    /// <summary>The language asked for: <c>?lang=</c> wins; else the best of <c>zh*</c> and <c>en*</c> in <c>Accept-Language</c>.</summary>
    public static StationMapText Choose(string? lang, string? acceptLanguage)
    {
        if (lang is "zh" or "en")
        {
            return lang == "zh" ? Chinese : English;
        }

        var best = English;
        var bestQuality = 0.0;
        foreach (var range in (acceptLanguage ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = range.Split(';', StringSplitOptions.TrimEntries);
            var quality = 1.0;
            foreach (var parameter in parts.Skip(1))
            {
                if (parameter.StartsWith("q=", StringComparison.OrdinalIgnoreCase)
                    && !double.TryParse(parameter[2..], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out quality))
                {
                    quality = 0;
                }
            }

            var tag = parts[0];
            StationMapText? text = tag.Equals("zh", StringComparison.OrdinalIgnoreCase) || tag.StartsWith("zh-", StringComparison.OrdinalIgnoreCase) ? Chinese
                : tag.Equals("en", StringComparison.OrdinalIgnoreCase) || tag.StartsWith("en-", StringComparison.OrdinalIgnoreCase) ? English
                : null;
            if (text is not null && quality > bestQuality)
            {
                best = text;
                bestQuality = quality;
            }
        }

        return best;
    }
}
