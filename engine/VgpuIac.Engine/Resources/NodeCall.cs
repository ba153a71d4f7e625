using VgpuIac.Engine.Diagnostics;
using VgpuIac.Engine.Nodes;
using VgpuIac.Engine.Remote;
using VgpuIac.Engine.Values;

namespace VgpuIac.Engine.Resources;

/// <summary>
/// Runs one resource operation against the node named in the configuration, turning transport failures into
/// diagnostics that say what to do. Every resource goes through here, so the wording is the same everywhere.
/// </summary>
internal static class NodeCall
{
    /// <summary>
    /// Resolves the node named by the <c>node</c> attribute of <paramref name="config"/> (or the only node) and runs
    /// <paramref name="operation"/>. Returns default when the node is unknown or unreachable (diagnostics say why).
    /// </summary>
    public static async Task<T?> RunAsync<T>(
        ResourceContext context,
        Value config,
        string verbAndThing,
        DiagnosticBag diagnostics,
        Func<IRemoteShell, Task<T>> operation)
    {
        var nodeName = config[ProviderSchema.NodeAttribute.Name].StringOrNull;
        var shell = context.Nodes.Resolve(nodeName, AttributePath.Of(ProviderSchema.NodeAttribute.Name), diagnostics);
        if (shell is null)
        {
            return default;
        }

        try
        {
            return await operation(shell).ConfigureAwait(false);
        }
        catch (NodeConnectionException e)
        {
            diagnostics.Add(ToDiagnostic(e, verbAndThing, shell.NodeName));
            return default;
        }
    }

    /// <summary>"Unable to {verbAndThing}" with the transport's message and remedy.</summary>
    public static Diagnostic ToDiagnostic(NodeConnectionException e, string verbAndThing, string nodeName)
    {
        var remedy = e.Remedy ?? (e.HostKeyMismatch
            ? "Check that you are talking to the right machine, then update host_key_sha256 or known_hosts."
            : e.DroppedMidCommand
                ? "The connection dropped while a command was running; its effect is unknown. Run apply again: every step checks what is already done."
                : e.RebootTimedOut
                    ? "Check the node's console; once it is up, run apply again."
                    : "Check that the node is up, that sshd listens on the configured host and port, and the credentials.");
        return Diagnostic.Error($"Unable to {verbAndThing}", $"Node \"{nodeName}\": {e.Message} {remedy}", AttributePath.Of(ProviderSchema.NodeAttribute.Name));
    }
}
