using System.Collections.Immutable;
using System.Globalization;
using System.Security.Cryptography;
using VgpuIac.Engine.Guests;
using VgpuIac.Engine.HostDriver;
using VgpuIac.Engine.Licensing;
using VgpuIac.Engine.ProfileOverride;
using VgpuIac.Engine.Schema;
using VgpuIac.Engine.Unlock;
using VgpuIac.NodeSim;
using VgpuIac.Terraform.Tests.Support;

namespace VgpuIac.Terraform.Tests.Convergence;

/// <summary>Every convergence scenario; the suite and its coverage check enumerate this list.</summary>
public static class Scenarios
{
    public static ImmutableArray<ConvergenceScenario> All { get; } =
    [
        new ProfileOverrideScenario(),
        new UnlockScenario(),
        new HostDriverScenario(),
        new GuestScenario(),
        new DlsLicenseServerScenario(),
    ];
}

public sealed class ProfileOverrideScenario : ConvergenceScenario
{
    public override string FailOnceDuringCreate => "vgpuiac-write"; // its one atomic write of profile_override.toml

    private const string File = "pve1:file/etc/vgpu_unlock/profile_override.toml";
    private static readonly string[] Targets = ["mdev_type", "mdev_type_name", "vmid", "mdev_uuid"];

    public override ResourceDefinition Definition => ProfileOverrideDefinition.Definition;

    public override Task PrepareAsync(SimulatedNode node, string files) => HandMadeNode.InstallHostDriverAsync(node);

    public override ImmutableDictionary<string, string> BaseAttributes(string files) => ImmutableDictionary.CreateRange(new Dictionary<string, string>
    {
        ["node"] = "\"pve1\"",
        ["mdev_type"] = "\"nvidia-46\"",
        ["num_displays"] = "1",
        ["display_width"] = "1920",
        ["display_height"] = "1080",
    });

    /// <summary>Every override key gets a value of its kind (generated from the key table), then the targets switch, then the node.</summary>
    public override ImmutableArray<AttributeCase> Cases(string files)
    {
        var cases = ImmutableArray.CreateBuilder<AttributeCase>();
        foreach (var key in OverrideKeys.All)
        {
            var value = key.Name switch
            {
                "num_displays" => "2",
                "display_width" => "1280",
                "display_height" => "720",
                _ => key.Kind switch
                {
                    OverrideValueKind.Flag => "1",
                    OverrideValueKind.ByteSize => "\"512MiB\"",
                    OverrideValueKind.Text => "\"VgpuIac test\"",
                    _ => "3",
                },
            };
            cases.Add(AttributeCase.Change(key.Name, value, File));
        }

        // changing the target is a new section (replacement): the file changes, nothing else
        cases.Add(AttributeCase.Change("mdev_type_name", "\"GRID P40-2Q\"", File));
        cases.Add(AttributeCase.Change("mdev_type", "\"nvidia-48\"", File));
        cases.Add(AttributeCase.Change("vmid", "104", File));
        cases.Add(AttributeCase.Change("mdev_uuid", "\"00000000-0000-0000-0000-000000000105\"", File));
        cases.Add(MoveToOtherNode);
        return cases.ToImmutable();
    }

    public override ImmutableArray<string> Removes(string attribute) => Targets.Contains(attribute) ? [.. Targets.Where(t => t != attribute)] : [];
}

public sealed class UnlockScenario : ConvergenceScenario
{
    public override string FailOnceDuringCreate => "^systemctl restart";

    public override ResourceDefinition Definition => UnlockDefinition.Definition;

    public override NodeOptions NodeOptions(string hostname) => base.NodeOptions(hostname) with { Gpus = [new GpuDevice("0000:01:00.0", "gtx-1080")] };

    public override async Task PrepareAsync(SimulatedNode node, string files)
    {
        await HandMadeNode.InstallHostDriverAsync(node);
        foreach (var name in new[] { "lib-a.so", "lib-b.so" })
        {
            var path = Path.Combine(files, name);
            if (!System.IO.File.Exists(path))
            {
                await System.IO.File.WriteAllBytesAsync(path, [.. "\u007fELF fake vgpu_unlock-rs "u8.ToArray(), .. RandomNumberGenerator.GetBytes(4096)]);
            }
        }
    }

    public override ImmutableDictionary<string, string> BaseAttributes(string files) => ImmutableDictionary.CreateRange(new Dictionary<string, string>
    {
        ["node"] = "\"pve1\"",
        ["library_source"] = HandMadeNode.Quote(Path.Combine(files, "lib-a.so")),
    });

    public override ImmutableArray<AttributeCase> Cases(string files)
    {
        // the services read the library and config.toml when they start: changing them restarts both
        string[] services = ["pve1:unit/*"];
        return
        [
            AttributeCase.Change("library_sha256", HandMadeNode.Quote(Sha256(Path.Combine(files, "lib-a.so")))) with { PlansNothing = true /* the checksum it defaulted to: pinning it changes nothing */ },
            AttributeCase.Change("restart_with_running_vms", "true" /* a permission: nothing on the node changes */),
            AttributeCase.Change("unlock_migration", "true", ["pve1:file/etc/vgpu_unlock/config.toml", .. services]),
            AttributeCase.Change("unlock", "false", ["pve1:file/etc/vgpu_unlock/config.toml", .. services]),
            AttributeCase.Change("library_source", HandMadeNode.Quote(Path.Combine(files, "lib-b.so")), ["pve1:file/opt/*", .. services]) with { AlsoPlanned = ["library_sha256"] },
            AttributeCase.Change("library_path", "\"/opt/vgpu-unlock/libvgpu_unlock_rs.so\"", ["pve1:file/opt/*", "pve1:file/etc/systemd/system/*", .. services]),
            AttributeCase.Excluded("library_url", "a download needs an HTTPS file server the Terraform tests do not run; the download path is covered by the engine's UnlockNodeTests (FileServer)"),
            MoveToOtherNode,
        ];
    }

    public override ImmutableArray<string> Removes(string attribute) => attribute == "library_source" ? ["library_sha256"] : [];

    private static string Sha256(string path) => System.IO.File.Exists(path) ? Convert.ToHexStringLower(SHA256.HashData(System.IO.File.ReadAllBytes(path))) : new string('0', 64);
}

public sealed class HostDriverScenario : ConvergenceScenario
{
    public override string FailOnceDuringCreate => "^apt-get( -[a-zA-Z]+)* install";

    private const string OldVersion = "535.129.03";
    private const string NewVersion = "535.154.02";

    public override ResourceDefinition Definition => HostDriverSchema.Definition;

    private static string Installer(string files, string version) => Path.Combine(files, version, FakeInstaller.FileName(version));

    public override Task PrepareAsync(SimulatedNode node, string files)
    {
        foreach (var version in new[] { OldVersion, NewVersion })
        {
            if (!System.IO.File.Exists(Installer(files, version)))
            {
                Directory.CreateDirectory(Path.Combine(files, version));
                FakeInstaller.Write(Path.Combine(files, version), version);
            }
        }

        return Task.CompletedTask;
    }

    public override ImmutableDictionary<string, string> BaseAttributes(string files) => ImmutableDictionary.CreateRange(new Dictionary<string, string>
    {
        ["node"] = "\"pve1\"",
        ["installer_source"] = HandMadeNode.Quote(Installer(files, OldVersion)),
        ["reboot_timeout"] = "\"2m\"",
    });

    public override ImmutableArray<AttributeCase> Cases(string files)
    {
        // an upgrade reinstalls: the driver's own files, its services, and the node reboots (which restarts every VM and service)
        string[] upgrade = ["pve1:file/var/lib/nodesim/driver/*", "pve1:unit/*"];
        return
        [
            AttributeCase.Change("installer_sha256", HandMadeNode.Quote(System.IO.File.Exists(Installer(files, OldVersion)) ? FakeInstaller.Sha256(Installer(files, OldVersion)) : new string('0', 64))) with { PlansNothing = true /* the checksum it computed from the file */ },
            AttributeCase.Change("version", HandMadeNode.Quote(OldVersion)) with { PlansNothing = true /* the version the installer's name gives */ },
            AttributeCase.Change("kernel_compatibility", "\"warn\""),
            AttributeCase.Change("reboot_timeout", "\"3m\""),
            AttributeCase.Change("force_destroy", "true"),
            AttributeCase.Change("enable_iommu", "true" /* the simulated node has IOMMU on already: nothing to change */),
            AttributeCase.Change("dkms", "false" /* takes effect at the next installation; the installed driver stays */),
            AttributeCase.Change("installer_source", HandMadeNode.Quote(Installer(files, NewVersion)), upgrade) with { AlsoPlanned = ["installer_sha256", "version"] },
            AttributeCase.Change("reboot", "\"never\"") with { RevertAfter = true },
            AttributeCase.Excluded("installer_url", "a download needs an HTTPS file server the Terraform tests do not run; covered by the engine's HostDriverNodeTests (FileServer)"),
            MoveToOtherNode,
        ];
    }

    public override ImmutableArray<string> Removes(string attribute) => attribute == "installer_source" ? ["installer_sha256", "version"] : [];
}

public sealed class GuestScenario : ConvergenceScenario
{
    public override string FailOnceDuringCreate => "^qm start";

    private const string Vm = "pve1:vm/200/";

    public override ResourceDefinition Definition => GuestDefinition.Definition;

    private static string Driver(string files, string name) => Path.Combine(files, name, FakeGuestDriver.FileName(HandMadeNode.DriverVersion));

    public override async Task PrepareAsync(SimulatedNode node, string files)
    {
        await HandMadeNode.InstallHostDriverAsync(node);

        // a template to clone from
        await node.ExecCheckedAsync("qm create 9000 --name template --memory 1024 --scsi0 local-lvm:8 >/dev/null && qm template 9000 >/dev/null");
        foreach (var (name, size) in new[] { ("a", 0), ("b", 4096) })
        {
            if (!System.IO.File.Exists(Driver(files, name)))
            {
                Directory.CreateDirectory(Path.Combine(files, name));
                FakeGuestDriver.Write(Driver(files, name), HandMadeNode.DriverVersion, size);
            }
        }
    }

    public override ImmutableDictionary<string, string> BaseAttributes(string files) => ImmutableDictionary.CreateRange(new Dictionary<string, string>
    {
        ["node"] = "\"pve1\"",
        ["vmid"] = "200",
        ["name"] = "\"vgpu-guest\"",
        ["cores"] = "2",
        ["memory_mb"] = "2048",
        ["mdev_type_name"] = "\"GRID P40-1Q\"",
        ["guest_driver_source"] = HandMadeNode.Quote(Driver(files, "a")),
        ["guest_driver_sha256"] = HandMadeNode.Quote(Sha256(Driver(files, "a"))),
    });

    public override ImmutableArray<AttributeCase> Cases(string files)
    {
        // a vGPU change takes effect when the VM starts again: the VM restarts
        string[] vgpu = [Vm + "hostpci0", Vm + "run"];
        string[] whole = [Vm + "*"];
        return
        [
            // what the guest knows first, while the guest agent sets it up
            AttributeCase.Change("host_driver_version", HandMadeNode.Quote(HandMadeNode.DriverVersion)),
            AttributeCase.Change("license_wait_timeout", "\"2m\""),
            AttributeCase.Change("agent_wait_timeout", "\"4m\""),
            AttributeCase.Change("guest_driver_source", HandMadeNode.Quote(Driver(files, "b"))) with
            {
                With = ImmutableDictionary<string, string>.Empty.Add("guest_driver_sha256", HandMadeNode.Quote(Sha256(Driver(files, "b")))),
            },
            AttributeCase.Excluded("guest_driver_sha256", "changes together with guest_driver_source in that case (a checksum cannot change without its file)"),
            AttributeCase.Excluded("guest_driver_url", "a download needs an HTTPS file server the Terraform tests do not run; covered by the engine's guest download tests (FileServer)"),
            AttributeCase.Excluded("license_token", "needs a licence server: covered by the engine's LicensingChainTests and DlsLicenseServerLifecycleTests"),
            AttributeCase.Excluded("guest_ssh_host", "direct SSH into the guest: covered by the engine's GuestSshSetupTests"),
            AttributeCase.Excluded("guest_ssh_port", "direct SSH into the guest: covered by the engine's GuestSshSetupTests"),
            AttributeCase.Excluded("guest_ssh_user", "direct SSH into the guest: covered by the engine's GuestSshSetupTests"),
            AttributeCase.Excluded("guest_ssh_private_key", "direct SSH into the guest: covered by the engine's GuestSshSetupTests"),
            AttributeCase.Excluded("guest_ssh_private_key_file", "direct SSH into the guest: covered by the engine's GuestSshSetupTests"),
            AttributeCase.Excluded("guest_ssh_host_key_sha256", "direct SSH into the guest: covered by the engine's GuestSshSetupTests"),

            // the VM's own settings
            AttributeCase.Change("name", "\"vgpu-renamed\"", Vm + "name"),
            AttributeCase.Change("cores", "4", Vm + "cores"),
            AttributeCase.Change("memory_mb", "4096", Vm + "memory"),
            AttributeCase.Change("cpu", "\"x86-64-v2-AES\"", Vm + "cpu"),
            AttributeCase.Change("machine", "\"pc-q35-8.1\"", Vm + "machine"),
            AttributeCase.Change("bridge", "\"vmbr1\"", Vm + "net0"),
            AttributeCase.Change("mac_address", "\"BC:24:11:0A:0B:0C\"", Vm + "net0"),
            AttributeCase.Change("iso", "\"local:iso/ubuntu-22.04.iso\"", Vm + "ide2"),
            AttributeCase.Change("gpu", "\"01:00.0\"" /* the device hostpci0 already names, written the short way: nothing changes */),
            AttributeCase.Change("mdev_type_name", "\"GRID P40-2Q\"", vgpu),
            AttributeCase.Change("mdev_type", "\"nvidia-48\"", vgpu),
            AttributeCase.Change("pcie", "false", vgpu),
            AttributeCase.Change("rombar", "false", vgpu),
            AttributeCase.Excluded("gpu_mapping", "needs a PVE resource mapping (/etc/pve/mapping/pci.cfg), which the simulated node does not have; validated by the engine's guest validation tests"),
            AttributeCase.Change("guest_setup", "\"none\""),
            AttributeCase.Change("agent", "false", Vm + "agent"),
            AttributeCase.Change("started", "false", Vm + "run"),

            // replacements: a new VM (its MAC, disks and SMBIOS UUID are new)
            AttributeCase.Change("disk_size_gb", "40", whole),
            AttributeCase.Change("bios", "\"seabios\"", whole),
            AttributeCase.Change("storage", "\"local-zfs\"", whole),
            AttributeCase.Change("clone_from", "9000" /* the template's 8 GiB disk on local-lvm: cloned onto the storage, grown to disk_size_gb */, whole),
            AttributeCase.Excluded("os", "a Windows guest needs the Windows driver and the simulated Windows guest: covered by the engine's WindowsGuestChainTests"),
            AttributeCase.Change("vmid", "201", "pve1:vm/200/*", "pve1:vm/201/*"),
            MoveToOtherNode,
        ];
    }

    public override ImmutableArray<string> Removes(string attribute) => attribute switch
    {
        "mdev_type" => ["mdev_type_name"],
        "mdev_type_name" => ["mdev_type"],
        _ => [],
    };

    private static string Sha256(string path) => System.IO.File.Exists(path) ? Convert.ToHexStringLower(SHA256.HashData(System.IO.File.ReadAllBytes(path))) : new string('0', 64);
}

public sealed class DlsLicenseServerScenario : ConvergenceScenario
{
    public override string FailOnceDuringCreate => "^pct start";

    private const string Ct = "pve1:ct/250/";

    public override ResourceDefinition Definition => DlsLicenseServerDefinition.Definition;

    private const string OtherTemplate = "debian-12-standard_12.2-1_amd64.tar.zst";

    // the simulated containers share the machine's network: the stand-in listens on 127.0.0.1 at dls_port
    private readonly int _port = LoopbackPorts.Reserve();
    private readonly int _otherPort = LoopbackPorts.Reserve();

    public override Task PrepareAsync(SimulatedNode node, string files) =>
        node.ExecCheckedAsync($"cp /var/lib/vz/template/cache/debian-12-standard_12.7-1_amd64.tar.zst /var/lib/vz/template/cache/{OtherTemplate}");

    public override ImmutableDictionary<string, string> BaseAttributes(string files) => ImmutableDictionary.CreateRange(new Dictionary<string, string>
    {
        ["node"] = "\"pve1\"",
        ["vmid"] = "250",
        ["ip_address"] = "\"192.0.2.50/24\"",
        ["dls_url"] = "\"127.0.0.1\"",
        ["dls_port"] = _port.ToString(CultureInfo.InvariantCulture),
    });

    public override ImmutableArray<AttributeCase> Cases(string files)
    {
        // the server's settings live in the container's files and take effect when its service restarts
        string[] server = ["pve1:file/var/lib/lxc/250/*"];
        string[] whole = [Ct + "*", "pve1:file/var/lib/lxc/*"];
        return
        [
            AttributeCase.Change("lease_expire_days", "30", server),
            AttributeCase.Change("lease_renewal_period", "0.2", server),
            AttributeCase.Change("timezone", "\"Europe/Berlin\"", server),
            AttributeCase.Change("dls_port", _otherPort.ToString(CultureInfo.InvariantCulture), server),
            AttributeCase.Change("dls_url", "\"localhost\"", server),
            AttributeCase.Change("key_generation", "2", server),
            AttributeCase.Change("image", "\"collinwebdesigns/fastapi-dls:2.0.1\"", server),

            // replacements: a new container
            AttributeCase.Change("memory_mb", "1024", whole),
            AttributeCase.Change("disk_size_gb", "6", whole),
            AttributeCase.Change("hostname", "\"dls-renamed\"", whole),
            AttributeCase.Change("bridge", "\"vmbr1\"", whole),
            AttributeCase.Change("ip_address", "\"192.0.2.51/24\"", whole),
            AttributeCase.Change("gateway", "\"192.0.2.1\"", whole),
            AttributeCase.Change("storage", "\"local-zfs\"", whole),
            AttributeCase.Change("template", $"\"local:vztmpl/{OtherTemplate}\"", whole),
            AttributeCase.Excluded("hosting", "docker_host hosting needs a Docker host reachable over SSH: covered by the engine's licence-server Docker tests"),
            AttributeCase.Change("vmid", "251", "pve1:ct/250/*", "pve1:ct/251/*", "pve1:file/var/lib/lxc/*"),
            MoveToOtherNode,
        ];
    }
}
