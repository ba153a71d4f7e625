namespace VgpuIac.Pulumi.PropertyValues;

public enum DecodeMode
{
    /// <summary>Resource inputs and state: types must match.</summary>
    Strict,

    /// <summary>
    /// Provider configuration: stack config values arrive as strings (<c>"22"</c>, <c>"true"</c>, JSON text for objects),
    /// so strings are converted to the declared type when they parse.
    /// </summary>
    Config,
}
