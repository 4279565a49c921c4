using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Xml.Linq;
using StationHub.Tests.Infrastructure;

namespace StationHub.Tests.HazardReports;

/// <summary>Open311 GeoReport v2 as city systems use it: JSON and XML, filters, windows, errors.</summary>
public sealed class Open311ApiTests
{
    [Fact]
    public async Task The_service_list_is_public_in_json_and_xml()
    {
        await using var world = await HubScenario.StartAsync(configure: s => s["LocalHost:TriggersDisabled"] = "true");

        var json = await world.Hub.Client.GetFromJsonAsync<JsonElement>("api/v1/open311/services.json");
        var xml = XDocument.Parse(await world.Hub.Client.GetStringAsync("api/v1/open311/services.xml"));

        var first = json.EnumerateArray().First();
        Assert.Equal("blocked_fire_exit", first.GetProperty("service_code").GetString());
        Assert.Equal("realtime", first.GetProperty("type").GetString());
        Assert.False(first.GetProperty("metadata").GetBoolean());
        Assert.Equal(json.GetArrayLength(), xml.Root!.Elements("service").Count());
        Assert.Equal("services", xml.Root.Name.LocalName);
    }

    [Fact]
    public async Task A_city_lists_its_own_requests_with_filters_in_json_and_xml()
    {
        await using var world = await HubScenario.StartAsync();
        var mine = await world.AcceptReportAsync("r-list-1");
        var closed = await world.AcceptReportAsync("r-list-2", lat: 30.34, lon: 120.15);
        var theirs = await world.AcceptReportAsync("r-list-3", lat: 29.85, lon: 121.50);
        await world.WaitForStatusAsync(mine, "routed");
        await world.WaitForStatusAsync(closed, "routed");
        await world.WaitForStatusAsync(theirs, "routed");
        using (var resolve = await world.PostCityUpdateAsync(closed, "u-close", "resolved", note: "Fixed the railing"))
        {
            Assert.Equal(HttpStatusCode.OK, resolve.StatusCode);
        }

        await WaitUntilAsync(async () => (await Requests(world, "status=closed")).GetArrayLength() == 1);
        var all = await Requests(world, string.Empty);
        var open = await Requests(world, "status=open");
        var byId = await Requests(world, $"service_request_id={mine},{theirs}");
        var byCode = await Requests(world, "service_code=flooding");

        Assert.Equal(new[] { closed, mine }, all.EnumerateArray().Select(r => r.GetProperty("service_request_id").GetString()!).ToArray());
        Assert.Equal(mine, open.EnumerateArray().Single().GetProperty("service_request_id").GetString());
        Assert.Equal(mine, byId.EnumerateArray().Single().GetProperty("service_request_id").GetString());
        Assert.Equal(0, byCode.GetArrayLength());
        var row = all.EnumerateArray().First();
        Assert.Equal("closed", row.GetProperty("status").GetString());
        Assert.Equal("resolved", row.GetProperty("hub_status").GetString());
        Assert.Equal("Fixed the railing", row.GetProperty("status_notes").GetString());
        Assert.Equal("Blocked fire exit", row.GetProperty("service_name").GetString());
        Assert.EndsWith("Z", row.GetProperty("requested_datetime").GetString(), StringComparison.Ordinal);
        Assert.Equal(30.34, row.GetProperty("lat").GetDouble());

        var xml = XDocument.Parse(await world.Hub.Client.GetStringAsync($"api/v1/open311/requests.xml?api_key={TestRegistry.WebhookCityKey}"));
        Assert.Equal("service_requests", xml.Root!.Name.LocalName);
        Assert.Equal(2, xml.Root.Elements("request").Count());
        Assert.Equal(closed, xml.Root.Elements("request").First().Element("service_request_id")!.Value);

        var updates = await world.Hub.Client.GetFromJsonAsync<JsonElement>($"api/v1/open311/servicerequestupdates.json?api_key={TestRegistry.WebhookCityKey}");
        var update = updates.EnumerateArray().Single();
        Assert.Equal("u-close", update.GetProperty("update_id").GetString());
        Assert.Equal(closed, update.GetProperty("service_request_id").GetString());
        Assert.Equal("closed", update.GetProperty("status").GetString());
        Assert.Equal("Fixed the railing", update.GetProperty("description").GetString());
    }

    [Theory]
    [InlineData("json", "", HttpStatusCode.Forbidden)]
    [InlineData("json", "api_key=wrong", HttpStatusCode.Forbidden)]
    [InlineData("xml", "api_key=wrong", HttpStatusCode.Forbidden)]
    [InlineData("json", "api_key=KEY&start_date=2026-11-01T00:00:00", HttpStatusCode.BadRequest)]
    [InlineData("json", "api_key=KEY&start_date=yesterday", HttpStatusCode.BadRequest)]
    [InlineData("xml", "api_key=KEY&start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z", HttpStatusCode.BadRequest)]
    [InlineData("json", "api_key=KEY&start_date=2026-06-01T00:00:00Z&end_date=2026-05-01T00:00:00Z", HttpStatusCode.BadRequest)]
    [InlineData("json", "api_key=KEY&status=pending", HttpStatusCode.BadRequest)]
    public async Task Errors_are_GeoReport_errors_in_the_format_asked_for(string format, string query, HttpStatusCode expected)
    {
        await using var world = await HubScenario.StartAsync(configure: s => s["LocalHost:TriggersDisabled"] = "true");

        using var response = await world.Hub.Client.GetAsync($"api/v1/open311/requests.{format}?{query.Replace("KEY", TestRegistry.WebhookCityKey, StringComparison.Ordinal)}");

        Assert.Equal(expected, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        if (format == "json")
        {
            var error = JsonDocument.Parse(text).RootElement.EnumerateArray().Single();
            Assert.Equal((int)expected, error.GetProperty("code").GetInt32());
            Assert.False(string.IsNullOrEmpty(error.GetProperty("description").GetString()));
        }
        else
        {
            var error = XDocument.Parse(text).Root!.Element("error")!;
            Assert.Equal(((int)expected).ToString(System.Globalization.CultureInfo.InvariantCulture), error.Element("code")!.Value);
        }
    }

    [Fact]
    public async Task An_unknown_request_is_a_GeoReport_404()
    {
        await using var world = await HubScenario.StartAsync(configure: s => s["LocalHost:TriggersDisabled"] = "true");

        using var response = await world.Hub.Client.GetAsync($"api/v1/open311/requests/hr-nothing.xml?api_key={TestRegistry.WebhookCityKey}");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("errors", XDocument.Parse(await response.Content.ReadAsStringAsync()).Root!.Name.LocalName);
    }

    private static async Task<JsonElement> Requests(HubScenario world, string query) =>
        await world.Hub.Client.GetFromJsonAsync<JsonElement>($"api/v1/open311/requests.json?api_key={TestRegistry.WebhookCityKey}&{query}");

    private static async Task WaitUntilAsync(Func<Task<bool>> done)
    {
        for (var i = 0; i < 300; i++)
        {
            if (await done())
            {
                return;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException("The condition did not hold within 15 s.");
    }
}
