using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using VgpuIac.Pulumi.Schema;
using VgpuIac.Pulumi.Tests.Schema;
using VgpuIac.Pulumi.Tests.Support;

namespace VgpuIac.Pulumi.Tests.Examples;

/// <summary>
/// The C# example (<c>examples/pulumi/csharp/Program.cs</c>) and the C# snippets of <c>docs/pulumi.md</c> cannot be compiled
/// here (no Pulumi CLI, no Pulumi NuGet package), so they are kept in step with the schema instead: every SDK class they
/// create, every property they set or read and every function they call exists in the C# SDK the .NET codegen makes from
/// the schema, with the casing it gives (<see cref="SdkNaming"/>). The C# is parsed with Roslyn, not compiled.
/// </summary>
public sealed partial class CSharpExampleTests
{
    /// <summary>Types of the Pulumi and .NET libraries an example may use besides the generated SDK.</summary>
    private static readonly HashSet<string> LibraryTypes = new(StringComparer.Ordinal)
    {
        "Config", "CustomResourceOptions", "ComponentResourceOptions", "InvokeOptions", "Dictionary", "List", "InputList", "InputMap",
    };

    /// <summary>Members every Output has (results of functions are outputs).</summary>
    private static readonly HashSet<string> OutputMembers = new(StringComparer.Ordinal) { "Apply" };

    private static string ExamplePath => Path.Combine(RepoPaths.Root, "examples", "pulumi", "csharp", "Program.cs");

    private static IReadOnlyDictionary<string, SdkClass> Sdk()
    {
        var schema = JsonNode.Parse(PulumiSchema.Render())!.AsObject();
        return SdkNaming.CSharpClasses(schema)
            .GroupBy(c => c.Name, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First() with { Members = [.. g.SelectMany(c => c.Members)] }, StringComparer.Ordinal);
    }

    /// <summary>What a piece of C# uses of the SDK, and what it uses that the SDK does not have.</summary>
    private sealed record Usage(IReadOnlyList<string> Used, IReadOnlyList<string> Missing);

    private static Usage Check(string code, IReadOnlyDictionary<string, SdkClass> sdk)
    {
        var tree = CSharpSyntaxTree.ParseText(code, new CSharpParseOptions(kind: SourceCodeKind.Script));
        var root = tree.GetRoot();
        var used = new List<string>();
        var missing = new List<string>();
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);

        void Member(string className, string member, SyntaxNode at)
        {
            var line = at.GetLocation().GetLineSpan().StartLinePosition.Line + 1;
            if (sdk.TryGetValue(className, out var c) && (c.Find(member) is not null || (className.EndsWith("Result", StringComparison.Ordinal) && OutputMembers.Contains(member))))
            {
                used.Add($"{className}.{member}");
            }
            else
            {
                missing.Add($"line {line}: {className}.{member}");
            }
        }

        static string TypeName(TypeSyntax type) => type switch
        {
            QualifiedNameSyntax q => TypeName(q.Right),
            GenericNameSyntax g => g.Identifier.Text,
            SimpleNameSyntax s => s.Identifier.Text,
            AliasQualifiedNameSyntax a => TypeName(a.Name),
            _ => type.ToString(),
        };

        foreach (var node in root.DescendantNodes())
        {
            switch (node)
            {
                case ObjectCreationExpressionSyntax creation:
                {
                    var name = TypeName(creation.Type);
                    if (LibraryTypes.Contains(name))
                    {
                        break;
                    }

                    if (!sdk.ContainsKey(name))
                    {
                        missing.Add($"line {creation.GetLocation().GetLineSpan().StartLinePosition.Line + 1}: class {name}");
                        break;
                    }

                    used.Add(name);
                    if (creation.Parent is EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax declarator })
                    {
                        variables[declarator.Identifier.Text] = name;
                    }

                    foreach (var assignment in creation.Initializer?.Expressions.OfType<AssignmentExpressionSyntax>() ?? [])
                    {
                        if (assignment.Left is IdentifierNameSyntax property)
                        {
                            Member(name, property.Identifier.Text, assignment);
                        }
                    }

                    break;
                }

                case InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Expression: IdentifierNameSyntax target } access } invocation
                    when sdk.ContainsKey(target.Identifier.Text) && !variables.ContainsKey(target.Identifier.Text):
                {
                    // A function: GetNode.Invoke(...) / InvokeAsync(...); its result is GetNodeResult.
                    Member(target.Identifier.Text, access.Name.Identifier.Text, invocation);
                    if (invocation.Parent is EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax declarator })
                    {
                        variables[declarator.Identifier.Text] = target.Identifier.Text + "Result";
                    }

                    break;
                }

                case InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Expression: IdentifierNameSyntax function } } call
                    when FunctionClass().IsMatch(function.Identifier.Text) && !variables.ContainsKey(function.Identifier.Text):
                    // GetSomething.Invoke(...) naming a function the schema does not have.
                    missing.Add($"line {call.GetLocation().GetLineSpan().StartLinePosition.Line + 1}: function {function.Identifier.Text}");
                    break;

                case InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Expression: IdentifierNameSyntax output, Name.Identifier.Text: "Apply" } } apply
                    when variables.TryGetValue(output.Identifier.Text, out var className)
                         && apply.ArgumentList.Arguments.FirstOrDefault()?.Expression is SimpleLambdaExpressionSyntax lambda:
                    variables[lambda.Parameter.Identifier.Text] = className;
                    break;
            }
        }

        // Reads of properties on SDK objects: lab.LicenseServerUrl, f.RunningKernel (after the variables are known).
        foreach (var access in root.DescendantNodes().OfType<MemberAccessExpressionSyntax>())
        {
            if (access.Expression is IdentifierNameSyntax target && variables.TryGetValue(target.Identifier.Text, out var className))
            {
                Member(className, access.Name.Identifier.Text, access);
            }
        }

        return new Usage(used, missing);
    }

    [GeneratedRegex("^Get[A-Z]")]
    private static partial Regex FunctionClass();

    [GeneratedRegex(@"```csharp\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();

    [Fact]
    public void The_example_uses_only_classes_properties_and_functions_of_the_generated_sdk()
    {
        var usage = Check(File.ReadAllText(ExamplePath), Sdk());
        Assert.True(usage.Missing.Count == 0, "examples/pulumi/csharp/Program.cs uses what the SDK generated from the schema does not have:\n" + string.Join("\n", usage.Missing));
        foreach (var expected in new[] { "VgpuNode", "VgpuNodeArgs", "VgpuNodeGuestArgs", "Guest", "GuestArgs", "GetNode.Invoke", "GetNodeInvokeArgs", "VgpuNodeArgs.LicenseServer", "VgpuNode.LicenseServerUrl", "GetNodeResult.RunningKernel", "Guest.LicenseStatus" })
        {
            Assert.Contains(expected, usage.Used);
        }
    }

    [Fact]
    public void The_csharp_snippets_of_the_pulumi_docs_use_only_what_the_sdk_has()
    {
        var docs = File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "pulumi.md"));
        var blocks = CSharpBlock().Matches(docs).Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(blocks);
        var sdk = Sdk();
        foreach (var block in blocks)
        {
            var usage = Check(block, sdk);
            Assert.True(usage.Missing.Count == 0, $"docs/pulumi.md C# uses what the SDK does not have:\n{string.Join("\n", usage.Missing)}\nin:\n{block}");
            Assert.NotEmpty(usage.Used);
        }
    }

    [Fact]
    public void A_class_property_or_function_the_sdk_does_not_have_is_reported()
    {
        const string code = """
            var lab = new VgpuNode("lab", new VgpuNodeArgs { node = "pve1", Guests = { new VgpuNodeGuestsArgs { Vmid = 1 } } });
            var u = new Unlock("u", new UnlockArgs { Unlock = true });
            var facts = GetNode.Invoke(new GetNodeInvokeArgs { Node = "pve1" });
            var k = facts.Apply(f => f.Kernel);
            var url = lab.LicenseServerURL;
            var v = u.Unlock;
            var x = GetNodes.InvokeAsync();
            """;
        var usage = Check(code, Sdk());
        Assert.Contains(usage.Missing, m => m.EndsWith("VgpuNodeArgs.node", StringComparison.Ordinal));
        Assert.Contains(usage.Missing, m => m.EndsWith("class VgpuNodeGuestsArgs", StringComparison.Ordinal));
        Assert.Contains(usage.Missing, m => m.EndsWith("UnlockArgs.Unlock", StringComparison.Ordinal));
        Assert.Contains(usage.Missing, m => m.EndsWith("GetNodeResult.Kernel", StringComparison.Ordinal));
        Assert.Contains(usage.Missing, m => m.EndsWith("VgpuNode.LicenseServerURL", StringComparison.Ordinal));
        Assert.Contains(usage.Missing, m => m.EndsWith("Unlock.Unlock", StringComparison.Ordinal));
        Assert.Contains(usage.Missing, m => m.EndsWith("function GetNodes", StringComparison.Ordinal));
        Assert.Contains("GetNodeInvokeArgs.Node", usage.Used);
    }
}
