using Microsoft.Extensions.Logging;

namespace StationHub.PickupOrders;

internal static partial class Log
{
    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Pickup order {HubId} from platform {PlatformId} accepted for station {StationId}")]
    public static partial void OrderAccepted(ILogger logger, string hubId, string platformId, string stationId);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "Pickup order {HubId} is now {Status}")]
    public static partial void OrderMoved(ILogger logger, string hubId, string status);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Warning, Message = "Wrong pickup code for order {HubId} at station {StationId} ({WrongCodes} wrong so far)")]
    public static partial void WrongCode(ILogger logger, string hubId, string stationId, int wrongCodes);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Warning, Message = "Pickup order {HubId} locked after {WrongCodes} wrong codes")]
    public static partial void Locked(ILogger logger, string hubId, int wrongCodes);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Debug, Message = "Pickup order event {Kind} for {HubId} was not the one committed; ignored")]
    public static partial void EventIgnored(ILogger logger, string kind, string hubId);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Information, Message = "The pickup expiry timer expired {Count} orders")]
    public static partial void ExpiryRan(ILogger logger, int count);
}
