using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace StationHub.Tenants;

/// <summary>Settings of the registry as data (section <c>Registry</c>, beside <c>Registry:Path</c>, the seed).</summary>
public sealed class TenantOptions
{
    public const string Section = "Registry";

    /// <summary>How often each host reads the registry's version row (one point read); a change is served within this and one read of the registry.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(4);

    /// <summary>
    /// True to take endpoints on loopback or private addresses, and plain http (local use and tests);
    /// false (the default) takes only https URLs on public hosts, as for reports' media URLs.
    /// </summary>
    public bool AllowPrivateEndpoints { get; set; }
}

/// <summary>Checks <see cref="TenantOptions"/>'s data annotations with code generated at compile time (<see cref="Platform.ValidatedOptions"/>).</summary>
[OptionsValidator]
public sealed partial class TenantOptionsValidator : IValidateOptions<TenantOptions>;
