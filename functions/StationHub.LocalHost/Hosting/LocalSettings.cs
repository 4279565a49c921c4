using System.Text.Json;

namespace StationHub.LocalHost.Hosting;

/// <summary>
/// Reads the <c>Values</c> of <c>local.settings.json</c> as Functions Core Tools does
/// (<c>A__B</c> means <c>A:B</c>), falling back to the committed sample when no local file exists.
/// </summary>
public static class LocalSettings
{
    public const string FileName = "local.settings.json";
    public const string SampleFileName = "local.settings.sample.json";

    /// <summary>The first of local.settings.json, then the sample, in the folders given, or null.</summary>
    public static string? Find(params string[] folders) =>
        folders.SelectMany(folder => new[] { Path.Combine(folder, FileName), Path.Combine(folder, SampleFileName) })
            .FirstOrDefault(File.Exists);

    public static IEnumerable<KeyValuePair<string, string?>> Read(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        if (!document.RootElement.TryGetProperty("Values", out var values) || values.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidOperationException($"'{path}' has no \"Values\" object.");
        }

        var list = new List<KeyValuePair<string, string?>>();
        foreach (var property in values.EnumerateObject())
        {
            var value = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : property.Value.GetRawText();
            list.Add(new(property.Name.Replace("__", ":", StringComparison.Ordinal), value));
        }

        return list;
    }
}
