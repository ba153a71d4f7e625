using System.Diagnostics.CodeAnalysis;

namespace VgpuIac.Terraform.Hosting;

/// <summary>
/// Ends the plugin process after go-plugin's <c>Shutdown</c> the way a Go plugin does (<c>os.Exit</c>): once the answer has
/// arrived and the provider's SSH connections are closed, the standard streams are flushed and the process exits, without
/// stopping and disposing the web host and without returning through <c>Main</c>.
/// </summary>
/// <remarks>
/// Measured with <c>bench/goplugin</c> (Shutdown sent → process reaped, 31 interleaved launches, medians): the graceful path
/// (Kestrel's stop, host disposal, return from <c>Main</c>) 4.5 ms; skipping Kestrel's stop once the client has closed its
/// connection 3.7 ms; then <see cref="Environment.Exit(int)"/> 3.4 ms, and libc <c>_exit</c> 3.4 ms as well. The runtime's own
/// exit work is not what costs, so the ordinary <see cref="Environment.Exit(int)"/> (process-exit handlers, libc
/// <c>atexit</c>) is kept. What remains is mostly the kernel tearing the process down (SIGKILL of an idle provider to its
/// reaping: ~1.3–2 ms for its ~28 MiB resident and 8 threads, ~0.7–1 ms for the minimal Go provider's 7.5 MiB).
/// </remarks>
public static class ProcessEnd
{
    /// <summary>Flushes stdout and stderr and ends the process with <paramref name="exitCode"/>.</summary>
    [DoesNotReturn]
    public static void Now(int exitCode)
    {
        Console.Out.Flush();
        Console.Error.Flush();
        StartupTrace.Mark("exit");
        Environment.Exit(exitCode);
    }
}
