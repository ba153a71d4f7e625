using System.Globalization;
using System.Text.RegularExpressions;
using VgpuIac.Terraform.Hosting;
using VgpuIac.Terraform.Protocol;
using VgpuIac.Terraform.Protocol.GoPlugin;
using VgpuIac.Terraform.Tests.Support;

namespace VgpuIac.Terraform.Tests.Hosting;

/// <summary>
/// After Shutdown, the published provider leaves the kernel's teardown of its address space to a helper that shares it
/// (<see cref="ProcessTeardown"/>, Native/teardown.c), so Terraform is told of the exit without waiting for it. The helper
/// must end with the provider (it holds the whole address space while it lives) and <c>VGPUIAC_DETACHED_TEARDOWN=0</c> must
/// turn it off; that no Shutdown answer is lost with it is PluginProcessTests' 40-launch test.
/// </summary>
public sealed partial class ProcessTeardownTests
{
    [PublishedProviderFact]
    public async Task After_Shutdown_a_helper_holds_the_address_space_and_ends_once_the_provider_has_ended()
    {
        const int Launches = 5;
        using var clientCertificate = ClientCertificate.Create();
        for (var i = 0; i < Launches; i++)
        {
            var (exitCode, stderr) = await LaunchAndShutDownAsync(clientCertificate, null);
            Assert.Equal(0, exitCode);
            var detached = HelperMark().Match(stderr);
            Assert.True(detached.Success, $"launch {i + 1}: no 'teardown detached' mark with the helper's pid in the provider's trace:\n{Tail(stderr)}");
            var helper = int.Parse(detached.Groups["pid"].Value, CultureInfo.InvariantCulture);
            Assert.NotEqual(0, helper);

            // The helper ends on its own once the provider has ended (its pipe's only write end closes with the provider).
            // It may already be gone, or reaped by init later: gone or a zombie both mean its exit (and the teardown) is done.
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            string? state;
            while ((state = LiveState(helper)) is not null && DateTime.UtcNow < deadline)
            {
                await Task.Delay(10);
            }

            Assert.True(state is null, $"launch {i + 1}: the teardown helper {helper} still runs (state {state}) 10 s after the provider ended");
        }
    }

    [PublishedProviderFact]
    public async Task With_VGPUIAC_DETACHED_TEARDOWN_0_the_provider_exits_without_a_helper()
    {
        using var clientCertificate = ClientCertificate.Create();
        var (exitCode, stderr) = await LaunchAndShutDownAsync(clientCertificate, "0");
        Assert.Equal(0, exitCode);
        Assert.Contains("startup-trace teardown kept", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("teardown detached", stderr, StringComparison.Ordinal);
        Assert.Contains("startup-trace exit", stderr, StringComparison.Ordinal);
    }

    private static async Task<(int ExitCode, string Stderr)> LaunchAndShutDownAsync(System.Security.Cryptography.X509Certificates.X509Certificate2 clientCertificate, string? detachedTeardown)
    {
        var environment = ProviderProcess.PluginEnvironment_(clientCertificate);
        environment["VGPUIAC_STARTUP_TRACE"] = "1";
        environment[ProcessTeardown.Switch] = detachedTeardown;
        await using var provider = ProviderProcess.Start(environment);
        using var channel = ProviderProcess.Connect(await provider.HandshakeAsync(), clientCertificate);
        await new Protocol.Provider.ProviderClient(channel).GetMetadataAsync(new GetMetadata.Types.Request());
        await new GRPCController.GRPCControllerClient(channel).ShutdownAsync(new Empty());
        var exitCode = await provider.WaitForExitAsync(TimeSpan.FromSeconds(10));
        return (exitCode, provider.Stderr);
    }

    /// <summary>The state letter of a process still running as the teardown helper; null once it has exited (gone, a zombie, or its pid reused).</summary>
    private static string? LiveState(int pid)
    {
        try
        {
            if (File.ReadAllText($"/proc/{pid}/comm").Trim() != "vgpu-teardown")
            {
                return null;
            }

            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var state = stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[0];
            return state is "Z" or "X" ? null : state;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or IOException)
        {
            return null;
        }
    }

    private static string Tail(string text) => string.Join('\n', text.Split('\n').TakeLast(20));

    [GeneratedRegex(@"startup-trace teardown detached .* helper=(?<pid>[0-9]+)")]
    private static partial Regex HelperMark();
}
