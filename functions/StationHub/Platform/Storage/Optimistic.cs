using System.Security.Cryptography;

namespace StationHub.Platform.Storage;

/// <summary>
/// The hub's one way to change stored state under optimistic concurrency: an attempt reads what it
/// needs, decides, and writes conditionally (an ETag, or an insert that fails if the row exists);
/// when a concurrent writer got there first, the attempt says <see cref="Attempt{T}.Retry"/> and
/// runs again on fresh reads. Every flow uses the same budget: <see cref="MaxAttempts"/> attempts,
/// with a short jittered pause from the third on, so a hot row under many writers (a dozen clerks
/// scanning one parcel) settles instead of spinning. A budget spent is
/// <see cref="ConcurrencyExhaustedException"/>, which is transient: a request answers it with 503
/// and Retry-After, a queue function's message is tried again.
/// </summary>
public static class Optimistic
{
    /// <summary>How many attempts any optimistic write gets (documented in README).</summary>
    public const int MaxAttempts = 25;

    /// <summary>The longest pause between two attempts.</summary>
    public static readonly TimeSpan MaxPause = TimeSpan.FromMilliseconds(50);

    /// <summary>Runs <paramref name="attempt"/> until it finishes, at most <see cref="MaxAttempts"/> times.</summary>
    /// <param name="what">What is being written, for the exception's message (no personal data).</param>
    public static async Task<T> RetryAsync<T>(string what, Func<int, Task<Attempt<T>>> attempt, CancellationToken cancellationToken = default)
    {
        for (var number = 0; number < MaxAttempts; number++)
        {
            if (number >= 2)
            {
                await Task.Delay(Pause(number), cancellationToken);
            }

            var outcome = await attempt(number);
            if (outcome.IsDone)
            {
                return outcome.Value;
            }
        }

        throw new ConcurrencyExhaustedException(what, MaxAttempts);
    }

    /// <summary>Up to 2 ms × the attempt's number, capped at <see cref="MaxPause"/>, drawn at random so competing writers spread out.</summary>
    private static TimeSpan Pause(int number) =>
        TimeSpan.FromMilliseconds(RandomNumberGenerator.GetInt32(1, Math.Min(2 * number, (int)MaxPause.TotalMilliseconds) + 1));
}

/// <summary>What one optimistic attempt came to: done with a value, or lost to a concurrent writer.</summary>
public readonly record struct Attempt<T>
{
    private Attempt(bool isDone, T value)
    {
        IsDone = isDone;
        Value = value;
    }

    public bool IsDone { get; }

    public T Value { get; }

    /// <summary>A concurrent writer won: read again and try again.</summary>
    public static Attempt<T> Retry => default;

    public static Attempt<T> Done(T value) => new(true, value);
}

/// <summary>An optimistic write lost to concurrent writers on every attempt of its budget: transient.</summary>
public sealed class ConcurrencyExhaustedException(string what, int attempts)
    : Exception($"{what} kept changing under {attempts} attempts.");
