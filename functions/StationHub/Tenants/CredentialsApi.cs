using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using StationHub.Contract;
using StationHub.Platform;
using StationHub.Platform.Security;
using StationHub.Triggers;
using static StationHub.Contract.ApiAnswer;
using static StationHub.Contract.ApiShapes;

namespace StationHub.Tenants
{
    /// <summary>
    /// The credentials' part of the tenants module (<see cref="TenantsModule"/> lists it): the rows,
    /// OpenAPI text, schemas and services of <c>…/credentials</c> for cities, bodies, platforms and stations.
    /// </summary>
    public static class CredentialsApi
    {
        private static readonly (TenantKind Kind, string List, string Issue, string Revoke, string Collection, string One, string What)[] Owners =
        [
            (TenantKind.City, FunctionNames.AdminCityCredentialsList, FunctionNames.AdminCityCredentialIssue, FunctionNames.AdminCityCredentialRevoke, Routes.AdminCityCredentials, Routes.AdminCityCredential, "a city (a signing secret for what the hub sends it; an API key for the hub's Open311 and status routes)"),
            (TenantKind.Body, FunctionNames.AdminBodyCredentialsList, FunctionNames.AdminBodyCredentialIssue, FunctionNames.AdminBodyCredentialRevoke, Routes.AdminBodyCredentials, Routes.AdminBodyCredential, "a responsible body (a signing secret for what the hub sends it; an API key for the hub's Open311 and status routes)"),
            (TenantKind.Platform, FunctionNames.AdminPlatformCredentialsList, FunctionNames.AdminPlatformCredentialIssue, FunctionNames.AdminPlatformCredentialRevoke, Routes.AdminPlatformCredentials, Routes.AdminPlatformCredential, "a platform (its webhook signing secret, both ways; an API key for its GETs)"),
            (TenantKind.Station, FunctionNames.AdminStationCredentialsList, FunctionNames.AdminStationCredentialIssue, FunctionNames.AdminStationCredentialRevoke, Routes.AdminStationCredentials, Routes.AdminStationCredential, "a station (its API key)"),
        ];

        public static IReadOnlyList<TriggerFunction> Functions { get; } =
        [
            .. Owners.SelectMany(o => new TriggerFunction[]
            {
                HttpFunction.Get<CredentialAdmin>(o.List, o.Collection, Caller.AdminKey, (admin, request, ct) => admin.ListAsync(o.Kind, request, ct)),
                HttpFunction.Post<CredentialAdmin>(o.Issue, o.Collection, Caller.AdminKey, (admin, request, ct) => admin.IssueAsync(o.Kind, request, ct)),
                HttpFunction.Delete<CredentialAdmin>(o.Revoke, o.One, Caller.AdminKey, (admin, request, ct) => admin.RevokeAsync(o.Kind, request, ct)),
            }),
        ];

        public static IReadOnlyList<ApiOperation> Operations =>
        [
            .. Owners.SelectMany(o => new[]
            {
                new ApiOperation(o.List, AdminTag, $"List the credentials of {o.What.Split(" (")[0]}", $"The credentials of {o.What}: ids, types, when each was issued and when it ends. Never a secret, a key or a hash.")
                {
                    Answers = [Json(200, "The credentials, oldest first.", HubSchemas.ArrayOf(HubSchemas.Ref("RegistryCredential"))) with { Headers = NoStore }, Problem(401, "No valid administrator key."), Problem(404, "No entry has that id.")],
                },
                new ApiOperation(o.Issue, AdminTag, $"Issue a credential to {o.What.Split(" (")[0]}",
                    $"A new credential of {o.What}, answered once: the secret or key is never shown again. The others of its type keep working for the overlap (setting Registry:CredentialOverlap, default 24 h) and then stop. Every host serves the change within seconds. Without a body, a station gets an API key and the others a signing secret.")
                {
                    RequestBody = CredentialRequest(Credentials.TypesOf(o.Kind)),
                    Answers =
                    [
                        Json(201, "Issued: the secret or key, shown this once.", HubSchemas.Ref("IssuedCredential")) with { Headers = NoStore },
                        Problem(400, "Not a type this kind holds."),
                        Problem(401, "No valid administrator key."),
                        Problem(404, "No entry has that id."),
                        Problem(413, "Over 64 KiB."),
                        Problem(415, "Not JSON."),
                        Problem(503, "A signing secret was asked for and this host has no key-encryption key (Registry:CredentialKey): nothing was issued."),
                    ],
                },
                new ApiOperation(o.Revoke, AdminTag, $"Revoke a credential of {o.What.Split(" (")[0]}", "The credential stops at once on this host, and on every host within seconds.")
                {
                    Answers = [new ApiAnswer(204, "Revoked.", BodyKind.None), Problem(401, "No valid administrator key."), Problem(404, "No entry or credential has that id.")],
                },
            }),
        ];

        public static IReadOnlyDictionary<string, Func<JsonNode>> Schemas { get; } = new Dictionary<string, Func<JsonNode>>(StringComparer.Ordinal)
        {
            ["RegistryCredential"] = () => HubSchemas.Parse("""
                { "type": "object", "required": ["id", "type", "created", "valid"], "additionalProperties": false,
                  "properties": {
                    "id": { "type": "string", "description": "The credential's id (for revoking it)." },
                    "type": { "type": "string", "enum": ["signing-secret", "api-key"] },
                    "created": { "type": "string", "format": "date-time" },
                    "expires": { "type": ["string", "null"], "format": "date-time", "description": "When it stops (the end of its overlap); null until a newer one is issued." },
                    "valid": { "type": "boolean", "description": "Whether it works now." } } }
                """),
            ["IssuedCredential"] = () => HubSchemas.Parse("""
                { "type": "object", "required": ["id", "type", "created"], "additionalProperties": false,
                  "properties": {
                    "id": { "type": "string" },
                    "type": { "type": "string", "enum": ["signing-secret", "api-key"] },
                    "created": { "type": "string", "format": "date-time" },
                    "secret": { "type": "string", "pattern": "^whsec_", "description": "The Standard Webhooks signing secret (signing-secret): shown this once." },
                    "key": { "type": "string", "description": "The API key, for x-api-key (api-key): shown this once; the hub keeps its SHA-256 only." },
                    "othersEnd": { "type": "string", "format": "date-time", "description": "When the owner's other credentials of this type stop (the overlap's end)." } } }
                """),
        };

        /// <summary>The schema of a created entry's answer: the entry, with the credentials it was issued (once).</summary>
        public static JsonNode Created(string schema) => new JsonObject
        {
            ["allOf"] = new JsonArray(
                HubSchemas.Ref(schema),
                new JsonObject
                {
                    ["type"] = "object",
                    ["properties"] = new JsonObject
                    {
                        ["credentials"] = new JsonObject
                        {
                            ["type"] = "array",
                            ["description"] = "The credentials issued with the entry (cities, bodies, platforms, stations): each secret or key shown this once.",
                            ["items"] = HubSchemas.Ref("IssuedCredential"),
                        },
                    },
                }),
        };

        public static void AddServices(IServiceCollection services, IConfiguration configuration)
        {
            services.AddValidatedOptions<CredentialOptions, CredentialOptionsValidator>(configuration, TenantOptions.Section)
                .Validate(options => options.KeyIsValid(), $"The setting '{CredentialOptions.KeySetting}' must be base64 of 32 bytes (an AES-256 key).");
            services.AddSingleton<Credentials>();
            services.AddSingleton<CredentialAdmin>();
        }

        private static Dictionary<string, string> NoStore { get; } = new(StringComparer.Ordinal) { ["Cache-Control"] = "no-store: the answer is not kept." };

        private static JsonNode CredentialRequest(IReadOnlyList<string> types) => new JsonObject
        {
            ["type"] = "object",
            ["properties"] = new JsonObject { ["type"] = HubSchemas.String(null, [.. types]) },
        };
    }
}

namespace StationHub.Triggers
{
    public static partial class FunctionNames
    {
        public const string AdminCityCredentialsList = nameof(AdminCityCredentialsList);
        public const string AdminCityCredentialIssue = nameof(AdminCityCredentialIssue);
        public const string AdminCityCredentialRevoke = nameof(AdminCityCredentialRevoke);
        public const string AdminBodyCredentialsList = nameof(AdminBodyCredentialsList);
        public const string AdminBodyCredentialIssue = nameof(AdminBodyCredentialIssue);
        public const string AdminBodyCredentialRevoke = nameof(AdminBodyCredentialRevoke);
        public const string AdminPlatformCredentialsList = nameof(AdminPlatformCredentialsList);
        public const string AdminPlatformCredentialIssue = nameof(AdminPlatformCredentialIssue);
        public const string AdminPlatformCredentialRevoke = nameof(AdminPlatformCredentialRevoke);
        public const string AdminStationCredentialsList = nameof(AdminStationCredentialsList);
        public const string AdminStationCredentialIssue = nameof(AdminStationCredentialIssue);
        public const string AdminStationCredentialRevoke = nameof(AdminStationCredentialRevoke);
    }

    public static partial class Routes
    {
        public const string AdminCityCredentials = "api/v1/admin/cities/{id}/credentials";
        public const string AdminCityCredential = "api/v1/admin/cities/{id}/credentials/{credentialId}";
        public const string AdminBodyCredentials = "api/v1/admin/cities/{id}/bodies/{bodyId}/credentials";
        public const string AdminBodyCredential = "api/v1/admin/cities/{id}/bodies/{bodyId}/credentials/{credentialId}";
        public const string AdminPlatformCredentials = "api/v1/admin/platforms/{id}/credentials";
        public const string AdminPlatformCredential = "api/v1/admin/platforms/{id}/credentials/{credentialId}";
        public const string AdminStationCredentials = "api/v1/admin/stations/{id}/credentials";
        public const string AdminStationCredential = "api/v1/admin/stations/{id}/credentials/{credentialId}";
    }
}
