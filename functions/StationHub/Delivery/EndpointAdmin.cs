using StationHub.Platform.Http;
using StationHub.Platform.Json;
using StationHub.Platform.Registry;

namespace StationHub.Delivery;

/// <summary>
/// Administrators' view of the destinations: <c>GET /api/v1/admin/endpoints</c> lists each with its
/// state, last success and failures; <c>POST …/{id}/pause</c> and <c>…/resume</c> stop and restart
/// its deliveries (those that waited go out on resume); <c>POST …/{id}/recover?since=</c> replays its
/// dead letters since that time. An endpoint's id is its kind and registry id: <c>city:hangzhou</c>.
/// </summary>
public sealed class EndpointAdmin(HubRegistry registry, EndpointStore endpoints, ParkedDeliveries parked, DeliveryStore deliveries, TimeProvider time)
{
    /// <summary>The most dead letters one recovery replays; call again for the rest.</summary>
    public const int MaxRecovered = 1000;

    public async Task<HubResponse> ListAsync(HubRequest request, CancellationToken cancellationToken = default)
    {
        var stored = await endpoints.ListAsync(cancellationToken);
        var views = new List<EndpointView>();
        foreach (var destination in Destinations.All(registry))
        {
            views.Add(View(destination, stored.GetValueOrDefault(destination.ToString()), await parked.CountAsync(destination, cancellationToken)));
        }

        return HubResponse.Json(StatusCodes.Ok, views, HubJsonContext.Default.ListEndpointView);
    }

    public Task<HubResponse> PauseAsync(HubRequest request, CancellationToken cancellationToken = default) =>
        ChangeAsync(request, EndpointStates.Paused, cancellationToken);

    /// <summary>
    /// How long a resume may take: it releases every delivery that waited (three storage calls each), which
    /// an administrator waits for, unlike a platform's webhook (4 s). What a resume cut short leaves behind
    /// goes out with the next sweep (<see cref="ParkedDeliveries.ReleaseLeftAsync"/>).
    /// </summary>
    public static readonly TimeSpan ReleaseDeadline = TimeSpan.FromSeconds(60);

    public Task<HubResponse> ResumeAsync(HubRequest request, CancellationToken cancellationToken = default) =>
        ChangeAsync(request, EndpointStates.Active, cancellationToken);

    public async Task<HubResponse> RecoverAsync(HubRequest request, CancellationToken cancellationToken = default)
    {
        if (Find(request) is not { } destination)
        {
            return UnknownEndpoint();
        }

        var sinceText = request.Query("since");
        var now = time.GetUtcNow();
        if (string.IsNullOrEmpty(sinceText))
        {
            return HubResponse.Problem(Problem.BadRequest("since is required.", Errors("since", "is required: an ISO 8601 date and time with a time zone.")));
        }

        if (!IsoTimestamp.TryParse(sinceText, out var since))
        {
            return HubResponse.Problem(Problem.BadRequest("since is not a time.", Errors("since", "must be an ISO 8601 date and time with a time zone, such as 2026-11-20T00:00:00Z.")));
        }

        if (since > now)
        {
            return HubResponse.Problem(Problem.BadRequest("since lies in the future.", Errors("since", "must not lie in the future.")));
        }

        var letters = await deliveries.ListDeadLettersAsync(destination, since, MaxRecovered, cancellationToken);
        var replayed = 0;
        foreach (var letter in letters)
        {
            replayed += await deliveries.ReplayAsync(letter, now, cancellationToken) ? 1 : 0;
        }

        var answer = new EndpointRecovery(destination.ToString(), since, replayed, letters.Count >= MaxRecovered);
        return HubResponse.Json(StatusCodes.Accepted, answer, HubJsonContext.Default.EndpointRecovery);
    }

    private async Task<HubResponse> ChangeAsync(HubRequest request, string state, CancellationToken cancellationToken)
    {
        if (Find(request) is not { } destination)
        {
            return UnknownEndpoint();
        }

        // State first, then release: a delivery parked after the release sees the new state and releases itself.
        var (entity, _) = await endpoints.SetStateAsync(destination, state, time.GetUtcNow(), cancellationToken);
        if (state == EndpointStates.Active)
        {
            await parked.ReleaseAsync(destination, cancellationToken);
        }

        return HubResponse.Json(StatusCodes.Ok, View(destination, entity, await parked.CountAsync(destination, cancellationToken)), HubJsonContext.Default.EndpointView);
    }

    private Destination? Find(HubRequest request) =>
        Destination.Parse(request.Route("id")) is { } destination && Destinations.IsKnown(registry, destination) ? destination : null;

    private static HubResponse UnknownEndpoint() =>
        HubResponse.Problem(Problem.NotFound("No endpoint has that id; ids are a kind and a registry id, such as city:hangzhou or platform:swiftride."));

    private static Dictionary<string, string[]> Errors(string field, string message) => new(StringComparer.Ordinal) { [field] = [message] };

    private static EndpointView View(Destination destination, EndpointEntity? entity, int waiting) => new(
        destination.ToString(),
        destination.Kind.ToString().ToLowerInvariant(),
        destination.Id,
        entity?.State ?? EndpointStates.Active,
        entity?.StateChangedAt,
        entity?.LastSuccessAt,
        entity?.FailingSince,
        entity?.LastFailureAt,
        entity?.LastError,
        entity?.ConsecutiveFailures ?? 0,
        entity?.TotalFailures ?? 0,
        waiting);
}

/// <summary>A destination as administrators see it.</summary>
/// <param name="Waiting">Deliveries parked while it is paused or disabled, sent when it is resumed.</param>
public sealed record EndpointView(
    string Id,
    string Kind,
    string DestinationId,
    string State,
    DateTimeOffset? StateChangedAt,
    DateTimeOffset? LastSuccessAt,
    DateTimeOffset? FailingSince,
    DateTimeOffset? LastFailureAt,
    string? LastError,
    int ConsecutiveFailures,
    long TotalFailures,
    int Waiting);

/// <summary>What a recovery did: how many dead letters it queued again; <paramref name="More"/> when it stopped at its limit.</summary>
public sealed record EndpointRecovery(string Id, DateTimeOffset Since, int Replayed, bool More);

/// <summary>The events the hub sends its administrators.</summary>
public static class EndpointEvents
{
    public const string Disabled = "endpoint.disabled";
}

/// <summary><c>endpoint.disabled</c>: a destination failed without a success for <c>Delivery:DisableAfter</c>; its deliveries wait until it is resumed.</summary>
public sealed record EndpointDisabledNotice(
    string Id,
    DateTimeOffset DisabledAt,
    DateTimeOffset? FailingSince,
    DateTimeOffset? LastSuccessAt,
    int ConsecutiveFailures,
    string? LastError);
