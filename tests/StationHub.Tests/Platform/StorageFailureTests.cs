using System.Net;
using System.Net.Sockets;
using Azure.Core;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using StationHub.Platform.Http;
using StationHub.Platform.Storage;

namespace StationHub.Tests.Platform;

/// <summary>
/// What the storage client throws when storage does not answer is taken as storage out of reach (a
/// retry, a 503, a sync tried again), never as a defect: a background loop that let it escape would
/// stop the whole host (a 25/s soak lost its hub so when the emulator lagged).
/// </summary>
public sealed class StorageFailureTests
{
    [Fact]
    public async Task The_storage_clients_own_network_timeout_is_storage_out_of_reach()
    {
        // A listener that takes the connection and never answers: the client's network timeout fires.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        var options = new TableClientOptions();
        options.Retry.MaxRetries = 0;
        options.Retry.NetworkTimeout = TimeSpan.FromMilliseconds(300);
        options.Retry.Mode = RetryMode.Fixed;
        var table = new TableClient(
            new Uri($"http://127.0.0.1:{port}/devstoreaccount1/silent"),
            "silent",
            new TableSharedKeyCredential("devstoreaccount1", Convert.ToBase64String(new byte[64])),
            options);

        var failure = await Assert.ThrowsAnyAsync<Exception>(() => table.GetEntityIfExistsAsync<TableEntity>("p", "r"));

        Assert.True(HubStorage.IsUnreachable(failure), $"{failure.GetType().Name}: {failure.Message} (inner {failure.InnerException?.GetType().Name})");
    }

    [Fact]
    public async Task A_request_is_answered_503_at_its_deadline_even_while_its_work_is_slow_to_give_up()
    {
        // Work whose storage call does not give up when cancelled: the answer must not wait for it.
        var clock = new FakeTimeProvider();
        var deadline = new RequestDeadline(clock, NullLogger<RequestDeadline>.Instance);
        var stuck = new TaskCompletionSource<HubResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        var seen = CancellationToken.None;

        var answering = deadline.RunAsync(token =>
        {
            seen = token;
            return stuck.Task;
        });
        clock.Advance(RequestDeadline.Budget);
        var answer = await answering.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(503, answer.Status);
        Assert.True(seen.IsCancellationRequested);

        // The work ends later, failing as cancelled work does; nobody waits for it, and nothing is left over.
        stuck.SetException(new OperationCanceledException(seen));
    }
}
