namespace VgpuIac.Terraform.Tests.Support;

/// <summary>
/// Which provider executable the process and end-to-end tests drive: <c>VGPU_PROVIDER_BINARY</c>, else the
/// AOT publish in <c>artifacts/provider/</c>, else the build output copied next to the tests.
/// </summary>
public static class ProviderBinary
{
    public const string FileName = "terraform-provider-vgpu";

    public static string Path { get; } = Locate();

    public static string Directory => System.IO.Path.GetDirectoryName(Path)!;

    private static string Locate()
    {
        if (Environment.GetEnvironmentVariable("VGPU_PROVIDER_BINARY") is { Length: > 0 } explicitPath)
        {
            return System.IO.Path.GetFullPath(explicitPath);
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "VgpuIac.sln")))
            {
                var published = System.IO.Path.Combine(dir.FullName, "artifacts", "provider", FileName);
                if (File.Exists(published))
                {
                    return published;
                }

                break;
            }
        }

        return System.IO.Path.Combine(AppContext.BaseDirectory, FileName);
    }
}
