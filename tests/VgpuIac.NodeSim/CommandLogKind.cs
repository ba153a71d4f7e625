namespace VgpuIac.NodeSim;

/// <summary>The kinds of command log entries.</summary>
public static class CommandLogKind
{
    /// <summary>An SSH exec request (logged by session.sh when it ends).</summary>
    public const string Exec = "exec";

    /// <summary>An SFTP session.</summary>
    public const string Sftp = "sftp";

    /// <summary>An interactive SSH shell session.</summary>
    public const string Shell = "shell";

    /// <summary>A shim invocation that only read node state.</summary>
    public const string ShimRead = "shim-r";

    /// <summary>A shim invocation that changed node state.</summary>
    public const string ShimMutate = "shim-m";

    /// <summary>A (re)boot of the node (text: <c>boot N</c>).</summary>
    public const string Boot = "boot";
}
