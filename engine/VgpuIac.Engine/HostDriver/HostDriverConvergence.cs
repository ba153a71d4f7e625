using System.Globalization;
using VgpuIac.Engine.Diagnostics;
using VgpuIac.Engine.Host;
using VgpuIac.Engine.Parsing.Installer;
using VgpuIac.Engine.Parsing.Journal;
using VgpuIac.Engine.Remote;
using VgpuIac.Engine.Resources;
using VgpuIac.Engine.Values;

namespace VgpuIac.Engine.HostDriver;

/// <summary>
/// One apply of <c>vgpu_host_driver</c> on one node. Each phase re-plans on fresh facts, so a step already done (by an
/// earlier, interrupted apply or by hand) is skipped. Returns the state the node is in, also after a failure.
/// </summary>
internal sealed class HostDriverConvergence(
    IRemoteShell shell,
    ResourceContext context,
    Value planned,
    Value? prior,
    DiagnosticBag diagnostics,
    CancellationToken cancellationToken)
{
    /// <summary>The node lock taken around every change of the host driver.</summary>
    public const string LockName = "host-driver";

    private readonly HostDriverConfig _config = HostDriverConfig.From(planned);
    private readonly bool _rebootPlanned = planned["reboot_planned"].BoolOrNull ?? false;
    private NodeFacts? _facts;

    private string Node => shell.NodeName;

    public async Task<Value> RunAsync()
    {
        try
        {
            // One host driver change per node at a time (other processes included); released with the session on reboot.
            var nodeLock = await shell.LockAsync(LockName, cancellationToken).ConfigureAwait(false);
            await using (nodeLock.ConfigureAwait(false))
            {
                if (!await AwaitEarlierOperationAsync(shell, context, diagnostics, "install host driver", cancellationToken).ConfigureAwait(false))
                {
                    return prior ?? State();
                }

                return await ConvergeAsync().ConfigureAwait(false);
            }
        }
        catch (NodeConnectionException e)
        {
            diagnostics.Add(NodeCall.ToDiagnostic(e, $"install host driver {_config.Version}", Node));
            if (!e.RebootTimedOut)
            {
                try
                {
                    await RefreshAsync().ConfigureAwait(false);
                }
                catch (NodeConnectionException)
                {
                    // The node is still unreachable: report what we knew last.
                }
            }

            // After a reboot that did not come back within reboot_timeout: no second wait for a connection (the wait
            // takes reboot_timeout in total); what the node said last is the state, the next apply reads the node again.
            return State();
        }
    }

    /// <summary>
    /// Waits for a host driver install or uninstall that an earlier apply started on the node and that still runs there
    /// (that apply was killed, or its connection dropped). False (and an error) when it still runs after the installer
    /// timeout; nothing is started then.
    /// </summary>
    internal static async Task<bool> AwaitEarlierOperationAsync(IRemoteShell shell, ResourceContext context, DiagnosticBag diagnostics, string verbAndThing, CancellationToken cancellationToken)
    {
        if (await RemoteOperation.AwaitIdleAsync(shell, HostDriverCommands.OperationName, TimeSpan.FromSeconds(1), context.Time, cancellationToken).ConfigureAwait(false))
        {
            return true;
        }

        context.Log.Progress($"vgpu_host_driver {shell.NodeName}", "an install or uninstall started by an earlier apply still runs on the node; waiting for it to finish");
        NodeFactsCache.Shared.Invalidate(shell);
        var idle = await RemoteOperation.AwaitIdleAsync(shell, HostDriverCommands.OperationName, HostDriverCommands.InstallerTimeout, context.Time, cancellationToken).ConfigureAwait(false);
        NodeFactsCache.Shared.Invalidate(shell);
        if (!idle)
        {
            diagnostics.Error($"Unable to {verbAndThing}: an earlier install or uninstall still runs on the node",
                $"Node \"{shell.NodeName}\": the host driver operation started by an earlier apply (see {RemoteOperation.StateDirectory}/{HostDriverCommands.OperationName}/id and `ps -ef | grep vgpu-kvm`) is still running after {HostDriverCommands.InstallerTimeout.TotalMinutes:F0} min. Nothing else was started. Wait for it to end (or stop it), then run apply again.",
                AttributePath.Of("node"));
        }

        return idle;
    }

    private async Task<Value> ConvergeAsync()
    {
        var facts = await RefreshAsync().ConfigureAwait(false);
        var plan = HostDriverPlanner.Plan(_config, facts);
        if (plan.HasErrors)
        {
            diagnostics.AddRange(plan.Diagnostics.Where(d => d.IsError));
            return prior ?? State();
        }

        // files of ours with another owner or mode get root:root and our mode first (files written below get them anyway)
        if (HostDriverPlanner.DriftedModes(facts) is { IsEmpty: false } drifted)
        {
            Progress($"setting owner root:root and VgpuIac's mode on {string.Join(", ", drifted.Select(d => d.Path))}");
            var repair = await RunAsync(NodeFileMode.Repair(drifted.Select(d => (d.Path, d.Mode)))).ConfigureAwait(false);
            if (!repair.Succeeded)
            {
                return Fail("Unable to repair file modes",
                    $"setting owner root:root and mode on {string.Join(", ", drifted.Select(d => $"{d.Path} ({d.Found.Describe()} -> {NodeFileMode.Ours(d.Mode).Describe()})"))} failed: {Tail(repair.StandardError)}. Check the files (an immutable attribute, a read-only mount), then run apply again.",
                    "node");
            }

            facts = await RefreshAsync().ConfigureAwait(false);
        }

        if (!plan.ChangesNode)
        {
            return State();
        }

        // 1. Prerequisites: packages, IOMMU, nouveau blacklist.
        if (!plan.MissingPackages.IsEmpty)
        {
            Progress($"installing {string.Join(' ', plan.MissingPackages)}");
            var apt = HostDriverCommands.AptInstall(plan.MissingPackages);
            var r = await RunAsync(apt).ConfigureAwait(false);
            if (!r.Succeeded)
            {
                return Fail("Unable to install host driver prerequisites",
                    $"`{apt.RenderForLog()}` exited with {r.ExitCode}:\n{Tail(r.StandardError + "\n" + r.StandardOutput)}\nCheck the node's APT sources (`apt-get update`) and that the headers of the running kernel ({facts.RunningKernel}) are available, then apply again.",
                    "node");
            }
        }

        var rebootReasons = new List<string>();
        if (plan.EnableIommu)
        {
            Progress($"adding {plan.IommuArguments} to the kernel command line");
            var command = HostDriverCommands.EnableIommu(facts.Boot.Loader, plan.IommuArguments);
            var r = await RunAsync(command).ConfigureAwait(false);
            if (!r.Succeeded)
            {
                return Fail("Unable to enable the IOMMU",
                    $"Editing the kernel command line ({(facts.Boot.Loader == BootLoader.SystemdBoot ? "/etc/kernel/cmdline, proxmox-boot-tool refresh" : "/etc/default/grub, update-grub")}) exited with {r.ExitCode}:\n{Tail(r.StandardError)}\nAdd `{plan.IommuArguments}` by hand, reboot, and apply again.",
                    "enable_iommu");
            }

            rebootReasons.Add($"IOMMU enabled on the kernel command line ({plan.IommuArguments})");
        }

        if (plan.BlacklistNouveau)
        {
            Progress("blacklisting nouveau");
            await shell.WriteFileAsync(HostDriverCommands.NouveauBlacklist, cancellationToken).ConfigureAwait(false);
            var r = await RunAsync(HostDriverCommands.UpdateInitramfs).ConfigureAwait(false);
            if (!r.Succeeded)
            {
                return Fail("Unable to blacklist nouveau",
                    $"`update-initramfs -u -k all` exited with {r.ExitCode}:\n{Tail(r.StandardError)}\nFix the initramfs tools on the node, then apply again.", "node");
            }

            if (facts.NouveauLoaded)
            {
                rebootReasons.Add("nouveau blacklisted but still loaded");
            }
        }

        // 2. Reboot before the installer when something only a reboot activates is pending.
        facts = await RefreshAsync().ConfigureAwait(false);
        plan = HostDriverPlanner.Plan(_config, facts);
        if (!plan.RebootBeforeInstall.IsEmpty)
        {
            var reasons = rebootReasons.Concat(plan.RebootBeforeInstall).Distinct(StringComparer.Ordinal).ToList();
            if (!_config.RebootIfNeeded)
            {
                await MarkRebootRequiredAsync(reasons).ConfigureAwait(false);
                return Fail($"Unable to install host driver {plan.Version} before a reboot",
                    $"The node must reboot first ({string.Join("; ", reasons)}) and `reboot = \"never\"`. Reboot it, then apply again.", "reboot");
            }

            await RebootAsync(reasons).ConfigureAwait(false);
            facts = _facts!;
            plan = HostDriverPlanner.Plan(_config, facts);
            if (plan.HasErrors)
            {
                diagnostics.AddRange(plan.Diagnostics.Where(d => d.IsError));
                return State();
            }

            if (!plan.RebootBeforeInstall.IsEmpty)
            {
                return Fail($"Unable to install host driver {plan.Version}",
                    $"After a reboot the node still shows: {string.Join("; ", plan.RebootBeforeInstall)}. Check the node (is nouveau in the initramfs? is VT-d/AMD-Vi on in the firmware?), then apply again.", "node");
            }
        }

        // 3. Stage the installer, remove another driver, install.
        if (plan.Install)
        {
            var path = HostDriverCommands.InstallerPath(plan.RemoteFileName!);
            if (!await StageInstallerAsync(path).ConfigureAwait(false))
            {
                return State();
            }

            if (plan.UninstallVersion is { } old)
            {
                Progress($"uninstalling host driver {old}");
                await RunAsync(HostDriverCommands.StopServices).ConfigureAwait(false);
                var uninstall = HostDriverCommands.Uninstall(facts.Driver.HasUninstaller, path);
                var u = await RunOperationAsync(uninstall).ConfigureAwait(false);
                if (RemoteOperation.StillRunning(u))
                {
                    return Fail($"Unable to uninstall host driver {old} in time", StillRunningDetail(uninstall, u), "version");
                }

                if (!u.Succeeded)
                {
                    var log = await ReadAsync(RemoteCommand.Of("tail", "-n", "40", "/var/log/nvidia-uninstall.log")).ConfigureAwait(false);
                    return Fail($"Unable to uninstall host driver {old}",
                        $"`{uninstall.RenderForLog()}` exited with {u.ExitCode}:\n{NvidiaInstallerParser.RelevantLines(u.StandardError + "\n" + log)}\nStop VMs that use a vGPU, reboot the node and apply again.", "version");
                }
            }

            Progress($"running the installer for {plan.Version}");
            var install = HostDriverCommands.Install(path, _config.Dkms);
            var marker = new InstalledDriverMarker(plan.Version!, _config.InstallerSha256?.ToLowerInvariant(), plan.RemoteFileName, _config.Dkms);
            var result = await RunOperationAsync(HostDriverCommands.InstallAndMark(path, _config.Dkms, marker)).ConfigureAwait(false);
            if (RemoteOperation.StillRunning(result))
            {
                return Fail($"Unable to install host driver {plan.Version} in time", StillRunningDetail(install, result), "version");
            }

            if (!result.Succeeded)
            {
                var log = await ReadAsync(HostDriverCommands.InstallerLogTail).ConfigureAwait(false);
                var text = result.StandardError + "\n" + result.StandardOutput + "\n" + log;
                var why = NvidiaInstallerParser.Advice(NvidiaInstallerParser.Parse(text).Value) ?? "see the installer log below and /var/log/nvidia-installer.log on the node.";
                await RefreshAsync().ConfigureAwait(false);
                return Fail($"Unable to install host driver {plan.Version}",
                    $"`{install.RenderForLog()}` exited with {result.ExitCode}: {why}\n{NvidiaInstallerParser.RelevantLines(text)}", "version");
            }

            facts = await RefreshAsync().ConfigureAwait(false);
        }

        // 4. Load the driver: a reboot when it is installed but not loaded (or anything else waits for one).
        if (facts.Driver.InstalledButNotLoaded || facts.RebootRequired)
        {
            var reasons = facts.RebootReasons.IsEmpty ? [$"host driver {facts.Driver.InstalledVersion} installed but not loaded"] : facts.RebootReasons.ToList();
            if (_config.RebootIfNeeded)
            {
                await RebootAsync(reasons).ConfigureAwait(false);
                facts = _facts!;
            }
            else
            {
                await MarkRebootRequiredAsync(reasons).ConfigureAwait(false);
                facts = await RefreshAsync().ConfigureAwait(false);
                diagnostics.Warning($"Node \"{Node}\" needs a reboot",
                    $"Host driver {facts.Driver.InstalledVersion} is installed; it becomes active after a reboot ({string.Join("; ", reasons)}). `reboot = \"never\"`: reboot the node yourself, then refresh.",
                    AttributePath.Of("reboot_required"));
                return State();
            }
        }

        // 5. Services.
        if (facts.VgpuManager.Exists && !facts.VgpuManager.IsActive)
        {
            Progress("starting nvidia-vgpu-mgr");
            var start = HostDriverCommands.StartServices(facts.VgpuDaemon.Exists && !facts.VgpuDaemon.IsActive);
            await RunAsync(start).ConfigureAwait(false);
            facts = await RefreshAsync().ConfigureAwait(false);
        }

        // 6. Verify.
        var problems = HostDriverHealth.Problems(facts, plan.Version ?? _config.Version);
        if (problems.Count > 0)
        {
            var journal = await ReadAsync(HostDriverCommands.VgpuManagerJournal).ConfigureAwait(false);
            var reasons = VgpuManagerReasons.From(journal, await ReadAsync(HostDriverCommands.NvidiaKernelMessages).ConfigureAwait(false));
            return Fail($"Unable to verify host driver {plan.Version}",
                $"Node \"{Node}\" after the install: {string.Join("; ", problems)}. {(reasons.IsEmpty ? string.Empty : "Why: " + string.Join(" ", reasons) + " ")}nvidia-vgpu-mgr must be active and `mdevctl types` must list vGPU types " +
                $"(for consumer cards, vgpu_unlock must be set up: see vgpu_unlock). Service log:\n{Tail(journal)}", "node");
        }

        return State();
    }

    private async Task<bool> StageInstallerAsync(string path)
    {
        var sha = _config.InstallerSha256!;
        if (_config.InstallerUrl is { } url)
        {
            Progress($"downloading the installer to {path}");
            var download = RemoteDownload.Command(url, path, sha, RemoteFile.ExecutableMode);
            var r = await RunAsync(download).ConfigureAwait(false);
            if (RemoteDownload.FailureMessage(r, url, path) is { } message)
            {
                Fail("Unable to download host driver installer", message + " Nothing was installed.", "installer_url");
                return false;
            }

            return true;
        }

        var source = _config.InstallerSource!;
        var local = await HostDriverResource.LocalSha256Async(source, diagnostics, cancellationToken).ConfigureAwait(false);
        if (local is null)
        {
            return false;
        }

        if (!string.Equals(local, sha, StringComparison.OrdinalIgnoreCase))
        {
            Fail("Installer changed since the plan",
                $"{source} now has SHA-256 {local}, the plan was made for {sha}. Run plan/apply again.", "installer_source");
            return false;
        }

        Progress($"uploading {Path.GetFileName(source)}");
        var progress = new Progress<double>(f => context.Log.Progress($"vgpu_host_driver {Node}", "uploading the installer", f));
        await shell.UploadAsync(source, path, sha, RemoteFile.ExecutableMode, progress, cancellationToken).ConfigureAwait(false);
        NodeFactsCache.Shared.Invalidate(shell);
        return true;
    }

    private async Task RebootAsync(IReadOnlyList<string> reasons)
    {
        Progress("rebooting: " + string.Join("; ", reasons));
        NodeFactsCache.Shared.Invalidate(shell);
        await shell.RebootAsync(HostDriverCommands.Reboot, _config.RebootTimeout, cancellationToken).ConfigureAwait(false);
        await RefreshAsync().ConfigureAwait(false);
    }

    private async Task MarkRebootRequiredAsync(IEnumerable<string> reasons)
    {
        await shell.WriteFileAsync(HostDriverCommands.RebootMarker(reasons), cancellationToken).ConfigureAwait(false);
        NodeFactsCache.Shared.Invalidate(shell);
    }

    private async Task<NodeFacts> RefreshAsync()
    {
        _facts = await NodeFactsCache.Shared.RefreshAsync(shell, context.Time, cancellationToken).ConfigureAwait(false);
        return _facts;
    }

    private async Task<RemoteResult> RunAsync(RemoteCommand command)
    {
        var result = await shell.RunAsync(command, cancellationToken).ConfigureAwait(false);
        if (command.Mutating)
        {
            NodeFactsCache.Shared.Invalidate(shell);
        }

        return result;
    }

    /// <summary>Runs an installer or uninstaller as a detached node operation (see <see cref="RemoteOperation"/>) and waits for it.</summary>
    private async Task<RemoteResult> RunOperationAsync(RemoteCommand command)
    {
        try
        {
            return await RemoteOperation.RunAsync(shell, HostDriverCommands.OperationName, command, context.Time, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            NodeFactsCache.Shared.Invalidate(shell);
        }
    }

    private static string StillRunningDetail(RemoteCommand command, RemoteResult result) =>
        $"`{command.RenderForLog()}` {result.StandardError.Trim().Replace(RemoteOperation.Marker + " ", string.Empty, StringComparison.Ordinal)}. It keeps running on the node; run apply again later: the next apply waits for it and continues from what it left.";

    /// <summary>Runs a read-only diagnostic command; its output, or empty when it fails.</summary>
    private async Task<string> ReadAsync(RemoteCommand command)
    {
        try
        {
            var r = await shell.RunAsync(command, cancellationToken).ConfigureAwait(false);
            return r.StandardOutput;
        }
        catch (NodeConnectionException)
        {
            return string.Empty;
        }
    }

    private Value Fail(string summary, string detail, string attribute)
    {
        diagnostics.Error(summary, $"Node \"{Node}\": {detail}", AttributePath.Of(attribute));
        return State();
    }

    private Value State()
    {
        var version = planned["version"].StringOrNull ?? _config.Version;
        if (_facts is null)
        {
            return prior ?? planned;
        }

        return HostDriverState.From(planned, _facts, version, _config.InstallerSha256, _rebootPlanned);
    }

    private void Progress(string message) => context.Log.Progress($"vgpu_host_driver {Node}", message);

    private static string Tail(string text)
    {
        var lines = text.Split('\n').Where(l => l.Trim().Length > 0).TakeLast(20);
        return string.Join('\n', lines).Trim() is { Length: > 0 } t ? t : "(no output)";
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"host driver convergence on {Node}");
}
