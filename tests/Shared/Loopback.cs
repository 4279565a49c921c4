using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace StationHub.Testing;

/// <summary>
/// Listeners in the test process bind port 0 and ask the server which port they got: a port
/// chosen first and bound later can be taken in between by anything else on a busy machine.
/// </summary>
public static class Loopback
{
    /// <summary>Kestrel on an ephemeral loopback port (<c>UseUrls(Loopback.AnyPort)</c>).</summary>
    public const string AnyPort = "http://127.0.0.1:0";

    /// <summary>The address a started app is listening on, with a trailing slash.</summary>
    public static Uri AddressOf(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new Uri(address.TrimEnd('/') + "/");
    }
}
