using System.Globalization;
using System.Text;
using VgpuIac.Engine.Values;
using D = VgpuIac.Engine.Guests.GuestDefinition;

namespace VgpuIac.Engine.Guests;

/// <summary>
/// A guest's state from what the node says (<see cref="GuestNodeState"/>); attributes the node cannot tell (driver
/// source, token, timeouts, SSH settings) come from <c>basis</c>, the state or plan that was applied. A value the node
/// writes another way than the basis (a GPU address without its domain, a MAC in other case) keeps the basis's form.
/// </summary>
internal static class GuestState
{
    public static Value ToValue(GuestNodeState node, Value basis)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(basis);
        var fields = new Dictionary<string, Value>(StringComparer.Ordinal);
        foreach (var a in D.Definition.Attributes)
        {
            fields[a.Name] = basis[a.Name].IsUnknown ? Value.Null : basis[a.Name];
        }

        var c = node.Config!;
        var vmid = basis[D.Vmid].AsInt64();
        fields[D.Id] = Value.String($"{basis[D.Node].StringOrNull}/{vmid.ToString(CultureInfo.InvariantCulture)}");
        fields[D.Name] = Value.FromString(c.Name);
        fields[D.Machine] = Value.String(c.Machine ?? GuestPlanner.PveDefaultMachine);
        fields[D.Bios] = Value.String(c.Bios ?? "seabios");
        fields[D.Os] = Value.String(c.Get("ostype") is { } os && os.StartsWith("win", StringComparison.Ordinal) ? "windows" : "linux");
        fields[D.Cpu] = Value.String(GuestPlanner.CpuType(c.Get("cpu")));
        fields[D.Cores] = Value.Number(GuestPlanner.Number(c.Get("cores"), GuestPlanner.PveDefaultCores));
        fields[D.MemoryMb] = Value.Number(GuestPlanner.Memory(c.Get("memory")));
        fields[D.Agent] = Value.Bool(GuestPlanner.AgentEnabled(c.Get("agent")));
        var net0 = c.Get("net0");
        if (GuestNic.Bridge(net0) is { } bridge)
        {
            fields[D.Bridge] = Value.String(bridge);
        }

        var mac = GuestNic.Mac(net0);
        fields[D.MacAddress] = mac is not null && GuestNic.SameMac(basis[D.MacAddress].StringOrNull, mac) ? basis[D.MacAddress] : Value.FromString(mac);

        if (c.Get("scsi0") is { } scsi0)
        {
            fields[D.Storage] = Value.String(scsi0[..Math.Max(0, scsi0.IndexOf(':', StringComparison.Ordinal))]);
            if (PveProperty.Parse(scsi0).Get("size") is { } size && long.TryParse(size.TrimEnd('G'), CultureInfo.InvariantCulture, out var gb))
            {
                fields[D.DiskSizeGb] = Value.Number(gb);
            }
        }

        fields[D.Iso] = Value.FromString(GuestPlanner.IsoOf(c.Get("ide2")));
        var hp = c.HostPci.FirstOrDefault(h => h.Index == 0);
        fields[D.MdevType] = Value.FromString(hp?.Device.Mdev);
        fields[D.Pcie] = Value.Bool(hp?.Device.Pcie ?? false);
        fields[D.Rombar] = Value.Bool(hp?.Device.Rombar ?? true);
        fields[D.GpuMapping] = Value.FromString(hp?.Device.Mapping);
        var address = hp?.Device.Mapping is null && hp?.Device.HostAddresses is { Length: 1 } one ? one[0].ToString() : null;
        fields[D.Gpu] = address is null ? Value.Null
            : GpuAddress.Same(basis[D.Gpu].StringOrNull, address) ? basis[D.Gpu]
            : Value.String(GpuAddress.Normalize(address));

        fields[D.MdevUuid] = hp?.Device.Mdev is null ? Value.Null : Value.String(GuestPlanner.MdevUuid(vmid));
        fields[D.Status] = Value.String(node.Running ? "running" : "stopped");
        fields[D.Started] = Value.Bool(node.Running);
        fields[D.LicenseStatus] = Value.FromString(node.GuestValue("license_status") ?? (node.Guest is null ? basis[D.LicenseStatus].StringOrNull : null));
        fields[D.GuestDriverVersion] = Value.FromString(node.GuestValue("driver_version") ?? (node.Guest is null ? basis[D.GuestDriverVersion].StringOrNull : null));
        fields[D.IpAddresses] = node.Guest is null && basis[D.IpAddresses].Kind == ValueKind.List ? basis[D.IpAddresses] : Value.FromStrings(node.IpAddresses);
        if (basis[D.LicenseToken].StringOrNull is { } token && node.GuestValue("token_sha256") is { } sha
            && sha != Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(token))))
        {
            // the token in the guest is not the one we installed: show it as a change of license_token
            fields[D.LicenseToken] = Value.String("(changed in the guest)").AsSensitive();
        }
        else if (!fields[D.LicenseToken].IsNull)
        {
            fields[D.LicenseToken] = fields[D.LicenseToken].AsSensitive();
        }

        if (!fields[D.GuestSshPrivateKey].IsNull)
        {
            fields[D.GuestSshPrivateKey] = fields[D.GuestSshPrivateKey].AsSensitive();
        }

        return Value.Object(fields);
    }
}
