using System.Globalization;
using VgpuIac.Engine.Remote;

namespace VgpuIac.Engine.Guests;

/// <summary>
/// Every <c>qm</c> command <c>vgpu_guest</c> runs on the node: argument lists (never shell text), mutating ones marked.
/// <c>qm set</c> is built only from a <see cref="GuestVmChanges"/> (what differs), never from the whole spec.
/// </summary>
internal static class GuestCommands
{
    public static readonly TimeSpan ReadTimeout = TimeSpan.FromMinutes(2);

    /// <summary><c>qm create</c> with the vGPU on <paramref name="gpu"/> and VgpuIac's tag; net0 with the spec's MAC when set.</summary>
    public static RemoteCommand Create(GuestSpec spec, string? gpu)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var args = new List<string>
        {
            "create", spec.VmidText, "--name", spec.Name, "--ostype", spec.IsWindows ? "win11" : "l26",
            "--machine", spec.Machine, "--bios", spec.Bios, "--cpu", spec.Cpu,
            "--cores", spec.Cores.ToString(CultureInfo.InvariantCulture), "--memory", spec.MemoryMb.ToString(CultureInfo.InvariantCulture),
            "--scsihw", "virtio-scsi-single", "--scsi0", $"{spec.Storage}:{spec.DiskSizeGb.ToString(CultureInfo.InvariantCulture)},iothread=1",
            "--net0", GuestNic.Desired(null, spec.Bridge, spec.MacAddress), "--agent", spec.Agent ? "enabled=1" : "enabled=0",
            "--hostpci0", spec.HostPci(gpu), "--tags", GuestDefinition.OwnershipTag,
        };
        if (spec.Bios == "ovmf")
        {
            args.AddRange(["--efidisk0", $"{spec.Storage}:1,efitype=4m,pre-enrolled-keys=0"]);
        }

        if (spec.IsWindows)
        {
            // Windows 11 setup refuses a machine without TPM 2.0 (ostype win11).
            args.AddRange(["--tpmstate0", $"{spec.Storage}:1,version=v2.0"]);
        }

        if (spec.Iso is not null)
        {
            args.AddRange(["--ide2", $"{spec.Iso},media=cdrom"]);
        }

        return new RemoteCommand { Program = "qm", Arguments = [.. args], Mutating = true, Timeout = TimeSpan.FromMinutes(10) };
    }

    /// <summary>
    /// <c>qm clone TEMPLATE VMID --name NAME --full 1 --storage STORAGE</c>: every disk of the template copied onto the spec's
    /// storage; the options that differ are set afterwards and the system disk grown (<see cref="Resize"/>).
    /// </summary>
    public static RemoteCommand Clone(GuestSpec spec, long template)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return RemoteCommand.Of("qm", "clone", template.ToString(CultureInfo.InvariantCulture), spec.VmidText, "--name", spec.Name, "--full", "1", "--storage", spec.Storage)
            .AsMutating().WithTimeout(TimeSpan.FromMinutes(30));
    }

    /// <summary><c>qm resize VMID DISK SIZEG</c>: grows a disk to the spec's size (PVE never shrinks one).</summary>
    public static RemoteCommand Resize(GuestSpec spec, string disk)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return RemoteCommand.Of("qm", "resize", spec.VmidText, disk, spec.DiskSizeGb.ToString(CultureInfo.InvariantCulture) + "G").AsMutating().WithTimeout(TimeSpan.FromMinutes(10));
    }

    /// <summary><c>qm disk move VMID DISK STORAGE --delete 1</c>: the disk onto the spec's storage, the old volume removed.</summary>
    public static RemoteCommand MoveDisk(GuestSpec spec, string disk)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return RemoteCommand.Of("qm", "disk", "move", spec.VmidText, disk, spec.Storage, "--delete", "1").AsMutating().WithTimeout(TimeSpan.FromMinutes(60));
    }

    /// <summary><c>qm config VMID</c> of a template to clone from (read-only).</summary>
    public static RemoteCommand TemplateConfig(long template) => RemoteCommand.Of("qm", "config", template.ToString(CultureInfo.InvariantCulture));

    /// <summary><c>qm set VMID --OPTION VALUE ... [--delete A,B]</c>: exactly the changed options.</summary>
    public static RemoteCommand Set(GuestSpec spec, GuestVmChanges changes)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(changes);
        var args = new List<string> { "set", spec.VmidText };
        foreach (var (key, value) in changes.Set)
        {
            args.AddRange(["--" + key, value]);
        }

        if (!changes.Delete.IsEmpty)
        {
            args.AddRange(["--delete", string.Join(',', changes.Delete)]);
        }

        return new RemoteCommand { Program = "qm", Arguments = [.. args], Mutating = true };
    }

    public static RemoteCommand Start(GuestSpec spec) => RemoteCommand.Of("qm", "start", spec.VmidText).AsMutating().WithTimeout(TimeSpan.FromMinutes(5));

    public static RemoteCommand Stop(GuestSpec spec) => RemoteCommand.Of("qm", "stop", spec.VmidText).AsMutating();

    public static RemoteCommand Shutdown(GuestSpec spec) => RemoteCommand.Of("qm", "shutdown", spec.VmidText).AsMutating().WithTimeout(TimeSpan.FromMinutes(5));

    public static RemoteCommand Destroy(GuestSpec spec) => RemoteCommand.Of("qm", "destroy", spec.VmidText, "--purge").AsMutating();

    public static RemoteCommand Reboot(GuestSpec spec) => RemoteCommand.Of("qm", "reboot", spec.VmidText).AsMutating().WithTimeout(TimeSpan.FromMinutes(10));

    /// <summary>The read-only read of the VM and its guest (see <see cref="GuestScripts.Read"/>).</summary>
    public static RemoteCommand Read(GuestSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);

        // with guest_ssh the guest's facts come over SSH (SshGuestChannel); the agent, when it answers, still gives the addresses
        var setup = spec.GuestSetup != "agent" ? "none" : spec.Ssh is not null ? "net" : spec.IsWindows ? "agent-windows" : "agent";
        return RemoteCommand.Script(GuestScripts.Read, spec.VmidText, setup, GuestScripts.GuestProbe, GuestScripts.WindowsNvidiaSmi, GuestScripts.WindowsTokenPath)
            .WithTimeout(ReadTimeout);
    }

    /// <summary>Waits up to <see cref="GuestSpec.AgentWait"/> for the QEMU guest agent to answer.</summary>
    public static RemoteCommand WaitAgent(GuestSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var seconds = Math.Max(1, (long)Math.Ceiling(spec.AgentWait.TotalSeconds));
        return RemoteCommand.Script(GuestScripts.WaitAgent, spec.VmidText, seconds.ToString(CultureInfo.InvariantCulture))
            .WithTimeout(spec.AgentWait + TimeSpan.FromMinutes(1));
    }
}
