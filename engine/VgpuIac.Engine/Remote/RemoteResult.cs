namespace VgpuIac.Engine.Remote;

/// <summary>What a command did on the node.</summary>
public sealed record RemoteResult(int ExitCode, string StandardOutput, string StandardError, TimeSpan Duration)
{
    public bool Succeeded => ExitCode == 0;
}
