namespace VgpuIac.Engine.Remote;

/// <summary>What a command did on the node.</summary>
public sealed record RemoteResult(int ExitCode, string StandardOutput, string StandardError, TimeSpan Duration)
{
    /// <summary>The command exited 0.</summary>
    public bool Succeeded => ExitCode == 0;
}
