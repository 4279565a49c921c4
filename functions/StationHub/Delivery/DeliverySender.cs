using System.Globalization;
using System.Net;
using System.Text.Json;
using StationHub.Platform.Json;
using StationHub.Platform.Registry;
using StationHub.Platform.Security;
using StationHub.Platform.Telemetry;
using StationHub.Platform.Webhooks;

namespace StationHub.Delivery;

/// <summary>The outcome of one outbound call.</summary>
public sealed record DeliveryResult(bool Delivered, int? StatusCode, TimeSpan? RetryAfter, string? Error);

/// <summary>
/// Makes one outbound call: a signed Standard Webhooks POST, or for a city whose registry entry
/// says <c>open311</c>, a GeoReport v2 form POST with its <c>api_key</c>. Only 2xx counts.
/// </summary>
public sealed class DeliverySender(IHttpClientFactory httpClients, HubRegistry registry, HubSecrets secrets, TimeProvider time)
{
    public const string HttpClientName = "delivery";

    public async Task<DeliveryResult> SendAsync(DeliveryRequested message, CancellationToken cancellationToken = default)
    {
        using var activity = HubTelemetry.StartOutbound(message.Destination.ToString(), message.EventType);
        activity?.SetTag("stationhub.delivery_id", message.DeliveryId);
        using var request = Build(message);
        HubTelemetry.Inject(request);
        var client = httpClients.CreateClient(HttpClientName);
        try
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            var status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                return new DeliveryResult(true, status, null, null);
            }

            TimeSpan? retryAfter = null;
            if (response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable)
            {
                retryAfter = RetryAfter(response, time.GetUtcNow());
            }

            return new DeliveryResult(false, status, retryAfter, $"HTTP {status}");
        }
        catch (HttpRequestException exception)
        {
            return new DeliveryResult(false, null, null, "connection failed: " + exception.HttpRequestError);
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new DeliveryResult(false, null, null, "timed out");
        }
    }

    private HttpRequestMessage Build(DeliveryRequested message)
    {
        if (message.Destination.Kind == DestinationKind.City)
        {
            var city = registry.FindCity(message.Destination.Id)
                ?? throw new InvalidOperationException($"City '{message.Destination.Id}' is not in the registry.");
            return city.Delivery.Format == CityDeliveryFormat.Open311
                ? Open311Post(city.Delivery.Endpoint, secrets.CityOpen311ApiKey(city.Id), message)
                : SignedPost(city.Delivery.Endpoint, secrets.CitySigner(city.Id), message);
        }

        if (message.Destination.Kind == DestinationKind.Body)
        {
            var body = registry.FindBody(message.Destination.Id)?.Body
                ?? throw new InvalidOperationException($"Body '{message.Destination.Id}' is not in the registry.");
            return body.Delivery.Format == CityDeliveryFormat.Open311
                ? Open311Post(body.Delivery.Endpoint, secrets.BodyOpen311ApiKey(body.Id), message)
                : SignedPost(body.Delivery.Endpoint, secrets.BodySigner(body.Id), message);
        }

        if (message.Destination.Kind == DestinationKind.Admin)
        {
            var admin = registry.Document.Admin
                ?? throw new InvalidOperationException("The registry names no administrators' endpoint (admin).");
            return SignedPost(admin.WebhookUrl, secrets.AdminSigner(), message);
        }

        var platform = registry.FindPlatform(message.Destination.Id)
            ?? throw new InvalidOperationException($"Platform '{message.Destination.Id}' is not in the registry.");
        return SignedPost(platform.WebhookUrl, secrets.PlatformSigner(platform.Id), message);
    }

    private HttpRequestMessage SignedPost(Uri endpoint, WebhookSigner signer, DeliveryRequested message)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(
            new OutboundEnvelope(message.EventType, message.OccurredAt, message.Data),
            HubJsonContext.Default.OutboundEnvelope);
        var now = time.GetUtcNow();
        var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        AddWebhookHeaders(request, message.DeliveryId, now, signer.Sign(message.DeliveryId, now, body));
        return request;
    }

    private static HttpRequestMessage Open311Post(Uri endpoint, string apiKey, DeliveryRequested message)
    {
        var fields = new List<KeyValuePair<string, string>> { new("api_key", apiKey) };
        foreach (var property in message.Data.EnumerateObject())
        {
            var value = property.Value.ValueKind switch
            {
                JsonValueKind.String => property.Value.GetString(),
                JsonValueKind.Number => property.Value.GetRawText(),
                JsonValueKind.True => "true",
                JsonValueKind.False => "false",
                _ => null,
            };
            if (value is not null)
            {
                fields.Add(new(property.Name, value));
            }
        }

        var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new FormUrlEncodedContent(fields) };
        request.Headers.TryAddWithoutValidation(StandardWebhook.IdHeader, message.DeliveryId);
        return request;
    }

    private static void AddWebhookHeaders(HttpRequestMessage request, string id, DateTimeOffset now, string signature)
    {
        request.Headers.TryAddWithoutValidation(StandardWebhook.IdHeader, id);
        request.Headers.TryAddWithoutValidation(StandardWebhook.TimestampHeader, now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation(StandardWebhook.SignatureHeader, signature);
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage response, DateTimeOffset now)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta)
        {
            return delta;
        }

        if (header?.Date is { } date)
        {
            var wait = date - now;
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }

        return null;
    }
}

/// <summary>The Standard Webhooks envelope the hub sends.</summary>
public sealed record OutboundEnvelope(
    [property: System.Text.Json.Serialization.JsonPropertyName("type")] string Type,
    [property: System.Text.Json.Serialization.JsonPropertyName("timestamp")] DateTimeOffset Timestamp,
    [property: System.Text.Json.Serialization.JsonPropertyName("data")] JsonElement Data);
