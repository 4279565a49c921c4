using Microsoft.Extensions.Logging;

namespace StationHub.Delivery;

internal static partial class Log
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Delivered {DeliveryId} ({EventType}) to {Destination} on try {Attempt}: HTTP {StatusCode}")]
    public static partial void Delivered(ILogger logger, string deliveryId, string eventType, string destination, int attempt, int? statusCode);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "Delivery {DeliveryId} to {Destination} failed on try {Attempt} ({Error}); next try in {Delay}")]
    public static partial void DeliveryRetrying(ILogger logger, string deliveryId, string destination, int attempt, string? error, TimeSpan delay);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Error, Message = "Delivery {DeliveryId} to {Destination} dead-lettered after {Attempts} tries ({Error})")]
    public static partial void DeadLettered(ILogger logger, string deliveryId, string destination, int attempts, string? error);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Debug, Message = "Delivery {DeliveryId} to {Destination} was already made; repeat skipped")]
    public static partial void DeliveryRepeatSkipped(ILogger logger, string deliveryId, string destination);
}
