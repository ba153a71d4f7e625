using VgpuIac.Engine.Schema;

namespace VgpuIac.Terraform.Schemas;

/// <summary>What the Terraform door adds to every managed resource: a <c>timeouts</c> block and, if missing, an <c>id</c>.</summary>
public static class DoorAttributes
{
    public const string TimeoutsBlockName = "timeouts";
    public const string IdAttributeName = "id";

    public static readonly string[] TimeoutOperations = ["create", "read", "update", "delete"];

    public static BlockDefinition TimeoutsBlock { get; } = new()
    {
        Name = TimeoutsBlockName,
        Description = "How long each operation may take before it is cancelled, as durations such as `30s`, `10m` or `1h30m`. " +
            "Unset means no limit beyond the engine's own per-step timeouts.",
        Nesting = BlockNesting.Single,
        Attributes =
        [
            .. TimeoutOperations.Select(op => Attr.Optional(op, AttrType.String, $"Time limit for {op} operations.")),
        ],
    };

    public static AttributeDefinition IdAttribute(string? importIdFormat) => new()
    {
        Name = IdAttributeName,
        Type = AttrType.String,
        Mode = AttributeMode.Computed,
        StableComputed = true,
        Description = importIdFormat is null
            ? "Identifier of this object, as `terraform import` takes it."
            : $"Identifier of this object, as `terraform import` takes it: `{importIdFormat}`.",
    };
}
