namespace VgpuIac.NodeSim;

/// <summary>A file written into the node's upper layer before it starts (e.g. an already configured node).</summary>
public sealed record PreseedFile(string Content, UnixFileMode Mode = PreseedFile.DefaultMode)
{
    public const UnixFileMode DefaultMode =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    public const UnixFileMode ExecutableMode = DefaultMode
        | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    public static PreseedFile Text(string content) => new(content);

    public static PreseedFile Executable(string content) => new(content, ExecutableMode);
}
