using System.Text.Json;
using Azure.Data.Tables;
using StationHub.Platform.Http;
using StationHub.Platform.Json;
using StationHub.Platform.Registry;
using StationHub.Platform.Security;
using StationHub.Platform.Webhooks;

namespace StationHub.Stations;

/// <summary>
/// Live status in: <c>PUT /api/v1/stations/{stationId}/status</c> with the station's key, or the
/// webhook <c>station.status</c> on <c>POST /api/v1/platforms/{platformId}/station-status</c> from the
/// platform that runs the station's door and chargers (its <c>statusPlatform</c> in the registry),
/// signed and checked like every platform webhook. Both answer 200 with the station's status after the
/// report; <c>applied</c> is false when the observation was no newer than the stored one.
/// </summary>
public sealed class StationStatusIntake(
    HubRegistry registry,
    StationStatusBook book,
    StationStatusStore store,
    StationIndex index,
    TimeProvider time) : IWebhookRoute
{
    public const string WebhookType = "station.status";

    /// <summary>The most chargers or seats a station reports.</summary>
    public const int MaxPlaces = 1000;

    /// <summary>How far ahead of the hub's clock an observation may be (clock skew).</summary>
    public static readonly TimeSpan MaxAhead = TimeSpan.FromMinutes(5);

    /// <summary>How old an observation may be and still be live status.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromDays(1);

    public IReadOnlyCollection<string> Types { get; } = [WebhookType];

    /// <summary>Where the <c>station.status</c> webhook-ids are claimed (<see cref="WebhookIdClaims"/>).</summary>
    public TableClient ClaimTable => store.ClaimTable;

    public async Task<HubResponse> PutAsync(HubRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var stationId = request.Route("stationId");
        if (registry.FindStation(stationId) is null)
        {
            return HubResponse.Problem(Problem.NotFound("No station is registered with that id."));
        }

        if (request.BodyTooLarge)
        {
            return HubResponse.Problem(Problem.TooLarge(RequestBody.MaxBytes));
        }

        if (!request.IsJson)
        {
            return HubResponse.Problem(Problem.UnsupportedMediaType());
        }

        if (JsonBody.Parse(request.Body, out var invalid) is not { } document)
        {
            return HubResponse.Problem(invalid!);
        }

        using (document)
        {
            var fields = new FieldReader();
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return HubResponse.Problem(Problem.BadRequest("The body must be an object {open, chargers, seats?, observedAt}."));
            }

            var report = ReadReport(document.RootElement, string.Empty, fields);
            if (fields.HasErrors)
            {
                return HubResponse.Problem(Problem.BadRequest("The station status is not valid.", fields.Errors));
            }

            return await ApplyAsync(stationId, report!, "station", Guid.NewGuid().ToString("N"), cancellationToken);
        }
    }

    /// <summary>
    /// The <c>station.status</c> webhook's part of the one intake (<see cref="SignedIntake"/>): a webhook-id
    /// names one observation of one station, so the same id with another body gets the station's
    /// status as that first observation left it (<c>applied</c> false) and changes nothing.
    /// </summary>
    public Task<OrProblem<WebhookItem>> ParseAsync(VerifiedWebhook webhook, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(webhook);
        var fields = new FieldReader();
        var stationId = fields.Identifier(webhook.Data, "stationId", "data.stationId");
        var station = stationId is null ? null : registry.FindStation(stationId);
        if (stationId is not null && station is null)
        {
            fields.Fail("data.stationId", "is not a station the hub serves.");
        }

        var report = ReadReport(webhook.Data, "data.", fields);
        if (fields.HasErrors)
        {
            return Task.FromResult<OrProblem<WebhookItem>>(Problem.BadRequest("The station status is not valid.", fields.Errors));
        }

        if (station!.StatusPlatform != webhook.Platform.Id)
        {
            return Task.FromResult<OrProblem<WebhookItem>>(Problem.Forbidden($"Platform {webhook.Platform.Id} does not run station {station.Id}'s door and chargers."));
        }

        var source = "platform:" + webhook.Platform.Id;
        var correlationId = webhook.WebhookId;
        return Task.FromResult<OrProblem<WebhookItem>>(new WebhookItem(
            station.Id + "\n" + IsoTimestamp.Format(report!.ObservedAt),
            token => ApplyAsync(station.Id, report, source, correlationId, token),
            (held, token) => CurrentAsync(held[..held.IndexOf('\n', StringComparison.Ordinal)], token)));
    }

    /// <summary>The station's status as it stands, nothing applied.</summary>
    private async Task<HubResponse> CurrentAsync(string stationId, CancellationToken cancellationToken)
    {
        var stored = await store.FindAsync(stationId, cancellationToken);
        if (stored is null || index.Find(stationId) is not { } station)
        {
            return HubResponse.Problem(Problem.Conflict("That webhook-id is being applied for another station; retry to get its answer."));
        }

        var view = index.View(station, time.GetUtcNow());
        return HubResponse.Json(StatusCodes.Ok, StationStatusView.Of(new StatusOutcome(false, stored), view), HubJsonContext.Default.StationStatusView);
    }

    private async Task<HubResponse> ApplyAsync(string stationId, StationReport report, string source, string correlationId, CancellationToken cancellationToken)
    {
        var outcome = await book.ReportAsync(stationId, report, source, correlationId, cancellationToken);
        var view = index.View(index.Find(stationId)!, time.GetUtcNow());
        return HubResponse.Json(StatusCodes.Ok, StationStatusView.Of(outcome, view), HubJsonContext.Default.StationStatusView);
    }

    /// <summary>Reads <c>{open, chargers: {free, total}, seats?: {free, total}, observedAt}</c>, every problem named by its path.</summary>
    private StationReport? ReadReport(JsonElement body, string prefix, FieldReader fields)
    {
        bool? open = null;
        if (!body.TryGetProperty("open", out var openValue) || openValue.ValueKind == JsonValueKind.Null)
        {
            fields.Fail(prefix + "open", "is required.");
        }
        else if (openValue.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            open = openValue.GetBoolean();
        }
        else
        {
            fields.Fail(prefix + "open", "must be true or false.");
        }

        var chargers = ReadPlaces(body, "chargers", prefix, fields, required: true);
        var seats = ReadPlaces(body, "seats", prefix, fields, required: false);
        var observedAt = fields.Timestamp(body, "observedAt", prefix + "observedAt");
        if (observedAt is { } at)
        {
            var now = time.GetUtcNow();
            if (at > now + MaxAhead)
            {
                fields.Fail(prefix + "observedAt", "must not be in the future (more than 5 minutes ahead of the hub's clock).");
            }
            else if (at < now - MaxAge)
            {
                fields.Fail(prefix + "observedAt", "is more than a day old: it is not live status.");
            }
        }

        return fields.HasErrors ? null : new StationReport(open!.Value, chargers!.Value.Free, chargers.Value.Total, seats?.Free, seats?.Total, observedAt!.Value);
    }

    private static (int Free, int Total)? ReadPlaces(JsonElement body, string name, string prefix, FieldReader fields, bool required)
    {
        var path = prefix + name;
        var places = fields.Object(body, name, path, required);
        if (places is not { } value)
        {
            return null;
        }

        var free = fields.Integer(value, "free", path + ".free", 0, MaxPlaces);
        var total = fields.Integer(value, "total", path + ".total", 0, MaxPlaces);
        if (free is null || total is null)
        {
            return null;
        }

        if (free > total)
        {
            fields.Fail(path + ".free", "must not exceed total.");
            return null;
        }

        return ((int)free.Value, (int)total.Value);
    }
}
