using EdgeQ.CommandLine;

return EdgeQ.Device.DeviceApp.Run(args, StandardStreams.Out, StandardStreams.Error);
