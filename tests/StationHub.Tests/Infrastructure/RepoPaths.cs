namespace StationHub.Testing;

/// <summary>The tests' own files (the rest of <see cref="RepoPaths"/> is shared with the benchmark).</summary>
public static partial class RepoPaths
{
    public static string TestData(string name) => Path.Combine(AppContext.BaseDirectory, "TestData", name);
}
