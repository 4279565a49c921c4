using Microsoft.Extensions.Logging;

namespace StationHub.Tenants;

// The bulk import's, the staging's and the registry's ledger facts' events (1130–1139).
internal static partial class Log
{
    [LoggerMessage(EventId = 1130, Level = LogLevel.Warning, Message = "Registry version {Version} is committed, but writing its ledger facts or folding its staged rows failed ({ErrorType}: {Detail}); the ledger timers and the next change finish it")]
    public static partial void AfterCommitFailed(ILogger logger, long version, string errorType, string detail);

    [LoggerMessage(EventId = 1131, Level = LogLevel.Information, Message = "The registry's staged change {Token} is folded into its entries ({Count} rows)")]
    public static partial void Folded(ILogger logger, string token, int count);

    [LoggerMessage(EventId = 1132, Level = LogLevel.Information, Message = "Registry version {Version}: {Count} public changes written to the ledger")]
    public static partial void FactsWritten(ILogger logger, long version, int count);

    [LoggerMessage(EventId = 1133, Level = LogLevel.Information, Message = "Stations imported by administrator {Admin} at version {Version}: {Count} stations")]
    public static partial void StationsImported(ILogger logger, string admin, long version, int count);
}
