using System.Globalization;
using System.Text;

namespace StationHub.Testing;

/// <summary>
/// GeoJSON FeatureCollections of stations for <c>POST /api/v1/admin/stations/import</c>, in the sample
/// registry's station shape, on a grid inside one square district (the tests' and the benchmark's).
/// </summary>
public static class StationCollections
{
    /// <summary>A city with one square district (Lucheng, Wenzhou: 27.98–28.06 N, 120.60–120.72 E) to import stations into.</summary>
    public const string DistrictCode = "330302";

    public static string City(string endpoint) => $$"""
        { "name": "Wenzhou", "delivery": { "format": "webhook", "endpoint": "{{endpoint}}" },
          "districts": [ { "code": "{{DistrictCode}}", "name": "Lucheng", "area": [[27.98, 120.60], [28.06, 120.60], [28.06, 120.72], [27.98, 120.72]] } ] }
        """;

    /// <summary>The id of the <paramref name="i"/>th station of a collection.</summary>
    public static string Id(string prefix, int i) => prefix + "-" + i.ToString("D5", CultureInfo.InvariantCulture);

    /// <summary>Where the <paramref name="i"/>th station stands: a grid of 100 columns, well inside the district.</summary>
    public static (double Lat, double Lon) Position(int i) => (27.985 + (i / 100) * 0.0005, 120.605 + (i % 100) * 0.0011);

    /// <summary>
    /// <paramref name="count"/> stations with all eleven services and an address, as the sample's are;
    /// each id once in the feature's <c>id</c>, every other one in <c>properties.id</c> instead.
    /// </summary>
    public static string Build(string prefix, int count)
    {
        var json = new StringBuilder("{\"type\":\"FeatureCollection\",\"features\":[");
        for (var i = 0; i < count; i++)
        {
            var (lat, lon) = Position(i);
            var id = Id(prefix, i);
            json.Append(i == 0 ? string.Empty : ",")
                .Append("{\"type\":\"Feature\",")
                .Append(i % 2 == 0 ? $"\"id\":\"{id}\"," : string.Empty)
                .Append(CultureInfo.InvariantCulture, $"\"geometry\":{{\"type\":\"Point\",\"coordinates\":[{lon:0.000000},{lat:0.000000}]}},")
                .Append("\"properties\":{")
                .Append(i % 2 == 1 ? $"\"id\":\"{id}\"," : string.Empty)
                .Append(CultureInfo.InvariantCulture, $"\"name\":\"Rider Station {i}\",\"district\":\"{DistrictCode}\",\"address\":\"{i} Wuma Street, Lucheng, Wenzhou\",\"openingHours\":\"Mo-Su 07:00-23:00\",")
                .Append("\"services\":[\"drinking_water\",\"meal_heating\",\"ebike_charging\",\"phone_charging\",\"rest_seats\",\"toilet\",\"first_aid_kit\",\"heating_cooling\",\"repair_tools\",\"wifi\",\"legal_advice\"]}}");
        }

        return json.Append("]}").ToString();
    }
}
