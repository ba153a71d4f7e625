// A Proxmox VE node prepared for vGPU, written against the C# SDK that Pulumi generates from pulumi-resource-vgpu's
// schema (namespace Pulumi.Vgpu). Not compiled in this repository: the Pulumi NuGet package and the generated SDK
// exist only on a machine with the Pulumi CLI (see README.md).
using System.Collections.Generic;
using Pulumi;
using Pulumi.Vgpu;
using Pulumi.Vgpu.Inputs;

return await Deployment.RunAsync(() =>
{
    var config = new Config();
    var hypervisorDriverSha256 = config.Require("hostDriverSha256");

    // The node is reached with the provider configuration (Pulumi.<stack>.yaml, see README.md):
    //   pulumi config set --path 'vgpu:node.pve1.host' 192.168.1.10
    //   pulumi config set --path 'vgpu:node.pve1.hostKeySha256' 'SHA256:...'
    //   pulumi config set --secret vgpu:privateKey "$(cat ~/.ssh/id_ed25519)"

    // Everything for one node in one declaration: the children are registered under the component
    // (lab-driver, lab-unlock, lab-override-<vmid>, lab-dls, lab-guest-<vmid>) in dependency order.
    var lab = new VgpuNode("lab", new VgpuNodeArgs
    {
        Node = "pve1",
        HostDriver = new VgpuNodeHostDriverArgs
        {
            Version = "535.230.02",
            InstallerUrl = "https://files.example.internal/NVIDIA-Linux-x86_64-535.230.02-vgpu-kvm.run",
            InstallerSha256 = hypervisorDriverSha256,
        },
        Unlock = new VgpuNodeUnlockArgs
        {
            LibraryUrl = "https://files.example.internal/libvgpu_unlock_rs.so",
            LibrarySha256 = config.Require("unlockSha256"),
        },
        ProfileOverrides =
        {
            new VgpuNodeProfileOverrideArgs { Vmid = 101, NumDisplays = 1, DisplayWidth = 1920, DisplayHeight = 1080, FrlEnabled = 0 },
        },
        LicenseServer = new VgpuNodeLicenseServerArgs
        {
            Vmid = 900,
            DlsUrl = "192.168.1.50",
            IpAddress = "192.168.1.50/24",
            Gateway = "192.168.1.1",
        },
        // Guests without a licenseToken receive the licence server's client token (a secret).
        Guests =
        {
            new VgpuNodeGuestArgs { Vmid = 101, Name = "cad-01", MdevTypeName = "GRID P40-2Q", Iso = "local:iso/ubuntu-22.04.4-live-server-amd64.iso" },
        },
    });

    // A single resource next to the component: a second guest, licensed with the same server's token.
    var render = new Guest("render-02", new GuestArgs
    {
        Node = "pve1",
        Vmid = 102,
        Name = "render-02",
        MdevType = "nvidia-50",
        LicenseToken = config.RequireSecret("licenseToken"),
    }, new CustomResourceOptions { DependsOn = { lab } });

    // The node-facts function on its own.
    var facts = GetNode.Invoke(new GetNodeInvokeArgs { Node = "pve1" });

    return new Dictionary<string, object?>
    {
        ["licenseServerUrl"] = lab.LicenseServerUrl,
        ["guestLicenses"] = lab.GuestLicenseStatuses,
        ["runningKernel"] = facts.Apply(f => f.RunningKernel),
        ["renderStatus"] = render.LicenseStatus,
    };
});
