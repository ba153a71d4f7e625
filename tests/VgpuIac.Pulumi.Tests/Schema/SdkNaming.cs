using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace VgpuIac.Pulumi.Tests.Schema;

/// <summary>A class (or interface) an SDK generator makes from the schema, with its members as that language names them.</summary>
/// <param name="Language">csharp, python or nodejs.</param>
/// <param name="Namespace">Where the class lives (name clashes count per namespace).</param>
/// <param name="Origin">The schema entry it comes from, for messages.</param>
/// <param name="Members">Members from schema properties (<see cref="SdkMember.Property"/> set) and the ones the SDK adds (Property null).</param>
public sealed record SdkClass(string Language, string Namespace, string Name, string Origin, IReadOnlyList<SdkMember> Members)
{
    public SdkMember? Find(string member) => Members.FirstOrDefault(m => m.Name == member);
}

/// <summary>A member of an <see cref="SdkClass"/>; <paramref name="Property"/> is the schema property, null for one the SDK adds itself.</summary>
public sealed record SdkMember(string Name, string? Property);

/// <summary>
/// The naming rules of Pulumi's SDK generators, applied to a rendered <c>schema.json</c>: which classes each language
/// gets and what their members are called, and the checks that what comes out compiles.
/// <list type="bullet">
/// <item>.NET (<c>pkg/codegen/dotnet</c>): a class is the token's last part with the first letter upper-cased
/// (<c>Unlock</c>, <c>UnlockArgs</c>, <c>GetNode</c>, <c>GetNodeArgs</c>/<c>GetNodeInvokeArgs</c>/<c>GetNodeResult</c>, object
/// types <c>Outputs.X</c> and <c>Inputs.XArgs</c>, <c>Provider</c>, <c>Config</c>); a member is <c>language.csharp.name</c> or the
/// property name with its first letter upper-cased; keywords get <c>@</c>. Resources inherit <c>Urn</c> and <c>Id</c> and have a
/// static <c>Get</c>; args classes have a static <c>Empty</c>; functions have <c>Invoke</c>/<c>InvokeAsync</c>. A member named like
/// its class is CS0542, two members with one name CS0102.</item>
/// <item>Python: members are snake_case (<c>hostKeySha256</c> is <c>host_key_sha256</c>); a resource's constructor also takes
/// <c>resource_name</c> and <c>opts</c>, its instances have <c>id</c>, <c>urn</c> and a static <c>get</c>; keywords are renamed.</item>
/// <item>TypeScript: members keep their schema name; resources have <c>urn</c>, <c>id</c>, <c>getProvider</c>; names are
/// accessed as identifiers (<c>args.x</c>), so reserved words are avoided.</item>
/// </list>
/// </summary>
public static partial class SdkNaming
{
    private static readonly HashSet<string> CSharpKeywords = new(StringComparer.Ordinal)
    {
        "abstract", "as", "base", "bool", "break", "byte", "case", "catch", "char", "checked", "class", "const", "continue", "decimal",
        "default", "delegate", "do", "double", "else", "enum", "event", "explicit", "extern", "false", "finally", "fixed", "float",
        "for", "foreach", "goto", "if", "implicit", "in", "int", "interface", "internal", "is", "lock", "long", "namespace", "new",
        "null", "object", "operator", "out", "override", "params", "private", "protected", "public", "readonly", "ref", "return",
        "sbyte", "sealed", "short", "sizeof", "stackalloc", "static", "string", "struct", "switch", "this", "throw", "true", "try",
        "typeof", "uint", "ulong", "unchecked", "unsafe", "ushort", "using", "virtual", "void", "volatile", "while",
        "add", "alias", "ascending", "async", "await", "by", "descending", "dynamic", "equals", "from", "get", "global", "group",
        "into", "join", "let", "nameof", "on", "orderby", "partial", "remove", "select", "set", "unmanaged", "value", "var", "when",
        "where", "yield",
    };

    private static readonly HashSet<string> PythonKeywords = new(StringComparer.Ordinal)
    {
        "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del", "elif", "else",
        "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise",
        "return", "try", "while", "with", "yield",
    };

    private static readonly HashSet<string> TypeScriptReserved = new(StringComparer.Ordinal)
    {
        "break", "case", "catch", "class", "const", "continue", "debugger", "default", "delete", "do", "else", "enum", "export",
        "extends", "false", "finally", "for", "function", "if", "import", "in", "instanceof", "new", "null", "return", "super",
        "switch", "this", "throw", "true", "try", "typeof", "var", "void", "while", "with", "implements", "interface", "let",
        "package", "private", "protected", "public", "static", "yield", "await", "arguments", "eval",
    };

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex Identifier();

    /// <summary>The member name the .NET codegen gives a property spec: its <c>language.csharp.name</c>, else Title(name).</summary>
    public static string CSharpMember(string property, JsonNode? spec)
    {
        var overridden = spec?["language"]?["csharp"]?["name"]?.GetValue<string>();
        if (overridden is { Length: > 0 })
        {
            return overridden;
        }

        var name = property.StartsWith('$') ? property[1..] : property;
        return Title(name);
    }

    /// <summary>The C# class of a token: its last part, first letter upper-cased.</summary>
    public static string CSharpClass(string token) => Title(token[(token.LastIndexOf(':') + 1)..]);

    public static string Title(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];

    /// <summary>Python's snake_case of a camelCase name (<c>hostKeySha256</c> to <c>host_key_sha256</c>, <c>pciID</c> to <c>pci_id</c>).</summary>
    public static string PythonName(string camel)
    {
        var sb = new StringBuilder(camel.Length + 8);
        for (var i = 0; i < camel.Length; i++)
        {
            var c = camel[i];
            if (char.IsUpper(c) && i > 0)
            {
                var prev = camel[i - 1];
                var next = i + 1 < camel.Length ? camel[i + 1] : '\0';
                if (char.IsLower(prev) || char.IsDigit(prev) || (char.IsUpper(prev) && char.IsLower(next)))
                {
                    if (sb.Length > 0 && sb[^1] != '_')
                    {
                        sb.Append('_');
                    }
                }
            }

            sb.Append(char.ToLowerInvariant(c));
        }

        return sb.ToString();
    }

    /// <summary>Every class the three SDK generators make from <paramref name="schema"/>.</summary>
    public static IReadOnlyList<SdkClass> Classes(JsonObject schema)
    {
        var classes = new List<SdkClass>();
        classes.AddRange(CSharpClasses(schema));
        classes.AddRange(OtherClasses(schema, "python"));
        classes.AddRange(OtherClasses(schema, "nodejs"));
        return classes;
    }

    /// <summary>The classes of the C# SDK (namespace <c>Pulumi.Vgpu</c>, <c>.Inputs</c>, <c>.Outputs</c>).</summary>
    public static IReadOnlyList<SdkClass> CSharpClasses(JsonObject schema)
    {
        const string root = "Pulumi.Vgpu";
        var classes = new List<SdkClass>();
        SdkClass Class(string ns, string name, string origin, JsonObject? properties, params string[] added) =>
            new("csharp", ns, name, origin, [.. Members(properties, CSharpMember), .. added.Select(a => new SdkMember(a, null))]);

        if (schema["config"]?["variables"] is JsonObject config)
        {
            classes.Add(Class(root, "Config", "config", config));
        }

        if (schema["provider"] is JsonObject provider)
        {
            classes.Add(Class(root, "Provider", "provider", provider["properties"] as JsonObject, "Urn", "Id"));
            classes.Add(Class(root, "ProviderArgs", "provider", provider["inputProperties"] as JsonObject, "Empty"));
        }

        foreach (var (token, node) in Entries(schema, "resources"))
        {
            var name = CSharpClass(token);
            var component = node["isComponent"]?.GetValue<bool>() == true;
            classes.Add(Class(root, name, token, node["properties"] as JsonObject, component ? ["Urn"] : ["Urn", "Id", "Get"]));
            classes.Add(Class(root, name + "Args", token, node["inputProperties"] as JsonObject, "Empty"));
            if (node["stateInputs"]?["properties"] is JsonObject state)
            {
                classes.Add(Class(root, name + "State", token, state, "Empty"));
            }
        }

        foreach (var (token, node) in Entries(schema, "functions"))
        {
            var name = CSharpClass(token);
            classes.Add(Class(root, name, token, null, "Invoke", "InvokeAsync"));
            classes.Add(Class(root, name + "Args", token, node["inputs"]?["properties"] as JsonObject, "Empty"));
            classes.Add(Class(root, name + "InvokeArgs", token, node["inputs"]?["properties"] as JsonObject, "Empty"));
            classes.Add(Class(root, name + "Result", token, node["outputs"]?["properties"] as JsonObject));
        }

        foreach (var (token, node) in Entries(schema, "types"))
        {
            var name = CSharpClass(token);
            classes.Add(Class(root + ".Outputs", name, token, node["properties"] as JsonObject));
            classes.Add(Class(root + ".Inputs", name + "Args", token, node["properties"] as JsonObject, "Empty"));
        }

        return classes;
    }

    private static IEnumerable<SdkClass> OtherClasses(JsonObject schema, string language)
    {
        var python = language == "python";
        Func<string, JsonNode?, string> member = python ? (p, _) => PythonName(p) : (p, _) => p;
        string ClassName(string token) => CSharpClass(token);
        SdkClass Class(string ns, string name, string origin, JsonObject? properties, params string[] added) =>
            new(language, ns, name, origin, [.. Members(properties, member), .. added.Select(a => new SdkMember(a, null))]);

        var resourceMembers = python ? new[] { "id", "urn", "get" } : ["id", "urn", "getProvider"];
        var constructorArgs = python ? new[] { "resource_name", "opts" } : [];
        foreach (var (token, node) in Entries(schema, "resources"))
        {
            var name = ClassName(token);
            var component = node["isComponent"]?.GetValue<bool>() == true;
            yield return Class("vgpu", name, token, node["properties"] as JsonObject, component ? ["urn"] : resourceMembers);
            yield return Class("vgpu", name + "Args", token, node["inputProperties"] as JsonObject, constructorArgs);
        }

        foreach (var (token, node) in Entries(schema, "functions"))
        {
            var name = ClassName(token);
            yield return Class("vgpu", name + "Args", token, node["inputs"]?["properties"] as JsonObject, python ? ["opts"] : []);
            yield return Class("vgpu", name + "Result", token, node["outputs"]?["properties"] as JsonObject);
        }

        foreach (var (token, node) in Entries(schema, "types"))
        {
            var name = ClassName(token);
            yield return Class("vgpu.outputs", name, token, node["properties"] as JsonObject);
            yield return Class("vgpu.inputs", name + "Args", token, node["properties"] as JsonObject);
        }

        if (schema["provider"] is JsonObject provider)
        {
            yield return Class("vgpu", "ProviderArgs", "provider", provider["inputProperties"] as JsonObject, constructorArgs);
        }
    }

    /// <summary>Every broken rule, one line each (empty when the SDKs compile as far as naming goes).</summary>
    public static IReadOnlyList<string> Violations(JsonObject schema)
    {
        var violations = new List<string>();
        var classes = Classes(schema);
        foreach (var group in classes.GroupBy(c => (c.Language, c.Namespace)))
        {
            foreach (var clash in group.GroupBy(c => c.Name, StringComparer.OrdinalIgnoreCase).Where(g => g.Select(c => c.Origin).Distinct().Count() > 1))
            {
                violations.Add($"{group.Key.Language}: classes {string.Join(", ", clash.Select(c => $"{c.Name} ({c.Origin})").Distinct())} clash in {group.Key.Namespace} (names differing only in case collide as files)");
            }
        }

        foreach (var c in classes)
        {
            if (!Identifier().IsMatch(c.Name) || (c.Language == "csharp" && CSharpKeywords.Contains(c.Name)))
            {
                violations.Add($"{c.Language}: class name {c.Name} ({c.Origin}) is not a valid identifier");
            }

            foreach (var m in c.Members.Where(m => m.Property is not null))
            {
                var bare = m.Name.TrimStart('@');
                var keyword = c.Language switch
                {
                    "csharp" => CSharpKeywords.Contains(bare),
                    "python" => PythonKeywords.Contains(bare),
                    _ => TypeScriptReserved.Contains(bare),
                };
                if (keyword)
                {
                    violations.Add($"{c.Language}: {c.Name}.{m.Name} (property {m.Property} of {c.Origin}) is a reserved word");
                }
                else if (!Identifier().IsMatch(bare))
                {
                    violations.Add($"{c.Language}: {c.Name}.{m.Name} (property {m.Property} of {c.Origin}) is not a valid identifier");
                }

                if (c.Language == "csharp" && m.Name == c.Name)
                {
                    violations.Add($"csharp: {c.Name}.{m.Name} (property {m.Property} of {c.Origin}) is named like its enclosing type (CS0542): give it a language.csharp.name");
                }
            }

            foreach (var clash in c.Members.GroupBy(m => m.Name, StringComparer.Ordinal).Where(g => g.Count() > 1))
            {
                var what = string.Join(", ", clash.Select(m => m.Property is null ? $"the SDK's own {m.Name}" : $"property {m.Property}"));
                violations.Add($"{c.Language}: {c.Name} ({c.Origin}) has two members named {clash.Key}: {what}");
            }
        }

        return violations;
    }

    private static IEnumerable<SdkMember> Members(JsonObject? properties, Func<string, JsonNode?, string> name) =>
        properties is null ? [] : properties.Select(kv => new SdkMember(name(kv.Key, kv.Value), kv.Key));

    private static IEnumerable<(string Token, JsonObject Node)> Entries(JsonObject schema, string section) =>
        schema[section] is JsonObject o ? o.Select(kv => (kv.Key, kv.Value!.AsObject())) : [];
}
