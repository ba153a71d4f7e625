using System.Globalization;

namespace VgpuIac.Engine.Licensing;

/// <summary>
/// VgpuIac's marker in the cert volume, written after every key file is in place, so that a key installation that
/// stopped half-way is seen by the next plan (the marker still names the old generation) and done again.
/// </summary>
internal sealed record DlsKeyMarker(long? KeyGeneration, int Major)
{
    public const string FileName = "vgpuiac-keys";

    public string Render() =>
        "# Managed by VgpuIac (vgpu_dls_license_server): the key material in this folder\n" +
        $"key_generation={KeyGeneration?.ToString(CultureInfo.InvariantCulture)}\n" +
        $"major={Major.ToString(CultureInfo.InvariantCulture)}\n";

    public static DlsKeyMarker? Parse(string text)
    {
        long? generation = null;
        int? major = null;
        foreach (var line in text.Split('\n'))
        {
            var kv = line.Trim().Split('=', 2);
            if (kv.Length != 2)
            {
                continue;
            }

            if (kv[0] == "key_generation" && long.TryParse(kv[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var g))
            {
                generation = g;
            }
            else if (kv[0] == "major" && int.TryParse(kv[1], NumberStyles.None, CultureInfo.InvariantCulture, out var m))
            {
                major = m;
            }
        }

        return major is { } mj ? new DlsKeyMarker(generation, mj) : null;
    }
}
