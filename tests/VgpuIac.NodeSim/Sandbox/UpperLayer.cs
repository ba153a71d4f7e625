using System.Text;

namespace VgpuIac.NodeSim.Sandbox;

/// <summary>Writes files into the overlay's upper directory at the paths the node will see, resolving the
/// host's usr-merge symlinks (<c>/lib</c>, <c>/bin</c>, <c>/sbin</c>) so a file never shadows them.</summary>
internal sealed class UpperLayer(string upperDir)
{
    public const UnixFileMode Mode644 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    public const UnixFileMode Mode755 = Mode644 | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
    public const UnixFileMode Mode600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    public const UnixFileMode Mode700 = Mode600 | UnixFileMode.UserExecute;

    public string UpperDir { get; } = upperDir;

    /// <summary>The upper-layer path for a path inside the node.</summary>
    public string Map(string nodePath) => UpperDir + ResolveHostSymlinks(nodePath);

    public void Directory(string nodePath, UnixFileMode mode = Mode755)
    {
        var target = Map(nodePath);
        System.IO.Directory.CreateDirectory(target);
        File.SetUnixFileMode(target, mode);
    }

    public void Write(string nodePath, string content, UnixFileMode mode = Mode644) =>
        Write(nodePath, Encoding.UTF8.GetBytes(content), mode);

    public void Write(string nodePath, byte[] content, UnixFileMode mode = Mode644)
    {
        var target = Map(nodePath);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        File.WriteAllBytes(target, content);
        File.SetUnixFileMode(target, mode);
    }

    public void Copy(string hostFile, string nodePath, UnixFileMode mode) => Write(nodePath, File.ReadAllBytes(hostFile), mode);

    public void Symlink(string nodePath, string linkTarget)
    {
        var target = Map(nodePath);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        File.CreateSymbolicLink(target, linkTarget);
    }

    /// <summary>Resolves symlinks of the host's root filesystem (the overlay's lower layer) in the directory
    /// part of <paramref name="nodePath"/>, e.g. <c>/lib/modules/x</c> becomes <c>/usr/lib/modules/x</c>.</summary>
    internal static string ResolveHostSymlinks(string nodePath)
    {
        var parts = nodePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var resolved = new List<string>();
        for (var i = 0; i < parts.Length; i++)
        {
            resolved.Add(parts[i]);
            if (i == parts.Length - 1)
            {
                break;
            }

            var hostPath = "/" + string.Join('/', resolved);
            var info = new FileInfo(hostPath);
            if (info.Exists || System.IO.Directory.Exists(hostPath))
            {
                var link = info.LinkTarget;
                if (link is not null)
                {
                    var parent = "/" + string.Join('/', resolved.Take(resolved.Count - 1));
                    var absolute = Path.GetFullPath(link.StartsWith('/') ? link : Path.Combine(parent, link));
                    resolved = [.. absolute.Split('/', StringSplitOptions.RemoveEmptyEntries)];
                }
            }
        }

        return "/" + string.Join('/', resolved);
    }
}
