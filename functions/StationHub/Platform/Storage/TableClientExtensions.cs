using Azure;
using Azure.Data.Tables;

namespace StationHub.Platform.Storage;

/// <summary>The three table operations the flows build on: read one, add once, replace if unchanged.</summary>
public static class TableClientExtensions
{
    /// <summary>
    /// The entity, or null when there is none (one point read). A table that does not exist is not
    /// "no entity": it throws (404 TableNotFound), which a request answers with 503.
    /// </summary>
    public static async Task<T?> FindAsync<T>(this TableClient table, string partitionKey, string rowKey, CancellationToken cancellationToken = default)
        where T : class, ITableEntity
    {
        var response = await table.GetEntityIfExistsAsync<T>(partitionKey, rowKey, cancellationToken: cancellationToken);
        if (response.HasValue)
        {
            return response.Value;
        }

        var raw = response.GetRawResponse();
        if (raw.Headers.TryGetValue("x-ms-error-code", out var code) && code == "TableNotFound")
        {
            throw new RequestFailedException(raw.Status, $"The table {table.Name} does not exist.", code, null);
        }

        return null;
    }

    /// <summary>Adds the entity; false when one with its keys exists. Sets its ETag on success.</summary>
    public static async Task<bool> TryAddAsync<T>(this TableClient table, T entity, CancellationToken cancellationToken = default)
        where T : ITableEntity
    {
        try
        {
            var response = await table.AddEntityAsync(entity, cancellationToken);
            entity.ETag = response.Headers.ETag ?? default;
            return true;
        }
        catch (RequestFailedException exception) when (HubStorage.IsConflict(exception))
        {
            return false;
        }
    }

    /// <summary>Replaces the entity if nobody changed it since it was read (its ETag); false if somebody did.</summary>
    public static async Task<bool> TryReplaceAsync<T>(this TableClient table, T entity, CancellationToken cancellationToken = default)
        where T : ITableEntity
    {
        try
        {
            var response = await table.UpdateEntityAsync(entity, entity.ETag, TableUpdateMode.Replace, cancellationToken);
            entity.ETag = response.Headers.ETag ?? default;
            return true;
        }
        catch (RequestFailedException exception) when (HubStorage.IsPreconditionFailed(exception))
        {
            return false;
        }
    }

    /// <summary>
    /// Submits an entity-group transaction (one partition, at most 100 actions): all or nothing.
    /// <see cref="TransactionResult.Conflict"/> when an added entity exists (409),
    /// <see cref="TransactionResult.Changed"/> when an entity changed since it was read (412).
    /// </summary>
    public static async Task<TransactionResult> TrySubmitAsync(this TableClient table, IEnumerable<TableTransactionAction> actions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(table);
        try
        {
            await table.SubmitTransactionAsync(actions, cancellationToken);
            return TransactionResult.Committed;
        }
        catch (TableTransactionFailedException exception) when (HubStorage.IsConflict(exception))
        {
            return TransactionResult.Conflict;
        }
        catch (TableTransactionFailedException exception) when (HubStorage.IsPreconditionFailed(exception))
        {
            return TransactionResult.Changed;
        }
    }
}

/// <summary>What became of an entity-group transaction.</summary>
public enum TransactionResult
{
    Committed,

    /// <summary>An entity it adds already exists (409).</summary>
    Conflict,

    /// <summary>An entity it replaces changed since it was read (412).</summary>
    Changed,
}
