namespace VgpuIac.Engine.Unlock;

/// <summary>A planned change; <see cref="Unit"/> names the service for drop-in steps.</summary>
internal sealed record UnlockStep(UnlockStepKind Kind, string? Unit = null)
{
    public override string ToString() => Unit is null ? Kind.ToString() : $"{Kind} {Unit}";
}
