return EdgeQ.Device.DeviceProgram.Run(args);

namespace EdgeQ.Device
{
    internal static class DeviceProgram
    {
        public static int Run(string[] args)
        {
            Console.WriteLine("edgeq-run: EdgeQ int8 device runtime");
            return args.Length == 0 ? 0 : 2;
        }
    }
}
