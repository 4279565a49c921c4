using System.Globalization;
using System.Net;
using Microsoft.Azure.Functions.Worker.Http;
using StationHub.Platform.Http;

namespace StationHub.Functions.Platform;

/// <summary>
/// Turns the worker's <see cref="HttpRequestData"/> into a <see cref="HubRequest"/>, calls the
/// handler and copies its <see cref="HubResponse"/> onto an <see cref="HttpResponseData"/>: the
/// Functions twin of the local host's <c>HttpTriggers</c>.
/// </summary>
public static class HttpAdapter
{
    /// <summary>Binds the request, hands it to <paramref name="handler"/> and answers with its response.</summary>
    public static async Task<HttpResponseData> HandleAsync(
        this HttpRequestData request,
        Func<HubRequest, CancellationToken, Task<HubResponse>> handler,
        CancellationToken cancellationToken)
    {
        var hubRequest = await ToHubRequestAsync(request, cancellationToken);
        var response = await handler(hubRequest, cancellationToken);
        return await WriteAsync(request, response, cancellationToken);
    }

    public static async Task<HubRequest> ToHubRequestAsync(HttpRequestData request, CancellationToken cancellationToken = default)
    {
        byte[]? body = [];
        if (HttpMethod.Post.Method.Equals(request.Method, StringComparison.OrdinalIgnoreCase)
            || HttpMethod.Put.Method.Equals(request.Method, StringComparison.OrdinalIgnoreCase))
        {
            body = await RequestBody.ReadAsync(request.Body, ContentLength(request), cancellationToken);
        }

        // The host's binding data holds the route values (they win over query-string and body
        // values of the same name); handlers ask only for the names their route declares.
        var routeValues = request.FunctionContext.BindingContext.BindingData.ToDictionary(
            pair => pair.Key,
            pair => Convert.ToString(pair.Value, CultureInfo.InvariantCulture),
            StringComparer.OrdinalIgnoreCase);
        return new HubRequest(
            request.Method,
            routeValues,
            name => Header(request, name),
            name => request.Query[name],
            body ?? ReadOnlyMemory<byte>.Empty,
            Header(request, "Content-Type"),
            bodyTooLarge: body is null);
    }

    public static async Task<HttpResponseData> WriteAsync(HttpRequestData request, HubResponse response, CancellationToken cancellationToken = default)
    {
        var answer = request.CreateResponse((HttpStatusCode)response.Status);
        if (response.Headers is not null)
        {
            foreach (var (key, value) in response.Headers)
            {
                answer.Headers.Add(key, value);
            }
        }

        if (response.ContentType is not null)
        {
            answer.Headers.Add("Content-Type", response.ContentType);
        }

        if (!response.Body.IsEmpty)
        {
            await answer.Body.WriteAsync(response.Body, cancellationToken);
        }

        return answer;
    }

    // Header names are case-insensitive (HttpHeaders); several values join as ASP.NET Core's StringValues do.
    private static string? Header(HttpRequestData request, string name) =>
        request.Headers.TryGetValues(name, out var values) ? string.Join(',', values) : null;

    private static long? ContentLength(HttpRequestData request) =>
        long.TryParse(Header(request, "Content-Length"), NumberStyles.None, CultureInfo.InvariantCulture, out var length) ? length : null;
}
