using System.Text.Json;
using StationHub.Platform.Json;

namespace StationHub.Platform.Registry;

/// <summary>Loads and checks the registry file named by <c>Registry:Path</c>.</summary>
public static class RegistryLoader
{
    /// <summary>The highest <c>maxPerSecond</c> a destination may have.</summary>
    public const int MaxPerSecondLimit = 1000;

    public static HubRegistry Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"Registry:Path names '{path}', which does not exist.");
        }

        RegistryDocument? document;
        try
        {
            using var stream = File.OpenRead(path);
            document = JsonSerializer.Deserialize(stream, HubJsonContext.Default.RegistryDocument);
        }
        catch (JsonException exception)
        {
            throw new InvalidOperationException($"Registry:Path '{path}' is not a valid registry: {exception.Message}", exception);
        }

        if (document is null)
        {
            throw new InvalidOperationException($"Registry:Path '{path}' is empty.");
        }

        Check(document);
        return new HubRegistry(document);
    }

    private static void Check(RegistryDocument document)
    {
        var problems = new List<string>();
        Unique(document.Cities.Select(c => c.Id).Concat(document.Cities.SelectMany(c => c.Bodies ?? []).Select(b => b.Id)), "city or body id", problems);
        var categoryCodes = document.HazardCategories.Select(c => c.Code).ToHashSet(StringComparer.Ordinal);
        foreach (var city in document.Cities)
        {
            foreach (var body in city.Bodies ?? [])
            {
                problems.AddRange(body.Categories.Where(c => !categoryCodes.Contains(c)).Select(c => $"body '{body.Id}' names unknown category '{c}'"));
            }

            Unique((city.Bodies ?? []).SelectMany(b => b.Categories), $"category sent to a body of city '{city.Id}'", problems);
        }

        problems.AddRange(document.HazardCategories
            .Where(c => c.DuplicateRadiusMeters is < 1 or > 1000 || c.DuplicateWindowDays is < 0 or > 90 || c.ReopenWindowDays is < 0 or > 90 || c.SlaHours is < 1 or > 24 * 90)
            .Select(c => $"category '{c.Code}' needs duplicateRadiusMeters 1–1000, duplicateWindowDays and reopenWindowDays 0–90, slaHours 1–2160"));
        Unique(document.Cities.SelectMany(c => c.Districts).Select(d => d.Code), "district code", problems);
        Unique(document.Platforms.Select(p => p.Id), "platform id", problems);
        Unique(document.Stations.Select(s => s.Id), "station id", problems);
        Unique(document.HazardCategories.Select(c => c.Code), "hazard category", problems);
        if (document.PointsCatalog is null)
        {
            problems.Add("it has no pointsCatalog");
        }
        else
        {
            Unique(document.PointsCatalog.Tasks.Select(t => t.Code), "points task", problems);
            Unique(document.PointsCatalog.Rewards.Select(r => r.Code), "reward", problems);
            problems.AddRange(document.PointsCatalog.Tasks.Where(t => t.Points <= 0 || t.Minutes < 0).Select(t => $"task '{t.Code}' must earn a positive number of points"));
            problems.AddRange(document.PointsCatalog.Rewards.Where(r => r.Cost <= 0).Select(r => $"reward '{r.Code}' must cost a positive number of points"));
        }

        Unique((document.Witnesses ?? []).Select(w => w.Id), "witness id", problems);
        foreach (var witness in document.Witnesses ?? [])
        {
            if (string.IsNullOrEmpty(witness.Id) || !witness.Id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                problems.Add($"witness id '{witness.Id}' must be letters, digits, '-' and '_'");
            }

            try
            {
                if (Ledger.Integrity.NoteVerifier.Parse(witness.VerifierKey ?? string.Empty).Type != Ledger.Integrity.NoteKeys.CosignatureV1)
                {
                    problems.Add($"witness '{witness.Id}' must have a cosignature/v1 verifier key (type 0x04)");
                }
            }
            catch (FormatException)
            {
                problems.Add($"witness '{witness.Id}' has a malformed verifier key");
            }
        }

        var districtCodes = document.Cities.SelectMany(c => c.Districts).Select(d => d.Code).ToHashSet(StringComparer.Ordinal);
        foreach (var station in document.Stations.Where(s => !districtCodes.Contains(s.District)))
        {
            problems.Add($"station '{station.Id}' names unknown district '{station.District}'");
        }

        problems.AddRange(StationProblems(document, districtCodes));
        CheckSubsidyPolicies(document.SubsidyPolicies ?? [], districtCodes, problems);
        foreach (var city in document.Cities.Where(c => c.Delivery.MaxPerSecond is < 1 or > MaxPerSecondLimit))
        {
            problems.Add($"city '{city.Id}' has delivery.maxPerSecond {city.Delivery.MaxPerSecond}; it must be 1 to {MaxPerSecondLimit}");
        }

        foreach (var platform in document.Platforms.Where(p => p.MaxPerSecond is < 1 or > MaxPerSecondLimit))
        {
            problems.Add($"platform '{platform.Id}' has maxPerSecond {platform.MaxPerSecond}; it must be 1 to {MaxPerSecondLimit}");
        }

        if (document.Admin is { } admin && !(admin.WebhookUrl.IsAbsoluteUri && admin.WebhookUrl.Scheme is "https" or "http"))
        {
            problems.Add("admin.webhookUrl must be an absolute http(s) URL");
        }

        if (problems.Count > 0)
        {
            throw new InvalidOperationException("The registry is not consistent: " + string.Join("; ", problems) + ".");
        }
    }

    /// <summary>What the warm map needs of each station: a known service list, hours it can read, a position in its district.</summary>
    private static IEnumerable<string> StationProblems(RegistryDocument document, HashSet<string> districtCodes)
    {
        var services = document.StationServices ?? [];
        var problems = new List<string>();
        Unique(services.Select(s => s.Code), "station service", problems);
        problems.AddRange(services.Where(s => s.Kind is not ("basic" or "extra")).Select(s => $"station service '{s.Code}' must be of kind 'basic' or 'extra'"));
        var codes = services.Select(s => s.Code).ToHashSet(StringComparer.Ordinal);
        var platforms = document.Platforms.Select(p => p.Id).ToHashSet(StringComparer.Ordinal);
        var areas = document.Cities.SelectMany(c => c.Districts).ToDictionary(d => d.Code, d => d.Area, StringComparer.Ordinal);
        foreach (var station in document.Stations)
        {
            problems.AddRange((station.Services ?? []).Where(code => !codes.Contains(code)).Select(code => $"station '{station.Id}' names unknown service '{code}'"));
            if (station.OpeningHours is { } hours && !Stations.OpeningHours.TryParse(hours, out _, out var error))
            {
                problems.Add($"station '{station.Id}' has opening hours the hub cannot read ({error})");
            }

            if (station.StatusPlatform is { } platform && !platforms.Contains(platform))
            {
                problems.Add($"station '{station.Id}' names unknown status platform '{platform}'");
            }

            if (station.Location is { } at && districtCodes.Contains(station.District)
                && (!double.IsFinite(at.Lat) || !double.IsFinite(at.Lon) || !areas[station.District].Contains(at.Lat, at.Lon)))
            {
                problems.Add($"station '{station.Id}' lies outside its district '{station.District}'");
            }
        }

        return problems;
    }

    private static void CheckSubsidyPolicies(IReadOnlyList<SubsidyPolicy> policies, HashSet<string> districtCodes, List<string> problems)
    {
        Unique(policies.Select(p => p.Id), "subsidy policy", problems);
        Unique(policies.SelectMany(p => p.Districts), "district with a subsidy policy", problems);
        foreach (var policy in policies)
        {
            problems.AddRange(policy.Districts.Where(d => !districtCodes.Contains(d)).Select(d => $"subsidy policy '{policy.Id}' names unknown district '{d}'"));
            if (!DateOnly.TryParseExact(policy.YearStart, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var start) || start is { Month: 2, Day: 29 })
            {
                problems.Add($"subsidy policy '{policy.Id}' must give yearStart as yyyy-MM-dd (not 29 February)");
            }

            if (policy.CapFen < 0 || policy.Tiers.Count == 0 || policy.Tiers.Any(t => t.MinWorkersWanted < 0 || t.MinMatches < 0 || t.EarnsFen <= 0 || t.EveryMatches is <= 0))
            {
                problems.Add($"subsidy policy '{policy.Id}' needs a cap of 0 or more and tiers with minimums of 0 or more, a positive earnsFen and a positive everyMatches");
            }

            if (policy.Version < 1 || !SubsidyBases.All.Contains(policy.Basis, StringComparer.Ordinal)
                || policy.Bounds is { } b && new int?[] { b.MaxMatchesPerWorkerPerDay, b.MaxTopWorkersShareBp, b.MaxMatchedOfWantedBp, b.MinCompletedShareBp, b.MinPaidShareBp, b.MinPaidWithin2hShareBp }.Any(v => v is < 0))
            {
                problems.Add($"subsidy policy '{policy.Id}' needs a version of 1 or more, a basis of made, completed or paid, and bounds of 0 or more");
            }
        }
    }

    private static void Unique(IEnumerable<string> values, string what, List<string> problems)
    {
        foreach (var duplicate in values.GroupBy(v => v, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            problems.Add($"{what} '{duplicate.Key}' appears more than once");
        }
    }
}
