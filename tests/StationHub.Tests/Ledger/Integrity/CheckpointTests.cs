using StationHub.Ledger.Integrity;

namespace StationHub.Tests.Ledger.Integrity;

/// <summary>
/// C2SP tlog-checkpoint note text and the tlog-witness add-checkpoint body, against the examples
/// of the specs themselves (c2sp.org/tlog-checkpoint, c2sp.org/tlog-witness).
/// </summary>
public sealed class CheckpointTests
{
    // The example checkpoint of c2sp.org/tlog-checkpoint and tlog-witness.
    private const string SpecCheckpoint = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";

    [Fact]
    public void The_spec_checkpoint_parses_and_formats_back()
    {
        var checkpoint = Checkpoint.Parse(SpecCheckpoint);

        Assert.Equal("example.com/behind-the-sofa", checkpoint.Origin);
        Assert.Equal(20852163, checkpoint.Size);
        Assert.Equal(32, checkpoint.Root.Length);
        Assert.Empty(checkpoint.Extensions);
        Assert.Equal(SpecCheckpoint, checkpoint.Text);
    }

    [Fact]
    public void The_sealed_day_rides_in_an_extension_line()
    {
        var checkpoint = new Checkpoint("stationhub.example/ledger", 42, new byte[32], [Checkpoint.DayExtension("2026-11-22", "ab12")]);

        var read = Checkpoint.Parse(checkpoint.Text);

        Assert.EndsWith("\nday 2026-11-22 ab12\n", checkpoint.Text, StringComparison.Ordinal);
        Assert.Equal("2026-11-22", read.Day);
        Assert.Equal("ab12", read.DayHash);
        Assert.Equal(checkpoint.Text, read.Text);
    }

    [Theory]
    [InlineData("example.com/log\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=")] // no final newline
    [InlineData("example.com/log\n020852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n")] // leading zero
    [InlineData("example.com/log\n-1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n")]
    [InlineData("example.com/log\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2=\n")] // 31 bytes
    [InlineData("example.com/log\n5\n")]
    [InlineData("example.com/log\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n")] // empty extension line
    [InlineData("\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n")]
    public void Malformed_checkpoints_are_refused(string text) =>
        Assert.Throws<FormatException>(() => Checkpoint.Parse(text));

    [Fact]
    public void The_spec_add_checkpoint_body_parses_and_formats_back()
    {
        // The example request of c2sp.org/tlog-witness.
        const string Body = "old 20852014\n"
            + "PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\n"
            + "jrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=\n"
            + "5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=\n"
            + "/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=\n"
            + "\n"
            + SpecCheckpoint
            + "\n"
            + "— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n";

        var request = AddCheckpointRequest.Parse(Body);

        Assert.Equal(20852014, request.OldSize);
        Assert.Equal(4, request.Proof.Count);
        var note = SignedNote.Parse(request.Checkpoint);
        Assert.Equal(SpecCheckpoint, note.Text);
        Assert.Equal("example.com/behind-the-sofa", note.Signatures[0].Name);
        Assert.Equal(Body, request.ToString());
    }

    [Fact]
    public void An_add_checkpoint_body_from_an_empty_start_has_no_proof_lines()
    {
        var request = new AddCheckpointRequest(0, [], SpecCheckpoint + "\n— a AAAAAAA=\n");

        Assert.StartsWith("old 0\n\nexample.com", request.ToString(), StringComparison.Ordinal);
        Assert.Empty(AddCheckpointRequest.Parse(request.ToString()).Proof);
    }

    [Theory]
    [InlineData("old 01\n\n" + SpecCheckpoint)]
    [InlineData("old x\n\n" + SpecCheckpoint)]
    [InlineData("new 1\n\n" + SpecCheckpoint)]
    [InlineData("old 1\nnot-base64!\n\n" + SpecCheckpoint)]
    [InlineData("old 1\nAAAA\n\n" + SpecCheckpoint)]
    [InlineData("old 1\n" + SpecCheckpoint)]
    public void Malformed_add_checkpoint_bodies_are_refused(string body) =>
        Assert.Throws<FormatException>(() => AddCheckpointRequest.Parse(body));
}
