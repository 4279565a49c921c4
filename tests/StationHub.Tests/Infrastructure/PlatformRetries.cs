using System.Diagnostics;
using System.Net;

namespace StationHub.Tests.Infrastructure;

/// <summary>
/// What every Standard Webhooks sender does with a 503: sends the same request again (same
/// webhook-id, body and signature) until it gets another answer. A test hub's client does it for
/// signed POSTs, so a test of something else does not fail because a loaded machine made the hub's
/// storage answer late (the 503 says the item may have been accepted; the retry yields exactly one).
/// Tests of the 503 itself turn it off (<see cref="HubScenario.PlatformRetries"/>).
/// </summary>
public sealed class PlatformRetries(Func<bool> enabled) : DelegatingHandler(new SocketsHttpHandler())
{
    private static readonly TimeSpan GiveUpAfter = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(100);

    /// <summary>On an answer that came after a retry: how many 503s it followed.</summary>
    public const string RetriedHeader = "x-test-platform-retries";

    /// <summary>
    /// The item was accepted by this request: 202, or the 200 with the first answer that this client's
    /// retry of a 503 got (the 503 said "may have been accepted", and it had been). A 200 without a retry
    /// behind it is a repeat, not an acceptance.
    /// </summary>
    public static void AssertAccepted(HttpResponseMessage response)
    {
        ArgumentNullException.ThrowIfNull(response);
        Xunit.Assert.True(
            OutcomeOf(response) == HttpStatusCode.Accepted,
            $"expected 202 (or 200 after a retried 503), got {(int)response.StatusCode}");
    }

    /// <summary>
    /// The status as the platform learns the outcome: the 200 with the first answer that a retry of a 503
    /// got is the acceptance (202) that the 503 hid; any other answer is its own status.
    /// </summary>
    public static HttpStatusCode OutcomeOf(HttpResponseMessage response)
    {
        ArgumentNullException.ThrowIfNull(response);
        return response.StatusCode == HttpStatusCode.OK && response.Headers.Contains(RetriedHeader) ? HttpStatusCode.Accepted : response.StatusCode;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        // A chunked request is a test of chunked bodies: it goes as it is (a retry would send a copy
        // with a length, and reading the body here would give the original one).
        if (request.Method != HttpMethod.Post || !request.Headers.Contains("webhook-id") || request.Content is null || request.Headers.TransferEncodingChunked == true || request.Content.Headers.ContentLength is null || !enabled())
        {
            return await base.SendAsync(request, cancellationToken);
        }

        var body = await request.Content.ReadAsByteArrayAsync(cancellationToken);
        var started = Stopwatch.GetTimestamp();
        for (var refused = 0; ; refused++)
        {
            using var attempt = Copy(request, body);
            var response = await base.SendAsync(attempt, cancellationToken);
            if (response.StatusCode != HttpStatusCode.ServiceUnavailable || Stopwatch.GetElapsedTime(started) > GiveUpAfter)
            {
                if (refused > 0)
                {
                    response.Headers.TryAddWithoutValidation(RetriedHeader, refused.ToString(System.Globalization.CultureInfo.InvariantCulture));
                }

                return response;
            }

            response.Dispose();
            await Task.Delay(Pause, cancellationToken);
        }
    }

    private static HttpRequestMessage Copy(HttpRequestMessage request, byte[] body)
    {
        var copy = new HttpRequestMessage(request.Method, request.RequestUri) { Content = new ByteArrayContent(body), Version = request.Version };
        foreach (var (name, values) in request.Headers)
        {
            copy.Headers.TryAddWithoutValidation(name, values);
        }

        foreach (var (name, values) in request.Content!.Headers)
        {
            copy.Content.Headers.TryAddWithoutValidation(name, values);
        }

        return copy;
    }
}
