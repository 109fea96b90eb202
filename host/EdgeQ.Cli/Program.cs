return EdgeQ.Cli.CliApp.Run(args, Console.Out, Console.Error);
