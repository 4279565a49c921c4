using System.Text.Json;
using System.Text.Json.Serialization;

namespace StationHub.Platform.Registry;

/// <summary>A simple polygon of [lat, lon] vertices; containment by ray casting.</summary>
[JsonConverter(typeof(GeoPolygonJsonConverter))]
public sealed class GeoPolygon
{
    private readonly (double Lat, double Lon)[] vertices;

    public GeoPolygon(IEnumerable<(double Lat, double Lon)> vertices)
    {
        this.vertices = [.. vertices];
        if (this.vertices.Length < 3)
        {
            throw new ArgumentException("A polygon needs at least three vertices.", nameof(vertices));
        }
    }

    public IReadOnlyList<(double Lat, double Lon)> Vertices => vertices;

    public bool Contains(double lat, double lon)
    {
        var inside = false;
        for (int i = 0, j = vertices.Length - 1; i < vertices.Length; j = i++)
        {
            var (latI, lonI) = vertices[i];
            var (latJ, lonJ) = vertices[j];
            if ((latI > lat) != (latJ > lat)
                && lon < ((lonJ - lonI) * (lat - latI) / (latJ - latI)) + lonI)
            {
                inside = !inside;
            }
        }

        return inside;
    }
}

internal sealed class GeoPolygonJsonConverter : JsonConverter<GeoPolygon>
{
    public override GeoPolygon Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var points = new List<(double, double)>();
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException("A district area is an array of [lat, lon] pairs.");
        }

        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartArray)
            {
                throw new JsonException("A district area is an array of [lat, lon] pairs.");
            }

            reader.Read();
            var lat = reader.GetDouble();
            reader.Read();
            var lon = reader.GetDouble();
            if (!reader.Read() || reader.TokenType != JsonTokenType.EndArray)
            {
                throw new JsonException("Each vertex is exactly [lat, lon].");
            }

            points.Add((lat, lon));
        }

        return new GeoPolygon(points);
    }

    public override void Write(Utf8JsonWriter writer, GeoPolygon value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        foreach (var (lat, lon) in value.Vertices)
        {
            writer.WriteStartArray();
            writer.WriteNumberValue(lat);
            writer.WriteNumberValue(lon);
            writer.WriteEndArray();
        }

        writer.WriteEndArray();
    }
}
