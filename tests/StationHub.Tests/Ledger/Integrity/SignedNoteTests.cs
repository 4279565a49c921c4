using System.Diagnostics;
using System.Text;
using StationHub.Ledger.Integrity;

namespace StationHub.Tests.Ledger.Integrity;

/// <summary>
/// C2SP signed notes (https://c2sp.org/signed-note) against the test vectors of the Go reference
/// implementation, golang.org/x/mod/sumdb/note (note_test.go: TestNewVerifier, TestNewSigner,
/// TestSign, TestOpen), and our Ed25519 signatures against another implementation (Node.js crypto).
/// </summary>
public sealed class SignedNoteTests
{
    // golang.org/x/mod/sumdb/note note_test.go.
    private const string PeterVerifierKey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    private const string PeterPrivateKey = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    private const string EnochVerifierKey = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
    private const string Text = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
    private const string PeterLine = "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
    private const string EnochLine = "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

    [Fact]
    public void The_go_verifier_key_parses_to_its_name_and_key_id()
    {
        var verifier = NoteVerifier.Parse(PeterVerifierKey);

        Assert.Equal("PeterNeumann", verifier.Name);
        Assert.Equal(0xc74f20a3u, verifier.KeyId);
        Assert.Equal(NoteKeys.Ed25519, verifier.Type);
        Assert.Equal(PeterVerifierKey, verifier.VerifierKey);
    }

    [Fact]
    public void The_go_private_key_signs_the_go_text_to_the_go_signature_line()
    {
        using var signer = NoteSigner.Parse(PeterPrivateKey);

        var note = signer.SignNote(Text);

        Assert.Equal(PeterVerifierKey, signer.Verifier.VerifierKey);
        Assert.Equal(PeterLine, note.Signatures[0].Line);
        Assert.Equal(Text + "\n" + PeterLine, note.ToString());
    }

    [Fact]
    public void A_note_with_both_go_signatures_opens_with_either_key_and_ignores_the_other()
    {
        var note = SignedNote.Parse(Text + "\n" + PeterLine + EnochLine);

        Assert.Equal(Text, note.Text);
        Assert.Equal(2, note.Signatures.Count);
        Assert.Equal("PeterNeumann", NoteVerifier.Parse(PeterVerifierKey).FindIn(note)?.Name);
        Assert.Equal("EnochRoot", NoteVerifier.Parse(EnochVerifierKey).FindIn(note)?.Name);
        Assert.Equal(Text + "\n" + PeterLine + EnochLine, note.ToString());
    }

    [Fact]
    public void A_changed_text_or_signature_or_key_does_not_verify()
    {
        var peter = NoteVerifier.Parse(PeterVerifierKey);
        var signature = SignedNote.ParseLine(PeterLine.TrimEnd('\n'));

        Assert.True(peter.Verifies(Text, signature));
        Assert.False(peter.Verifies(Text.Replace("problem", "Problem", StringComparison.Ordinal), signature));
        var bad = (byte[])signature.Signature.Clone();
        bad[10] ^= 1;
        Assert.False(peter.Verifies(Text, signature with { Signature = bad }));
        Assert.False(peter.Verifies(Text, signature with { KeyId = 0xaf0cfe78 }));
        Assert.False(peter.Verifies(Text, signature with { Name = "EnochRoot" }));
        Assert.False(NoteVerifier.Parse(EnochVerifierKey).Verifies(Text, signature));
    }

    [Theory]
    [InlineData("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")] // key ID off by one
    [InlineData("PeterNeumann+c74f20a3+AhpcA2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")] // unknown type
    [InlineData("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10")] // short key
    [InlineData("Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")] // space in the name
    [InlineData("PeterNeumann+c74f20a3")]
    [InlineData("")]
    public void Malformed_verifier_keys_are_refused(string verifierKey) =>
        Assert.Throws<FormatException>(() => NoteVerifier.Parse(verifierKey));

    [Theory]
    [InlineData("no blank line\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n")]
    [InlineData("text\n\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=")] // no final newline
    [InlineData("text\n\n- PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n")] // hyphen, not em dash
    [InlineData("text\n\n— PeterNeumann not*base64\n")]
    [InlineData("text\n\n— PeterNeumann AAAA\n")] // shorter than a key ID
    [InlineData("text\n\n")]
    [InlineData("te\u0001xt\n\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n")]
    public void Malformed_notes_are_refused(string note) =>
        Assert.Throws<FormatException>(() => SignedNote.Parse(note));

    [Fact]
    public void A_generated_key_round_trips_and_its_signatures_verify_in_nodejs()
    {
        var (privateKey, verifierKey) = NoteSigner.Generate("ledger.example/stationhub");
        using var signer = NoteSigner.Parse(privateKey);
        var text = "ledger.example/stationhub\n3\n" + Convert.ToBase64String(new byte[32]) + "\nday 2026-11-22 abc\n";

        var signature = signer.Sign(text);

        Assert.Equal(verifierKey, signer.Verifier.VerifierKey);
        Assert.True(NoteVerifier.Parse(verifierKey).Verifies(text, signature));
        Assert.True(NodeVerifies(signer.Verifier.PublicKey, Encoding.UTF8.GetBytes(text), signature.Signature));
        Assert.False(NodeVerifies(signer.Verifier.PublicKey, Encoding.UTF8.GetBytes(text + "x"), signature.Signature));
    }

    [Fact]
    public void The_go_signature_verifies_in_nodejs_too()
    {
        var signature = SignedNote.ParseLine(PeterLine.TrimEnd('\n'));

        Assert.True(NodeVerifies(NoteVerifier.Parse(PeterVerifierKey).PublicKey, Encoding.UTF8.GetBytes(Text), signature.Signature));
    }

    [Fact]
    public void A_cosignature_carries_its_time_and_signs_the_cosignature_v1_message_as_nodejs_checks_it()
    {
        var (privateKey, verifierKey) = NoteSigner.Generate("witness.example/w1", NoteKeys.CosignatureV1);
        using var witness = NoteSigner.Parse(privateKey);
        var checkpoint = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";

        var cosignature = witness.Cosign(checkpoint, 1679315147);

        Assert.StartsWith("witness.example/w1+", verifierKey, StringComparison.Ordinal);
        Assert.Equal(NoteKeys.CosignatureV1, Convert.FromBase64String(verifierKey.Split('+', 3)[2])[0]);
        Assert.Equal(72, cosignature.Signature.Length);
        Assert.True(NoteVerifier.Parse(verifierKey).Check(checkpoint, cosignature, out var time));
        Assert.Equal(1679315147, time);
        var message = "cosignature/v1\ntime 1679315147\n" + checkpoint;
        Assert.Equal(Encoding.UTF8.GetBytes(message), Cosignature.Message(checkpoint, 1679315147));
        Assert.True(NodeVerifies(witness.Verifier.PublicKey, Encoding.UTF8.GetBytes(message), cosignature.Signature[8..]));
        var later = (byte[])cosignature.Signature.Clone();
        later[7] ^= 1;
        Assert.False(NoteVerifier.Parse(verifierKey).Verifies(checkpoint, cosignature with { Signature = later }));
        Assert.Throws<InvalidOperationException>(() => witness.Sign(checkpoint));
    }

    [Fact]
    public void A_note_key_and_a_cosignature_key_of_one_name_and_key_have_different_ids()
    {
        var publicKey = NoteVerifier.Parse(PeterVerifierKey).PublicKey;

        Assert.NotEqual(NoteKeys.KeyId("PeterNeumann", NoteKeys.Ed25519, publicKey), NoteKeys.KeyId("PeterNeumann", NoteKeys.CosignatureV1, publicKey));
        Assert.Equal(0xc74f20a3u, NoteKeys.KeyId("PeterNeumann", NoteKeys.Ed25519, publicKey));
    }

    // Node.js's own Ed25519 (OpenSSL), given the raw key as SPKI DER: the fixed 12-byte header of
    // an Ed25519 SubjectPublicKeyInfo (RFC 8410) followed by the 32 key bytes.
    private static bool NodeVerifies(byte[] publicKey, byte[] message, byte[] signature)
    {
        const string Script = """
            const crypto = require('crypto');
            const [pub, msg, sig] = process.argv.slice(1).map(h => Buffer.from(h, 'hex'));
            const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), pub]);
            const key = crypto.createPublicKey({ key: spki, format: 'der', type: 'spki' });
            process.stdout.write(crypto.verify(null, msg, key, sig) ? 'true' : 'false');
            """;
        var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "-e", Script, Convert.ToHexString(publicKey), Convert.ToHexString(message), Convert.ToHexString(signature) })
        {
            start.ArgumentList.Add(argument);
        }

        using var node = Process.Start(start)!;
        var output = node.StandardOutput.ReadToEnd();
        var error = node.StandardError.ReadToEnd();
        node.WaitForExit();
        Assert.True(node.ExitCode == 0, error);
        return output == "true";
    }
}
