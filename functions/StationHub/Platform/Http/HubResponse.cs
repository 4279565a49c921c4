using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using StationHub.Platform.Json;

namespace StationHub.Platform.Http;

/// <summary>What a handler answers; each host copies it onto its own response type.</summary>
public sealed record HubResponse(
    int Status,
    string? ContentType,
    ReadOnlyMemory<byte> Body,
    IReadOnlyDictionary<string, string>? Headers = null)
{
    public const string JsonContentType = "application/json; charset=utf-8";
    public const string ProblemContentType = "application/problem+json; charset=utf-8";
    public const string XmlContentType = "application/xml; charset=utf-8";

    public static HubResponse Json<T>(int status, T value, JsonTypeInfo<T> typeInfo, IReadOnlyDictionary<string, string>? headers = null) =>
        new(status, JsonContentType, JsonSerializer.SerializeToUtf8Bytes(value, typeInfo), headers);

    /// <summary>A problem document; 429 and 503 also say when to come back (<c>Retry-After</c>).</summary>
    public static HubResponse Problem(Problem problem) =>
        new(problem.Status, ProblemContentType, JsonSerializer.SerializeToUtf8Bytes(problem, HubJsonContext.Default.Problem), problem.Status switch
        {
            429 => RetryAfter("1"),
            503 => RetryAfter("5"),
            _ => null,
        });

    private static Dictionary<string, string> RetryAfter(string seconds) => new() { ["Retry-After"] = seconds };

    public static HubResponse Empty(int status) => new(status, null, ReadOnlyMemory<byte>.Empty);
}
