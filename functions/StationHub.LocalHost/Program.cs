using StationHub.LocalHost.Hosting;

// The local host: the hub's functions on http://127.0.0.1:7071/api, queues and timers in-process.
var app = HubHost.Build(args);
await app.RunAsync();
