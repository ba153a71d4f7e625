using System.Collections.Immutable;
using VgpuIac.Engine.Parsing.Kernel;

namespace VgpuIac.Engine.Parsing.Journal;

/// <summary>
/// Why the host's vGPU services do not run, from the journal of nvidia-vgpu-mgr / nvidia-vgpud (read by
/// <see cref="VgpuLogInterpreter"/>) and the kernel's NVRM messages (read by <see cref="KernelLogParser"/>): one sentence
/// per distinct cause, each with what to do. Empty when neither log names a cause.
/// </summary>
internal static class VgpuManagerReasons
{
    public static ImmutableArray<string> From(string? journal, string? kernelLog)
    {
        var reasons = new List<string>();
        var events = VgpuLogInterpreter.Parse(journal).Value;
        foreach (var e in events)
        {
            var who = e.Entry.Identifier.Length > 0 ? e.Entry.Identifier : "the vGPU service";
            var reason = e.Kind switch
            {
                VgpuLogEventKind.GpuNotSupported =>
                    $"{who} says the GPU{(e.Value is { } pci ? $" at PCI {pci}" : string.Empty)} is not supported by vGPU: a consumer card needs vgpu_unlock " +
                    "(the vgpu_unlock resource), a datacenter card a vGPU host driver release that supports it.",
                VgpuLogEventKind.UnlockAbiMismatch =>
                    "vgpu_unlock-rs does not match this driver release (\"Parameters size ... expected ...\"): use a vgpu_unlock-rs build for this driver, or a driver it supports.",
                VgpuLogEventKind.OverrideFailed =>
                    "vgpu_unlock-rs could not read /etc/vgpu_unlock/profile_override.toml: fix the file (the profile_override resource writes it), then start the VMs again.",
                VgpuLogEventKind.RmClientFailed =>
                    $"{who} could not open the NVIDIA kernel driver (Failed to initialize RM client): the module is not loaded or is of another release; reboot the node so the installed driver loads.",
                VgpuLogEventKind.NvosError =>
                    $"{who}: the driver rejected the vGPU configuration (NVOS status {e.Value ?? "?"}): usually an unlock or a profile override the driver does not accept for this GPU.",
                _ => null,
            };
            if (reason is not null)
            {
                reasons.Add(reason);
            }
        }

        foreach (var f in KernelLogParser.FindNvidiaProblems(KernelLogParser.Parse(kernelLog).Value))
        {
            var reason = f.Kind switch
            {
                "GpuNotSupportedByDriver" =>
                    $"the kernel says the GPU{(f.PciAddress is { } a ? $" {a}" : string.Empty)}{(f.PciId is { } id ? $" ({id})" : string.Empty)} is not supported by the " +
                    $"installed NVIDIA driver{(f.DriverVersion is { } v ? $" {v}" : string.Empty)}: install a vGPU host driver release that supports this GPU.",
                "ModuleVerificationFailed" =>
                    "the kernel refused the unsigned NVIDIA module (module verification failed): turn Secure Boot off, or enroll a MOK key and sign the modules.",
                "NoDevicesInitialized" =>
                    "the NVIDIA kernel module initialized no GPU (NVRM: None of the NVIDIA devices were initialized): check that the GPU is not bound to another driver (vfio-pci, nouveau) and that this driver supports it.",
                _ => null,
            };
            if (reason is not null)
            {
                reasons.Add(reason);
            }
        }

        if (reasons.Count == 0 && events.LastOrDefault(e => e.Kind == VgpuLogEventKind.ServiceFailed) is { } failed)
        {
            reasons.Add($"{failed.Entry.Message.Trim()} (no cause in the log before it).");
        }

        return [.. reasons.Distinct(StringComparer.Ordinal)];
    }
}
