using System.Text.Json;
using System.Text.Json.Serialization;

namespace StationHub.Benchmarks.Reporting;

/// <summary>The JSON of a <see cref="BenchmarkReport"/>: camelCase, indented, NaN written as "NaN" (a figure that could not be taken).</summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    WriteIndented = true,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(BenchmarkReport))]
public sealed partial class ReportJson : JsonSerializerContext
{
    public static async Task WriteAsync(BenchmarkReport report, string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        await using var file = File.Create(path);
        await JsonSerializer.SerializeAsync(file, report, Default.BenchmarkReport);
    }
}
