namespace VgpuIac.Engine.Schema;

/// <summary>Who sets an attribute: the user, the engine, or either.</summary>
public enum AttributeMode
{
    /// <summary>The user must set it.</summary>
    Required,

    /// <summary>The user may set it; no value comes from the node.</summary>
    Optional,

    /// <summary>Only the engine sets it.</summary>
    Computed,

    /// <summary>The user may set it; if not, the engine fills it in (a default or what the node says).</summary>
    OptionalComputed,
}
