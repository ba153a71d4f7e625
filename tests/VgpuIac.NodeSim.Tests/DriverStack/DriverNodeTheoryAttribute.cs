using VgpuIac.NodeSim;

namespace VgpuIac.NodeSim.Tests.DriverStack;

/// <summary>A theory that needs simulated nodes; skipped like <see cref="NodeFactAttribute"/> outside CI when this
/// machine cannot run them.</summary>
public sealed class DriverNodeTheoryAttribute : TheoryAttribute
{
    public DriverNodeTheoryAttribute()
    {
        var why = NodeHostRequirements.WhyUnavailable();
        if (why is not null && Environment.GetEnvironmentVariable("CI") != "true")
        {
            Skip = "simulated node unavailable here: " + why;
        }
    }
}
