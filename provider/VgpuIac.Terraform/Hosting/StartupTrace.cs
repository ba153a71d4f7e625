using System.Diagnostics;
using System.Globalization;

namespace VgpuIac.Terraform.Hosting;

/// <summary>
/// Opt-in start-up timing (<c>VGPUIAC_STARTUP_TRACE=1</c>): each mark prints one stderr line
/// <c>startup-trace NAME +MS wall=UNIX_US tid=N cpu=MS</c>, milliseconds since <c>Main</c> began, the wall clock in microseconds (a
/// harness that noted the time before exec subtracts it to get exec → mark), and the CPU time the process has used so far (all
/// threads: user + system), which tells waiting from working. Off, a mark costs one static bool read.
/// </summary>
public static class StartupTrace
{
    private static readonly long Origin = Stopwatch.GetTimestamp();

    public static bool Enabled { get; } = Environment.GetEnvironmentVariable("VGPUIAC_STARTUP_TRACE") == "1";

    /// <summary>Touch at the top of <c>Main</c> so the origin is the start of managed code.</summary>
    public static void Begin() => Mark("main");

    /// <summary>Prints the mark <paramref name="name"/>; <paramref name="detail"/> (<c>key=value</c>), if any, ends the line.</summary>
    public static void Mark(string name, string? detail = null)
    {
        if (!Enabled)
        {
            return;
        }

        var elapsed = Stopwatch.GetElapsedTime(Origin).TotalMilliseconds;
        var wall = (TimeProvider.System.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks / 10;
        var cpu = Environment.CpuUsage.TotalTime.TotalMilliseconds;
        Console.Error.Write(string.Create(CultureInfo.InvariantCulture, $"startup-trace {name} +{elapsed:F2} wall={wall} tid={Environment.CurrentManagedThreadId} cpu={cpu:F1}{(detail is null ? "" : " " + detail)}\n"));
    }
}
