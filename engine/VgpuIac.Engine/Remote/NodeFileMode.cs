using System.Collections.Immutable;
using System.Globalization;
using VgpuIac.Engine.Schema;
using VgpuIac.Engine.Values;

namespace VgpuIac.Engine.Remote;

/// <summary>
/// The permission bits and owner of a file on a node, as <c>stat -L -c '%a %u %g'</c> prints them. A file VgpuIac places
/// belongs to root:root with the mode VgpuIac chose (<see cref="RemoteFile.ExecutableMode"/>, <see cref="RemoteFile.ConfigMode"/>,
/// <see cref="RemoteFile.SecretMode"/>); another owner, or a permission VgpuIac does not grant (0666 where it sets 0755), is drift
/// that the plan shows and the apply repairs.
/// </summary>
internal sealed record NodeFileMode(int Mode, int Uid, int Gid)
{
    /// <summary>
    /// Shell function for read-only probes: <c>filemode PATH...</c> prints <c>filemode\tPATH\tMODE UID GID</c> for each PATH
    /// that is a file (symbolic links are followed, as chmod and chown follow them), all from one <c>stat</c>.
    /// </summary>
    public const string ProbeFunction = """
        filemode() { local f e=(); for f in "$@"; do [ -f "$f" ] && e+=("$f"); done; [ ${#e[@]} -eq 0 ] || stat -L --printf 'filemode\t%n\t%a %u %g\n' -- "${e[@]}"; return 0; }
        """;

    /// <summary>The first field of a probe line of <see cref="ProbeFunction"/>.</summary>
    public const string ProbeTag = "filemode";

    /// <summary>
    /// Sets owner and mode of files given as argument pairs (<c>MODE PATH</c>, mode in octal): root:root first, then the mode,
    /// so the file is never writable by its old owner once the command ends.
    /// </summary>
    public const string RepairScript = """
        set -u
        while [ $# -ge 2 ]; do
          chown root:root -- "$2" && chmod "$1" -- "$2" || exit 1
          shift 2
        done
        """;

    /// <summary>The computed attribute that shows the owner and mode of the files a resource places.</summary>
    public const string AttributeName = "file_modes";

    /// <summary>
    /// The <see cref="AttributeName"/> attribute; <paramref name="files"/> names the files (markdown). <paramref name="exact"/>:
    /// the files get exactly our owner and mode (a shared file), else a file that grants less than ours is left as it is.
    /// </summary>
    public static AttributeDefinition Attribute(string files, bool exact = false) => Attr.Computed(AttributeName, AttrType.MapOf(AttrType.String),
        $"Owner and mode of {files} on the node, by path, e.g. `0755 root:root`. VgpuIac places them as root:root with its own mode " +
        "(0755 for libraries and executables, 0644 for configuration); a refresh that finds " +
        (exact
            ? "another owner or mode (`0666 root:root`, `0644 1000:1000`) shows the file here as a change, and the apply sets them back."
            : "another owner or a permission VgpuIac does not grant (`0666 root:root`, `0644 1000:1000`) shows the file here as a change, and the apply sets them back; a file that grants less (a hand-made library of mode 0644) is left as it is."));

    /// <summary>root:root with <paramref name="mode"/>.</summary>
    public static NodeFileMode Ours(int mode) => new(mode, 0, 0);

    /// <summary>Parses the <c>MODE UID GID</c> field of a probe line; null when it is not that.</summary>
    public static NodeFileMode? Parse(string text)
    {
        var f = text.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (f.Length != 3 || f[0].Length is 0 or > 4 || !f[0].All(c => c is >= '0' and <= '7')
            || !int.TryParse(f[1], NumberStyles.None, CultureInfo.InvariantCulture, out var uid)
            || !int.TryParse(f[2], NumberStyles.None, CultureInfo.InvariantCulture, out var gid))
        {
            return null;
        }

        return new NodeFileMode(Convert.ToInt32(f[0], 8), uid, gid);
    }

    /// <summary>Adds the file of a probe line (<c>filemode PATH MODE-UID-GID</c>, already split at tabs) to <paramref name="modes"/>.</summary>
    public static void Collect(string[] fields, ImmutableSortedDictionary<string, NodeFileMode>.Builder modes)
    {
        if (fields.Length >= 3 && fields[0] == ProbeTag && fields[1].StartsWith('/') && Parse(fields[2]) is { } mode)
        {
            modes[fields[1]] = mode;
        }
    }

    /// <summary>The mode in octal, e.g. <c>0644</c>.</summary>
    public string OctalMode => "0" + Convert.ToString(Mode, 8).PadLeft(3, '0');

    /// <summary>What the plan shows: <c>0644 root:root</c>, or numeric ids for other owners (<c>0666 1000:1000</c>).</summary>
    public string Describe() => $"{OctalMode} {Name(Uid)}:{Name(Gid)}";

    /// <summary>
    /// The <c>file_modes</c> value: each file in <paramref name="files"/> that the node has, by path, as <see cref="Describe"/> says.
    /// </summary>
    public static Value ToValue(IReadOnlyDictionary<string, NodeFileMode> found, IEnumerable<string> files) =>
        Value.Map(files.Where(found.ContainsKey).Distinct().Select(p => KeyValuePair.Create(p, Value.String(found[p].Describe()))));

    /// <summary>
    /// True when this owner and mode give nobody more than VgpuIac's <paramref name="mode"/> does: root:root, and no permission
    /// bit (setuid, setgid and sticky included) that <paramref name="mode"/> lacks. A hand-made library of mode 0644 fits 0755
    /// (nobody but root can change it) and is left as it is; 0666, 0775 or an owner other than root does not.
    /// </summary>
    public bool Fits(int mode) => Uid == 0 && Gid == 0 && (Mode & ~mode) == 0;

    /// <summary>
    /// The planned <c>file_modes</c> value: every file of <paramref name="wanted"/> that the node has, as it is when it fits
    /// our mode, else with our owner and mode (what the apply sets).
    /// </summary>
    public static Value Planned(IReadOnlyDictionary<string, NodeFileMode> found, IEnumerable<(string Path, int Mode)> wanted) =>
        Value.Map(wanted.Where(w => found.ContainsKey(w.Path)).DistinctBy(w => w.Path)
            .Select(w => KeyValuePair.Create(w.Path, Value.String((found[w.Path].Fits(w.Mode) ? found[w.Path] : Ours(w.Mode)).Describe()))));

    /// <summary>The files of <paramref name="wanted"/> the node has with an owner or mode that does not fit ours (<see cref="Fits"/>).</summary>
    public static ImmutableArray<(string Path, NodeFileMode Found, int Mode)> Drifted(IReadOnlyDictionary<string, NodeFileMode> found, IEnumerable<(string Path, int Mode)> wanted) =>
        [.. wanted.DistinctBy(w => w.Path).Where(w => found.TryGetValue(w.Path, out var f) && !f.Fits(w.Mode)).Select(w => (w.Path, found[w.Path], w.Mode))];

    /// <summary>The command that gives <paramref name="files"/> our owner and mode (mutating).</summary>
    public static RemoteCommand Repair(IEnumerable<(string Path, int Mode)> files) =>
        RemoteCommand.Script(RepairScript, [.. files.SelectMany(f => new[] { Convert.ToString(f.Mode, 8), f.Path })]).AsMutating();

    private static string Name(int id) => id == 0 ? "root" : id.ToString(CultureInfo.InvariantCulture);
}
