using System.Collections.Immutable;
using System.Globalization;

namespace VgpuIac.Engine.Licensing;

/// <summary>Owner and mode of one file of the cert volume, as <c>stat -c "%n %a %u %g"</c> prints them.</summary>
internal sealed record DlsFileMode(string Name, int Mode, long Uid, long Gid)
{
    public bool RootOwned => Uid == 0 && Gid == 0;

    public string ModeText => "0" + Convert.ToString(Mode, 8).PadLeft(3, '0');
}

/// <summary>One repair of the cert volume: a file whose owner or mode is not VgpuIac's (changed in place, content untouched), or a file to remove.</summary>
internal sealed record DlsKeyFileRepair(string Name, DlsFileMode? Now, string? WantedMode)
{
    public bool Remove => WantedMode is null;

    /// <summary>What the plan and the status show: <c>si_private_key.pem 0644 -> 0600</c>, <c>webserver.key owner 1000:1000 -> root</c>.</summary>
    public string Text
    {
        get
        {
            if (Remove || Now is null)
            {
                return Name;
            }

            var parts = new List<string> { Name };
            if (Now.ModeText != WantedMode)
            {
                parts.Add($"{Now.ModeText} -> {WantedMode}");
            }

            if (!Now.RootOwned)
            {
                parts.Add($"owner {Now.Uid.ToString(CultureInfo.InvariantCulture)}:{Now.Gid.ToString(CultureInfo.InvariantCulture)} -> root");
            }

            return string.Join(' ', parts);
        }
    }
}

/// <summary>
/// The owners and modes the key material must have (owner root; private keys 0600; certificates and public keys not
/// writable by others, 0644 when repaired), and the files of the other FastAPI-DLS major version that must go. FastAPI-DLS
/// 2.x creates its chain files with mode 0644 when they are missing, so a server made by hand has world-readable keys.
/// </summary>
internal static class DlsKeyFileModes
{
    /// <summary>Status prefix of a cert volume whose owners or modes need repair.</summary>
    public const string ModesStatus = "key file modes";

    /// <summary>Status prefix of a cert volume that still holds the other major version's signing files.</summary>
    public const string OtherVersionStatus = "other version's key files";

    public static readonly ImmutableHashSet<string> PrivateKeyFiles =
        ImmutableHashSet.Create(StringComparer.Ordinal, DlsKeyMaterial.WebKeyFile, "root_private_key.pem", "ca_private_key.pem", "si_private_key.pem", "instance.private.pem");

    public static readonly ImmutableHashSet<string> PublicFiles =
        ImmutableHashSet.Create(StringComparer.Ordinal, DlsKeyMaterial.WebCertificateFile, DlsKeyMaterial.RootCertificateFile, "ca_certificate.pem", DlsKeyMaterial.SiCertificateFile, DlsKeyMaterial.InstancePublicKeyFile);

    /// <summary>Parses the <c>### modes</c> section of <see cref="DlsCommands.Read"/>: one <c>name mode uid gid</c> line per file.</summary>
    public static ImmutableArray<DlsFileMode> Parse(string section)
    {
        var files = ImmutableArray.CreateBuilder<DlsFileMode>();
        foreach (var line in (section ?? string.Empty).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var p = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (p.Length == 4
                && TryOctal(p[1], out var mode)
                && long.TryParse(p[2], NumberStyles.None, CultureInfo.InvariantCulture, out var uid)
                && long.TryParse(p[3], NumberStyles.None, CultureInfo.InvariantCulture, out var gid))
            {
                files.Add(new DlsFileMode(p[0], mode, uid, gid));
            }
        }

        return files.ToImmutable();
    }

    /// <summary>
    /// Key files whose owner or mode is not VgpuIac's: a private key not owned by root or readable by anyone else
    /// (repaired to 0600), a certificate or public key not owned by root or writable by others (repaired to 0644).
    /// </summary>
    public static ImmutableArray<DlsKeyFileRepair> ModeRepairs(IEnumerable<DlsFileMode> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        var repairs = ImmutableArray.CreateBuilder<DlsKeyFileRepair>();
        foreach (var f in files.OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            if (PrivateKeyFiles.Contains(f.Name) && (!f.RootOwned || (f.Mode & Convert.ToInt32("077", 8)) != 0))
            {
                repairs.Add(new DlsKeyFileRepair(f.Name, f, "0600"));
            }
            else if (PublicFiles.Contains(f.Name) && (!f.RootOwned || (f.Mode & Convert.ToInt32("022", 8)) != 0))
            {
                repairs.Add(new DlsKeyFileRepair(f.Name, f, "0644"));
            }
        }

        return repairs.ToImmutable();
    }

    /// <summary>The signing files of the major version other than <paramref name="major"/> that the cert volume holds.</summary>
    public static ImmutableArray<DlsKeyFileRepair> OtherVersionFiles(IEnumerable<DlsFileMode> files, int major)
    {
        ArgumentNullException.ThrowIfNull(files);
        var other = DlsKeyMaterial.SigningFiles(major == 1 ? 2 : 1);
        return [.. files.Where(f => other.Contains(f.Name)).OrderBy(f => f.Name, StringComparer.Ordinal).Select(f => new DlsKeyFileRepair(f.Name, f, null))];
    }

    /// <summary>What the status says about the cert volume, or null when its owners, modes and files are VgpuIac's.</summary>
    public static string? StatusText(IEnumerable<DlsFileMode> files, int major)
    {
        var all = files.ToList();
        var modes = ModeRepairs(all);
        var other = OtherVersionFiles(all, major);
        var parts = new List<string>();
        if (!modes.IsEmpty)
        {
            parts.Add($"{ModesStatus}: {string.Join(", ", modes.Select(r => r.Text))}");
        }

        if (!other.IsEmpty)
        {
            parts.Add($"{OtherVersionStatus}: {string.Join(", ", other.Select(r => r.Text))}");
        }

        return parts.Count == 0 ? null : string.Join("; ", parts);
    }

    private static bool TryOctal(string text, out int value)
    {
        value = 0;
        if (text.Length is 0 or > 4 || text.Any(c => c is < '0' or > '7'))
        {
            return false;
        }

        value = Convert.ToInt32(text, 8);
        return true;
    }
}
