using StationHub.Platform.Http;
using StationHub.Triggers;

namespace StationHub.Tests.Hosting;

/// <summary>
/// The Functions app's methods are generated from the rows (<see cref="FunctionsAppSource"/>): the
/// checked-in file is exactly the rendering, and the generated names keep every route reachable on
/// the Functions host, which tries HTTP routes in function-name order.
/// </summary>
public sealed class FunctionsAppSourceTests
{
    [Fact]
    public void The_checked_in_Functions_app_is_generated_from_the_rows()
    {
        var path = Path.Combine(RepoPaths.Root, FunctionsAppSource.RelativePath);
        var rendered = FunctionsAppSource.Render(HubFlows.All, HubTriggers.All);
        if (Environment.GetEnvironmentVariable("STATIONHUB_REGENERATE") == "1")
        {
            File.WriteAllText(path, rendered);
        }

        var checkedIn = File.Exists(path) ? File.ReadAllText(path).ReplaceLineEndings("\n") : string.Empty;
        Assert.True(checkedIn == rendered, $"{FunctionsAppSource.RelativePath} is not what the rows generate; regenerate it: {FunctionsAppSource.RegenerateCommand}");
    }

    [Fact]
    public void Every_row_has_one_method_and_names_are_written_by_the_generator_only()
    {
        var rendered = FunctionsAppSource.Render(HubFlows.All, HubTriggers.All);

        foreach (var row in HubTriggers.All)
        {
            Assert.Contains($"rows.{Kind(row)}Async(\"{row.Name}\"", rendered, StringComparison.Ordinal);
        }

        Assert.Equal(HubTriggers.All.Count, rendered.Split("[Function(").Length - 1);
    }

    [Fact]
    public void No_route_is_shadowed_on_the_Functions_host_by_a_function_whose_name_sorts_first()
    {
        var names = FunctionsAppSource.HostNames(HubTriggers.All);
        var rows = HubTriggers.Http.ToList();
        var shadowed = new List<string>();
        foreach (var row in rows)
        {
            var path = FunctionsAppSource.SamplePath(row.Route);
            var first = rows
                .Where(other => other.Methods.Intersect(row.Methods, StringComparer.OrdinalIgnoreCase).Any() && other.MatchRoute(path) is not null)
                .OrderBy(other => names[other.Name], StringComparer.OrdinalIgnoreCase)
                .First();
            if (first != row)
            {
                shadowed.Add($"{row.Name} ({path}) would be answered by {names[first.Name]}");
            }
        }

        Assert.Empty(shadowed);
    }

    [Fact]
    public void A_catch_all_is_named_to_sort_after_every_route_even_when_its_own_name_sorts_first()
    {
        var catchAll = Row("AaCatchAll", "{*path}", "GET", "POST");
        var days = Row("LedgerDays", "api/v1/ledger");
        var voucher = Row("VoucherRedemption", "api/v1/stations/{stationId}/vouchers/{voucherCode}/redemption", "POST");

        var names = FunctionsAppSource.HostNames([catchAll, days, voucher]);

        Assert.True(StringComparer.OrdinalIgnoreCase.Compare(names["AaCatchAll"], names["VoucherRedemption"]) > 0, names["AaCatchAll"]);
        Assert.Equal("LedgerDays", names["LedgerDays"]);
        Assert.Equal("VoucherRedemption", names["VoucherRedemption"]);
    }

    [Fact]
    public void A_route_with_a_parameter_is_named_after_the_literal_routes_it_would_answer()
    {
        // api/v1/ledger/{date} matches api/v1/ledger/key; "LedgerDay" sorts before "LedgerKey".
        var day = Row("LedgerDay", "api/v1/ledger/{date}");
        var key = Row("LedgerKey", "api/v1/ledger/key");
        var proof = Row("LedgerProof", "api/v1/ledger/{date}/proof");
        var catchAll = Row("RouteNotFound", "{*path}", "GET");

        var names = FunctionsAppSource.HostNames([day, key, proof, catchAll]);

        Assert.True(StringComparer.OrdinalIgnoreCase.Compare(names["LedgerDay"], names["LedgerKey"]) > 0, names["LedgerDay"]);
        Assert.True(StringComparer.OrdinalIgnoreCase.Compare(names["RouteNotFound"], names["LedgerDay"]) > 0, names["RouteNotFound"]);
        Assert.Equal("LedgerKey", names["LedgerKey"]);
        Assert.Equal("LedgerProof", names["LedgerProof"]);
    }

    [Fact]
    public void Rows_with_no_shared_method_do_not_shadow_each_other()
    {
        var put = Row("AaStatus", "api/v1/stations/{stationId}", "PUT");
        var get = Row("StationList", "api/v1/stations/list", "GET");

        var names = FunctionsAppSource.HostNames([put, get]);

        Assert.Equal("AaStatus", names["AaStatus"]);
    }

    private static HttpFunction Row(string name, string route, params string[] methods) =>
        new(name, methods.Length == 0 ? ["GET"] : methods, route, (_, _, _) => Task.FromResult(HubResponse.Empty(204)), StationHub.Platform.Security.Caller.Public);

    private static string Kind(TriggerFunction row) => row switch
    {
        HttpFunction => "Http",
        QueueFunction => "Queue",
        TimerFunction => "Timer",
        _ => throw new InvalidOperationException(row.Name),
    };
}
