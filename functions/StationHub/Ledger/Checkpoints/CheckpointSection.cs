using System.Globalization;
using System.Net;
using System.Text;
using StationHub.Ledger.Integrity;
using StationHub.Platform.Registry;

namespace StationHub.Ledger.Checkpoints;

/// <summary>
/// The ledger page's "latest checkpoint" section: the signed tree head as served, and who cosigned
/// it — each cosignature checked here against the witness keys the registry names, with its time.
/// </summary>
public sealed class CheckpointSection(LedgerCheckpoints checkpoints, HubRegistry registry)
{
    public async Task<string> RenderAsync(CancellationToken cancellationToken = default)
    {
        var html = new StringBuilder("<h2>Latest checkpoint</h2>");
        if (await checkpoints.LatestAsync(cancellationToken) is not { } latest)
        {
            return html.Append("<p>No day is in the tree yet.</p>").ToString();
        }

        var served = await checkpoints.WithCosignaturesAsync(latest, cancellationToken);
        var note = SignedNote.Parse(served);
        html.Append(CultureInfo.InvariantCulture, $"<p>After {Enc(latest.RowKey)} the tree over all sealed days has <strong>{latest.TreeSize}</strong> figures. The hub signs this checkpoint (C2SP signed note, Ed25519; key at <code>/api/v1/ledger/key</code>); witnesses cosign it only after checking that it extends the last one they saw, so the hub cannot show two different ledgers.</p>");
        html.Append("<div class=\"scroll\"><pre><code>").Append(Enc(served)).Append("</code></pre></div>");
        html.Append("<table><thead><tr><th>Cosigner</th><th>Cosigned at (UTC)</th><th>Checked</th></tr></thead><tbody>");
        var rows = 0;
        foreach (var witness in registry.Witnesses)
        {
            var verifier = NoteVerifier.Parse(witness.VerifierKey);
            foreach (var signature in note.Signatures.Where(s => s.Name == verifier.Name))
            {
                var ok = verifier.Check(note.Text, signature, out var time);
                html.Append(CultureInfo.InvariantCulture, $"<tr><td>{Enc(verifier.Name)}</td><td>{(ok ? Enc(DateTimeOffset.FromUnixTimeSeconds(time).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)) : "–")}</td><td>{(ok ? "signature valid" : "does not verify")}</td></tr>");
                rows++;
            }
        }

        if (rows == 0)
        {
            html.Append("<tr><td colspan=\"3\">No witness has cosigned this checkpoint yet.</td></tr>");
        }

        return html.Append("</tbody></table>").ToString();
    }

    private static string Enc(string text) => WebUtility.HtmlEncode(text);
}
