namespace StationHub.Platform.Security;

public static class ApiKeyHeader
{
    /// <summary>The header that carries an API key on GETs and non-webhook POSTs.</summary>
    public const string Name = "x-api-key";

    /// <summary>The query parameter Open311 allows instead of the header.</summary>
    public const string Open311Query = "api_key";
}
