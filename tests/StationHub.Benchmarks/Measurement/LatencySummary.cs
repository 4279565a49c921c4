using System.Globalization;

namespace StationHub.Benchmarks.Measurement;

/// <summary>Percentiles (nearest rank) of a set of latencies in milliseconds.</summary>
public sealed record LatencySummary(int Count, double P50, double P95, double P99, double Max)
{
    public static LatencySummary Empty { get; } = new(0, double.NaN, double.NaN, double.NaN, double.NaN);

    public static LatencySummary Of(IEnumerable<double> milliseconds)
    {
        var sorted = milliseconds.Order().ToArray();
        if (sorted.Length == 0)
        {
            return Empty;
        }

        return new LatencySummary(sorted.Length, Rank(sorted, 0.50), Rank(sorted, 0.95), Rank(sorted, 0.99), sorted[^1]);
    }

    /// <summary>"p50 … ms  p99 … ms  max … ms", or "no answers" when none came (never NaN).</summary>
    public string Describe() => Count == 0
        ? "no answers"
        : string.Create(CultureInfo.InvariantCulture, $"p50 {P50:0.0} ms  p99 {P99:0.0} ms  max {Max:0.0} ms");

    private static double Rank(double[] sorted, double quantile) =>
        sorted[Math.Clamp((int)Math.Ceiling(quantile * sorted.Length) - 1, 0, sorted.Length - 1)];
}
