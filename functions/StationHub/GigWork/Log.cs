using Microsoft.Extensions.Logging;

namespace StationHub.GigWork;

internal static partial class Log
{
    [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "Gig-work event {EventId} ({Kind}) accepted")]
    public static partial void EventAccepted(ILogger logger, string eventId, GigEventKind kind);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Information, Message = "Gig-work event {EventId}: {Status}")]
    public static partial void EventApplied(ILogger logger, string eventId, string status);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Information, Message = "Gig match {Match}: payment overdue, platform told ({DeliveryId})")]
    public static partial void PaymentOverdue(ILogger logger, string match, string deliveryId);

    [LoggerMessage(EventId = 6004, Level = LogLevel.Debug, Message = "Gig-work year tallied for {Stations} stations")]
    public static partial void YearTallied(ILogger logger, int stations);

    [LoggerMessage(EventId = 6005, Level = LogLevel.Error, Message = "Gig-work event {EventId} could not be applied; rejected, not retried")]
    public static partial void EventFailed(ILogger logger, Exception exception, string eventId);
}
