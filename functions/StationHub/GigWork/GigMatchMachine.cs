namespace StationHub.GigWork;

/// <summary>
/// What a match's events come to, in whatever order they arrive. <c>made</c> needs its job and a
/// place on it (<see cref="JobPlace"/>); <c>completed</c>, <c>paid</c> and <c>cancelled</c> need
/// <c>made</c>, and <c>paid</c> needs <c>completed</c>: each waits (pending, not lost) until what it
/// needs comes. Impossible work is rejected with the reason recorded: a match made before its job
/// was posted, on a job that has all the workers it wants, or of a worker already matched to the job;
/// completed before it was made; paid before the work was completed, or 0 fen; completed or paid after
/// it was cancelled; cancelled after it was completed or paid. A cancellation carries no time, so it
/// is judged against what the hub had received when it came. Each event's reason is its current one:
/// applied clears it.
/// </summary>
public static class GigMatchMachine
{
    public const string WaitingForJob = "Waiting for its job's gig_job.posted.";
    public const string WaitingForMade = "Waiting for the match's gig_match.made.";
    public const string WaitingForCompleted = "Waiting for the match's gig_match.completed.";
    public const string ZeroPay = "Paid 0 fen: a pay counts only when it is more than 0.";
    public const string PaidBeforeCompleted = "Paid before the work was completed.";
    public const string JobFull = "The job already has all the workers it wants (workersWanted).";
    public const string WorkerTaken = "The worker is already matched to this job.";

    /// <summary>Takes in one event; false when the match already had it (a repeat).</summary>
    public static bool Receive(GigMatchEntity match, GigWorkEvent gigEvent)
    {
        switch (gigEvent.Kind)
        {
            case GigEventKind.MatchMade when match.MadeStatus is null:
                match.JobId = gigEvent.JobId;
                match.WorkerPseudonym = gigEvent.WorkerPseudonym;
                match.MatchedAt = gigEvent.At;
                (match.MadeStatus, match.MadeReason) = (GigEventStatus.Pending, WaitingForJob);
                return true;

            case GigEventKind.MatchCompleted when match.CompletedStatus is null:
                match.CompletedAt = gigEvent.At;
                (match.CompletedStatus, match.CompletedReason) = IsCancelledOrWaiting(match)
                    ? (GigEventStatus.Rejected, "Completed after the match was cancelled.")
                    : (GigEventStatus.Pending, WaitingForMade);
                return true;

            case GigEventKind.MatchPaid when match.PaidStatus is null:
                match.PaidAt = gigEvent.At;
                match.AmountFen = gigEvent.AmountFen;
                (match.PaidStatus, match.PaidReason) = gigEvent.AmountFen is not > 0 ? (GigEventStatus.Rejected, ZeroPay)
                    : IsCancelledOrWaiting(match) ? (GigEventStatus.Rejected, "Paid after the match was cancelled.")
                    : (GigEventStatus.Pending, WaitingForMade);
                return true;

            case GigEventKind.MatchCancelled when match.CancelledStatus is null:
                match.CancelReason = gigEvent.Reason;
                (match.CancelledStatus, match.CancelledReason) =
                    match.PaidStatus is GigEventStatus.Applied or GigEventStatus.Pending ? (GigEventStatus.Rejected, "Cancelled after the match was paid.")
                    : match.CompletedStatus is GigEventStatus.Applied or GigEventStatus.Pending ? (GigEventStatus.Rejected, "Cancelled after the match was completed.")
                    : (GigEventStatus.Pending, WaitingForMade);
                return true;

            default:
                return false;
        }
    }

    /// <summary>Whether a <c>made</c> waiting for its job may ask for a place on it (it was not matched before the job was posted).</summary>
    public static bool NeedsPlace(GigMatchEntity match, GigJobEntity? job) =>
        match.MadeStatus == GigEventStatus.Pending && job is not null && match.MatchedAt >= job.PostedAt;

    /// <summary>
    /// Applies what was waiting and can now be decided; false when nothing changed. <paramref name="place"/>
    /// is what the job said when <see cref="NeedsPlace"/> asked (the book's claim).
    /// </summary>
    public static bool Settle(GigMatchEntity match, GigJobEntity? job, DateTimeOffset now, JobPlace place = JobPlace.Held)
    {
        var changed = false;
        if (match.MadeStatus == GigEventStatus.Pending && job is not null)
        {
            if (match.MatchedAt < job.PostedAt)
            {
                (match.MadeStatus, match.MadeReason) = (GigEventStatus.Rejected, "Matched before its job was posted.");
            }
            else if (place != JobPlace.Held)
            {
                (match.MadeStatus, match.MadeReason) = (GigEventStatus.Rejected, place == JobPlace.Full ? JobFull : WorkerTaken);
            }
            else
            {
                (match.MadeStatus, match.MadeReason) = (GigEventStatus.Applied, null);
                match.StationId = job.StationId;
                match.MadeRecordedAt = now;
            }

            changed = true;
        }

        if (match.MadeStatus == GigEventStatus.Rejected)
        {
            var reason = "Its match was rejected: " + match.MadeReason;
            changed |= Reject(match.CompletedStatus, reason, s => match.CompletedStatus = s, r => match.CompletedReason = r);
            changed |= Reject(match.PaidStatus, reason, s => match.PaidStatus = s, r => match.PaidReason = r);
            changed |= Reject(match.CancelledStatus, reason, s => match.CancelledStatus = s, r => match.CancelledReason = r);
            return changed;
        }

        if (!match.IsMade)
        {
            return changed;
        }

        if (match.CompletedStatus == GigEventStatus.Pending)
        {
            (match.CompletedStatus, match.CompletedReason, match.CompletedRecordedAt) = match.CompletedAt < match.MatchedAt
                ? (GigEventStatus.Rejected, "Completed before the match was made.", (DateTimeOffset?)null)
                : (GigEventStatus.Applied, (string?)null, now);
            changed = true;
        }

        if (match.PaidStatus == GigEventStatus.Pending)
        {
            if (match.PaidAt < match.MatchedAt)
            {
                (match.PaidStatus, match.PaidReason) = (GigEventStatus.Rejected, "Paid before the match was made.");
                changed = true;
            }
            else if (match.CompletedStatus == GigEventStatus.Rejected)
            {
                (match.PaidStatus, match.PaidReason) = (GigEventStatus.Rejected, "Its completion was rejected: " + match.CompletedReason);
                changed = true;
            }
            else if (!match.IsCompleted)
            {
                changed |= match.PaidReason != WaitingForCompleted;
                match.PaidReason = WaitingForCompleted;
            }
            else if (match.PaidAt < match.CompletedAt)
            {
                (match.PaidStatus, match.PaidReason) = (GigEventStatus.Rejected, PaidBeforeCompleted);
                changed = true;
            }
            else
            {
                (match.PaidStatus, match.PaidReason, match.PaidRecordedAt) = (GigEventStatus.Applied, null, now);
                changed = true;
            }
        }

        if (match.CancelledStatus == GigEventStatus.Pending)
        {
            (match.CancelledStatus, match.CancelledReason, match.CancelledRecordedAt) = (GigEventStatus.Applied, null, now);
            changed = true;
        }

        return changed;
    }

    /// <summary>Each event the match has received, with its status and reason.</summary>
    public static IEnumerable<(GigEventKind Kind, string Status, string? Reason)> Outcomes(GigMatchEntity match)
    {
        if (match.MadeStatus is { } made)
        {
            yield return (GigEventKind.MatchMade, made, match.MadeReason);
        }

        if (match.CompletedStatus is { } completed)
        {
            yield return (GigEventKind.MatchCompleted, completed, match.CompletedReason);
        }

        if (match.PaidStatus is { } paid)
        {
            yield return (GigEventKind.MatchPaid, paid, match.PaidReason);
        }

        if (match.CancelledStatus is { } cancelled)
        {
            yield return (GigEventKind.MatchCancelled, cancelled, match.CancelledReason);
        }
    }

    private static bool IsCancelledOrWaiting(GigMatchEntity match) => match.CancelledStatus is GigEventStatus.Applied or GigEventStatus.Pending;

    private static bool Reject(string? status, string reason, Action<string> setStatus, Action<string> setReason)
    {
        if (status != GigEventStatus.Pending)
        {
            return false;
        }

        setStatus(GigEventStatus.Rejected);
        setReason(reason);
        return true;
    }
}

/// <summary>What a job said to a match asking for a place on it.</summary>
public enum JobPlace
{
    /// <summary>The match holds a place (taken now, or before: a retry finds its own claim).</summary>
    Held,

    /// <summary>Every place is taken by other matches.</summary>
    Full,

    /// <summary>Another match of the same job holds the worker's place.</summary>
    WorkerTaken,
}
