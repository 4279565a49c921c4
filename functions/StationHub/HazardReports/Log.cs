using Microsoft.Extensions.Logging;

namespace StationHub.HazardReports;

internal static partial class Log
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Hazard report {HubId} accepted from platform {PlatformId} for district {District}")]
    public static partial void ReportAccepted(ILogger logger, string hubId, string platformId, string district);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "Hazard report {HubId} from platform {PlatformId} was a repeat; answered with the first answer")]
    public static partial void ReportRepeated(ILogger logger, string hubId, string platformId);

    [LoggerMessage(EventId = 1010, Level = LogLevel.Information, Message = "Hazard report {HubId} routed to city {CityId} (district {District})")]
    public static partial void ReportRouted(ILogger logger, string hubId, string cityId, string district);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Information, Message = "Hazard report {HubId} was stored by the router from its queued message")]
    public static partial void ReportStoredByRouter(ILogger logger, string hubId);

    [LoggerMessage(EventId = 1012, Level = LogLevel.Debug, Message = "Hazard report {HubId} is already {Status}; repeated message ignored")]
    public static partial void RepeatIgnored(ILogger logger, string hubId, string status);

    [LoggerMessage(EventId = 1020, Level = LogLevel.Information, Message = "City {CityId} moved hazard report {HubId} to {Status} (update {UpdateId})")]
    public static partial void UpdateApplied(ILogger logger, string cityId, string hubId, string status, string updateId);

    [LoggerMessage(EventId = 1021, Level = LogLevel.Warning, Message = "City update {UpdateId} for {HubId} no longer applies ({Status} after {Current}); dropped")]
    public static partial void UpdateDropped(ILogger logger, string updateId, string hubId, string status, string current);

    [LoggerMessage(EventId = 1025, Level = LogLevel.Error, Message = "An Open311 request (.{Format}) failed; answered with a GeoReport error")]
    public static partial void Open311Failed(ILogger logger, Exception exception, string format);

    [LoggerMessage(EventId = 1030, Level = LogLevel.Warning, Message = "Hazard report {HubId} was not acknowledged by city {CityId} within 24 hours; escalated")]
    public static partial void ReportEscalated(ILogger logger, string hubId, string cityId);

    [LoggerMessage(EventId = 1031, Level = LogLevel.Information, Message = "The 24-hour watch escalated {Count} reports")]
    public static partial void WatchRan(ILogger logger, int count);

    [LoggerMessage(EventId = 1040, Level = LogLevel.Information, Message = "Hazard report {HubId} linked to the open original {OriginalId}; not sent again")]
    public static partial void ReportLinked(ILogger logger, string hubId, string originalId);

    [LoggerMessage(EventId = 1041, Level = LogLevel.Information, Message = "Hazard report {HubId} reopened by platform {PlatformId}; sent back to its recipient")]
    public static partial void ReportReopened(ILogger logger, string hubId, string platformId);
}
