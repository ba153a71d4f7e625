namespace VgpuIac.NodeSim;

/// <summary>Outcome of a script run inside the node by <see cref="SimulatedNode.ExecAsync"/>.</summary>
public sealed record NodeCommandResult(int ExitCode, string StandardOutput, string StandardError)
{
    public bool Succeeded => ExitCode == 0;
}
