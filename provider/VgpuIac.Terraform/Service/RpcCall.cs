using VgpuIac.Engine.Diagnostics;
using VgpuIac.Engine.Resources;
using VgpuIac.Terraform.Logging;

namespace VgpuIac.Terraform.Service;

/// <summary>What one RPC handler works with: its log (tagged with the RPC and type), diagnostics and cancellation.</summary>
public sealed class RpcCall
{
    public required HclogLog Log { get; init; }

    public DiagnosticBag Diagnostics { get; } = new();

    /// <summary>Cancelled by StopProvider, by the client giving up, or by a <c>timeouts</c> deadline.</summary>
    public required CancellationToken Cancellation { get; init; }

    public required ResourceContext Context { get; init; }
}
