using System.Device.Gpio;
using System.Device.Gpio.Drivers;

namespace EdgeQ.Device.Camera;

/// <summary>A pin driven through System.Device.Gpio: the board's default driver, or libgpiod on a chosen chip.</summary>
public sealed class GpioPinOutput : IGpioOutput
{
    private readonly GpioController controller;
    private readonly int pin;

    private GpioPinOutput(GpioController controller, int pin, string name)
    {
        this.controller = controller;
        this.pin = pin;
        Name = name;
    }

    public string Name { get; }

    /// <summary>Opens <paramref name="pin"/> as an output, low. <paramref name="chip"/> selects a gpiochip (libgpiod v2, else v1).</summary>
    public static GpioPinOutput Open(int pin, int? chip)
    {
        string name = chip is null ? $"GPIO {pin}" : $"GPIO {pin} on gpiochip{chip}";
        GpioController? controller = null;
        try
        {
            controller = chip is null ? new GpioController() : new GpioController(LibGpiodDriverFor(chip.Value));
            controller.OpenPin(pin, PinMode.Output, PinValue.Low);
            return new GpioPinOutput(controller, pin, name);
        }
        // The drivers report a bad pin or chip, a missing libgpiod or a permission problem with various exception types.
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            controller?.Dispose();
            throw new GpioUnavailableException($"cannot open {name} as an output: {e.Message}", e);
        }
    }

    private static GpioDriver LibGpiodDriverFor(int chip)
    {
        try
        {
            return new LibGpiodV2Driver(chip);
        }
        catch (Exception e) when (e is DllNotFoundException or PlatformNotSupportedException)
        {
            return new LibGpiodDriver(chip);
        }
    }

    public void Write(bool high) => controller.Write(pin, high ? PinValue.High : PinValue.Low);

    public void Dispose()
    {
        Write(false);
        controller.Dispose();
    }
}
