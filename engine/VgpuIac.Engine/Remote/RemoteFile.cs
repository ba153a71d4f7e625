namespace VgpuIac.Engine.Remote;

/// <summary>A file to write atomically on a node (temp file in the same folder, then rename).</summary>
public sealed record RemoteFile
{
    /// <summary>0755: executables, installers and libraries.</summary>
    public const int ExecutableMode = 0x1ED;

    /// <summary>0644: configuration.</summary>
    public const int ConfigMode = 0x1A4;

    /// <summary>0600: secrets.</summary>
    public const int SecretMode = 0x180;

    /// <summary>Absolute path on the node.</summary>
    public required string Path { get; init; }

    /// <summary>The file's full content.</summary>
    public required ReadOnlyMemory<byte> Content { get; init; }

    /// <summary>Octal permission bits, e.g. 0x1A4 (0644); secrets use 0600.</summary>
    public int Mode { get; init; } = Convert.ToInt32("644", 8);

    /// <summary>The owning user.</summary>
    public string Owner { get; init; } = "root";

    /// <summary>The owning group.</summary>
    public string Group { get; init; } = "root";

    /// <summary>Secret content is never logged.</summary>
    public bool Sensitive { get; init; }

    /// <summary>Create missing parent folders (mode 0755).</summary>
    public bool CreateParents { get; init; } = true;
}
