using System.Diagnostics;
using VgpuIac.Terraform.Tests.Support;

namespace VgpuIac.Terraform.Tests.EndToEnd;

/// <summary>Runs the real terraform CLI in a temp directory with a dev_overrides CLI config pointing at the provider binary.</summary>
public sealed class TerraformCli : IDisposable
{
    public TerraformCli()
    {
        WorkDir = Directory.CreateTempSubdirectory("vgpu-tf-e2e-").FullName;
        CliConfig = Path.Combine(WorkDir, "cli.tfrc");
        File.WriteAllText(CliConfig, $$"""
            provider_installation {
              dev_overrides {
                "registry.terraform.io/vgpuiac/vgpu" = "{{ProviderBinary.Directory}}"
              }
              direct {}
            }
            """);
    }

    public string WorkDir { get; }

    public string CliConfig { get; }

    public static bool Available { get; } = FindOnPath("terraform") is not null;

    public void WriteConfig(string hcl) => File.WriteAllText(Path.Combine(WorkDir, "main.tf"), hcl);

    public Task<(int ExitCode, string Output)> RunAsync(params string[] args) => RunWithEnvironmentAsync(new Dictionary<string, string>(), args);

    /// <summary>Runs terraform with extra environment variables (e.g. TF_LOG=debug).</summary>
    public async Task<(int ExitCode, string Output)> RunWithEnvironmentAsync(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var info = new ProcessStartInfo("terraform") { WorkingDirectory = WorkDir, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.ArgumentList.Add("-no-color");
        info.Environment["TF_CLI_CONFIG_FILE"] = CliConfig;
        info.Environment["TF_IN_AUTOMATION"] = "1";
        info.Environment["CHECKPOINT_DISABLE"] = "1";
        info.Environment["TF_LOG"] = "";
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(cts.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    /// <summary>
    /// terraform's output for a failure message: its <c>Error:</c> blocks first, since a CI log keeps only a message's
    /// first lines, then the whole output without the dev_overrides warning that every run prints.
    /// </summary>
    public static string ForMessage(string output)
    {
        var lines = output.Split('\n');
        var kept = new List<string>(lines.Length);
        var errors = new List<string>();
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].StartsWith("Warning: Provider development overrides are in effect", StringComparison.Ordinal))
            {
                while (i < lines.Length && !lines[i].Contains("applying changes may cause the state to become unexpected", StringComparison.Ordinal))
                {
                    i++;
                }

                continue;
            }

            kept.Add(lines[i]);
            if (lines[i].StartsWith("Error: ", StringComparison.Ordinal))
            {
                errors.AddRange(lines.Skip(i).Take(16).TakeWhile((l, n) => n == 0 || !l.StartsWith("Error: ", StringComparison.Ordinal)));
            }
        }

        var rest = string.Join('\n', kept).Trim();
        return errors.Count == 0 ? rest : string.Join('\n', errors) + "\n--- the whole output:\n" + rest;
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

    public void Dispose()
    {
        try
        {
            Directory.Delete(WorkDir, recursive: true);
        }
        catch (IOException)
        {
            // Leave it for the OS temp cleaner.
        }
    }
}
