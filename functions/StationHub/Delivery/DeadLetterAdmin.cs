using StationHub.Platform.Http;
using StationHub.Platform.Json;
using StationHub.Triggers;

namespace StationHub.Delivery;

/// <summary>
/// Administrators' view of dead letters: <c>GET /api/v1/admin/dead-letters</c> lists them,
/// <c>POST /api/v1/admin/dead-letters/{id}/replay</c> queues the delivery again from its first try.
/// </summary>
public sealed class DeadLetterAdmin(DeliveryStore store, TimeProvider time)
{
    public const int MaxListed = 500;

    public async Task<HubResponse> ListAsync(HubRequest request, CancellationToken cancellationToken = default)
    {
        var includeReplayed = string.Equals(request.Query("includeReplayed"), "true", StringComparison.OrdinalIgnoreCase);
        var letters = await store.ListDeadLettersAsync(includeReplayed, MaxListed, cancellationToken);
        var list = letters.Select(View).ToList();
        return HubResponse.Json(StatusCodes.Ok, list, HubJsonContext.Default.ListDeadLetterView);
    }

    public async Task<HubResponse> ReplayAsync(HubRequest request, CancellationToken cancellationToken = default)
    {
        var letter = await store.FindDeadLetterAsync(request.Route("id"), cancellationToken);
        if (letter is null)
        {
            return HubResponse.Problem(Problem.NotFound("No dead letter has that id."));
        }

        if (letter.ReplayedAt is not null)
        {
            return HubResponse.Problem(Problem.Conflict("That dead letter was already replayed."));
        }

        if (!await store.ReplayAsync(letter, time.GetUtcNow(), cancellationToken))
        {
            return HubResponse.Problem(Problem.Conflict("That dead letter was replayed by someone else just now."));
        }

        return HubResponse.Json(StatusCodes.Accepted, View(letter), HubJsonContext.Default.DeadLetterView);
    }

    private static DeadLetterView View(DeadLetterEntity letter) =>
        new(letter.RowKey, letter.Destination, letter.EventType, letter.Attempts, letter.LastError, letter.FailedAt, letter.ReplayedAt);
}

public sealed record DeadLetterView(
    string DeliveryId,
    string Destination,
    string EventType,
    int Attempts,
    string? LastError,
    DateTimeOffset FailedAt,
    DateTimeOffset? ReplayedAt);
