using Microsoft.Extensions.Logging;

namespace StationHub.Tenants;

internal static partial class Log
{
    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "The registry was seeded from the file: {Count} entries")]
    public static partial void Seeded(ILogger logger, int count);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Information, Message = "Registry version {Version} is served ({Count} entries)")]
    public static partial void RegistrySwapped(ILogger logger, long version, int count);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Error, Message = "The stored registry at version {Version} does not check out and is not served: {Problems}")]
    public static partial void StoredRegistryRefused(ILogger logger, long version, string problems);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Warning, Message = "The registry could not be read ({ErrorType}: {Detail}); the last copy is served, and the read is tried again in {RetryIn}")]
    public static partial void SyncFailed(ILogger logger, string errorType, string detail, TimeSpan retryIn);

    [LoggerMessage(EventId = 1105, Level = LogLevel.Information, Message = "Registry {Kind} {Id} {Action} by administrator {Admin} at version {Version}; fields changed: {Fields}")]
    public static partial void EntryChanged(ILogger logger, string kind, string id, string action, string admin, long version, string fields);
}
