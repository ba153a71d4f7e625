using System.Security.Cryptography;
using VgpuIac.Engine.Remote;
using VgpuIac.Engine.Ssh;

namespace VgpuIac.Engine.Tests.Ssh;

/// <summary>The node-side verified download, run over real SSH with a file:// URL (no network needed).</summary>
public sealed class RemoteDownloadTests(SshdFixture fixture) : IClassFixture<SshdFixture>
{
    private static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;

    [SshdFact]
    public async Task Verified_download_moves_into_place_once_and_a_mismatch_leaves_nothing_behind()
    {
        var sshd = fixture.Sshd;
        await using var shell = new SshRemoteShell(sshd.Settings(), new RecordingLog());
        var source = Path.Combine(sshd.Dir, "dl-source.bin");
        var bytes = RandomNumberGenerator.GetBytes(100_000);
        File.WriteAllBytes(source, bytes);
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var folder = Path.Combine(sshd.Dir, "dl-" + Guid.NewGuid().ToString("N"), "sub");
        var destination = Path.Combine(folder, "driver.run");
        var url = "file://" + source;

        var first = await shell.RunAsync(RemoteDownload.Command(url, destination, sha, mode: 0x1ED), Timeout());
        var second = await shell.RunAsync(RemoteDownload.Command(url, destination, sha, mode: 0x1ED), Timeout());

        Assert.Null(RemoteDownload.FailureMessage(first, url, destination));
        Assert.True(RemoteDownload.Downloaded(first));
        Assert.False(RemoteDownload.Downloaded(second));
        Assert.Contains(RemoteDownload.AlreadyPresentMarker, second.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(bytes, File.ReadAllBytes(destination));
        Assert.Equal("755\n", (await shell.RunAsync(RemoteCommand.Of("stat", "-c", "%a", destination), Timeout())).StandardOutput);

        var other = Path.Combine(folder, "other.run");
        var wrong = await shell.RunAsync(RemoteDownload.Command(url, other, new string('0', 64)), Timeout());
        Assert.Equal(RemoteDownload.ChecksumMismatchExitCode, wrong.ExitCode);
        var message = RemoteDownload.FailureMessage(wrong, url, other);
        Assert.NotNull(message);
        Assert.Contains("does not have the expected SHA-256", message, StringComparison.Ordinal);
        Assert.Contains(sha, message, StringComparison.Ordinal);
        Assert.Equal(["driver.run"], Directory.GetFiles(folder).Select(Path.GetFileName));
    }

    [Fact]
    public void Url_path_and_checksum_are_arguments_never_script_text()
    {
        var command = RemoteDownload.Command("http://x/$(reboot)", "/opt/a b;rm -rf /", "ABC", urlIsSensitive: true);

        Assert.Equal("bash", command.Program);
        Assert.DoesNotContain("reboot", command.Arguments[1], StringComparison.Ordinal);
        Assert.Equal(new[] { "/opt/a b;rm -rf /", "abc", "0644" }, command.Arguments.Skip(3).ToArray());
        Assert.Equal("http://x/$(reboot)\n", System.Text.Encoding.UTF8.GetString(command.StandardInput!.Value.Span));
        Assert.True(command.StandardInputIsSensitive);
        Assert.DoesNotContain("reboot", command.RenderForLog(), StringComparison.Ordinal);
        Assert.True(command.Mutating);
    }
}
