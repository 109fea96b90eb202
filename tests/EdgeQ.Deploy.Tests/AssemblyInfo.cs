using System.Runtime.Versioning;

// The deploy tests run a real OpenSSH server and check Unix file modes.
[assembly: SupportedOSPlatform("linux")]
