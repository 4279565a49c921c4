using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using StationHub.Contract;
using StationHub.Platform;
using StationHub.Platform.Json;
using StationHub.Platform.Security;
using StationHub.Triggers;
using static StationHub.Contract.ApiAnswer;
using static StationHub.Contract.ApiShapes;

namespace StationHub.Tenants
{
    /// <summary>
    /// Tenants as data: the registry lives in table <c>Registry</c> (<see cref="RegistryStore"/>), seeded from
    /// the file, kept current on every host (<see cref="RegistrySync"/>), and changed through the
    /// administrators' API (<see cref="TenantAdmin"/>) without a redeploy.
    /// </summary>
    public sealed class TenantsModule : FlowModule
    {
        public override IReadOnlyList<TriggerFunction> Functions { get; } = WithChangeDeadline(
        [
            HttpFunction.Get<TenantAdmin>(FunctionNames.AdminCitiesList, Routes.AdminCities, Caller.AdminKey, (admin, request, ct) => admin.ListAsync(TenantKind.City, request, ct)),
            HttpFunction.Get<TenantAdmin>(FunctionNames.AdminCityGet, Routes.AdminCity, Caller.AdminKey, (admin, request, ct) => admin.GetAsync(TenantKind.City, request, ct)),
            HttpFunction.Put<TenantAdmin>(FunctionNames.AdminCityPut, Routes.AdminCity, Caller.AdminKey, (admin, request, ct) => admin.PutAsync(TenantKind.City, request, ct)),
            HttpFunction.Delete<TenantAdmin>(FunctionNames.AdminCityDelete, Routes.AdminCity, Caller.AdminKey, (admin, request, ct) => admin.DeleteAsync(TenantKind.City, request, ct)),
            HttpFunction.Get<TenantAdmin>(FunctionNames.AdminBodiesList, Routes.AdminBodies, Caller.AdminKey, (admin, request, ct) => admin.ListAsync(TenantKind.Body, request, ct)),
            HttpFunction.Get<TenantAdmin>(FunctionNames.AdminBodyGet, Routes.AdminBody, Caller.AdminKey, (admin, request, ct) => admin.GetAsync(TenantKind.Body, request, ct)),
            HttpFunction.Put<TenantAdmin>(FunctionNames.AdminBodyPut, Routes.AdminBody, Caller.AdminKey, (admin, request, ct) => admin.PutAsync(TenantKind.Body, request, ct)),
            HttpFunction.Delete<TenantAdmin>(FunctionNames.AdminBodyDelete, Routes.AdminBody, Caller.AdminKey, (admin, request, ct) => admin.DeleteAsync(TenantKind.Body, request, ct)),
            HttpFunction.Get<TenantAdmin>(FunctionNames.AdminPlatformsList, Routes.AdminPlatforms, Caller.AdminKey, (admin, request, ct) => admin.ListAsync(TenantKind.Platform, request, ct)),
            HttpFunction.Get<TenantAdmin>(FunctionNames.AdminPlatformGet, Routes.AdminPlatform, Caller.AdminKey, (admin, request, ct) => admin.GetAsync(TenantKind.Platform, request, ct)),
            HttpFunction.Put<TenantAdmin>(FunctionNames.AdminPlatformPut, Routes.AdminPlatform, Caller.AdminKey, (admin, request, ct) => admin.PutAsync(TenantKind.Platform, request, ct)),
            HttpFunction.Delete<TenantAdmin>(FunctionNames.AdminPlatformDelete, Routes.AdminPlatform, Caller.AdminKey, (admin, request, ct) => admin.DeleteAsync(TenantKind.Platform, request, ct)),
            HttpFunction.Get<TenantAdmin>(FunctionNames.AdminStationsList, Routes.AdminStations, Caller.AdminKey, (admin, request, ct) => admin.ListAsync(TenantKind.Station, request, ct)),
            HttpFunction.Get<TenantAdmin>(FunctionNames.AdminStationGet, Routes.AdminStation, Caller.AdminKey, (admin, request, ct) => admin.GetAsync(TenantKind.Station, request, ct)),
            HttpFunction.Put<TenantAdmin>(FunctionNames.AdminStationPut, Routes.AdminStation, Caller.AdminKey, (admin, request, ct) => admin.PutAsync(TenantKind.Station, request, ct)),
            HttpFunction.Delete<TenantAdmin>(FunctionNames.AdminStationDelete, Routes.AdminStation, Caller.AdminKey, (admin, request, ct) => admin.DeleteAsync(TenantKind.Station, request, ct)),
            HttpFunction.Get<TenantAdmin>(FunctionNames.AdminWitnessesList, Routes.AdminWitnesses, Caller.AdminKey, (admin, request, ct) => admin.ListAsync(TenantKind.Witness, request, ct)),
            HttpFunction.Get<TenantAdmin>(FunctionNames.AdminWitnessGet, Routes.AdminWitness, Caller.AdminKey, (admin, request, ct) => admin.GetAsync(TenantKind.Witness, request, ct)),
            HttpFunction.Put<TenantAdmin>(FunctionNames.AdminWitnessPut, Routes.AdminWitness, Caller.AdminKey, (admin, request, ct) => admin.PutAsync(TenantKind.Witness, request, ct)),
            HttpFunction.Delete<TenantAdmin>(FunctionNames.AdminWitnessDelete, Routes.AdminWitness, Caller.AdminKey, (admin, request, ct) => admin.DeleteAsync(TenantKind.Witness, request, ct)),
            HttpFunction.Get<TenantAdmin>(FunctionNames.AdminSubsidyPoliciesList, Routes.AdminSubsidyPolicies, Caller.AdminKey, (admin, request, ct) => admin.ListAsync(TenantKind.SubsidyPolicy, request, ct)),
            HttpFunction.Get<TenantAdmin>(FunctionNames.AdminSubsidyPolicyGet, Routes.AdminSubsidyPolicy, Caller.AdminKey, (admin, request, ct) => admin.GetAsync(TenantKind.SubsidyPolicy, request, ct)),
            HttpFunction.Put<TenantAdmin>(FunctionNames.AdminSubsidyPolicyPut, Routes.AdminSubsidyPolicy, Caller.AdminKey, (admin, request, ct) => admin.PutAsync(TenantKind.SubsidyPolicy, request, ct)),
            HttpFunction.Delete<TenantAdmin>(FunctionNames.AdminSubsidyPolicyDelete, Routes.AdminSubsidyPolicy, Caller.AdminKey, (admin, request, ct) => admin.DeleteAsync(TenantKind.SubsidyPolicy, request, ct)),
            HttpFunction.Post<RegistryImport>(FunctionNames.AdminRegistryImport, Routes.AdminRegistryImport, Caller.AdminKey, (import, request, ct) => import.ImportAsync(request, ct)),
            HttpFunction.Post<StationImport>(FunctionNames.AdminStationsImport, Routes.AdminStationsImport, Caller.AdminKey, (import, request, ct) => import.ImportAsync(request, ct)) with { MaxBodyBytes = StationImport.MaxBodyBytes, Deadline = StationImport.Deadline },
            .. CredentialsApi.Functions,
        ]);

        /// <summary>
        /// Every route that changes the registry waits for storage up to <see cref="RegistryStore.ChangeDeadline"/>
        /// (the station import its own, longer), not a webhook's 4 s.
        /// </summary>
        private static TriggerFunction[] WithChangeDeadline(TriggerFunction[] functions) =>
            [.. functions.Select(function => function is HttpFunction http && !http.Methods.Contains("GET") && http.Deadline < RegistryStore.ChangeDeadline
                ? http with { Deadline = RegistryStore.ChangeDeadline }
                : function)];

        public override IReadOnlyList<ApiOperation> Operations =>
        [
            List(FunctionNames.AdminCitiesList, "Cities", "RegistryCity"),
            Get(FunctionNames.AdminCityGet, "a city (its districts, delivery endpoint and format; its bodies are entries of their own)", "RegistryCity"),
            Put(FunctionNames.AdminCityPut, "a city (its districts, delivery endpoint and format; its bodies are entries of their own)", "RegistryCity"),
            Delete(FunctionNames.AdminCityDelete, "a city (its districts, delivery endpoint and format; its bodies are entries of their own)"),
            List(FunctionNames.AdminBodiesList, "Bodies", "RegistryBody"),
            Get(FunctionNames.AdminBodyGet, "a responsible body of the city (its categories, delivery endpoint and format)", "RegistryBody"),
            Put(FunctionNames.AdminBodyPut, "a responsible body of the city (its categories, delivery endpoint and format)", "RegistryBody"),
            Delete(FunctionNames.AdminBodyDelete, "a responsible body of the city (its categories, delivery endpoint and format)"),
            List(FunctionNames.AdminPlatformsList, "Platforms", "RegistryPlatform"),
            Get(FunctionNames.AdminPlatformGet, "a platform (its webhook URL, rate, subscriptions)", "RegistryPlatform"),
            Put(FunctionNames.AdminPlatformPut, "a platform (its webhook URL, rate, subscriptions)", "RegistryPlatform"),
            Delete(FunctionNames.AdminPlatformDelete, "a platform (its webhook URL, rate, subscriptions)"),
            List(FunctionNames.AdminStationsList, "Stations", "RegistryStation"),
            Get(FunctionNames.AdminStationGet, "a station (its district, location, hours and services)", "RegistryStation"),
            Put(FunctionNames.AdminStationPut, "a station (its district, location, hours and services)", "RegistryStation"),
            Delete(FunctionNames.AdminStationDelete, "a station (its district, location, hours and services)"),
            List(FunctionNames.AdminWitnessesList, "Witnesses", "RegistryWitness"),
            Get(FunctionNames.AdminWitnessGet, "a witness of the public ledger", "RegistryWitness"),
            Put(FunctionNames.AdminWitnessPut, "a witness of the public ledger", "RegistryWitness"),
            Delete(FunctionNames.AdminWitnessDelete, "a witness of the public ledger"),
            List(FunctionNames.AdminSubsidyPoliciesList, "SubsidyPolicies", "RegistrySubsidyPolicy"),
            Get(FunctionNames.AdminSubsidyPolicyGet, "a subsidy policy of gig-work stations", "RegistrySubsidyPolicy"),
            Put(FunctionNames.AdminSubsidyPolicyPut, "a subsidy policy of gig-work stations", "RegistrySubsidyPolicy"),
            Delete(FunctionNames.AdminSubsidyPolicyDelete, "a subsidy policy of gig-work stations"),
            new(FunctionNames.AdminRegistryImport, AdminTag, "Import a registry document",
                "A whole registry in the sample's shape (cities with their bodies, platforms, stations, catalogs, witnesses, subsidy policies), upserted entry by entry and checked whole first: all of it is stored, or nothing.")
            {
                RequestBody = new JsonObject { ["type"] = "object" },
                Answers =
                [
                    Json(200, "The registry's new version and how many entries were written.", HubSchemas.Ref("RegistryImportAnswer")),
                    Problem(400, "An entry or the would-be registry is not valid (errors per field); nothing was stored."),
                    Problem(401, "No valid administrator key."),
                    Problem(413, "Over 64 KiB."),
                    Problem(415, "Not JSON."),
                ],
            },
            new(FunctionNames.AdminStationsImport, AdminTag, "Import stations from GeoJSON",
                "An RFC 7946 FeatureCollection of Point features, one station each: the id in the feature's id or properties.id, the position in the geometry ([lon, lat]), the other fields in properties in the sample registry's station shape. Every feature is checked as a PUT of the station is, then the registry with all of them (each station inside its district); a problem names the feature's index and field (features[12].geometry). All of them are upserted as one change, or none; every host serves them within seconds. Up to 8 MiB (10,000 stations in the sample's shape are about 4.3 MB).")
            {
                RequestBody = StationCollectionSchema(),
                Answers =
                [
                    Json(200, "The registry's new version, and the stations created and replaced.", HubSchemas.Ref("StationImportAnswer")),
                    Problem(400, "A feature or the would-be registry is not valid (errors per feature and field, the first 100); nothing was stored."),
                    Problem(401, "No valid administrator key."),
                    Problem(413, "Over 8 MiB."),
                    Problem(415, "Not GeoJSON or JSON."),
                ],
            },
            .. CredentialsApi.Operations,
        ];

        public override IReadOnlyList<string> TableNames { get; } = [Tables.Registry];

        /// <summary>The public registry changes of the day (<see cref="RegistryFacts"/>).</summary>
        public override Ledger.LedgerSection? LedgerSection { get; } = new RegistryLedgerSection();

        public override IReadOnlyDictionary<string, Func<JsonNode>> Schemas { get; } = new Dictionary<string, Func<JsonNode>>(StringComparer.Ordinal)
        {
            ["RegistryCity"] = CitySchema,
            ["RegistryBody"] = () => WithFormats(HubSchemas.Export(HubJsonContext.Default.ResponsibleBody).AsObject()),
            ["RegistryPlatform"] = () => HubSchemas.Export(HubJsonContext.Default.Platform),
            ["RegistryStation"] = () => HubSchemas.Export(HubJsonContext.Default.Station),
            ["RegistryWitness"] = () => HubSchemas.Export(HubJsonContext.Default.LedgerWitness),
            ["RegistrySubsidyPolicy"] = () => HubSchemas.Export(HubJsonContext.Default.SubsidyPolicy),
            ["RegistryImportAnswer"] = () => HubSchemas.Export(HubJsonContext.Default.RegistryImportAnswer),
            ["StationImportAnswer"] = () => HubSchemas.Export(HubJsonContext.Default.StationImportAnswer),
            ["RegistryCredential"] = CredentialsApi.Schemas["RegistryCredential"],
            ["IssuedCredential"] = CredentialsApi.Schemas["IssuedCredential"],
        };

        public override void AddServices(IServiceCollection services, IConfiguration configuration)
        {
            services.AddValidatedOptions<TenantOptions, TenantOptionsValidator>(configuration, TenantOptions.Section);
            services.AddSingleton(_ => new RegistrySeed(HubServices.RegistryFile(configuration)));
            services.AddSingleton<RegistryStore>();
            services.AddSingleton<RegistryFacts>();
            services.AddSingleton<StationImport>();
            services.AddSingleton<Ledger.ILedgerOutbox>(provider => provider.GetRequiredService<RegistryFacts>());
            services.AddSingleton<TenantAdmin>();
            services.AddSingleton<RegistryImport>();
            services.AddHostedService<RegistrySync>();
            CredentialsApi.AddServices(services, configuration);
        }

        /// <summary>A city as the admin API takes it: its districts' areas are rings of [lat, lon] pairs; its bodies are entries of their own.</summary>
        private static JsonNode CitySchema()
        {
            var schema = WithFormats(HubSchemas.Export(HubJsonContext.Default.City).AsObject());
            schema["properties"]!.AsObject().Remove("bodies");
            schema["properties"]!["districts"]!["items"]!["properties"]!["area"] = HubSchemas.Parse("""
                { "type": "array", "minItems": 3, "description": "The district's ring, [lat, lon] pairs (WGS 84), not closed.",
                  "items": { "type": "array", "minItems": 2, "maxItems": 2, "items": { "type": "number" } } }
                """);
            return schema;
        }

        /// <summary>The station import's body: a FeatureCollection of Point features whose properties are a station without its location.</summary>
        private static JsonNode StationCollectionSchema() => HubSchemas.Parse("""
            { "type": "object", "required": ["type", "features"],
              "properties": {
                "type": { "const": "FeatureCollection" },
                "features": { "type": "array", "minItems": 1, "items": {
                  "type": "object", "required": ["type", "geometry"],
                  "properties": {
                    "type": { "const": "Feature" },
                    "id": { "type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$", "description": "The station's id (or properties.id)." },
                    "geometry": { "type": "object", "required": ["type", "coordinates"],
                      "properties": { "type": { "const": "Point" }, "coordinates": { "type": "array", "minItems": 2, "maxItems": 3, "items": { "type": "number" }, "description": "[lon, lat] (WGS 84)." } } },
                    "properties": { "type": "object", "description": "The station in the sample registry's shape (name, district, address, openingHours, services, statusPlatform), without location." } } } } } }
            """);

        /// <summary>A delivery's format as the registry writes it (<c>webhook</c>, <c>open311</c>).</summary>
        private static JsonObject WithFormats(JsonObject schema)
        {
            schema["properties"]!["delivery"]!["properties"]!["format"] = HubSchemas.String(null, "webhook", "open311");
            return schema;
        }

        private static ApiParameter IfMatchHeader { get; } = new("If-Match", "The entry's ETag from a GET or the last PUT: required to replace an entry, refused (412) when it changed since.", HubSchemas.String());

        private static ApiOperation List(string function, string plural, string schema) =>
            new(function, AdminTag, $"List the registry's {plural.ToLowerInvariant()}", $"Every entry of the kind, by id, in the sample registry's shape.")
            {
                Answers = [Json(200, "The entries.", HubSchemas.ArrayOf(HubSchemas.Ref(schema))), Problem(401, "No valid administrator key."), Problem(404, "No city has that id (bodies).")],
            };

        private static ApiOperation Get(string function, string what, string schema) =>
            new(function, AdminTag, "Read " + what.Split(" (")[0], $"The entry: {what}. Its ETag is what If-Match takes to change it.")
            {
                Answers = [Json(200, "The entry.", HubSchemas.Ref(schema)) with { Headers = EntryHeaders }, Problem(401, "No valid administrator key."), Problem(404, "No entry has that id.")],
            };

        private static ApiOperation Put(string function, string what, string schema) =>
            new(function, AdminTag, "Create or replace " + what.Split(" (")[0],
                $"Creates {what} (201), or replaces it (200) when If-Match names its current ETag. The entry is checked alone (required fields, types, endpoints: https on public hosts) and with the whole registry (unique ids, districts that do not overlap, stations inside their district, each flow's checks); nothing of a bad entry is stored. Every host serves the change within seconds.")
            {
                Headers = [IfMatchHeader],
                RequestBody = HubSchemas.Ref(schema),
                Answers =
                [
                    Json(201, "Created, with the credentials it was issued (cities, bodies, platforms, stations), each shown this once.", CredentialsApi.Created(schema)) with { Headers = EntryHeaders },
                    Json(200, "Replaced; or the entry sent was already the entry as it stands (a retry of a PUT whose answer was lost, If-Match or not), and nothing was written. A create retried that way is not answered its credentials again: issue new ones if the first answer was lost.", HubSchemas.Ref(schema)) with { Headers = EntryHeaders },
                    Problem(400, "The entry, or the registry with it, is not valid (errors per field); nothing was stored."),
                    Problem(401, "No valid administrator key."),
                    Problem(404, "No city has that id (bodies)."),
                    Problem(409, "The id belongs to another city's body."),
                    Problem(412, "The entry changed since the ETag in If-Match (or does not exist)."),
                    Problem(413, "Over 64 KiB."),
                    Problem(415, "Not JSON."),
                    Problem(428, "The entry exists and If-Match is missing."),
                ],
            };

        private static ApiOperation Delete(string function, string what) =>
            new(function, AdminTag, "Delete " + what.Split(" (")[0], "Removes the entry (a city with its bodies); every host stops serving it within seconds. If-Match, when sent, must name its current ETag.")
            {
                Headers = [IfMatchHeader],
                Answers =
                [
                    new ApiAnswer(204, "Deleted.", BodyKind.None),
                    Problem(401, "No valid administrator key."),
                    Problem(404, "No entry has that id."),
                    Problem(409, "Other entries still need it (a station in the city's districts, say)."),
                    Problem(412, "The entry changed since the ETag in If-Match."),
                ],
            };

        private static Dictionary<string, string> EntryHeaders { get; } = new(StringComparer.Ordinal) { ["ETag"] = "The entry's version, for If-Match." };
    }
}

namespace StationHub.Triggers
{
    public static partial class FunctionNames
    {
        public const string AdminCitiesList = nameof(AdminCitiesList);
        public const string AdminCityGet = nameof(AdminCityGet);
        public const string AdminCityPut = nameof(AdminCityPut);
        public const string AdminCityDelete = nameof(AdminCityDelete);
        public const string AdminBodiesList = nameof(AdminBodiesList);
        public const string AdminBodyGet = nameof(AdminBodyGet);
        public const string AdminBodyPut = nameof(AdminBodyPut);
        public const string AdminBodyDelete = nameof(AdminBodyDelete);
        public const string AdminPlatformsList = nameof(AdminPlatformsList);
        public const string AdminPlatformGet = nameof(AdminPlatformGet);
        public const string AdminPlatformPut = nameof(AdminPlatformPut);
        public const string AdminPlatformDelete = nameof(AdminPlatformDelete);
        public const string AdminStationsList = nameof(AdminStationsList);
        public const string AdminStationGet = nameof(AdminStationGet);
        public const string AdminStationPut = nameof(AdminStationPut);
        public const string AdminStationDelete = nameof(AdminStationDelete);
        public const string AdminWitnessesList = nameof(AdminWitnessesList);
        public const string AdminWitnessGet = nameof(AdminWitnessGet);
        public const string AdminWitnessPut = nameof(AdminWitnessPut);
        public const string AdminWitnessDelete = nameof(AdminWitnessDelete);
        public const string AdminSubsidyPoliciesList = nameof(AdminSubsidyPoliciesList);
        public const string AdminSubsidyPolicyGet = nameof(AdminSubsidyPolicyGet);
        public const string AdminSubsidyPolicyPut = nameof(AdminSubsidyPolicyPut);
        public const string AdminSubsidyPolicyDelete = nameof(AdminSubsidyPolicyDelete);
        public const string AdminRegistryImport = nameof(AdminRegistryImport);
        public const string AdminStationsImport = nameof(AdminStationsImport);
    }

    public static partial class Routes
    {
        public const string AdminCities = "api/v1/admin/cities";
        public const string AdminCity = "api/v1/admin/cities/{id}";
        public const string AdminBodies = "api/v1/admin/cities/{id}/bodies";
        public const string AdminBody = "api/v1/admin/cities/{id}/bodies/{bodyId}";
        public const string AdminPlatforms = "api/v1/admin/platforms";
        public const string AdminPlatform = "api/v1/admin/platforms/{id}";
        public const string AdminStations = "api/v1/admin/stations";
        public const string AdminStation = "api/v1/admin/stations/{id}";
        public const string AdminWitnesses = "api/v1/admin/witnesses";
        public const string AdminWitness = "api/v1/admin/witnesses/{id}";
        public const string AdminSubsidyPolicies = "api/v1/admin/subsidy-policies";
        public const string AdminSubsidyPolicy = "api/v1/admin/subsidy-policies/{id}";
        public const string AdminRegistryImport = "api/v1/admin/registry/import";
        public const string AdminStationsImport = "api/v1/admin/stations/import";
    }

    public static partial class Tables
    {
        /// <summary>The registry: every tenant's entry, and the version row each host polls.</summary>
        public const string Registry = nameof(Registry);
    }
}
