using System.Globalization;
using System.Text.RegularExpressions;

namespace VgpuIac.Engine.ProfileOverride;

/// <summary>One section of <c>profile_override.toml</c>, e.g. <c>profile.nvidia-46</c>, <c>vm.104</c> or <c>mdev.&lt;uuid&gt;</c>.</summary>
internal sealed partial record OverrideSection(OverrideTargetKind Kind, string Key)
{
    public string Table => Kind switch
    {
        OverrideTargetKind.Profile => "profile",
        OverrideTargetKind.Mdev => "mdev",
        _ => "vm",
    };

    /// <summary>The dotted name used in ids, e.g. <c>profile.nvidia-46</c>.</summary>
    public string Name => $"{Table}.{Key}";

    /// <summary>The table header the provider writes, e.g. <c>[profile.nvidia-46]</c> (all three keys are valid bare keys).</summary>
    public string Header => $"[{Name}]";

    public static OverrideSection ForType(string mdevType) => new(OverrideTargetKind.Profile, mdevType);

    public static OverrideSection ForVm(long vmid) => new(OverrideTargetKind.Vm, vmid.ToString(CultureInfo.InvariantCulture));

    public static OverrideSection ForMdev(string uuid) => new(OverrideTargetKind.Mdev, uuid);

    /// <summary>Parses <c>profile.nvidia-46</c>, <c>vm.104</c> or <c>mdev.&lt;uuid&gt;</c>; null when it is none of these.</summary>
    public static OverrideSection? Parse(string name)
    {
        var dot = name.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0)
        {
            return null;
        }

        var key = name[(dot + 1)..];
        return name[..dot] switch
        {
            "profile" when IsMdevType(key) => ForType(key),
            "vm" when IsVmid(key) => new OverrideSection(OverrideTargetKind.Vm, key),
            "mdev" when IsMdevUuid(key) => ForMdev(key),
            _ => null,
        };
    }

    public static bool IsMdevType(string text) => MdevTypePattern().IsMatch(text);

    public static bool IsMdevUuid(string text) => UuidPattern().IsMatch(text);

    private static bool IsVmid(string text) => VmidPattern().IsMatch(text);

    [GeneratedRegex("^nvidia-[0-9]{1,6}$", RegexOptions.CultureInvariant)]
    private static partial Regex MdevTypePattern();

    [GeneratedRegex("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", RegexOptions.CultureInvariant)]
    private static partial Regex UuidPattern();

    [GeneratedRegex("^[1-9][0-9]{2,8}$", RegexOptions.CultureInvariant)]
    private static partial Regex VmidPattern();
}
