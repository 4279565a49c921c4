using Microsoft.Extensions.Logging;

namespace StationHub.Stations;

internal static partial class Log
{
    [LoggerMessage(EventId = 7001, Level = LogLevel.Debug, Message = "Station {StationId} reported: {Signal}")]
    public static partial void Reported(ILogger logger, string stationId, string signal);

    [LoggerMessage(EventId = 7002, Level = LogLevel.Information, Message = "Station {StationId} went stale: no report since {ObservedAt}")]
    public static partial void WentStale(ILogger logger, string stationId, DateTimeOffset observedAt);

    [LoggerMessage(EventId = 7003, Level = LogLevel.Information, Message = "The stale watch marked {Count} stations stale")]
    public static partial void StaleMarked(ILogger logger, int count);

    [LoggerMessage(EventId = 7004, Level = LogLevel.Debug, Message = "Station figures published: {Count} ledger entries for days {Days}")]
    public static partial void FiguresPublished(ILogger logger, int count, string days);

    [LoggerMessage(EventId = 7005, Level = LogLevel.Warning, Message = "The station index could not be refreshed; the map keeps its copy: {Reason}")]
    public static partial void IndexRefreshFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 7006, Level = LogLevel.Debug, Message = "Station {StationId}: notice {Sequence} sent ({Signal})")]
    public static partial void NoticeSent(ILogger logger, string stationId, int sequence, string signal);
}
