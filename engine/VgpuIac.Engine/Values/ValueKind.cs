namespace VgpuIac.Engine.Values;

/// <summary>The shape of a <see cref="Value"/>. Null and Unknown are states, the rest are known shapes.</summary>
public enum ValueKind
{
    /// <summary>Not set.</summary>
    Null,
    /// <summary>Known only at apply time.</summary>
    Unknown,
    /// <summary>A string.</summary>
    String,
    /// <summary>A number (integer or decimal).</summary>
    Number,
    /// <summary>A boolean.</summary>
    Bool,
    /// <summary>An ordered list.</summary>
    List,
    /// <summary>A set: no duplicates, canonical order.</summary>
    Set,
    /// <summary>A map from string keys to values of one type.</summary>
    Map,
    /// <summary>An object: named attributes of their own types.</summary>
    Object,
}
