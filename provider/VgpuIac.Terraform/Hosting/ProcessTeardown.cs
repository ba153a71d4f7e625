using System.Runtime.InteropServices;

namespace VgpuIac.Terraform.Hosting;

/// <summary>
/// Takes the kernel's teardown of the address space off the path between go-plugin's <c>Shutdown</c> and Terraform seeing
/// the process end. A process's exit frees every page-table entry of its code, data, heap and stacks before the parent is
/// told: ~1.3 ms for the provider after a session (ftrace: <c>exit_group</c> to the <c>exit_mmap</c> event), most of the
/// Shutdown-to-exit time. Native/teardown.c starts a helper process that shares the address space and waits for the
/// provider to end; the provider's exit then only drops its reference, Terraform is told at once, and the helper frees the
/// address space as it exits itself, while Terraform goes on.
/// </summary>
/// <remarks>
/// <para>
/// Measured (bench section 1, go-plugin client, 31 interleaved launches): Shutdown to process exit 1.3 ms against 1.7 ms for
/// the minimal Go provider (0.77x; 1.27-1.44x before). ftrace of one launch: the parent is signalled 0.18 ms after
/// <c>exit_group</c>; the helper's <c>exit_mmap</c> ends 1.0 ms later.
/// </para>
/// <para>
/// The helper (named <c>vgpu-teardown</c>) runs no managed or libc code (raw system calls on its own stack, all signals
/// blocked), closes every descriptor it inherited but its pipe, so no socket or standard stream outlives the provider, and
/// ends as the provider ends. Like any process whose parent has gone, it is then reaped by init (or the nearest
/// subreaper); under a PID 1 that reaps nothing (a container started without an init) it stays a zombie holding no memory
/// until that container ends. <c>VGPUIAC_DETACHED_TEARDOWN=0</c> turns the helper off. Linked into the Native AOT build on
/// Linux x64 and arm64 (the project file); elsewhere, and in the JIT build the tests may drive, there is no helper.
/// </para>
/// </remarks>
public static partial class ProcessTeardown
{
    /// <summary>Set to <c>0</c>, the process tears its address space down itself as it exits, as any process does.</summary>
    public const string Switch = "VGPUIAC_DETACHED_TEARDOWN";

    /// <summary>Starts the helper once the process is about to end; returns its process id, or 0 when there is none.</summary>
    public static int Detach()
    {
        if (!OperatingSystem.IsLinux() || !NativeHelperLinked)
        {
            return 0;
        }

        if (Environment.GetEnvironmentVariable(Switch) == "0")
        {
            StartupTrace.Mark("teardown kept", $"{Switch}=0");
            return 0;
        }

        try
        {
            var pid = DetachTeardown();
            StartupTrace.Mark(pid > 0 ? "teardown detached" : "teardown not detached", pid > 0 ? $"helper={pid}" : $"errno={-pid}");
            return Math.Max(pid, 0);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // A JIT build for a Linux runtime identifier (dotnet build -r linux-x64) sets the switch without linking.
            return 0;
        }
    }

    /// <summary>
    /// Whether this build links Native/teardown.c: the project file sets the switch with the object, for Native AOT builds
    /// for Linux. (<c>RuntimeFeature.IsDynamicCodeSupported</c> cannot tell: <c>PublishAot</c> turns it off in the JIT build too.)
    /// </summary>
    internal static bool NativeHelperLinked => AppContext.TryGetSwitch("VgpuIac.NativeTeardown", out var linked) && linked;

    [LibraryImport("vgpuiac_native", EntryPoint = "vgpuiac_detach_teardown")]
    private static partial int DetachTeardown();
}
