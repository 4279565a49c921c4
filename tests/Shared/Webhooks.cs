using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using StationHub.Platform.Webhooks;

namespace StationHub.Testing;

/// <summary>Builds Standard Webhooks requests as a platform would send them.</summary>
public static class Webhooks
{
    public static HttpRequestMessage Signed(string path, string body, StandardWebhook signer, string? webhookId = null, DateTimeOffset? timestamp = null, string contentType = "application/json")
    {
        var id = webhookId ?? "msg_" + Guid.NewGuid().ToString("N");
        var at = timestamp ?? TimeProvider.System.GetUtcNow();
        var bytes = Encoding.UTF8.GetBytes(body);
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        request.Headers.Add(StandardWebhook.IdHeader, id);
        request.Headers.Add(StandardWebhook.TimestampHeader, at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
        request.Headers.Add(StandardWebhook.SignatureHeader, signer.Sign(id, at, bytes));
        return request;
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> Places = new(StringComparer.Ordinal);
    private static int nextPlace;

    /// <summary>
    /// A report; without a location, each report id gets a place of its own in Shangcheng (330102),
    /// at least 60 m from every other, so reports of one test are not linked as duplicates unless the test says so.
    /// </summary>
    public static string HazardReport(string reportId, string? courierId = "courier-42", string category = "blocked_fire_exit", double? lat = null, double? lon = null, string? district = null, string? extraData = null)
    {
        if (lat is null || lon is null)
        {
            var slot = Places.GetOrAdd(reportId, _ => Interlocked.Increment(ref nextPlace));
            lat ??= 30.23 + (slot % 100 * 0.0006);
            lon ??= 120.155 + (slot / 100 % 100 * 0.0006);
        }

        var districtPart = district is null ? string.Empty : $",\"district\":\"{district}\"";
        return "{\"type\":\"hazard_report.created\",\"timestamp\":\"2026-11-22T08:00:00Z\",\"data\":{" +
            $"\"reportId\":\"{reportId}\",\"courierId\":\"{courierId}\",\"category\":\"{category}\"," +
            "\"description\":\"Fire exit blocked by e-bikes\"," +
            $"\"location\":{{\"lat\":{lat.Value.ToString(CultureInfo.InvariantCulture)},\"lon\":{lon.Value.ToString(CultureInfo.InvariantCulture)},\"address\":\"12 Hubin Rd\"}}" +
            districtPart +
            $",\"mediaUrls\":[\"https://media.example.com/a.jpg\"],\"observedAt\":\"{RecentlyObserved()}\"" +
            (extraData ?? string.Empty) + "}}";
    }

    /// <summary>A few minutes ago, to the minute: when a courier saw what they report (the hub refuses the far past).</summary>
    public static string RecentlyObserved() =>
        TimeProvider.System.GetUtcNow().AddMinutes(-5).ToString("yyyy-MM-dd'T'HH:mm:00'Z'", CultureInfo.InvariantCulture);
}
