using Google.Protobuf;
using VgpuIac.Engine.Diagnostics;
using VgpuIac.Terraform.Cty;
using VgpuIac.Terraform.Protocol;
using EngineDiagnostic = VgpuIac.Engine.Diagnostics.Diagnostic;
using EngineSeverity = VgpuIac.Engine.Diagnostics.Severity;
using Value = VgpuIac.Engine.Values.Value;

namespace VgpuIac.Terraform.Service;

/// <summary>Conversions between tfplugin6 messages and engine types (values, diagnostics, paths).</summary>
public static class WireValues
{
    /// <summary>A DynamicValue as a value of <paramref name="type"/>; absent or empty means null.</summary>
    public static Value Decode(DynamicValue? value, CtyType type)
    {
        if (value is null)
        {
            return Value.Null;
        }

        if (!value.Msgpack.IsEmpty)
        {
            return CtyMsgpack.Decode(value.Msgpack.Memory, type);
        }

        return value.Json.IsEmpty ? Value.Null : CtyJson.Decode(value.Json.Span, type);
    }

    public static DynamicValue Encode(Value value, CtyType type) => new() { Msgpack = ByteString.CopyFrom(CtyMsgpack.Encode(value, type)) };

    public static Protocol.Diagnostic ToWire(EngineDiagnostic diagnostic)
    {
        var wire = new Protocol.Diagnostic
        {
            Severity = diagnostic.Severity == EngineSeverity.Warning ? Protocol.Diagnostic.Types.Severity.Warning : Protocol.Diagnostic.Types.Severity.Error,
            Summary = diagnostic.Summary,
            Detail = diagnostic.Import is { } import ? diagnostic.Detail + ImportAdvice(import) : diagnostic.Detail,
        };
        if (diagnostic.Path is { Steps.Length: > 0 } path)
        {
            wire.Attribute = ToWire(path);
        }

        return wire;
    }

    /// <summary>The Terraform way to adopt an existing object: <c>terraform import</c> or an <c>import</c> block.</summary>
    public static string ImportAdvice(ImportHint import)
    {
        var type = Schemas.TerraformCatalog.PrimaryTypeName(import.Resource);
        return $" To manage the existing object with Terraform, import it: terraform import {type}.<name> {import.Id}"
            + $" (or add an import block: import {{ to = {type}.<name>, id = \"{import.Id}\" }}).";
    }

    public static Protocol.AttributePath ToWire(Engine.Diagnostics.AttributePath path)
    {
        var wire = new Protocol.AttributePath();
        foreach (var step in path.Steps)
        {
            wire.Steps.Add(step switch
            {
                PathStep.AttributeName a => new Protocol.AttributePath.Types.Step { AttributeName = a.Name },
                PathStep.ElementKey k => new Protocol.AttributePath.Types.Step { ElementKeyString = k.Key },
                PathStep.ElementIndex i => new Protocol.AttributePath.Types.Step { ElementKeyInt = i.Index },
                _ => throw new ArgumentOutOfRangeException(nameof(path), step, "unknown path step"),
            });
        }

        return wire;
    }
}
