using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace StationHub.Cli;

/// <summary>
/// <c>StationHub.Cli admin …</c>: the registry's admin API from a shell, over HTTP with an administrator's
/// key (<c>--hub URL</c> or <c>STATIONHUB_HUB</c>; <c>--admin-key KEY</c> or <c>STATIONHUB_ADMIN_KEY</c>).
/// Prints the hub's answer (JSON, indented) and exits 0 on 2xx; otherwise says what the hub answered and exits 1.
/// </summary>
internal static class AdminCommands
{
    public const string HubVariable = "STATIONHUB_HUB";
    public const string AdminKeyVariable = "STATIONHUB_ADMIN_KEY";

    private const string Usage = """
        usage: StationHub.Cli admin <command> [--hub URL] [--admin-key KEY]
          add <kind> <id> (--file FILE | --json JSON | --name NAME --webhook-url URL) [--city CITY] [--if-match ETAG]
                                      create (201: the credentials it was issued, shown once) or replace (--if-match)
          list <kind> [<id>] [--city CITY]  the entries of a kind, or one entry's credentials (never a secret)
          rotate <kind> <id> [--type signing-secret|api-key] [--city CITY]
                                      issue another credential; the older ones of its type end after the overlap
          revoke <kind> <id> <credentialId> [--city CITY]
          import <file>               POST a registry document (api/v1/admin/registry/import)
          import --stations <file>    POST a GeoJSON FeatureCollection of stations (api/v1/admin/stations/import)
        kinds: city, body (with --city), platform, station, witness, subsidy-policy
        """;

    private static readonly Dictionary<string, string> Plurals = new(StringComparer.Ordinal)
    {
        ["city"] = "cities",
        ["body"] = "bodies",
        ["platform"] = "platforms",
        ["station"] = "stations",
        ["witness"] = "witnesses",
        ["subsidy-policy"] = "subsidy-policies",
    };

    public static async Task<int> RunAsync(string[] args)
    {
        var positional = Positional(args);
        if (positional.Count < 2)
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }

        var hub = Flag(args, "--hub") ?? Environment.GetEnvironmentVariable(HubVariable) ?? "http://127.0.0.1:7071/";
        var key = Flag(args, "--admin-key") ?? Environment.GetEnvironmentVariable(AdminKeyVariable) ?? "local-admin-key";
        using var client = HubAnswers.Client(hub.EndsWith('/') ? hub : hub + "/", TimeSpan.FromSeconds(60));
        var command = positional[1];
        var rest = positional.Skip(2).ToList();
        HttpRequestMessage? request = command switch
        {
            "add" when rest.Count == 2 && EntryPath(rest[0], rest[1], args) is { } path && Entry(rest[0], args) is { } body =>
                Send(HttpMethod.Put, path, body, Flag(args, "--if-match")),
            "list" when rest.Count == 1 && Collection(rest[0], args) is { } path => Send(HttpMethod.Get, path),
            "list" when rest.Count == 2 && EntryPath(rest[0], rest[1], args) is { } path => Send(HttpMethod.Get, path + "/credentials"),
            "rotate" when rest.Count == 2 && EntryPath(rest[0], rest[1], args) is { } path =>
                Send(HttpMethod.Post, path + "/credentials", Flag(args, "--type") is { } type ? new JsonObject { ["type"] = type }.ToJsonString() : "{}"),
            "revoke" when rest.Count == 3 && EntryPath(rest[0], rest[1], args) is { } path => Send(HttpMethod.Delete, $"{path}/credentials/{Uri.EscapeDataString(rest[2])}"),
            "import" when Flag(args, "--stations") is { } file => Send(HttpMethod.Post, "api/v1/admin/stations/import", await File.ReadAllTextAsync(file), contentType: "application/geo+json"),
            "import" when rest.Count == 1 => Send(HttpMethod.Post, "api/v1/admin/registry/import", await File.ReadAllTextAsync(rest[0])),
            _ => null,
        };
        if (request is null)
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }

        using (request)
        {
            request.Headers.Add("x-api-key", key);
            using var response = await client.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            var shown = Indented(text);
            var status = (int)response.StatusCode;
            if (!response.IsSuccessStatusCode)
            {
                Console.Error.WriteLine($"FAILED: {request.Method} /{request.RequestUri} answered {status}{(status == 401 ? " (give an administrator's key with --admin-key KEY or " + AdminKeyVariable + ")" : string.Empty)}: {shown}");
                return 1;
            }

            Console.WriteLine($"{status} {request.Method} /{request.RequestUri}{(response.Headers.ETag is { } etag ? " ETag " + etag.Tag : string.Empty)}");
            if (shown.Length > 0)
            {
                Console.WriteLine(shown);
            }

            return 0;
        }
    }

    private static HttpRequestMessage Send(HttpMethod method, string path, string? body = null, string? ifMatch = null, string contentType = "application/json")
    {
        var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8);
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType) { CharSet = "utf-8" };
        }

        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        return request;
    }

    /// <summary>The entry's path: <c>api/v1/admin/platforms/{id}</c>; a body's under its city (<c>--city</c>).</summary>
    private static string? EntryPath(string kind, string id, string[] args) =>
        Collection(kind, args) is { } collection ? collection + "/" + Uri.EscapeDataString(id) : null;

    private static string? Collection(string kind, string[] args)
    {
        if (!Plurals.TryGetValue(kind, out var plural))
        {
            return null;
        }

        if (kind != "body")
        {
            return "api/v1/admin/" + plural;
        }

        return Flag(args, "--city") is { } city ? $"api/v1/admin/cities/{Uri.EscapeDataString(city)}/bodies" : null;
    }

    /// <summary>The entry's JSON: <c>--file</c>, <c>--json</c>, or a platform's <c>--name</c> and <c>--webhook-url</c>.</summary>
    private static string? Entry(string kind, string[] args)
    {
        if (Flag(args, "--file") is { } file)
        {
            return File.ReadAllText(file);
        }

        if (Flag(args, "--json") is { } json)
        {
            return json;
        }

        if (kind == "platform" && Flag(args, "--name") is { } name && Flag(args, "--webhook-url") is { } url)
        {
            return new JsonObject { ["name"] = name, ["webhookUrl"] = url }.ToJsonString();
        }

        return null;
    }

    private static string Indented(string text)
    {
        if (text.Length == 0)
        {
            return text;
        }

        try
        {
            return JsonNode.Parse(text)?.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) ?? text;
        }
        catch (JsonException)
        {
            return text;
        }
    }

    private static string? Flag(string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }

    /// <summary>The arguments that are not flags or flag values.</summary>
    private static List<string> Positional(string[] args)
    {
        var list = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i].StartsWith("--", StringComparison.Ordinal))
            {
                i++;
                continue;
            }

            list.Add(args[i]);
        }

        return list;
    }
}
