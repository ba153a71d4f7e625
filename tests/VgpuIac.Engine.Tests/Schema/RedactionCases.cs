using VgpuIac.Engine.Diagnostics;
using VgpuIac.Engine.Resources;
using VgpuIac.Engine.Schema;
using VgpuIac.Engine.Values;

namespace VgpuIac.Engine.Tests.Schema;

/// <summary>How a secret reaches a validator: as the value of a sensitive attribute, or marked sensitive by the caller (a Pulumi secret).</summary>
public enum SecretKind
{
    SensitiveAttribute,
    MarkedValue,
}

/// <summary>One redaction case: <see cref="Value"/> set on <see cref="Attribute"/> must never be quoted by any diagnostic.</summary>
public sealed record RedactionCase(string Attribute, string Value, SecretKind Kind)
{
    public override string ToString() => $"{Attribute} ({Kind})";
}

/// <summary>
/// The one case list of the redaction tests of both doors (Terraform: ValidateResourceConfig, ValidateDataResourceConfig,
/// ValidateProviderConfig; Pulumi: Check, Invoke, CheckConfig, Configure), generated from <see cref="Vault"/>: every attribute
/// with a validator gets a value that fails it, once as a sensitive attribute's value and once marked sensitive, and the
/// object's own careless check quotes the password, so a door that skips the redacting entry point fails.
/// Linked into the door test projects, so the list is written once.
/// </summary>
public static class RedactionCases
{
    /// <summary>What every case value contains; no diagnostic may contain it.</summary>
    public const string Marker = "hunter2";

    /// <summary>A test object with secrets; its validators and its own check quote the values they reject.</summary>
    public static ResourceDefinition Vault(ObjectKind kind) => new()
    {
        Name = "vault",
        PulumiName = kind == ObjectKind.Resource ? "Vault" : "getVault",
        Kind = kind,
        Description = "A test object with a secret. Second sentence.",
        ImportIdFormat = kind == ObjectKind.Resource ? "<node>/x" : null,
        Attributes =
        [
            Attr.Computed("id", AttrType.String, "id"),
            global::VgpuIac.Engine.Nodes.ProviderSchema.NodeAttribute,
            Attr.Optional("label", AttrType.String, "Label.") with { Validators = [Validators.Pattern("^[a-z]+$", "a lowercase label")] },
            Attr.Optional("password", AttrType.String, "Password.") with { Sensitive = true, Validators = [Validators.Pattern("^[A-Za-z0-9]{12,}$", "12 or more letters and digits")] },
            Attr.Optional("token", AttrType.String, "Token.") with { Sensitive = true, Validators = [Validators.Pattern("^tok-[a-z]+$", "a token (tok-...)")] },
        ],
    };

    /// <summary>Every case: each validated attribute with a failing value, as a sensitive attribute's value (when it is one) and marked.</summary>
    public static IReadOnlyList<RedactionCase> All { get; } =
    [
        .. Vault(ObjectKind.Resource).Attributes.Where(a => !a.Validators.IsEmpty).SelectMany(a => new[]
        {
            new RedactionCase(a.Name, $"{Marker} {a.Name} with spaces", a.Sensitive ? SecretKind.SensitiveAttribute : SecretKind.MarkedValue),
            new RedactionCase(a.Name, $"{Marker}-{a.Name}-marked \"quoted\"", SecretKind.MarkedValue),
        }),
    ];

    /// <summary><see cref="All"/> as theory data.</summary>
    public static TheoryData<RedactionCase> Data()
    {
        var data = new TheoryData<RedactionCase>();
        foreach (var c in All)
        {
            data.Add(c);
        }

        return data;
    }

    /// <summary>The object's own rule, careless: it quotes a password with a space.</summary>
    public static IEnumerable<Diagnostic> CarelessCheck(Value config) =>
        config["password"].StringOrNull is { } p && p.Contains(' ', StringComparison.Ordinal)
            ? [Diagnostic.Error("Password with a space", $"\"{p}\" has a space.", AttributePath.Of("password"))]
            : [];

    /// <summary>The resource <see cref="Vault"/>: validation only.</summary>
    public sealed class VaultResource : IResource
    {
        public ResourceDefinition Definition { get; } = Vault(ObjectKind.Resource);

        public IEnumerable<Diagnostic> Validate(Value config) => CarelessCheck(config);

        public Task<PlanResult> PlanAsync(PlanRequest request, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<ApplyResult> ApplyAsync(ApplyRequest request, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<ReadResult> ReadAsync(ReadRequest request, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<ImportResult> ImportAsync(ImportRequest request, CancellationToken cancellationToken) => throw new NotSupportedException();
    }

    /// <summary>The data source (Pulumi function) <see cref="Vault"/>: validation only; a read is a bug.</summary>
    public sealed class VaultDataSource : IDataSource
    {
        public ResourceDefinition Definition { get; } = Vault(ObjectKind.DataSource);

        public IEnumerable<Diagnostic> Validate(Value config) => CarelessCheck(config);

        public Task<DataSourceReadResult> ReadAsync(DataSourceReadRequest request, CancellationToken cancellationToken) => throw new NotSupportedException("validation must have stopped the read");
    }
}
