using System.Runtime.InteropServices;

namespace EdgeQ.Device.Camera;

/// <summary>SIGINT (Ctrl+C) and SIGTERM (systemd stop) ask the loop to finish instead of killing the process, so the pin is set low.</summary>
public static class StopSignals
{
    public static IDisposable Register(Action stop)
    {
        void Handle(PosixSignalContext context)
        {
            context.Cancel = true;
            stop();
        }
        return new Registrations(PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle));
    }

    private sealed class Registrations(params PosixSignalRegistration[] registrations) : IDisposable
    {
        public void Dispose()
        {
            foreach (var registration in registrations)
                registration.Dispose();
        }
    }
}
