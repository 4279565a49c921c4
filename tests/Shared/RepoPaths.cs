namespace StationHub.Testing;

/// <summary>Finds files of the repository that the tests and the benchmark run from.</summary>
public static partial class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string HostJson => Path.Combine(Root, "host.json");

    public static string AzuriteBin => Path.Combine(Root, "infra", "local", "node_modules", ".bin", "azurite");

    public static string SampleRegistry => Path.Combine(Root, "functions", "registry.sample.json");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "StationHub.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("This must run inside the repository (StationHub.slnx not found).");
    }
}
