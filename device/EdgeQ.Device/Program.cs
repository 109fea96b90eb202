return EdgeQ.Device.DeviceApp.Run(args, Console.Out, Console.Error);
