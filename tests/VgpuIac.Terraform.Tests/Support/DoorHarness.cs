using System.Text.Json.Nodes;
using VgpuIac.Engine.Logging;
using VgpuIac.Engine.Resources;
using VgpuIac.Engine.Schema;
using VgpuIac.Engine.Values;
using VgpuIac.Terraform.Logging;
using VgpuIac.Terraform.Schemas;
using VgpuIac.Terraform.Service;

namespace VgpuIac.Terraform.Tests.Support;

/// <summary>The provider service over <see cref="TestWidget"/>, called in-process (no gRPC) for plan/apply rule tests.</summary>
public sealed class DoorHarness
{
    public static readonly ResourceDefinition ProviderDefinition = new()
    {
        Name = "vgpu",
        PulumiName = "Provider",
        Kind = ObjectKind.Provider,
        Description = "Test provider.",
        Attributes = [Attr.Optional("endpoint", AttrType.String, "Endpoint.")],
    };

    public DoorHarness()
    {
        Catalog = new TerraformCatalog(ProviderDefinition, [Widget], [], WidgetUpgraders);
        Service = new ProviderService(
            Catalog,
            new ProviderConfigurator { Connect = (_, _) => new NodeConnection(UnconfiguredNodes.Instance, []) },
            new ProviderSession(),
            new HclogLog(TextWriter.Null, null),
            TimeProvider.System);
    }

    /// <summary>
    /// The test widget's stored-state history (a fixture, not product history): at version 0 the attribute
    /// <c>mode</c> was called <c>speed</c>; the widget is at version 1.
    /// </summary>
    public static StateUpgraders WidgetUpgraders { get; } = new(new Dictionary<string, IReadOnlyDictionary<long, Func<JsonObject, JsonObject>>>
    {
        ["widget"] = new Dictionary<long, Func<JsonObject, JsonObject>>
        {
            [0] = state =>
            {
                if (state.Remove("speed", out var speed))
                {
                    state["mode"] = speed;
                }

                return state;
            },
        },
    });

    public TestWidget Widget { get; } = new();

    public TerraformCatalog Catalog { get; }

    public ProviderService Service { get; }

    public ResourceEntry Entry => Catalog.Resources["vgpu_widget"];

    public RpcCall NewCall() => new()
    {
        Log = new HclogLog(TextWriter.Null, LogLevel.Trace),
        Cancellation = CancellationToken.None,
        Context = new ResourceContext { Nodes = UnconfiguredNodes.Instance },
    };

    /// <summary>A widget value with every attribute present (null unless given).</summary>
    public Value Widget_(params (string Name, Value Value)[] fields)
    {
        var value = Value.Object(Entry.Block.Attributes.Select(a => KeyValuePair.Create(a.Name, Value.Null))
            .Append(KeyValuePair.Create("port", Value.EmptyList))
            .Append(KeyValuePair.Create("timeouts", Value.Null)));
        foreach (var (name, field) in fields)
        {
            value = value.With(name, field);
        }

        return value;
    }
}
