using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using VgpuIac.NodeSim;
using VgpuIac.Terraform.Tests.Support;

namespace VgpuIac.Terraform.Tests.EndToEnd;

/// <summary>
/// A user's first VgpuIac run (issue 16): a node set up by hand the tutorial's way is brought under management with
/// <c>import {}</c> blocks and a configuration holding the same values, through the real terraform CLI. The plan lists no
/// change to a value the user set and warns of no restart; apply runs no mutating command on the node and restarts no
/// service; every file and snapshot is the same byte for byte; the next plan is empty. The node is built from a list of
/// <see cref="TutorialPart"/>s so that more resources (a running guest, a licence-server container) can be appended.
/// </summary>
[Trait("Category", "E2E")]
public sealed partial class TutorialMigrationTests : IDisposable
{
    private const string Library = "/opt/vgpu_unlock-rs/target/release/libvgpu_unlock_rs.so";
    private const string VgpudDropIn = "/etc/systemd/system/nvidia-vgpud.service.d/vgpu_unlock.conf";
    private const string MgrDropIn = "/etc/systemd/system/nvidia-vgpu-mgr.service.d/vgpu_unlock.conf";
    private const string DriverVersion = "535.129.03";

    /// <summary>The tutorial's section (step 11), as it writes it: framebuffer in decimal bytes, no reservation.</summary>
    private const string TutorialOverride =
        "[profile.nvidia-46]\nnum_displays = 1\ndisplay_width = 1920\ndisplay_height = 1080\nmax_pixels = 2073600\ncuda_enabled = 1\nfrl_enabled = 0\nframebuffer = 939524096\n";

    private readonly TerraformLifecycle _tf = new();
    private readonly string _files = Directory.CreateTempSubdirectory("vgpu-tf-tutorial-").FullName;
    private readonly int _dlsPort = LoopbackPorts.Reserve();

    private static NodeOptions TutorialNode => new() { Hostname = "pve1", RebootDelay = 0.5, Gpus = [new GpuDevice("0000:01:00.0", "gtx-1080")] };

    /// <summary>The tutorial's node, part by part, in the order the tutorial makes it.</summary>
    private IReadOnlyList<TutorialPart> Parts()
    {
        var installer = FakeInstaller.Write(_files, DriverVersion);
        var library = Path.Combine(_files, "libvgpu_unlock_rs.so");
        if (!File.Exists(library))
        {
            File.WriteAllBytes(library, [.. "\u007fELF fake vgpu_unlock-rs "u8.ToArray(), .. RandomNumberGenerator.GetBytes(4096)]);
        }

        return
        [
            new TutorialPart
            {
                // step 4: build tools and dkms, blacklist nouveau, reboot, run the .run with --dkms -s, reboot
                Address = "vgpu_host_driver.pve1",
                ImportId = "pve1",
                Hcl = $$"""
                    resource "vgpu_host_driver" "pve1" {
                      node             = "pve1"
                      installer_source = "{{installer}}"
                    }
                    """,
                ConfigOnly = ["installer_source", "installer_sha256"],
                MakeByHandAsync = node => HandMadeNode.InstallHostDriverAsync(node, version: DriverVersion),
                Files = ["/etc/modprobe.d/blacklist-nouveau.conf"],
                Snapshots = ["systemctl show -p ActiveState -p MainPID nvidia-vgpud.service nvidia-vgpu-mgr.service"],
            },
            new TutorialPart
            {
                // step 3: the library, two hand-written drop-ins, config.toml, daemon-reload, restart
                Address = "vgpu_unlock.pve1",
                ImportId = "pve1",
                Hcl = $$"""
                    resource "vgpu_unlock" "pve1" {
                      node           = "pve1"
                      library_source = "{{library}}"
                      unlock         = true
                    }
                    """,
                ConfigOnly = ["library_source"],
                MakeByHandAsync = async node =>
                {
                    var r = await node.ExecAsync("mkdir -p /opt/vgpu_unlock-rs/target/release && base64 -d > " + Library, standardInput: Convert.ToBase64String(await File.ReadAllBytesAsync(library)));
                    Assert.True(r.ExitCode == 0, r.StandardError);
                    await node.ExecCheckedAsync(
                        "mkdir -p /etc/vgpu_unlock /etc/systemd/system/nvidia-vgpud.service.d /etc/systemd/system/nvidia-vgpu-mgr.service.d && " +
                        $"printf '[Service]\\nEnvironment=LD_PRELOAD={Library}\\n' > {VgpudDropIn} && " +
                        $"printf '# vgpu_unlock-rs\\n[Service]\\nEnvironment=\"LD_PRELOAD={Library}\"\\n\\n' > {MgrDropIn} && " +
                        "printf 'unlock = true\\n' > /etc/vgpu_unlock/config.toml && " +
                        "systemctl daemon-reload && systemctl restart nvidia-vgpud.service nvidia-vgpu-mgr.service");
                    Assert.Contains("GRID P40-1Q", await node.ExecCheckedAsync("mdevctl types"), StringComparison.Ordinal);
                },
                Files = [Library, VgpudDropIn, MgrDropIn, "/etc/vgpu_unlock/config.toml"],
            },
            new TutorialPart
            {
                // step 11: the tutorial's section, typed with nano
                Address = "vgpu_profile_override.nvidia46",
                ImportId = "pve1/profile.nvidia-46",
                Hcl = """
                    resource "vgpu_profile_override" "nvidia46" {
                      node           = "pve1"
                      mdev_type      = "nvidia-46"
                      num_displays   = 1
                      display_width  = 1920
                      display_height = 1080
                      max_pixels     = 2073600
                      cuda_enabled   = 1
                      frl_enabled    = 0
                      framebuffer    = "939524096"
                    }
                    """,
                MakeByHandAsync = node => node.ExecCheckedAsync("cat > /etc/vgpu_unlock/profile_override.toml <<'EOF'\n" + TutorialOverride + "EOF"),
                Files = ["/etc/vgpu_unlock/profile_override.toml"],
            },
            new TutorialPart
            {
                // step 7: the Linux VM (q35, OVMF, SCSI disk, cpu host, virtio NIC), the vGPU added with the short address the
                // way the tutorial types it, started; the NIC keeps the MAC qm create gave it
                Address = "vgpu_guest.ubuntu",
                ImportId = "pve1/200",
                Hcl = """
                    resource "vgpu_guest" "ubuntu" {
                      node      = "pve1"
                      vmid      = 200
                      name      = "vgpu-ubuntu"
                      cores     = 4
                      memory_mb = 4096
                      mdev_type = "nvidia-46"
                      gpu       = "0000:01:00.0"
                      pcie      = false
                    }
                    """,
                MakeByHandAsync = async node =>
                {
                    await node.ExecCheckedAsync("qm create 200 --name vgpu-ubuntu --ostype l26 --machine q35 --bios ovmf --efidisk0 local-lvm:1,efitype=4m,pre-enrolled-keys=0 " +
                        "--cpu host --cores 4 --memory 4096 --scsihw virtio-scsi-single --scsi0 local-lvm:32,iothread=1 --net0 virtio,bridge=vmbr0 --agent enabled=1 >/dev/null");
                    await node.ExecCheckedAsync("qm set 200 --hostpci0 01:00.0,mdev=nvidia-46 >/dev/null && qm start 200 >/dev/null");
                    Assert.Contains("status: running", await node.ExecCheckedAsync("qm status 200"), StringComparison.Ordinal);
                },
                Files = ["/etc/pve/qemu-server/200.conf"],
                Snapshots = ["qm config 200", "qm status 200"],
            },
            new TutorialPart
            {
                // step 6: the licence server, an LXC made with pct create, Docker in it, FastAPI-DLS run the way its README
                // says (certificates made with openssl into a volume, the docker-compose example's environment)
                Address = "vgpu_dls_license_server.dls",
                ImportId = "pve1/lxc/250",
                Hcl = $$"""
                    resource "vgpu_dls_license_server" "dls" {
                      node       = "pve1"
                      vmid       = 250
                      hostname   = "fastapi-dls"
                      memory_mb  = 1024
                      ip_address = "192.0.2.50/24"
                      gateway    = "192.0.2.1"
                      image      = "{{DlsImage}}"
                      dls_url    = "127.0.0.1"
                      dls_port   = {{_dlsPort.ToString(CultureInfo.InvariantCulture)}}
                      timezone   = "Europe/Berlin"
                    }
                    """,
                MakeByHandAsync = MakeLicenceServerByHandAsync,
                Files = ["/etc/pve/lxc/250.conf", .. DlsKeyFiles.Select(f => $"{DlsCertDirectory}/{f}")],
                Snapshots = ["pct config 250", "pct status 250", "pct exec 250 -- docker inspect fastapi-dls"],
            },
        ];
    }

    private const string DlsImage = "collinwebdesigns/fastapi-dls:1.5.4";
    private const string DlsCertDirectory = "/var/lib/lxc/250/rootfs/opt/fastapi-dls/cert";
    private static readonly string[] DlsKeyFiles = ["webserver.crt", "webserver.key", "instance.private.pem", "instance.public.pem"];

    /// <summary>FastAPI-DLS 1.x by hand: the LXC, Docker, the README's openssl keys pushed into the cert volume, docker run.</summary>
    private async Task MakeLicenceServerByHandAsync(SimulatedNode node)
    {
        await node.ExecCheckedAsync("pct create 250 local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst --hostname fastapi-dls --unprivileged 1 --features nesting=1 " +
            "--net0 name=eth0,bridge=vmbr0,ip=192.0.2.50/24,gw=192.0.2.1 --rootfs local-lvm:8 --memory 1024 --onboot 1 >/dev/null && pct start 250");
        // Docker in the container (the simulated template has it already; a real Debian template needs the apt-get)
        await node.ExecCheckedAsync("pct exec 250 -- sh -c 'command -v docker >/dev/null 2>&1 || { apt-get update -q && apt-get install -y -q docker.io; }' && pct exec 250 -- docker info >/dev/null");
        await node.ExecCheckedAsync(
            "d=$(mktemp -d) && cd \"$d\" && " +
            "openssl genrsa -out instance.private.pem 2048 2>/dev/null && openssl rsa -in instance.private.pem -outform PEM -pubout -out instance.public.pem 2>/dev/null && " +
            "openssl req -x509 -nodes -days 3650 -newkey rsa:2048 -keyout webserver.key -out webserver.crt -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 2>/dev/null && " +
            // private keys pushed 0600, as a careful user does (pct push defaults to 0644): a hand-made server whose keys are
            // world-readable imports with that shown in `status` and the modes repaired, which DlsConvergenceTests covers
            string.Concat(DlsKeyFiles.Select(f => $"pct push 250 {f} /opt/fastapi-dls/cert/{f}{(f.EndsWith(".crt", StringComparison.Ordinal) || f.Contains("public", StringComparison.Ordinal) ? "" : " --perms 0600")} && ")) +
            "cd / && rm -rf \"$d\"");
        await node.ExecCheckedAsync(
            "pct exec 250 -- docker run -d --name fastapi-dls --restart always -e TZ=Europe/Berlin -e DLS_URL=127.0.0.1 " +
            $"-e DLS_PORT={_dlsPort.ToString(CultureInfo.InvariantCulture)} -e LEASE_EXPIRE_DAYS=90 -e DATABASE=sqlite:////app/database/db.sqlite -e DEBUG=false " +
            $"-p {_dlsPort.ToString(CultureInfo.InvariantCulture)}:443 -v /opt/fastapi-dls/cert:/app/cert -v /opt/fastapi-dls/database:/app/database {DlsImage} >/dev/null");

        // the server answers once the stand-in is up (poll with a deadline)
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var health = await node.ExecAsync($"curl -fsS --max-time 5 --cacert {DlsCertDirectory}/webserver.crt https://127.0.0.1:{_dlsPort.ToString(CultureInfo.InvariantCulture)}/-/health");
            if (health.ExitCode == 0)
            {
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, $"the hand-made FastAPI-DLS does not answer: {health.StandardError}");
            await Task.Delay(250);
        }
    }

    private static async Task<string> SnapshotAsync(SimulatedNode node, IReadOnlyList<TutorialPart> parts)
    {
        var files = parts.SelectMany(p => p.Files).ToList();
        var text = await node.ExecCheckedAsync("sha256sum -- " + string.Join(' ', files.Select(f => $"'{f}'")));
        foreach (var command in parts.SelectMany(p => p.Snapshots))
        {
            text += $"$ {command}\n{await node.ExecCheckedAsync(command)}";
        }

        return text;
    }

    [NodeFact]
    public async Task A_node_set_up_by_hand_is_imported_and_applied_without_a_change()
    {
        Assert.True(TerraformCli.Available, "terraform must be on PATH for the end-to-end tests");
        if (await SimulatedNodes.StartOrExplainAsync(TutorialNode) is not { } node)
        {
            return;
        }

        await using (node)
        {
            var parts = Parts();
            foreach (var part in parts)
            {
                await part.MakeByHandAsync(node);
            }

            var before = await SnapshotAsync(node, parts);
            var mark = await node.CommandLogMarkAsync();
            var config = ProviderHcl.For(("pve1", node)) + string.Join("\n", parts.Select(p => p.Hcl));
            _tf.WriteConfig(config + string.Concat(parts.Select(p => ProviderHcl.ImportBlock(p.Address, p.ImportId))));

            // the plan imports everything, changes no value the user set, and warns of no restart
            var plan = await _tf.SucceedsAsync("plan", "-input=false");
            Assert.Contains($"Plan: {parts.Count} to import, 0 to add, ", plan, StringComparison.Ordinal);
            Assert.Contains(", 0 to destroy.", plan, StringComparison.Ordinal);
            Assert.DoesNotContain("will be restarted", plan, StringComparison.Ordinal);
            Assert.DoesNotContain("taken over", plan, StringComparison.Ordinal);
            var changes = await _tf.PlannedChangesAsync();
            foreach (var part in parts)
            {
                Assert.True(changes.TryGetValue(part.Address, out var change), $"{part.Address} is not in the plan");
                Assert.True(change.Actions is "no-op" or "update", $"{part.Address} plans {change.Actions}");
                var unexpected = change.Changed.Except(part.ConfigOnly, StringComparer.Ordinal).ToList();
                Assert.True(unexpected.Count == 0, $"{part.Address} plans changes of {string.Join(", ", unexpected)}:\n{plan}");
            }

            // the tutorial's own section sets framebuffer without a reservation: the warning says so once, not twice
            Assert.Equal(1, Occurrences(plan, "framebuffer is set without framebuffer_reservation"));
            Assert.Equal(1, Occurrences(Regex.Replace(plan, @"\s+", " "), "with vgpu_profile_override.nvidia46"));
            Assert.False(plan.Contains("similar warning", StringComparison.Ordinal), plan);

            // apply: no mutating command, no write, no restart; every file and snapshot the same; the next plan is empty
            await _tf.ApplyAsync();
            await NodeChanges.AssertNoneSinceAsync(node, mark, "bringing a hand-made node under management must not change it");
            var log = (await node.ReadCommandLogAsync(mark)).Select(e => e.Text).ToList();
            Assert.DoesNotContain(log, t => RestartOrReload().IsMatch(t));
            Assert.Equal(before, await SnapshotAsync(node, parts));
            Assert.Equal(TutorialOverride, await node.ExecCheckedAsync("cat /etc/vgpu_unlock/profile_override.toml"));

            // the running guest is still running and its NIC keeps the MAC qm create gave it, which the state records
            Assert.Contains("status: running", await node.ExecCheckedAsync("qm status 200"), StringComparison.Ordinal);
            var mac = MacAddress().Match(await node.ExecCheckedAsync("qm config 200 | grep '^net0: '")).Value;
            Assert.Contains($"\"{mac}\"", await _tf.SucceedsAsync("state", "show", "vgpu_guest.ubuntu"), StringComparison.OrdinalIgnoreCase);

            // the licence server answers with the same certificate, and the state holds a client token fetched from it
            Assert.Contains("status: running", await node.ExecCheckedAsync("pct status 250"), StringComparison.Ordinal);
            Assert.Contains("client_token", await _tf.SucceedsAsync("state", "show", "vgpu_dls_license_server.dls"), StringComparison.Ordinal);
            _tf.WriteConfig(config);
            await _tf.AssertNoChangesAsync("plan after importing the hand-made node");
            await NodeChanges.AssertNoneSinceAsync(node, mark, "planning again must not change the node");
        }
    }

    /// <summary>
    /// A driver installed by hand on a node without the <c>dkms</c> package, so without <c>--dkms</c> (the real and the
    /// simulated installer fail with "Failed to find dkms on the system!" given it), and nothing can rebuild the module: the import
    /// reads <c>dkms = false</c>, and a configuration holding the default <c>dkms = true</c> gets a plan that says why and
    /// what it does (nothing now, the next installation uses DKMS), not a silent change or a replacement; one holding
    /// <c>dkms = false</c> imports with no change.
    /// </summary>
    [NodeFact]
    public async Task A_driver_without_the_dkms_package_imports_as_dkms_false_and_the_plan_says_why()
    {
        Assert.True(TerraformCli.Available, "terraform must be on PATH for the end-to-end tests");
        if (await SimulatedNodes.StartOrExplainAsync(new NodeOptions { Hostname = "pve1", RebootDelay = 0.5 }) is not { } node)
        {
            return;
        }

        await using (node)
        {
            await HandMadeNode.InstallHostDriverAsync(node, dkmsPackage: false, version: DriverVersion);
            var installer = FakeInstaller.Write(_files, DriverVersion);
            string Config(string dkms) => ProviderHcl.For(("pve1", node)) + $$"""
                resource "vgpu_host_driver" "pve1" {
                  node             = "pve1"
                  installer_source = "{{installer}}"
                  {{dkms}}
                }
                """;
            var mark = await node.CommandLogMarkAsync();

            // dkms = true (the default): an update of dkms alone, with a warning saying why the node differs and what apply does
            _tf.WriteConfig(Config(string.Empty) + ProviderHcl.ImportBlock("vgpu_host_driver.pve1", "pve1"));
            var plan = Regex.Replace(await _tf.SucceedsAsync("plan", "-input=false"), @"\s+", " ");
            Assert.Contains("Plan: 1 to import, 0 to add, 1 to change, 0 to destroy.", plan, StringComparison.Ordinal);
            Assert.Contains("~ dkms = false -> true", plan, StringComparison.Ordinal);
            Assert.Contains($"Host driver {DriverVersion} on node \"pve1\" is not registered with DKMS", plan, StringComparison.Ordinal);
            Assert.Contains("the `dkms` package is not installed", plan, StringComparison.Ordinal);
            Assert.Contains("this apply does not reinstall it", plan, StringComparison.Ordinal);
            Assert.DoesNotContain("must be replaced", plan, StringComparison.Ordinal);
            var change = (await _tf.PlannedChangesAsync())["vgpu_host_driver.pve1"];
            Assert.Equal("update", change.Actions);
            Assert.Empty(change.Changed.Except(["dkms", "installer_source", "installer_sha256"], StringComparer.Ordinal));
            await _tf.ApplyAsync();
            await NodeChanges.AssertNoneSinceAsync(node, mark, "recording dkms = true over a driver without DKMS must not change the node");

            // dkms = false holds what the node does: the import changes nothing the node says, and warns of nothing
            await _tf.SucceedsAsync("state", "rm", "vgpu_host_driver.pve1");
            _tf.WriteConfig(Config("dkms = false") + ProviderHcl.ImportBlock("vgpu_host_driver.pve1", "pve1"));
            var honest = Regex.Replace(await _tf.SucceedsAsync("plan", "-input=false"), @"\s+", " ");
            Assert.DoesNotContain("registered with DKMS", honest, StringComparison.Ordinal);
            var imported = (await _tf.PlannedChangesAsync())["vgpu_host_driver.pve1"];
            Assert.Empty(imported.Changed.Except(["installer_source", "installer_sha256"], StringComparer.Ordinal));
            await _tf.ApplyAsync();
            _tf.WriteConfig(Config("dkms = false"));
            await _tf.AssertNoChangesAsync("plan after importing the driver with dkms = false");
            await NodeChanges.AssertNoneSinceAsync(node, mark, "importing the driver must not change the node");
        }
    }

    [NodeFact]
    public async Task A_create_over_the_hand_written_section_says_what_it_takes_over_and_destroy_puts_it_back()
    {
        Assert.True(TerraformCli.Available, "terraform must be on PATH for the end-to-end tests");
        if (await SimulatedNodes.StartOrExplainAsync(new NodeOptions { Hostname = "pve1" }) is not { } node)
        {
            return;
        }

        await using (node)
        {
            var mine = "# written by hand\n" + TutorialOverride + "\n[vm.104]\nframebuffer = 0x38000000 # mine\n";
            await node.ExecCheckedAsync("mkdir -p /etc/vgpu_unlock && cat > /etc/vgpu_unlock/profile_override.toml <<'EOF'\n" + mine + "EOF");
            _tf.WriteConfig(ProviderHcl.For(("pve1", node)) + """
                resource "vgpu_profile_override" "nvidia46" {
                  node           = "pve1"
                  mdev_type      = "nvidia-46"
                  num_displays   = 2
                  display_width  = 1920
                  display_height = 1080
                }
                """);

            // the plan says the section exists, which keys change and which vanish (terraform wraps long lines)
            var plan = Regex.Replace(await _tf.PlanWithChangesAsync(), @"\s+", " ");
            Assert.Contains("The section [profile.nvidia-46] already exists and will be taken over", plan, StringComparison.Ordinal);
            Assert.Contains("changes num_displays 1 -> 2", plan, StringComparison.Ordinal);
            Assert.Contains("REMOVES cuda_enabled = 1, frl_enabled = 0, framebuffer = 939524096", plan, StringComparison.Ordinal);
            await _tf.ApplyAsync();
            var taken = await node.ExecCheckedAsync("cat /etc/vgpu_unlock/profile_override.toml");
            Assert.DoesNotContain("cuda_enabled", taken, StringComparison.Ordinal);
            Assert.EndsWith("\n[vm.104]\nframebuffer = 0x38000000 # mine\n", taken, StringComparison.Ordinal);
            await _tf.AssertNoChangesAsync("plan after taking the section over");

            // destroy says it puts the section back, and does: the file is the user's again, byte for byte
            var destroy = Regex.Replace(await _tf.DestroyAsync(), @"\s+", " ");
            Assert.Contains("Destroy puts [profile.nvidia-46] back as it was", destroy, StringComparison.Ordinal);
            Assert.Equal(mine, await node.ExecCheckedAsync("cat /etc/vgpu_unlock/profile_override.toml"));
        }
    }

    private static int Occurrences(string text, string what) => Regex.Count(text, Regex.Escape(what));

    [GeneratedRegex("[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}")]
    private static partial Regex MacAddress();

    [GeneratedRegex(@"^systemctl (.* )?(restart|daemon-reload|stop|start|try-restart|reload)\b", RegexOptions.CultureInvariant)]
    private static partial Regex RestartOrReload();

    public void Dispose()
    {
        _tf.Dispose();
        Directory.Delete(_files, recursive: true);
    }
}
