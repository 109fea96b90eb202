namespace EdgeQ.Device.Camera;

/// <summary>
/// Hold time as hysteresis: the level goes high as soon as the rule holds and low only once the rule has not held for
/// <c>hold</c> (measured from the last frame on which it held), so a detection that flickers for a frame or two does
/// not chatter the pin.
/// </summary>
public sealed class HeldPin(TimeSpan hold)
{
    private TimeSpan lastHeld;

    public bool IsHigh { get; private set; }

    /// <summary>A frame's verdict at time <paramref name="now"/>; returns the level the pin should have.</summary>
    public bool Update(bool ruleHolds, TimeSpan now)
    {
        if (ruleHolds)
        {
            lastHeld = now;
            IsHigh = true;
        }
        else
            Expire(now);
        return IsHigh;
    }

    /// <summary>No verdict (no frame, e.g. the camera is reconnecting): the hold still runs out.</summary>
    public bool Expire(TimeSpan now)
    {
        if (IsHigh && now - lastHeld >= hold)
            IsHigh = false;
        return IsHigh;
    }
}
