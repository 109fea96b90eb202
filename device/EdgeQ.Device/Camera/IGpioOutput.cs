namespace EdgeQ.Device.Camera;

/// <summary>One output pin. Implementations open it low and leave it low when disposed (the safe state).</summary>
public interface IGpioOutput : IDisposable
{
    string Name { get; }

    void Write(bool high);
}

/// <summary>A pin that cannot be opened (no such pin or chip, no permission): one line for the user.</summary>
public sealed class GpioUnavailableException(string message, Exception? inner = null) : IOException(message, inner);
