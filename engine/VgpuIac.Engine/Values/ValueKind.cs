namespace VgpuIac.Engine.Values;

/// <summary>The shape of a <see cref="Value"/>. Null and Unknown are states, the rest are known shapes.</summary>
public enum ValueKind
{
    Null,
    Unknown,
    String,
    Number,
    Bool,
    List,
    Set,
    Map,
    Object,
}
