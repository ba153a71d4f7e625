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
                MakeByHandAsync = async node =>
                {
                    await node.ExecCheckedAsync("apt-get install -y build-essential dkms mdevctl >/dev/null");
                    await node.ExecCheckedAsync("printf 'blacklist nouveau\\noptions nouveau modeset=0\\n' > /etc/modprobe.d/blacklist-nouveau.conf && update-initramfs -u >/dev/null");
                    await node.RebootAsync();
                    var r = await node.ExecAsync("cat > /root/installer.run && sh /root/installer.run --dkms -s", standardInput: FakeInstaller.Content(DriverVersion));
                    Assert.True(r.ExitCode == 0, r.StandardOutput + r.StandardError);
                    await node.RebootAsync();
                },
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
        ];
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
            Assert.DoesNotContain("similar warning", plan, StringComparison.Ordinal);

            // apply: no mutating command, no write, no restart; every file and snapshot the same; the next plan is empty
            await _tf.ApplyAsync();
            await NodeChanges.AssertNoneSinceAsync(node, mark, "bringing a hand-made node under management must not change it");
            var log = (await node.ReadCommandLogAsync(mark)).Select(e => e.Text).ToList();
            Assert.DoesNotContain(log, t => RestartOrReload().IsMatch(t));
            Assert.Equal(before, await SnapshotAsync(node, parts));
            Assert.Equal(TutorialOverride, await node.ExecCheckedAsync("cat /etc/vgpu_unlock/profile_override.toml"));
            _tf.WriteConfig(config);
            await _tf.AssertNoChangesAsync("plan after importing the hand-made node");
            await NodeChanges.AssertNoneSinceAsync(node, mark, "planning again must not change the node");
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

    [GeneratedRegex(@"^systemctl (.* )?(restart|daemon-reload|stop|start|try-restart|reload)\b", RegexOptions.CultureInvariant)]
    private static partial Regex RestartOrReload();

    public void Dispose()
    {
        _tf.Dispose();
        Directory.Delete(_files, recursive: true);
    }
}
