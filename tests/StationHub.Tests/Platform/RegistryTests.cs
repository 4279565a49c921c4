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
        var path = Path.GetTempFileName();
        var sample = File.ReadAllText(Path.Combine(RepoPaths.Root, "functions", "registry.sample.json"));
        Assert.Contains(from, sample, StringComparison.Ordinal);
        File.WriteAllText(path, sample.Replace(from, to, StringComparison.Ordinal));

        var error = Assert.Throws<InvalidOperationException>(() => RegistryLoader.Load(path));
        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }
}
