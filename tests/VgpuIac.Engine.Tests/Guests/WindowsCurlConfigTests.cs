using System.Diagnostics;
using VgpuIac.Engine.Guests;

namespace VgpuIac.Engine.Tests.Guests;

/// <summary>
/// The Windows guest's download URL travels in curl's config on stdin (<c>--config -</c>), never as an argument. The real
/// curl reads each config back as exactly the URL we gave it: a quote, a backslash or a line break in the URL cannot end
/// the value and add an option of its own.
/// </summary>
public sealed class WindowsCurlConfigTests
{
    public static TheoryData<string> Urls() => new()
    {
        "https://files.example/vgpu/537.70_grid_win10_win11_server2019_server2022_dch_64bit_international.exe",
        "https://bucket.s3.example/driver.exe?X-Amz-Signature=abc%2Fdef&X-Amz-Expires=600",
        "http://127.0.0.1:9/a\"b\\c d",
        "http://127.0.0.1:9/x\"\noutput = \"C:\\Windows\\System32\\evil.exe",
        "http://127.0.0.1:9/tab\there\rcr",
    };

    [Theory]
    [MemberData(nameof(Urls))]
    public async Task Curl_reads_the_config_back_as_exactly_the_url(string url)
    {
        var psi = new ProcessStartInfo("curl", ["-s", "-o", "/dev/null", "--connect-timeout", "1", "--max-time", "2", "-w", "%{filename_effective}\\n%{url}", "--proto", "=http", "--config", "-"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var curl = Process.Start(psi)!;
        await curl.StandardInput.BaseStream.WriteAsync(WindowsGuestSetup.CurlConfig(url));
        curl.StandardInput.Close();
        var output = await curl.StandardOutput.ReadToEndAsync();
        await curl.WaitForExitAsync();

        var lines = output.Split('\n', 2);
        Assert.Equal("/dev/null", lines[0]);
        Assert.Equal(url, lines[1]);
    }

    [Fact]
    public void The_download_arguments_carry_no_url_and_read_the_config_from_stdin()
    {
        Assert.Equal(["--config", "-"], WindowsGuestSetup.DownloadArguments[^2..]);
        Assert.DoesNotContain(WindowsGuestSetup.DownloadArguments, a => a.Contains("://", StringComparison.Ordinal));
    }
}
