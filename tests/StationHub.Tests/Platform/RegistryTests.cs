using StationHub.Platform.Registry;
using StationHub.Tests.Infrastructure;

namespace StationHub.Tests.Platform;

public sealed class RegistryTests
{
    private static readonly HubRegistry Sample = RegistryLoader.Load(Path.Combine(RepoPaths.Root, "functions", "registry.sample.json"));

    [Theory]
    [InlineData(30.25, 120.18, "330102", "hangzhou")]
    [InlineData(30.34, 120.15, "330105", "hangzhou")]
    [InlineData(30.25, 120.10, "330106", "hangzhou")]
    [InlineData(29.85, 121.50, "330203", "ningbo")]
    [InlineData(29.78, 121.60, "330212", "ningbo")]
    public void Resolves_a_location_to_its_district_and_city(double lat, double lon, string district, string city)
    {
        var found = Sample.LocateDistrict(lat, lon);

        Assert.NotNull(found);
        Assert.Equal(district, found.Value.District.Code);
        Assert.Equal(city, found.Value.City.Id);
    }

    [Theory]
    [InlineData(39.9, 116.4)]
    [InlineData(0, 0)]
    public void Finds_no_district_outside_every_area(double lat, double lon)
    {
        Assert.Null(Sample.LocateDistrict(lat, lon));
    }

    [Fact]
    public void The_sample_has_two_cities_of_each_delivery_format_and_eight_stations_on_the_map()
    {
        Assert.Equal(2, Sample.Cities.Count);
        Assert.Contains(Sample.Cities, c => c.Delivery.Format == CityDeliveryFormat.Webhook);
        Assert.Contains(Sample.Cities, c => c.Delivery.Format == CityDeliveryFormat.Open311);
        Assert.All(Sample.Cities, c => Assert.True(c.Districts.Count >= 3));
        Assert.Equal(8, Sample.Document.Stations.Count);
        Assert.Equal(2, Sample.Document.Platforms.Count);
        Assert.Equal(10, Sample.StationServices.Count(s => s.Kind == "basic"));
        Assert.All(Sample.Stations, s => Assert.Equal(s.District, Sample.LocateDistrict(s.Location!.Lat, s.Location.Lon)?.District.Code));
        Assert.Equal(3, Sample.Stations.Count(s => s.OpeningHours == "24/7"));
    }

    [Fact]
    public void Refuses_a_registry_whose_station_names_an_unknown_district()
    {
        var path = Path.GetTempFileName();
        File.WriteAllText(path, File.ReadAllText(Path.Combine(RepoPaths.Root, "functions", "registry.sample.json")).Replace("\"district\": \"330102\"", "\"district\": \"999999\"", StringComparison.Ordinal));

        var error = Assert.Throws<InvalidOperationException>(() => RegistryLoader.Load(path));
        Assert.Contains("999999", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"openingHours\": \"24/7\"", "\"openingHours\": \"Mo-Fr 08:00-18:00; PH off\"", "opening hours")]
    [InlineData("\"legal_advice\"]", "\"teleport\"]", "unknown service 'teleport'")]
    [InlineData("\"lat\": 30.2573", "\"lat\": 31.2573", "outside its district")]
    [InlineData("\"statusPlatform\": \"swiftride\" },\n    { \"id\": \"st-hz-02\"", "\"statusPlatform\": \"nobody\" },\n    { \"id\": \"st-hz-02\"", "unknown status platform")]
    public void Refuses_a_station_the_map_cannot_show(string from, string to, string named)
    {
        AssertRefused(from, to, named);
    }

    [Theory]
    [InlineData("\"subsidyPolicies\":", "\"subsidyPolicys\":", "section 'subsidyPolicys' is not one the hub knows")]
    [InlineData("\"subsidyPolicies\":", "\"subsidyPolicies\": 7, \"unused\":", "section 'subsidyPolicies' is not valid")]
    public void Refuses_a_flow_section_no_flow_owns_or_that_does_not_read(string from, string to, string named)
    {
        AssertRefused(from, to, named);
    }

    [Theory]
    [InlineData("\"categories\": [\"flooding\"]", "\"categories\": [\"teleport\"]", "body 'hz-water' names unknown category 'teleport'")]
    [InlineData("\"id\": \"hz-station-operator\"", "\"id\": \"hz-water\"", "city or body id 'hz-water' appears more than once")]
    [InlineData("\"id\": \"hz-water\"", "\"id\": \"hangzhou\"", "city or body id 'hangzhou' appears more than once")]
    [InlineData("\"categories\": [\"flooding\"]", "\"categories\": [\"flooding\", \"no_charger\"]", "category sent to a body of city 'hangzhou' 'no_charger' appears more than once")]
    [InlineData("\"slaHours\": 12 }", "\"slaHours\": 0 }", "category 'flooding' needs")]
    public void Refuses_a_registry_whose_bodies_or_categories_do_not_add_up(string from, string to, string named)
    {
        AssertRefused(from, to, named);
    }

    [Fact]
    public void The_sample_sends_flooding_and_worker_needs_to_their_bodies_and_keeps_the_rest_with_the_city()
    {
        var hangzhou = Sample.FindCity("hangzhou")!;

        Assert.Equal("hz-water", hangzhou.BodyFor("flooding")?.Id);
        Assert.Equal("hz-hr-bureau", hangzhou.BodyFor("unpaid_wages")?.Id);
        Assert.Equal("hz-station-operator", hangzhou.BodyFor("no_charger")?.Id);
        Assert.Null(hangzhou.BodyFor("blocked_fire_exit"));
        Assert.Equal("hangzhou", Sample.FindBody("hz-water")?.City.Id);
        Assert.Equal(5, Sample.HazardCategories.Count(c => c.IsWorkerNeed));
        Assert.Equal(12, Sample.FindCategory("flooding")!.SlaHours);
        Assert.Equal(HazardCategory.DefaultSlaHours, Sample.FindCategory("blocked_fire_exit")!.SlaHours);
    }

    /// <summary>The sample with <paramref name="from"/> replaced by <paramref name="to"/> is refused at load, naming <paramref name="named"/>.</summary>
    private static void AssertRefused(string from, string to, string named)
    {
        var sample = File.ReadAllText(Path.Combine(RepoPaths.Root, "functions", "registry.sample.json"));
        Assert.Contains(from, sample, StringComparison.Ordinal);
        var path = Path.GetTempFileName();
        File.WriteAllText(path, sample.Replace(from, to, StringComparison.Ordinal));

        var error = Assert.Throws<InvalidOperationException>(() => RegistryLoader.Load(path));
        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }
}
