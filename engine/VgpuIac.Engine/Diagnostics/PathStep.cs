namespace VgpuIac.Engine.Diagnostics;

public abstract record PathStep
{
    public sealed record AttributeName(string Name) : PathStep;

    public sealed record ElementKey(string Key) : PathStep;

    public sealed record ElementIndex(long Index) : PathStep;
}
