namespace VgpuIac.Pulumi.Schema;

/// <summary>
/// The names Pulumi's .NET code generator gives our schema (<c>pkg/codegen/dotnet</c>): a class is the last part of the
/// type token with its first letter upper-cased, a member is the property name with its first letter upper-cased unless
/// the property has a <c>language.csharp.name</c>. A member may not be named like its enclosing class (CS0542), so such a
/// property gets an override, <c>&lt;Name&gt;Value</c>, on its input and output definitions alike.
/// </summary>
public static class CSharpNames
{
    public const string RenameSuffix = "Value";

    /// <summary><c>vgpu:index:getNode</c> gives <c>GetNode</c>.</summary>
    public static string ClassOf(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        var name = token[(token.LastIndexOf(':') + 1)..];
        return Title(name);
    }

    /// <summary>The member name the codegen derives from a property name when no override is given.</summary>
    public static string Title(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.Length == 0 ? name : char.ToUpperInvariant(name[0]) + name[1..];
    }

    /// <summary>The <c>language.csharp.name</c> a property of class <paramref name="className"/> needs, or null when the default is fine.</summary>
    public static string? OverrideFor(string className, string camelName) =>
        Title(camelName) == className ? Title(camelName) + RenameSuffix : null;
}
