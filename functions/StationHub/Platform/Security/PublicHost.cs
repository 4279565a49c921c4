using System.Net;
using System.Net.Sockets;

namespace StationHub.Platform.Security;

/// <summary>
/// Whether a URL that somebody else will fetch (a city fetching a report's <c>mediaUrls</c>) points
/// at the public internet: no user name or password in it, and no loopback, link-local, private,
/// shared (CGNAT) or unspecified address, nor <c>localhost</c>; IPv4 addresses embedded in IPv6 (IPv4-mapped,
/// NAT64 <c>64:ff9b::/96</c>, 6to4 <c>2002::/16</c>) are judged as the IPv4 address they carry, and the
/// local-use NAT64 prefix <c>64:ff9b:1::/48</c> (RFC 8215) is never public. A public name that resolves to a
/// private address can only be caught by the fetcher; the hub does not resolve names at intake.
/// </summary>
public static class PublicHost
{
    /// <summary>True when the URL carries user information (<c>https://user:password@host/</c>), however written.</summary>
    public static bool HasUserInfo(Uri uri, string text)
    {
        ArgumentNullException.ThrowIfNull(uri);
        ArgumentNullException.ThrowIfNull(text);
        if (uri.UserInfo.Length > 0)
        {
            return true;
        }

        var afterScheme = text.IndexOf("//", StringComparison.Ordinal);
        var authority = afterScheme < 0 ? text : text[(afterScheme + 2)..];
        var end = authority.IndexOfAny(['/', '?', '#', '\\']);
        return (end < 0 ? authority : authority[..end]).Contains('@', StringComparison.Ordinal);
    }

    public static bool IsPublic(Uri uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        var host = uri.IdnHost.TrimEnd('.');
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase)
            || host.EndsWith(".local", StringComparison.OrdinalIgnoreCase)
            || host.EndsWith(".internal", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        if (uri.HostNameType is not (UriHostNameType.IPv4 or UriHostNameType.IPv6))
        {
            return true;
        }

        return IPAddress.TryParse(uri.DnsSafeHost, out var address) && IsPublic(address);
    }

    public static bool IsPublic(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any) || address.Equals(IPAddress.IPv6None))
        {
            return false;
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            var bytes = address.GetAddressBytes();
            if (bytes is [0x00, 0x64, 0xff, 0x9b, 0x00, 0x01, ..])
            {
                return false; // local-use NAT64 (RFC 8215): a translator inside somebody's own network
            }

            if (bytes is [0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0, ..])
            {
                return IsPublic(new IPAddress(bytes.AsSpan(12, 4))); // well-known NAT64 prefix (RFC 6052)
            }

            if (bytes is [0x20, 0x02, ..])
            {
                return IsPublic(new IPAddress(bytes.AsSpan(2, 4))); // 6to4 (RFC 3056)
            }

            return !(address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6UniqueLocal || address.IsIPv6Multicast
                || (bytes[0] == 0 && bytes.AsSpan(1, 11).IndexOfAnyExcept((byte)0) < 0));
        }

        var b = address.GetAddressBytes();
        return !(b[0] == 0 // "this" network
            || b[0] == 10 // private
            || b[0] == 127 // loopback
            || (b[0] == 100 && b[1] >= 64 && b[1] <= 127) // shared address space (CGNAT)
            || (b[0] == 169 && b[1] == 254) // link-local, cloud metadata
            || (b[0] == 172 && b[1] >= 16 && b[1] <= 31) // private
            || (b[0] == 192 && b[1] == 168) // private
            || (b[0] == 192 && b[1] == 0 && b[2] == 0) // IETF protocol assignments
            || b[0] >= 224); // multicast and reserved
    }
}
