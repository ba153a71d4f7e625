using VgpuIac.Engine.Schema;
using VgpuIac.Pulumi.PropertyValues;

namespace VgpuIac.Pulumi.Model;

/// <summary>
/// A neutral definition (resource, data source or the provider) as Pulumi renders it: its token and its
/// properties in camelCase, with nested blocks folded in. The engine's <c>id</c> attribute is not a property
/// (Pulumi reserves <c>id</c>); it travels as the resource id.
/// </summary>
public sealed record PulumiDefinition
{
    public const string Package = "vgpu";

    public const string IdAttribute = "id";

    public required ResourceDefinition Definition { get; init; }

    /// <summary><c>vgpu:index:HostDriver</c>, <c>vgpu:index:getNode</c>, or <c>pulumi:providers:vgpu</c>.</summary>
    public required string Token { get; init; }

    public required PulumiObject Shape { get; init; }

    /// <summary>True when the engine's state has an <c>id</c> attribute (the resource id lives there).</summary>
    public bool HasIdAttribute => Definition.FindAttribute(IdAttribute) is not null;

    public IEnumerable<PulumiProperty> Inputs => Shape.Properties.Where(p => p.IsInput);

    public static string TokenOf(string typeName) => $"{Package}:index:{typeName}";

    public static PulumiDefinition For(ResourceDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var token = definition.Kind == ObjectKind.Provider ? $"pulumi:providers:{Package}" : TokenOf(definition.PulumiName);
        var typePrefix = TokenOf(PropertyNames.ToPascal(definition.PulumiName));
        var properties = definition.Attributes
            .Where(a => a.Name != IdAttribute)
            .Select(a => PulumiProperty.FromAttribute(a, typePrefix))
            .Concat(definition.Blocks.Select(b => PulumiProperty.FromBlock(b, typePrefix + PropertyNames.ToPascal(b.Name))));
        return new PulumiDefinition
        {
            Definition = definition,
            Token = token,
            Shape = new PulumiObject([.. properties], typePrefix),
        };
    }
}
