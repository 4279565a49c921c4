using System.Text;
using Azure.Data.Tables;
using StationHub.Platform.Http;

namespace StationHub.Platform.Storage;

/// <summary>An answer kept under an <c>Idempotency-Key</c>: what it was about, and its exact status and bytes.</summary>
public sealed record KeyedAnswer(string Subject, int Status, string? ContentType, string Body)
{
    public static KeyedAnswer Of(string subject, HubResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        return new(subject, response.Status, response.ContentType, Encoding.UTF8.GetString(response.Body.Span));
    }

    internal static KeyedAnswer From(TableEntity row) =>
        new(row.GetString("Subject") ?? string.Empty, row.GetInt32("Status") ?? 500, row.GetString("ContentType"), row.GetString("Body") ?? string.Empty);
}

/// <summary>
/// Answers kept under <see cref="IdempotencyKey"/> digests, in the flow's own table: partition
/// <c>key~{scope}</c> (the caller), row = the key's digest; the first answer kept wins.
/// </summary>
public static class KeyedAnswers
{
    public static string Partition(string scope) => "key~" + scope;

    /// <summary>The answer kept under the key, or null.</summary>
    public static async Task<KeyedAnswer?> FindKeyedAnswerAsync(this TableClient table, string scope, string keyDigest, CancellationToken cancellationToken = default)
    {
        var row = await table.FindAsync<TableEntity>(Partition(scope), keyDigest, cancellationToken);
        return row is null ? null : KeyedAnswer.From(row);
    }

    /// <summary>Keeps the first answer under the key; returns the one kept (this one, or an earlier one).</summary>
    public static async Task<KeyedAnswer> KeepKeyedAnswerAsync(this TableClient table, string scope, string keyDigest, KeyedAnswer answer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(answer);
        var row = new TableEntity(Partition(scope), keyDigest)
        {
            ["Subject"] = answer.Subject,
            ["Status"] = answer.Status,
            ["ContentType"] = answer.ContentType,
            ["Body"] = answer.Body,
        };
        if (await table.TryAddAsync(row, cancellationToken))
        {
            return answer;
        }

        return await table.FindKeyedAnswerAsync(scope, keyDigest, cancellationToken) ?? answer;
    }
}
