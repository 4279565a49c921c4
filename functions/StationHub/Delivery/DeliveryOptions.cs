using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Microsoft.Extensions.Options;

namespace StationHub.Delivery;

/// <summary>Outbound delivery settings (section <c>Delivery</c>).</summary>
public sealed class DeliveryOptions
{
    public const string Section = "Delivery";

    /// <summary>Standard Webhooks' schedule: after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h.</summary>
    public const string DefaultRetrySchedule = "00:00:05,00:05:00,00:30:00,02:00:00,05:00:00,10:00:00,10:00:00";

    /// <summary>
    /// Delays before each retry, comma-separated <c>hh:mm:ss</c>; the first try plus one per
    /// entry, then the delivery is dead-lettered. Each delay is jittered by ±<see cref="JitterPercent"/>.
    /// </summary>
    [Required]
    [RegularExpression(@"^\s*\d{1,2}:\d{2}:\d{2}(\.\d+)?\s*(,\s*\d{1,2}:\d{2}:\d{2}(\.\d+)?\s*)*$", ErrorMessage = "Delivery:RetrySchedule must be comma-separated hh:mm:ss delays.")]
    public string RetrySchedule { get; set; } = DefaultRetrySchedule;

    /// <summary>How long one outbound call may take (default 15 s).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Random spread of each retry delay, in percent (default 20).</summary>
    [Range(0, 50)]
    public int JitterPercent { get; set; } = 20;

    /// <summary>The longest <c>Retry-After</c> honoured (default 1 h); longer ones are capped.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// A destination that has failed without a success for this long is disabled and the
    /// administrators are told (default 5 days); its deliveries wait until it is resumed.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "90.00:00:00")]
    public TimeSpan DisableAfter { get; set; } = TimeSpan.FromDays(5);

    /// <summary>
    /// How long a delivery waits in its function for a throttled destination's slot (default 10 s)
    /// before it is queued again for later.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan ThrottleMaxWait { get; set; } = TimeSpan.FromSeconds(10);

    public IReadOnlyList<TimeSpan> RetryDelays() =>
        [.. RetrySchedule.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(part => TimeSpan.Parse(part, CultureInfo.InvariantCulture))];
}

/// <summary>Checks <see cref="DeliveryOptions"/>'s data annotations with code generated at compile time (<see cref="Platform.ValidatedOptions"/>).</summary>
[OptionsValidator]
public sealed partial class DeliveryOptionsValidator : IValidateOptions<DeliveryOptions>;
