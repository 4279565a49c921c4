using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.IO.Compression;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace StationHub.Tests.Stations;

/// <summary>
/// A tile server on a loopback port: answers every path with a 256 × 256 PNG that looks like a street
/// map (pale land, a grid of white streets, a few wider yellow roads, a river), different per tile, and
/// records the paths it was asked for. The tests and the screenshots never fetch real tiles.
/// </summary>
public sealed class TileStub : IAsyncDisposable
{
    private const int Size = 256;
    private readonly WebApplication app;
    private readonly ConcurrentQueue<string> paths = new();

    private TileStub(WebApplication app) => this.app = app;

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>The XYZ template to configure: <c>http://127.0.0.1:port/tiles/{z}/{x}/{y}.png</c>.</summary>
    public string Template => BaseAddress + "tiles/{z}/{x}/{y}.png";

    /// <summary>The origin, as a CSP source: <c>http://127.0.0.1:port</c>.</summary>
    public string Origin => BaseAddress.GetLeftPart(UriPartial.Authority);

    public IReadOnlyList<string> Paths => [.. paths];

    public static async Task<TileStub> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var stub = new TileStub(app);
        app.Run(async context =>
        {
            stub.paths.Enqueue(context.Request.Path.Value ?? string.Empty);
            var parts = (context.Request.Path.Value ?? string.Empty).Split('/', StringSplitOptions.RemoveEmptyEntries);
            var seed = parts.Length >= 4 && int.TryParse(parts[2], out var x) && int.TryParse(Path.GetFileNameWithoutExtension(parts[3]), out var y) ? (x * 7919) + (y * 104729) : 1;
            context.Response.ContentType = "image/png";
            context.Response.Headers.CacheControl = "no-store";
            await context.Response.Body.WriteAsync(Tile(seed));
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        stub.BaseAddress = new Uri(address + "/");
        return stub;
    }

    /// <summary>A street-like tile, drawn from the seed.</summary>
    public static byte[] Tile(int seed)
    {
        var random = new Random(seed);
        var pixels = new byte[Size * Size * 3];
        void Fill(int x0, int y0, int x1, int y1, (byte R, byte G, byte B) color)
        {
            for (var y = Math.Max(0, y0); y < Math.Min(Size, y1); y++)
            {
                for (var x = Math.Max(0, x0); x < Math.Min(Size, x1); x++)
                {
                    var i = ((y * Size) + x) * 3;
                    (pixels[i], pixels[i + 1], pixels[i + 2]) = color;
                }
            }
        }

        Fill(0, 0, Size, Size, (0xf2, 0xef, 0xe9));
        for (var block = 0; block < 6; block++)
        {
            var x = random.Next(Size);
            var y = random.Next(Size);
            Fill(x, y, x + random.Next(20, 60), y + random.Next(20, 60), random.Next(3) == 0 ? ((byte)0xc8, (byte)0xe6, (byte)0xc0) : ((byte)0xe0, (byte)0xdb, (byte)0xd3));
        }

        if (random.Next(3) == 0)
        {
            var riverY = random.Next(40, 200);
            Fill(0, riverY, Size, riverY + 18, (0xaa, 0xd3, 0xdf));
        }

        for (var street = 16 + random.Next(24); street < Size; street += 36 + random.Next(30))
        {
            Fill(street - 3, 0, street + 3, Size, (0xc8, 0xc2, 0xba));
            Fill(street - 2, 0, street + 2, Size, (0xff, 0xff, 0xff));
            Fill(0, street - 3, Size, street + 3, (0xc8, 0xc2, 0xba));
            Fill(0, street - 2, Size, street + 2, (0xff, 0xff, 0xff));
        }

        var road = random.Next(30, 220);
        Fill(road - 5, 0, road + 5, Size, (0xd6, 0xa9, 0x4a));
        Fill(road - 4, 0, road + 4, Size, (0xf9, 0xd7, 0x7e));
        return Png(pixels);
    }

    /// <summary>An 8-bit RGB PNG (RFC 2083): signature, IHDR, one zlib IDAT with filter 0 rows, IEND.</summary>
    private static byte[] Png(byte[] rgb)
    {
        using var raw = new MemoryStream();
        using (var zlib = new ZLibStream(raw, CompressionLevel.Fastest, leaveOpen: true))
        {
            for (var y = 0; y < Size; y++)
            {
                zlib.WriteByte(0);
                zlib.Write(rgb, y * Size * 3, Size * 3);
            }
        }

        using var png = new MemoryStream();
        png.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, Size);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), Size);
        header[8] = 8; // bit depth
        header[9] = 2; // truecolour
        Chunk(png, "IHDR", header);
        Chunk(png, "IDAT", raw.ToArray());
        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    private static void Chunk(Stream png, string type, byte[] data)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        png.Write(length);
        var typed = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        png.Write(typed);
        Span<byte> crc = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, System.IO.Hashing.Crc32.HashToUInt32(typed));
        png.Write(crc);
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
