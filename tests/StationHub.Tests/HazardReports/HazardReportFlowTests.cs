using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using StationHub.Platform.Webhooks;
using StationHub.Tests.Infrastructure;
using StationHub.Triggers;

namespace StationHub.Tests.HazardReports;

/// <summary>The whole loop over real HTTP: platform → hub → city → hub → platform.</summary>
public sealed class HazardReportFlowTests
{
    [Fact]
    public async Task A_report_reaches_the_city_signed_and_the_city_update_reaches_the_platform()
    {
        await using var world = await HubScenario.StartAsync();

        using var response = await world.PostReportAsync(Webhooks.HazardReport("r-100"));

        PlatformRetries.AssertAccepted(response);
        var answer = await response.Content.ReadFromJsonAsync<JsonElement>();
        var hubId = answer.GetProperty("hubId").GetString()!;
        Assert.Equal("received", answer.GetProperty("status").GetString());
        Assert.Equal($"/api/v1/platforms/swiftride/hazard-reports/{hubId}", answer.GetProperty("statusUrl").GetString());

        var atCity = (await world.City.WaitForAsync(r => r.Count >= 1)).Single();
        var cityVerification = new StandardWebhook(world.Registry.CitySecret).Verify(
            atCity.WebhookId, atCity.Header("webhook-timestamp"), atCity.Header("webhook-signature"), atCity.Body, TimeProvider.System.GetUtcNow());
        Assert.True(cityVerification.IsValid, cityVerification.Reason);
        using var routed = JsonDocument.Parse(atCity.Body);
        Assert.Equal("hazard_report.routed", routed.RootElement.GetProperty("type").GetString());
        var data = routed.RootElement.GetProperty("data");
        Assert.Equal(hubId, data.GetProperty("service_request_id").GetString());
        Assert.Equal("blocked_fire_exit", data.GetProperty("service_code").GetString());
        Assert.Equal("330102", data.GetProperty("district").GetString());
        Assert.StartsWith("cp_", data.GetProperty("reporter_id").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("courier-42", atCity.Text, StringComparison.Ordinal);
        await world.WaitForStatusAsync(hubId, "routed");

        using (var ack = await world.PostCityUpdateAsync(hubId, "u-1", "acknowledged"))
        {
            Assert.Equal(HttpStatusCode.OK, ack.StatusCode);
        }

        var atPlatform = (await world.Platform.WaitForAsync(r => r.Count >= 1)).Single();
        Assert.True(world.PlatformSigner.Verify(atPlatform.WebhookId, atPlatform.Header("webhook-timestamp"), atPlatform.Header("webhook-signature"), atPlatform.Body, TimeProvider.System.GetUtcNow()).IsValid);
        using var updated = JsonDocument.Parse(atPlatform.Body);
        Assert.Equal("hazard_report.updated", updated.RootElement.GetProperty("type").GetString());
        Assert.Equal("r-100", updated.RootElement.GetProperty("data").GetProperty("reportId").GetString());
        Assert.Equal("acknowledged", updated.RootElement.GetProperty("data").GetProperty("status").GetString());

        var status = await world.WaitForStatusAsync(hubId, "acknowledged");
        Assert.Single(status.GetProperty("updates").EnumerateArray());
        Assert.NotEqual(JsonValueKind.Null, status.GetProperty("firstResponseAt").ValueKind);
    }

    [Fact]
    public async Task A_report_in_an_open311_city_is_posted_as_a_GeoReport_form_with_its_api_key()
    {
        await using var world = await HubScenario.StartAsync();

        var hubId = await world.AcceptReportAsync("r-nb-1", lat: 29.85, lon: 121.50);

        var atCity = (await world.Open311City.WaitForAsync(r => r.Count >= 1)).Single();
        Assert.StartsWith("application/x-www-form-urlencoded", atCity.Header("content-type"), StringComparison.Ordinal);
        var form = System.Web.HttpUtility.ParseQueryString(atCity.Text);
        Assert.Equal(TestRegistry.Open311OutboundKey, form["api_key"]);
        Assert.Equal("blocked_fire_exit", form["service_code"]);
        Assert.Equal("29.85", form["lat"]);
        Assert.Equal("121.5", form["long"]);
        Assert.Equal(hubId, form["attribute[hub_request_id]"]);
        Assert.False(string.IsNullOrEmpty(atCity.WebhookId));
        Assert.Empty(world.City.All);
    }

    [Fact]
    public async Task A_repeated_webhook_or_report_gets_the_first_answer_and_is_routed_once()
    {
        await using var world = await HubScenario.StartAsync();
        var body = Webhooks.HazardReport("r-dup");

        using var first = await world.PostReportAsync(body, webhookId: "msg_same");
        using var again = await world.PostReportAsync(body, webhookId: "msg_same");
        using var sameItemNewId = await world.PostReportAsync(Webhooks.HazardReport("r-dup", courierId: "someone-else"), webhookId: "msg_other");

        PlatformRetries.AssertAccepted(first);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(HttpStatusCode.OK, sameItemNewId.StatusCode);
        var firstBody = await first.Content.ReadAsStringAsync();
        Assert.Equal(firstBody, await again.Content.ReadAsStringAsync());
        Assert.Equal(firstBody, await sameItemNewId.Content.ReadAsStringAsync());

        await world.City.WaitForAsync(r => r.Count >= 1);
        await world.QuietAsync();
        await world.AssertCitySentOncePerTryAsync(Assert.Single(world.City.All.Select(r => r.WebhookId).Distinct()));
        var rows = new List<string>();
        await foreach (var entity in world.Storage.Hub.Table(Tables.HazardReports).QueryAsync<Azure.Data.Tables.TableEntity>(select: ["RowKey"]))
        {
            rows.Add(entity.RowKey);
        }

        // One report, and a claim for each of the two webhook-ids (both naming it).
        Assert.Equal(["report", "webhook-id", "webhook-id"], rows.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_city_update_is_idempotent_by_update_id_and_never_goes_backwards()
    {
        await using var world = await HubScenario.StartAsync();
        var hubId = await world.AcceptReportAsync("r-upd");
        await world.WaitForStatusAsync(hubId, "routed");

        using var resolved = await world.PostCityUpdateAsync(hubId, "u-1", "resolved", note: "Cleared");
        using var repeated = await world.PostCityUpdateAsync(hubId, "u-1", "resolved", note: "Cleared");
        using var backwards = await world.PostCityUpdateAsync(hubId, "u-2", "acknowledged");

        Assert.Equal(HttpStatusCode.OK, resolved.StatusCode);
        Assert.Equal(HttpStatusCode.OK, repeated.StatusCode);
        Assert.Equal(await resolved.Content.ReadAsStringAsync(), await repeated.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Conflict, backwards.StatusCode);
        Assert.Equal("application/problem+json", backwards.Content.Headers.ContentType?.MediaType);

        await world.Platform.WaitForAsync(r => r.Count >= 1);
        await world.QuietAsync();
        Assert.Single(world.Platform.All, r => r.Text.Contains("hazard_report.updated", StringComparison.Ordinal));
        var status = await world.GetStatusAsync(hubId);
        Assert.Equal("resolved", status.GetProperty("status").GetString());
        Assert.Single(status.GetProperty("updates").EnumerateArray());
    }

    [Fact]
    public async Task Another_city_cannot_update_or_read_a_report_and_sees_a_404()
    {
        await using var world = await HubScenario.StartAsync();
        var hubId = await world.AcceptReportAsync("r-other-city");
        await world.WaitForStatusAsync(hubId, "routed");

        using var update = await world.PostCityUpdateAsync(hubId, "u-x", "acknowledged", cityKey: TestRegistry.Open311CityKey);
        using var read = await world.Hub.Client.GetAsync($"api/v1/open311/requests/{hubId}.json?api_key={TestRegistry.Open311CityKey}");
        using var own = await world.Hub.Client.GetAsync($"api/v1/open311/requests/{hubId}.json?api_key={TestRegistry.WebhookCityKey}");

        Assert.Equal(HttpStatusCode.NotFound, update.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        Assert.Equal("routed", (await world.GetStatusAsync(hubId)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_report_queued_but_never_stored_is_stored_and_routed_from_its_message()
    {
        // The intake queues before it stores: this is what a crash between the two leaves behind.
        await using var world = await HubScenario.StartAsync();
        var report = new StationHub.HazardReports.HazardReport(
            StationHub.HazardReports.HazardReport.HubIdFor(TestRegistry.HubIds, "swiftride", "r-crash"), "swiftride", "r-crash", "cp_x", "broken_railing",
            "Railing loose", new StationHub.HazardReports.GeoLocation(30.25, 120.18, null), "330102", "hangzhou", [],
            TimeProvider.System.GetUtcNow().AddMinutes(-5), TimeProvider.System.GetUtcNow());
        var message = new StationHub.HazardReports.HazardReportAccepted(1, "msg_crash", TimeProvider.System.GetUtcNow(), "msg_crash", "attempt-1", report);

        await world.Storage.Hub.SendAsync(Queues.HazardReportsAccepted, message, StationHub.Platform.Json.HubJsonContext.Default.HazardReportAccepted);

        var atCity = (await world.City.WaitForAsync(r => r.Count >= 1)).Single();
        Assert.Contains(report.HubId, atCity.Text, StringComparison.Ordinal);
        await world.WaitForStatusAsync(report.HubId, "routed");

        // The platform retries the request it never got an answer to: the first answer, nothing twice.
        using var retry = await world.PostReportAsync(Webhooks.HazardReport("r-crash"), webhookId: "msg_crash");
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        await world.QuietAsync();
        await world.AssertCitySentOncePerTryAsync(Assert.Single(world.City.All.Select(r => r.WebhookId).Distinct()));
    }

    [Fact]
    public async Task Hub_ids_are_keyed_and_a_report_stored_under_its_old_unkeyed_id_is_still_read_answered_and_reopened()
    {
        await using var world = await HubScenario.StartAsync();

        // A report the intake accepts now gets the keyed id, not the plain hash of (platform, reportId).
        var keyed = await world.AcceptReportAsync("r-keyed", lat: 30.27, lon: 120.2);
        Assert.Equal(StationHub.HazardReports.HazardReport.HubIdFor(TestRegistry.HubIds, "swiftride", "r-keyed"), keyed);
        Assert.NotEqual(StationHub.HazardReports.HazardReport.LegacyHubIdFor("swiftride", "r-keyed"), keyed);

        // A report accepted before ids were keyed: its message, queued by the old intake, carries the old id.
        var legacyId = StationHub.HazardReports.HazardReport.LegacyHubIdFor("swiftride", "r-legacy");
        var report = new StationHub.HazardReports.HazardReport(
            legacyId, "swiftride", "r-legacy", "cp_x", "blocked_fire_exit", "Fire exit chained",
            new StationHub.HazardReports.GeoLocation(30.22, 120.15, null), "330102", "hangzhou", [],
            TimeProvider.System.GetUtcNow().AddMinutes(-5), TimeProvider.System.GetUtcNow());
        var message = new StationHub.HazardReports.HazardReportAccepted(1, "msg_legacy", TimeProvider.System.GetUtcNow(), "msg_legacy", "attempt-1", report);
        await world.Storage.Hub.SendAsync(Queues.HazardReportsAccepted, message, StationHub.Platform.Json.HubJsonContext.Default.HazardReportAccepted);

        await world.City.WaitForAsync(r => r.Any(x => x.Text.Contains(legacyId, StringComparison.Ordinal)));
        var status = await world.WaitForStatusAsync(legacyId, "routed");
        Assert.Equal("r-legacy", status.GetProperty("reportId").GetString());
        using (var read = await world.Hub.Client.GetAsync($"api/v1/open311/requests/{legacyId}.json?api_key={TestRegistry.WebhookCityKey}"))
        {
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
            Assert.Contains(legacyId, await read.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var resolved = await world.PostCityUpdateAsync(legacyId, "u-legacy", "resolved", note: "Cleared"))
        {
            Assert.Equal(HttpStatusCode.OK, resolved.StatusCode);
        }

        // The platform names it by its reportId: the reopening finds it under the old id.
        using var reopened = await world.PostReportAsync(
            "{\"type\":\"hazard_report.reopened\",\"timestamp\":\"2026-11-22T08:00:00Z\",\"data\":{" +
            $"\"reportId\":\"r-legacy\",\"note\":\"Chained again\",\"observedAt\":\"{StationHub.Platform.Json.IsoTimestamp.Format(TimeProvider.System.GetUtcNow())}\"}}}}",
            "msg_legacy_reopen");
        PlatformRetries.AssertAccepted(reopened);
        Assert.Equal(legacyId, (await reopened.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("hubId").GetString());
        await world.WaitForStatusAsync(legacyId, "routed");
    }
}
