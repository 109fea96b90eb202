using System.Device.Gpio;
using System.Device.Gpio.Drivers;

namespace EdgeQ.Device.Camera;

/// <summary>
/// A pin driven through System.Device.Gpio's libgpiod drivers (the kernel's GPIO character device, on every current
/// board kernel). Not <c>new GpioController()</c>: its board detection also links the Raspberry Pi register driver and
/// the sysfs driver, which made the binary larger and does not work on a Pi 5.
/// </summary>
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

    /// <summary>Opens line <paramref name="pin"/> of /dev/gpiochip<paramref name="chip"/> as an output, low.</summary>
    public static GpioPinOutput Open(int pin, int chip)
    {
        string name = $"GPIO {pin} on gpiochip{chip}";
        try
        {
            try
            {
                return OpenWith(new LibGpiodV2Driver(chip), pin, name);
            }
            // libgpiod 2 (libgpiod.so.3) comes with Debian 13-based board OSes; older ones have libgpiod 1.
            catch (Exception e) when (e.GetBaseException() is DllNotFoundException)
            {
                return OpenWith(new LibGpiodDriver(chip), pin, name);
            }
        }
        // The drivers report a bad pin or chip, a missing libgpiod or a permission problem with various exception types.
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new GpioUnavailableException($"cannot open {name} as an output: {e.GetBaseException().Message}", e);
        }
    }

    private static GpioPinOutput OpenWith(GpioDriver driver, int pin, string name)
    {
        var controller = new GpioController(driver);
        try
        {
            controller.OpenPin(pin, PinMode.Output, PinValue.Low);
            return new GpioPinOutput(controller, pin, name);
        }
        catch
        {
            controller.Dispose();
            throw;
        }
    }

    public void Write(bool high) => controller.Write(pin, high ? PinValue.High : PinValue.Low);

    public void Dispose()
    {
        Write(false);
        controller.Dispose();
    }
}
