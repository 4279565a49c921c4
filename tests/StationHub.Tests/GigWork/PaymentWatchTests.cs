using System.Text.Json;
using StationHub.GigWork;
using StationHub.Tests.Infrastructure;
using static StationHub.Tests.GigWork.GigWorkWorld;

namespace StationHub.Tests.GigWork;

/// <summary><c>gig_match.payment_overdue</c>: told to the platform once per match, however many hosts look.</summary>
public sealed class PaymentWatchTests
{
    [Fact]
    public async Task A_match_completed_and_unpaid_for_two_hours_is_told_to_its_platform_once_across_two_hosts()
    {
        await using var world = await HubScenario.StartAsync();
        var second = await world.StartHubAsync();
        var now = world.Clock.GetUtcNow();
        await world.SendAsync(Job("j-o", postedAt: now.AddHours(-5)));
        await world.SendAsync(Made("m-overdue", "j-o", "worker-1", now.AddHours(-4)), second.Client);
        await world.SendAsync(Completed("m-overdue", now.AddHours(-3)));
        await world.SendAsync(Made("m-paid", "j-o", "worker-2", now.AddHours(-4)), second.Client);
        await world.SendAsync(Completed("m-paid", now.AddHours(-3)));
        await world.SendAsync(Paid("m-paid", now.AddHours(-2.5)), second.Client);
        await world.SendAsync(Made("m-recent", "j-o", "worker-3", now.AddHours(-1)));
        await world.SendAsync(Completed("m-recent", now.AddMinutes(-30)), second.Client);
        foreach (var hubId in new[] { "completed~m-overdue", "paid~m-paid", "completed~m-recent" })
        {
            await world.WaitForAsync(hubId, "applied");
        }

        // Both hosts run the watch at once, three times each.
        var watches = new[] { world.Hub.Get<PaymentWatch>(), second.Get<PaymentWatch>() };
        var told = await Task.WhenAll(Enumerable.Range(0, 3).SelectMany(_ => watches.Select(watch => watch.RunAsync())));
        var received = await world.Platform.WaitForAsync(r => r.Any(IsOverdue));
        await world.QuietAsync();

        Assert.Equal(1, told.Sum());
        var notice = Assert.Single(world.Platform.All, IsOverdue);
        var data = JsonDocument.Parse(notice.Body).RootElement.GetProperty("data");
        Assert.Equal("m-overdue", data.GetProperty("matchId").GetString());
        Assert.Equal("made~m-overdue", data.GetProperty("hubId").GetString());
        Assert.Equal("j-o", data.GetProperty("jobId").GetString());
        Assert.StartsWith("msg_", notice.WebhookId, StringComparison.Ordinal);
        Assert.DoesNotContain("worker-1", notice.Text, StringComparison.Ordinal);
        Assert.Equal(0, await world.Hub.Get<PaymentWatch>().RunAsync());
    }

    private static bool IsOverdue(StationHub.Testing.Received received) =>
        received.Text.Contains("\"gig_match.payment_overdue\"", StringComparison.Ordinal);
}
