using System.Text.Json.Serialization;

namespace StationHub.Platform.Http;

/// <summary>An RFC 9457 problem document; <see cref="Errors"/> names each bad field.</summary>
public sealed record Problem(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("title")] string Title,
    [property: JsonPropertyName("status")] int Status,
    [property: JsonPropertyName("detail"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Detail = null,
    [property: JsonPropertyName("errors"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyDictionary<string, string[]>? Errors = null)
{
    private const string TypePrefix = "urn:stationhub:problem:";

    public static Problem BadRequest(string detail, IReadOnlyDictionary<string, string[]>? errors = null) =>
        new(TypePrefix + "invalid-request", "The request is not valid.", 400, detail, errors);

    public static Problem Unauthorized(string detail) =>
        new(TypePrefix + "unauthorized", "The request could not be authenticated.", 401, detail);

    public static Problem Forbidden(string detail) =>
        new(TypePrefix + "forbidden", "The caller may not do this.", 403, detail);

    public static Problem NotFound(string detail) =>
        new(TypePrefix + "not-found", "Not found.", 404, detail);

    public static Problem Conflict(string detail) =>
        new(TypePrefix + "conflict", "The request conflicts with the current state.", 409, detail);

    public static Problem PreconditionFailed(string detail) =>
        new(TypePrefix + "precondition-failed", "The entry changed since the ETag given.", 412, detail);

    public static Problem PreconditionRequired(string detail) =>
        new(TypePrefix + "precondition-required", "The request must say which version it changes.", 428, detail);

    public static Problem TooLarge(int limit) =>
        new(TypePrefix + "too-large", "The request body is too large.", 413, $"Bodies are limited to {limit} bytes.");

    public static Problem UnsupportedMediaType() =>
        new(TypePrefix + "unsupported-media-type", "The body must be JSON.", 415, "Send Content-Type: application/json (UTF-8).");

    public static Problem TooManyRequests(string detail) =>
        new(TypePrefix + "rate-limited", "Too many requests.", 429, detail);

    public static Problem Unavailable(string detail) =>
        new(TypePrefix + "unavailable", "The hub cannot take this request now; retry later.", 503, detail);

    public static Problem Internal() =>
        new(TypePrefix + "internal", "The hub failed to handle the request.", 500, "Retry later; the failure has been logged.");
}
