using System.Security.Cryptography;
using System.Text.Json.Nodes;
using VgpuIac.NodeSim;
using VgpuIac.Pulumi.Tests.Support;
using static VgpuIac.Pulumi.Tests.Support.RpcSteps;

namespace VgpuIac.Pulumi.Tests.Plugin;

/// <summary>
/// The Pulumi door of issue 16: the tutorial's node made by hand (host driver, vgpu_unlock with hand-written drop-ins,
/// a hand-written <c>[profile.nvidia-46]</c>, a running Linux VM with its vGPU on the short address) is imported the way
/// the engine imports a resource with an import ID: Read with the ID, Check of the program's inputs against what the Read
/// returned, Diff that must show nothing (Pulumi refuses an import whose inputs do not match). The next <c>pulumi up</c>
/// (a new plugin process: refresh, Check, Diff) shows nothing either. Neither runs one mutating command on the node;
/// every file and <c>qm config</c> stays byte for byte.
/// </summary>
public sealed class TutorialImportTests : IAsyncLifetime
{
    private const string Library = "/opt/vgpu_unlock-rs/target/release/libvgpu_unlock_rs.so";
    private const string VgpudDropIn = "/etc/systemd/system/nvidia-vgpud.service.d/vgpu_unlock.conf";
    private const string MgrDropIn = "/etc/systemd/system/nvidia-vgpu-mgr.service.d/vgpu_unlock.conf";
    private const string Override = "/etc/vgpu_unlock/profile_override.toml";

    private const string TutorialOverride =
        "[profile.nvidia-46]\nnum_displays = 1\ndisplay_width = 1920\ndisplay_height = 1080\nmax_pixels = 2073600\ncuda_enabled = 1\nfrl_enabled = 0\nframebuffer = 939524096\n";

    private static readonly string[] Files = ["/etc/modprobe.d/blacklist-nouveau.conf", Library, VgpudDropIn, MgrDropIn, "/etc/vgpu_unlock/config.toml", Override, "/etc/pve/qemu-server/200.conf"];

    private readonly string _files = Directory.CreateTempSubdirectory("vgpu-pulumi-tutorial-").FullName;
    private SimulatedNode? _node;

    public async Task InitializeAsync()
    {
        if (NodeHostRequirements.WhyUnavailable() is null || Environment.GetEnvironmentVariable("CI") == "true")
        {
            _node = await SimulatedNode.StartAsync(new NodeOptions { Hostname = "pve1", RebootDelay = 0.5, Gpus = [new GpuDevice("0000:01:00.0", "gtx-1080")] });
        }
    }

    public async Task DisposeAsync()
    {
        if (_node is not null)
        {
            await _node.DisposeAsync();
        }

        Directory.Delete(_files, recursive: true);
    }

    /// <summary>
    /// One imported resource: its type, import ID, the program's inputs holding the hand-made values, and the inputs the
    /// node cannot tell (a path on the machine running Pulumi), which the program lists in <c>ignoreChanges</c>: Pulumi
    /// refuses an import whose inputs differ from what the Read returned.
    /// </summary>
    private sealed record Imported(string Type, string Name, string Id, JsonObject Inputs, params string[] IgnoreChanges);

    private IReadOnlyList<Imported> Program(string installer, string library) =>
    [
        new("vgpu:index:HostDriver", "driver", "pve1", new JsonObject { ["node"] = "pve1", ["installerSource"] = installer }, "installerSource"),
        new("vgpu:index:Unlock", "unlock", "pve1", new JsonObject { ["node"] = "pve1", ["librarySource"] = library, ["unlock"] = true }, "librarySource"),
        new("vgpu:index:ProfileOverride", "nvidia46", "pve1/profile.nvidia-46", new JsonObject
        {
            ["node"] = "pve1", ["mdevType"] = "nvidia-46", ["numDisplays"] = 1, ["displayWidth"] = 1920, ["displayHeight"] = 1080,
            ["maxPixels"] = 2073600, ["cudaEnabled"] = 1, ["frlEnabled"] = 0, ["framebuffer"] = "939524096",
        }),
        new("vgpu:index:Guest", "ubuntu", "pve1/200", new JsonObject
        {
            ["node"] = "pve1", ["vmid"] = 200, ["name"] = "vgpu-ubuntu", ["cores"] = 4, ["memoryMb"] = 4096,
            ["mdevType"] = "nvidia-46", ["gpu"] = "0000:01:00.0", ["pcie"] = false,
        }),
    ];

    /// <summary>The tutorial's steps by hand: packages, driver, vgpu_unlock, the override section, the VM started.</summary>
    private static async Task MakeByHandAsync(SimulatedNode node, string library)
    {
        await node.ExecCheckedAsync("apt-get install -y build-essential dkms mdevctl >/dev/null");
        await NodeSetup.InstallHostDriverByHandAsync(node);
        var r = await node.ExecAsync("mkdir -p /opt/vgpu_unlock-rs/target/release && base64 -d > " + Library, standardInput: Convert.ToBase64String(await File.ReadAllBytesAsync(library)));
        Assert.True(r.Succeeded, r.StandardError);
        await node.ExecCheckedAsync(
            "mkdir -p /etc/vgpu_unlock /etc/systemd/system/nvidia-vgpud.service.d /etc/systemd/system/nvidia-vgpu-mgr.service.d && " +
            $"printf '[Service]\\nEnvironment=LD_PRELOAD={Library}\\n' > {VgpudDropIn} && " +
            $"printf '[Service]\\nEnvironment=LD_PRELOAD={Library}\\n' > {MgrDropIn} && " +
            "printf 'unlock = true\\n' > /etc/vgpu_unlock/config.toml && " +
            "systemctl daemon-reload && systemctl restart nvidia-vgpud.service nvidia-vgpu-mgr.service");
        await node.ExecCheckedAsync($"cat > {Override} <<'EOF'\n{TutorialOverride}EOF");
        await node.ExecCheckedAsync("qm create 200 --name vgpu-ubuntu --ostype l26 --machine q35 --bios ovmf --efidisk0 local-lvm:1,efitype=4m,pre-enrolled-keys=0 " +
            "--cpu host --cores 4 --memory 4096 --scsihw virtio-scsi-single --scsi0 local-lvm:32,iothread=1 --net0 virtio,bridge=vmbr0 --agent enabled=1 >/dev/null");
        await node.ExecCheckedAsync("qm set 200 --hostpci0 01:00.0,mdev=nvidia-46 >/dev/null && qm start 200 >/dev/null");
    }

    private static async Task<string> SnapshotAsync(SimulatedNode node) =>
        await node.ExecCheckedAsync("sha256sum -- " + string.Join(' ', Files)) + await node.ExecCheckedAsync("qm config 200") + await node.ExecCheckedAsync("qm status 200");

    private static JsonArray Names(string[] names) => new([.. names.Select(n => (JsonNode)n)]);

    [NodeEngineFact]
    public async Task The_tutorials_hand_made_node_is_imported_with_no_diff_and_the_next_up_changes_nothing()
    {
        var node = _node!;
        var installer = FakeInstaller.Write(_files, NodeSetup.HostDriverVersion);
        var library = Path.Combine(_files, "libvgpu_unlock_rs.so");
        await File.WriteAllBytesAsync(library, [.. "\u007fELF fake vgpu_unlock-rs "u8.ToArray(), .. RandomNumberGenerator.GetBytes(4096)]);
        await MakeByHandAsync(node, library);
        var before = await SnapshotAsync(node);
        var program = Program(installer, library);

        // the import: per resource Read(id, import), Check(program inputs, olds = what the read returned), Diff
        var importSteps = new JsonArray { Step("configure", ("args", NodeConfig.For(node))) };
        foreach (var r in program)
        {
            importSteps.Add(On(r.Type, r.Name, "read", ("id", r.Id), ("import", true)));
            importSteps.Add(On(r.Type, r.Name, "check", ("news", r.Inputs.DeepClone())));
            importSteps.Add(On(r.Type, r.Name, "diff", ("ignoreChanges", Names(r.IgnoreChanges))));
        }

        var import = await PulumiEngine.RunAsync(importSteps, timeout: TimeSpan.FromMinutes(6));
        var stored = new List<(Imported Resource, JsonObject Outputs, JsonObject Inputs)>();
        for (var i = 0; i < program.Count; i++)
        {
            var r = program[i];
            var read = import.Ok(1 + (3 * i));
            Assert.Equal(r.Id, read["id"]!.GetValue<string>());
            var check = import.Ok(2 + (3 * i));
            Assert.Empty(Failures(check));
            var diff = import.Ok(3 + (3 * i));
            Assert.True(diff["changes"]!.GetValue<string>() == "DIFF_NONE", $"{r.Type} {r.Id}: the import's diff shows {diff.ToJsonString()}");

            // the engine stores the checked program inputs, an ignored one as the read returned it (absent), with the read's outputs
            stored.Add((r, read["properties"]!.AsObject(), Without(check["inputs"]!.AsObject(), r.IgnoreChanges)));
        }

        // the guest was read as it is: the short address as the long one, and the MAC qm create gave it
        var guest = stored[^1].Outputs;
        Assert.Equal("0000:01:00.0", guest["gpu"]!.GetValue<string>());
        Assert.Equal("running", guest["status"]!.GetValue<string>());
        var net0 = (await node.ExecCheckedAsync("qm config 200")).Split('\n').Single(l => l.StartsWith("net0: ", StringComparison.Ordinal));
        Assert.Contains(guest["macAddress"]!.GetValue<string>(), net0, StringComparison.OrdinalIgnoreCase);

        // the next `pulumi up`: refresh, Check against the stored inputs, Diff: nothing to do
        var upSteps = new JsonArray { Step("configure", ("args", NodeConfig.For(node))) };
        foreach (var (r, outputs, inputs) in stored)
        {
            upSteps.Add(On(r.Type, r.Name, "read", ("id", r.Id), ("properties", outputs.DeepClone()), ("inputs", inputs.DeepClone())));
            upSteps.Add(On(r.Type, r.Name, "check", ("news", r.Inputs.DeepClone())));
            upSteps.Add(On(r.Type, r.Name, "diff", ("ignoreChanges", Names(r.IgnoreChanges))));
        }

        var up = await PulumiEngine.RunAsync(upSteps, timeout: TimeSpan.FromMinutes(6));
        for (var i = 0; i < stored.Count; i++)
        {
            var refreshed = up.Ok(1 + (3 * i));
            Assert.Equal(stored[i].Resource.Id, refreshed["id"]!.GetValue<string>());
            Assert.Empty(Failures(up.Ok(2 + (3 * i))));
            var diff = up.Ok(3 + (3 * i));
            Assert.True(diff["changes"]!.GetValue<string>() == "DIFF_NONE", $"{stored[i].Resource.Type}: up after the import shows {diff.ToJsonString()}");
        }

        // nothing on the node changed: no mutating command, no upload, every file and the VM's config byte for byte
        var log = await node.ReadCommandLogAsync();
        foreach (var (run, steps) in new[] { (import, importSteps.Count), (up, upSteps.Count) })
        {
            for (var step = 0; step < steps; step++)
            {
                var changed = log.During(run, step).Where(NodeConfig.IsMutating).Select(e => e.Text).ToList();
                Assert.True(changed.Count == 0, $"step {step} ({run.Step(step)["rpc"]} {run.Step(step)["name"]}) changed the node:\n{string.Join('\n', changed)}");
            }
        }

        Assert.Equal(before, await SnapshotAsync(node));
        Assert.Equal(TutorialOverride, await node.ExecCheckedAsync($"cat {Override}"));
    }
}
