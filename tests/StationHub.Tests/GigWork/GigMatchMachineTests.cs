using StationHub.GigWork;

namespace StationHub.Tests.GigWork;

/// <summary>What a match's events come to in every order they can arrive.</summary>
public sealed class GigMatchMachineTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 1, 0, 0, TimeSpan.Zero);
    private static readonly GigJobEntity Job = new() { StationId = "st-hz-01", PostedAt = T0 };

    [Fact]
    public void Completed_and_paid_before_made_wait_then_apply_in_one_settle()
    {
        var match = new GigMatchEntity();
        GigMatchMachine.Receive(match, Event(GigEventKind.MatchPaid, T0.AddHours(3)));
        GigMatchMachine.Receive(match, Event(GigEventKind.MatchCompleted, T0.AddHours(2)));
        Assert.Equal(GigEventStatus.Pending, match.PaidStatus);

        GigMatchMachine.Receive(match, Event(GigEventKind.MatchMade, T0.AddHours(1)));
        Assert.False(GigMatchMachine.Settle(match, null, T0));
        Assert.Equal((GigEventStatus.Pending, GigMatchMachine.WaitingForJob), (match.MadeStatus, match.MadeReason));
        Assert.True(GigMatchMachine.Settle(match, Job, T0.AddHours(4)));

        Assert.True(match.IsMade && match.IsCompleted && match.IsPaid);
        Assert.Equal("st-hz-01", match.StationId);
        Assert.Equal(60, match.MinutesToPay);
        Assert.Null(match.PaymentDueAt);
    }

    [Fact]
    public void A_repeat_changes_nothing()
    {
        var match = new GigMatchEntity();
        Assert.True(GigMatchMachine.Receive(match, Event(GigEventKind.MatchMade, T0)));
        Assert.False(GigMatchMachine.Receive(match, Event(GigEventKind.MatchMade, T0.AddHours(1))));
        Assert.Equal(T0, match.MatchedAt);
    }

    [Theory]
    [InlineData(new[] { GigEventKind.MatchCancelled, GigEventKind.MatchCompleted }, GigEventKind.MatchCompleted, "Completed after the match was cancelled.")]
    [InlineData(new[] { GigEventKind.MatchCancelled, GigEventKind.MatchPaid }, GigEventKind.MatchPaid, "Paid after the match was cancelled.")]
    [InlineData(new[] { GigEventKind.MatchCompleted, GigEventKind.MatchCancelled }, GigEventKind.MatchCancelled, "Cancelled after the match was completed.")]
    [InlineData(new[] { GigEventKind.MatchCompleted, GigEventKind.MatchPaid, GigEventKind.MatchCancelled }, GigEventKind.MatchCancelled, "Cancelled after the match was paid.")]
    public void Impossible_orders_are_rejected_whether_made_came_first_or_last(GigEventKind[] order, GigEventKind rejected, string reason)
    {
        foreach (var madeFirst in new[] { true, false })
        {
            var match = new GigMatchEntity();
            var events = order.Select(kind => Event(kind, T0.AddHours(2))).ToList();
            events.Insert(madeFirst ? 0 : events.Count, Event(GigEventKind.MatchMade, T0.AddHours(1)));
            foreach (var gigEvent in events)
            {
                GigMatchMachine.Receive(match, gigEvent);
                GigMatchMachine.Settle(match, Job, T0.AddHours(5));
            }

            var outcome = GigMatchMachine.Outcomes(match).Single(o => o.Kind == rejected);
            Assert.Equal((GigEventStatus.Rejected, reason), (outcome.Status, outcome.Reason));
            Assert.All(GigMatchMachine.Outcomes(match).Where(o => o.Kind != rejected), o => Assert.Equal(GigEventStatus.Applied, o.Status));
        }
    }

    [Theory]
    [InlineData(GigEventKind.MatchCompleted, "Completed before the match was made.")]
    [InlineData(GigEventKind.MatchPaid, "Paid before the match was made.")]
    public void An_event_timed_before_its_match_was_made_is_rejected(GigEventKind kind, string reason)
    {
        var match = new GigMatchEntity();
        GigMatchMachine.Receive(match, Event(kind, T0.AddMinutes(5)));
        GigMatchMachine.Receive(match, Event(GigEventKind.MatchMade, T0.AddMinutes(10)));
        GigMatchMachine.Settle(match, Job, T0.AddHours(1));

        var outcome = GigMatchMachine.Outcomes(match).Single(o => o.Kind == kind);
        Assert.Equal((GigEventStatus.Rejected, reason), (outcome.Status, outcome.Reason));
        Assert.True(match.IsMade);
    }

    [Fact]
    public void A_match_made_before_its_job_was_posted_is_rejected_with_what_waited_on_it()
    {
        var match = new GigMatchEntity();
        GigMatchMachine.Receive(match, Event(GigEventKind.MatchCompleted, T0.AddHours(1)));
        GigMatchMachine.Receive(match, Event(GigEventKind.MatchMade, T0.AddMinutes(-1)));
        GigMatchMachine.Settle(match, Job, T0);

        Assert.Equal(GigEventStatus.Rejected, match.MadeStatus);
        Assert.Equal("Matched before its job was posted.", match.MadeReason);
        Assert.Equal(GigEventStatus.Rejected, match.CompletedStatus);
        Assert.StartsWith("Its match was rejected", match.CompletedReason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_completed_match_falls_due_two_hours_after_completion_until_paid()
    {
        var match = new GigMatchEntity();
        GigMatchMachine.Receive(match, Event(GigEventKind.MatchMade, T0));
        GigMatchMachine.Receive(match, Event(GigEventKind.MatchCompleted, T0.AddHours(1)));
        GigMatchMachine.Settle(match, Job, T0.AddHours(1));
        Assert.Equal(T0.AddHours(3), match.PaymentDueAt);

        GigMatchMachine.Receive(match, Event(GigEventKind.MatchPaid, T0.AddHours(4)));
        GigMatchMachine.Settle(match, Job, T0.AddHours(4));

        Assert.Null(match.PaymentDueAt);
        Assert.Equal(180, match.MinutesToPay);
    }

    [Fact]
    public void A_pay_waits_for_its_completion_and_is_rejected_when_dated_before_it()
    {
        var match = new GigMatchEntity();
        GigMatchMachine.Receive(match, Event(GigEventKind.MatchMade, T0));
        GigMatchMachine.Receive(match, Event(GigEventKind.MatchPaid, T0.AddHours(1)));
        GigMatchMachine.Settle(match, Job, T0.AddHours(1));
        Assert.Equal((GigEventStatus.Pending, GigMatchMachine.WaitingForCompleted), (match.PaidStatus, match.PaidReason));

        GigMatchMachine.Receive(match, Event(GigEventKind.MatchCompleted, T0.AddHours(2)));
        GigMatchMachine.Settle(match, Job, T0.AddHours(2));

        Assert.True(match.IsCompleted);
        Assert.Equal((GigEventStatus.Rejected, GigMatchMachine.PaidBeforeCompleted), (match.PaidStatus, match.PaidReason));
    }

    [Theory]
    [InlineData(JobPlace.Full, GigMatchMachine.JobFull)]
    [InlineData(JobPlace.WorkerTaken, GigMatchMachine.WorkerTaken)]
    public void A_match_without_a_place_on_its_job_is_rejected(JobPlace place, string reason)
    {
        var match = new GigMatchEntity();
        GigMatchMachine.Receive(match, Event(GigEventKind.MatchMade, T0.AddHours(1)));
        Assert.True(GigMatchMachine.NeedsPlace(match, Job));
        GigMatchMachine.Settle(match, Job, T0.AddHours(1), place);

        Assert.Equal((GigEventStatus.Rejected, reason), (match.MadeStatus, match.MadeReason));
    }

    private static GigWorkEvent Event(GigEventKind kind, DateTimeOffset at) =>
        new(GigWorkEvent.CurrentSchemaVersion, "c", at, "e", "a", kind, "swiftride", "m-1",
            At: kind == GigEventKind.MatchCancelled ? null : at,
            JobId: kind == GigEventKind.MatchMade ? "j-1" : null,
            WorkerPseudonym: kind == GigEventKind.MatchMade ? "cp_w" : null,
            AmountFen: kind == GigEventKind.MatchPaid ? 100 : null,
            Reason: kind == GigEventKind.MatchCancelled ? "off" : null);
}
