namespace EdgeQ.Deploy;

/// <summary>
/// What a bundle needs to know about a board. Plain values so the caller can fill them from the board catalog
/// (boards/*.json) without this library depending on it.
/// </summary>
/// <param name="Id">Board profile id, e.g. <c>pi5</c>.</param>
/// <param name="RuntimeIdentifier">.NET runtime identifier the edgeq-run executable was built for, e.g. <c>linux-arm64</c>.</param>
/// <param name="GpioChip">GPIO character device the board's header pins sit on, e.g. <c>gpiochip4</c>.</param>
/// <param name="CameraDevice">V4L2 device the camera service opens, e.g. <c>/dev/video0</c>.</param>
/// <param name="DefaultThreads">Inference threads that suit the board's cores.</param>
public sealed record BoardTarget(string Id, string RuntimeIdentifier, string GpioChip, string CameraDevice, int DefaultThreads);
