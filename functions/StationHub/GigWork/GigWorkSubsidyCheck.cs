using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using StationHub.Ledger;
using StationHub.Platform.Json;
using StationHub.Platform.Registry;
using StationHub.Triggers;

namespace StationHub.GigWork;

/// <summary>
/// The verifier's check of a day's sealed subsidies: for each station whose figures name a policy
/// (<c>gig.policy.{id}</c> = version), the subsidy on every basis recomputed from the day's own
/// published year-to-date counts and the published policy (<c>GET /api/v1/gig-work/policies</c>).
/// A day computed under another version than the one published now is not checked (the registry
/// publishes the current version; the day names the one it used).
/// </summary>
public static class GigWorkSubsidyCheck
{
    /// <summary>The published policies; none from a hub that does not publish them.</summary>
    public static async Task<IReadOnlyList<SubsidyPolicy>> PublishedPoliciesAsync(HttpClient http, CancellationToken cancellationToken = default)
    {
        using var response = await http.GetAsync(Routes.GigWorkPolicies, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return [];
        }

        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync(HubJsonContext.Default.GigWorkPoliciesView, cancellationToken))?.Policies ?? [];
    }

    /// <summary>Null when every station's subsidy on the day matches its counts and policy; else what does not.</summary>
    public static string? Check(JsonElement day, IReadOnlyList<SubsidyPolicy> policies)
    {
        var scopes = LedgerDay.FiguresOf(day).GroupBy(f => f.Scope, StringComparer.Ordinal);
        foreach (var scope in scopes)
        {
            var figures = new SortedDictionary<string, long>(scope.ToDictionary(f => f.Kind, f => f.Value, StringComparer.Ordinal), StringComparer.Ordinal);
            foreach (var (kind, version) in figures.Where(f => f.Key.StartsWith(GigWorkKinds.Policy + ".", StringComparison.Ordinal)).ToList())
            {
                var id = kind[(GigWorkKinds.Policy.Length + 1)..];
                if (policies.FirstOrDefault(p => p.Id == id) is not { } policy)
                {
                    return $"{scope.Key} names subsidy policy {id}, which is not published";
                }

                if (policy.Version != version)
                {
                    continue;
                }

                var expected = new SortedDictionary<string, long>(figures, StringComparer.Ordinal);
                GigWorkFigures.AddSubsidy(expected, policy);
                foreach (var figure in SubsidyBases.All.Select(GigWorkFigures.SubsidyOn).Prepend(GigWorkFigures.Subsidy))
                {
                    if (figures.GetValueOrDefault(figure) != expected[figure])
                    {
                        return $"{scope.Key}: {figure} is {figures.GetValueOrDefault(figure)}, but its published counts under policy {id} version {version} give {expected[figure]}";
                    }
                }
            }
        }

        return null;
    }
}
