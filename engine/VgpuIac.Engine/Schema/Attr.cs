using VgpuIac.Engine.Values;

namespace VgpuIac.Engine.Schema;

/// <summary>Short constructors for attribute definitions, so each resource's schema reads as a table.</summary>
public static class Attr
{
    /// <summary>An attribute the user must set.</summary>
    public static AttributeDefinition Required(string name, AttrType type, string description) =>
        new() { Name = name, Type = type, Description = description, Mode = AttributeMode.Required };

    /// <summary>An attribute the user may set; when unset it stays null.</summary>
    public static AttributeDefinition Optional(string name, AttrType type, string description) =>
        new() { Name = name, Type = type, Description = description, Mode = AttributeMode.Optional };

    /// <summary>An attribute only the engine sets, from what the node says.</summary>
    public static AttributeDefinition Computed(string name, AttrType type, string description) =>
        new() { Name = name, Type = type, Description = description, Mode = AttributeMode.Computed };

    /// <summary>Optional with a default the engine fills in when unset.</summary>
    public static AttributeDefinition WithDefault(string name, AttrType type, Value @default, string description) =>
        new() { Name = name, Type = type, Description = description, Mode = AttributeMode.OptionalComputed, Default = @default };
}
