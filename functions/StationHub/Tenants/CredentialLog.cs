using Microsoft.Extensions.Logging;

namespace StationHub.Tenants;

/// <summary>The credentials' log lines (ids, types, owners and times; never a secret, key or hash).</summary>
internal static partial class CredentialLog
{
    [LoggerMessage(EventId = 1110, Level = LogLevel.Information, Message = "Credential {CredentialId} ({Type}) of {Owner} issued by administrator {Admin} at version {Version}; the others of its type end at {OthersEnd}")]
    public static partial void Issued(ILogger logger, string credentialId, string type, string owner, string admin, long version, string othersEnd);

    [LoggerMessage(EventId = 1111, Level = LogLevel.Information, Message = "Credential {CredentialId} ({Type}) of {Owner} revoked by administrator {Admin} at version {Version}")]
    public static partial void Revoked(ILogger logger, string credentialId, string type, string owner, string admin, long version);

    [LoggerMessage(EventId = 1112, Level = LogLevel.Warning, Message = "{Count} issued signing secrets could not be opened ({Setting} missing or not the key they were sealed with): they are not served on this host")]
    public static partial void SecretsNotOpened(ILogger logger, int count, string setting);
}
