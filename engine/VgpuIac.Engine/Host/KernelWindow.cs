namespace VgpuIac.Engine.Host;

/// <summary>
/// One row of the kernel compatibility table: driver versions <see cref="FirstDriver"/>..<see cref="LastDriver"/>
/// (inclusive) of one flavour (null = both) build on kernel series <see cref="MinSeries"/>..<see cref="MaxSeries"/> (inclusive; null = open).
/// </summary>
internal sealed record KernelWindow(
    string Release,
    string FirstDriver,
    string LastDriver,
    DriverFlavour? Flavour,
    string? MinSeries,
    string? MaxSeries,
    string Source)
{
    public bool Covers(DriverVersion driver, DriverFlavour flavour) =>
        (Flavour is null || Flavour == flavour)
        && driver.CompareTo(DriverVersion.TryParse(FirstDriver)) >= 0
        && driver.CompareTo(DriverVersion.TryParse(LastDriver)) <= 0;

    public bool Allows(KernelVersion kernel)
    {
        if (MinSeries is not null && KernelVersion.TryParse(MinSeries) is { } min && kernel.CompareSeries(min.Major, min.Minor) < 0)
        {
            return false;
        }

        return MaxSeries is null || KernelVersion.TryParse(MaxSeries) is not { } max || kernel.CompareSeries(max.Major, max.Minor) <= 0;
    }

    /// <summary>"kernel 6.5 or older", "kernel 6.8 to 6.16", "kernel 6.8 or newer", "any kernel".</summary>
    public string Describe() => (MinSeries, MaxSeries) switch
    {
        (null, null) => "any kernel",
        (null, { } max) => $"kernel {max} or older",
        ({ } min, null) => $"kernel {min} or newer",
        ({ } min, { } max) => $"kernel {min} to {max}",
    };
}
