using System.Net;
using Microsoft.Extensions.Logging;
using StationHub.Tests.Infrastructure;

namespace StationHub.Tests.Hosting;

/// <summary>
/// Both hosts start from <see cref="StationHub.Platform.Telemetry.HubLogFilters"/>: the framework's
/// per-request lines at Warning (on the Functions host the worker would send each one to the host over
/// gRPC, to be dropped there), the hub's own categories as the settings say, and a framework category
/// named in the settings turned up. Held here on the local host, over HTTP.
/// </summary>
public sealed class HubLogFiltersTests
{
    [Fact]
    public async Task The_frameworks_per_request_lines_are_not_logged_at_Information_unless_the_settings_name_them()
    {
        await using var world = await HubScenario.StartAsync(startHub: false);
        world.Settings["Logging:LogLevel:Default"] = "Information";
        var quiet = await RequestsLoggedAsync(world);
        Assert.DoesNotContain(quiet, line => line.StartsWith("Information Microsoft.AspNetCore", StringComparison.Ordinal));
        Assert.DoesNotContain(quiet, line => line.StartsWith("Information System.Net.Http.HttpClient", StringComparison.Ordinal));
        Assert.Contains(quiet, line => line.StartsWith("Information Microsoft.Hosting.Lifetime", StringComparison.Ordinal));

        world.Settings["Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics"] = "Information";
        var asked = await RequestsLoggedAsync(world);
        Assert.Contains(asked, line => line.StartsWith("Information Microsoft.AspNetCore.Hosting.Diagnostics", StringComparison.Ordinal) && line.Contains("services.json", StringComparison.Ordinal));
    }

    /// <summary>What a hub of its own logs at Information and above while it starts, answers a request and stops.</summary>
    private static async Task<IReadOnlyList<string>> RequestsLoggedAsync(HubScenario world)
    {
        var log = new HubLog(LogLevel.Information);
        await using (var hub = await TestHub.StartAsync(world.Settings, world.Clock, log))
        {
            using var services = await hub.Client.GetAsync("api/v1/open311/services.json");
            Assert.Equal(HttpStatusCode.OK, services.StatusCode);
        }

        return log.Lines;
    }
}
