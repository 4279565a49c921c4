using System.Diagnostics;
using System.Net;
using System.Text;
using StationHub.Ledger.Checkpoints;
using StationHub.Ledger.Integrity;

namespace StationHub.Tests.Ledger.Checkpoints;

/// <summary>
/// <c>StationHub.Cli witness</c> as a separate process, over HTTP as a log would call it: it refuses a
/// split view of the day (same tree, another day line) and bodies larger than a request can be.
/// </summary>
public sealed class CliWitnessTests : IAsyncLifetime
{
    private const string Origin = "stationhub.test/ledger";
    private readonly string statePath = Path.Combine(Path.GetTempPath(), $"cli-witness-test-{Guid.NewGuid():N}.json");
    private readonly NoteSigner log = NoteSigner.Parse(TestRegistry.LedgerSigningKey);
    private readonly byte[][] leaves = [.. Enumerable.Range(0, 12).Select(i => BitConverter.GetBytes(i * 7919))];
    private readonly HttpClient client = new() { Timeout = TimeSpan.FromSeconds(30) };
    private Process? witness;

    public async Task InitializeAsync()
    {
        var (privateKey, _) = NoteSigner.Generate("witness.test/cli", NoteKeys.CosignatureV1);
        var port = Loopback.FreePort();
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[]
        {
            Path.Combine(AppContext.BaseDirectory, "StationHub.Cli.dll"), "witness", "--key", privateKey,
            "--log", log.Verifier.VerifierKey, "--state", statePath, "--urls", $"http://127.0.0.1:{port}",
        })
        {
            start.ArgumentList.Add(argument);
        }

        witness = Process.Start(start)!;
        witness.OutputDataReceived += (_, _) => { };
        witness.ErrorDataReceived += (_, _) => { };
        witness.BeginOutputReadLine();
        witness.BeginErrorReadLine();
        await Loopback.WaitForPortAsync(witness, port, "The CLI witness", TimeSpan.FromSeconds(60));
        client.BaseAddress = new Uri($"http://127.0.0.1:{port}/");
    }

    public async Task DisposeAsync()
    {
        if (witness is { HasExited: false })
        {
            witness.Kill(entireProcessTree: true);
            await witness.WaitForExitAsync();
        }

        witness?.Dispose();
        client.Dispose();
        log.Dispose();
        File.Delete(statePath);
    }

    [Fact]
    public async Task The_same_tree_with_another_day_line_is_a_409_and_the_kept_checkpoint_stays()
    {
        var first = Sign(10, "day 2026-11-26 " + new string('a', 64));
        var accepted = await PostAsync(new AddCheckpointRequest(0, [], first).ToString());
        var again = await PostAsync(new AddCheckpointRequest(10, [], first).ToString());

        var splitView = await PostAsync(new AddCheckpointRequest(10, [], Sign(10, "day 2026-11-26 " + new string('b', 64))).ToString());
        var noDayLine = await PostAsync(new AddCheckpointRequest(10, [], Sign(10)).ToString());

        Assert.Equal(HttpStatusCode.OK, accepted.Status);
        Assert.Equal(HttpStatusCode.OK, again.Status);
        Assert.True(splitView.Status == HttpStatusCode.Conflict, $"{splitView.Status} {splitView.Body}");
        Assert.Contains("split view", splitView.Body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Conflict, noDayLine.Status);
        Assert.Equal(first, (await new WitnessStateFile(statePath).GetAsync(Origin))!.Checkpoint);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_body_over_the_cap_is_a_413_whether_it_says_its_length_or_not(bool withLength)
    {
        var padding = new string('A', 1024 * 1024);
        var body = Encoding.UTF8.GetBytes(new AddCheckpointRequest(0, [], Sign(10)) + "\n" + padding);
        var atTheCap = new byte[AddCheckpointRequest.MaxBodyBytes];
        Array.Fill(atTheCap, (byte)'A');

        var tooLarge = await PostAsync(body, withLength);
        var justAtTheCap = await PostAsync(atTheCap, withLength);
        var afterwards = await PostAsync(Encoding.UTF8.GetBytes(new AddCheckpointRequest(0, [], Sign(10)).ToString()), withLength);

        Assert.True(tooLarge.Status == HttpStatusCode.RequestEntityTooLarge, $"{tooLarge.Status} {tooLarge.Body}");
        Assert.Equal(HttpStatusCode.BadRequest, justAtTheCap.Status);
        Assert.Equal(HttpStatusCode.OK, afterwards.Status);
    }

    private Task<(HttpStatusCode Status, string Body)> PostAsync(string body) => PostAsync(Encoding.UTF8.GetBytes(body), withLength: true);

    private async Task<(HttpStatusCode Status, string Body)> PostAsync(byte[] body, bool withLength)
    {
        // Without a length the body goes chunked, as a stream of unknown size does.
        using HttpContent content = withLength ? new ByteArrayContent(body) : new StreamContent(new UnknownLengthStream(body));
        using var response = await client.PostAsync(new Uri("add-checkpoint", UriKind.Relative), content);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private string Sign(long size, string? extension = null) =>
        log.SignNote(new Checkpoint(Origin, size, new MerkleTree(leaves[..(int)size]).RootHash, extension is null ? [] : [extension]).Text).ToString();

    private sealed class UnknownLengthStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}
