using System.Text;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using VgpuIac.Engine.Diagnostics;
using VgpuIac.Pulumi.PropertyValues;
using VgpuIac.Pulumi.Rpc;

namespace VgpuIac.Pulumi.Provider;

/// <summary>Turns engine diagnostics into what the Pulumi engine shows: RPC errors, check failures, partial-failure details.</summary>
public static class RpcFailures
{
    /// <summary>"summary: detail" with the property path, for one diagnostic, worded for Pulumi users.</summary>
    public static string Describe(Diagnostic d)
    {
        var sb = new StringBuilder(PulumiWording.Neutral(d.Summary));
        var detail = DetailOf(d);
        if (detail.Length > 0)
        {
            sb.Append(": ").Append(detail);
        }

        var path = PropertyPath.From(d.Path);
        if (path.Length > 0)
        {
            sb.Append(" (property ").Append(path).Append(')');
        }

        return sb.ToString();
    }

    public static RpcException Error(StatusCode code, IEnumerable<Diagnostic> errors) =>
        new(new Grpc.Core.Status(code, string.Join("\n", errors.Select(Describe))));

    public static RpcException InvalidInputs(IEnumerable<PropertyFailure> failures) =>
        new(new Grpc.Core.Status(StatusCode.InvalidArgument, PulumiWording.Neutral(string.Join("\n", failures.Select(f => $"{f.Path}: {f.Reason}")))));

    public static CheckFailure ToCheckFailure(Diagnostic d) => new()
    {
        Property = PropertyPath.From(d.Path),
        Reason = PulumiWording.Neutral(DetailOf(d) is { Length: > 0 } detail ? $"{d.Summary}: {detail}" : d.Summary),
    };

    /// <summary>The engine's detail plus, when an existing object can be adopted, the Pulumi way to do it.</summary>
    public static string DetailOf(Diagnostic d) => PulumiWording.Neutral(d.Import is { } import ? d.Detail + ImportAdvice(import) : d.Detail);

    /// <summary><c>pulumi import</c> with the type token and the import ID.</summary>
    public static string ImportAdvice(ImportHint import)
    {
        var token = Model.PulumiDefinition.TokenOf(import.Resource.PulumiName);
        return $" To manage the existing object with Pulumi, import it: pulumi import {token} <name> {import.Id}"
            + " (or set the import resource option to that ID).";
    }

    /// <summary>
    /// The resource exists (or partly exists) but the operation failed: the engine records <paramref name="properties"/>
    /// under <paramref name="id"/> and reports the reasons (ErrorResourceInitFailed in the status details).
    /// </summary>
    public static RpcException InitFailed(string id, Struct properties, Struct inputs, IEnumerable<Diagnostic> errors)
    {
        var reasons = errors.Select(Describe).ToList();
        var detail = new ErrorResourceInitFailed { Id = id, Properties = properties, Inputs = inputs };
        detail.Reasons.AddRange(reasons);
        var status = new Rpc.GoogleRpc.Status
        {
            Code = (int)StatusCode.Unknown,
            Message = string.Join("\n", reasons),
        };
        status.Details.Add(Any.Pack(detail));
        var trailers = new Metadata { { "grpc-status-details-bin", status.ToByteArray() } };
        return new RpcException(new Grpc.Core.Status(StatusCode.Unknown, status.Message), trailers);
    }
}
