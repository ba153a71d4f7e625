namespace VgpuIac.Pulumi.PropertyValues;

/// <summary>A problem with one property, at a Pulumi property path such as <c>gpus[0].profile</c>.</summary>
public sealed record PropertyFailure(string Path, string Reason);
