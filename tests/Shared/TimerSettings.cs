using StationHub.Triggers;

namespace StationHub.Tests.Infrastructure;

/// <summary>The app settings that turn a hub's timer functions off (<c>AzureWebJobs.{name}.Disabled</c>), on either host.</summary>
public static class TimerSettings
{
    /// <summary>
    /// Every timer function of the trigger table off: none fires on the wall clock's schedule. A test or
    /// benchmark runs a timer itself when it wants one (run-now, or the row's <c>RunAsync</c>).
    /// </summary>
    public static void AllOff(IDictionary<string, string?> settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        foreach (var timer in HubTriggers.Timer)
        {
            settings[timer.DisabledSetting] = "true";
        }
    }
}
