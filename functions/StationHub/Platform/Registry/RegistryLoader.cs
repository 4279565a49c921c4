using System.Text.Json;
using StationHub.Platform.Json;

namespace StationHub.Platform.Registry;

/// <summary>Loads and checks the registry file named by <c>Registry:Path</c>.</summary>
public static class RegistryLoader
{
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
        Unique(document.Cities.Select(c => c.Id), "city id", problems);
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

        if (problems.Count > 0)
        {
            throw new InvalidOperationException("The registry is not consistent: " + string.Join("; ", problems) + ".");
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
