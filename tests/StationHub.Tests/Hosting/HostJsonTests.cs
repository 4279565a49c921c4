using StationHub.LocalHost.Hosting;
using StationHub.Tests.Infrastructure;

namespace StationHub.Tests.Hosting;

public sealed class HostJsonTests
{
    [Fact]
    public void Reads_the_queue_settings_of_the_repository_host_json()
    {
        var settings = HostJson.ReadQueueSettings(RepoPaths.HostJson);

        Assert.Equal(TimeSpan.FromMinutes(1), settings.MaxPollingInterval);
        Assert.Equal(TimeSpan.FromSeconds(5), settings.VisibilityTimeout);
        Assert.Equal(16, settings.BatchSize);
        Assert.Equal(8, settings.NewBatchThreshold);
        Assert.Equal(5, settings.MaxDequeueCount);
    }

    [Fact]
    public void Uses_the_Functions_defaults_for_what_host_json_leaves_out()
    {
        var path = Path.GetTempFileName();
        File.WriteAllText(path, """{ "version": "2.0", "extensions": { "queues": { "batchSize": 4 } } }""");

        var settings = HostJson.ReadQueueSettings(path);

        Assert.Equal(TimeSpan.FromMinutes(1), settings.MaxPollingInterval);
        Assert.Equal(TimeSpan.Zero, settings.VisibilityTimeout);
        Assert.Equal(4, settings.BatchSize);
        Assert.Equal(2, settings.NewBatchThreshold);
        Assert.Equal(5, settings.MaxDequeueCount);
    }

    [Theory]
    [InlineData("""{ "extensions": { "queues": { "batchSize": 64 } } }""")]
    [InlineData("""{ "extensions": { "queues": { "maxDequeueCount": 0 } } }""")]
    [InlineData("""{ "extensions": { "queues": { "visibilityTimeout": "soon" } } }""")]
    public void Refuses_settings_Functions_would_refuse(string json)
    {
        var path = Path.GetTempFileName();
        File.WriteAllText(path, json);

        var error = Assert.Throws<InvalidOperationException>(() => HostJson.ReadQueueSettings(path));
        Assert.Contains("host.json extensions.queues.", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(HubHost.QueueLeaseSetting, "-00:00:01")]
    [InlineData(HubHost.MaxPollingIntervalSetting, "-00:00:01")]
    [InlineData(HubHost.MinPollingIntervalSetting, "00:00:00")]
    [InlineData(HubHost.MinPollingIntervalSetting, "00:01:01")]
    [InlineData(HubHost.VisibilityTimeoutSetting, "-00:00:01")]
    [InlineData(HubHost.VisibilityTimeoutSetting, "five seconds")]
    public void An_override_of_a_queue_setting_out_of_its_range_or_unreadable_stops_the_local_host_and_names_it(string setting, string value)
    {
        var settings = new Dictionary<string, string?> { [HubHost.HostJsonSetting] = RepoPaths.HostJson, [setting] = value };
        var error = Assert.Throws<InvalidOperationException>(() => HubHost.Build([], settings, readLocalSettings: false));
        Assert.Contains(setting, error.Message, StringComparison.Ordinal);
    }
}
