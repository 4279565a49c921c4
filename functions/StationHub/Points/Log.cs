using Microsoft.Extensions.Logging;

namespace StationHub.Points;

internal static partial class Log
{
    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Points transaction {TransactionId} ({Kind}): {Status} (repeat: {Repeat})")]
    public static partial void Applied(ILogger logger, string transactionId, string kind, string status, bool repeat);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "Points transaction {TransactionId} ({Kind}) routed to its platform and the ledger")]
    public static partial void Routed(ILogger logger, string transactionId, string kind);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Information, Message = "The voucher timer released {Count} expired vouchers")]
    public static partial void VouchersReleased(ILogger logger, int count);
}
