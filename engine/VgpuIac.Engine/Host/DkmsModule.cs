namespace VgpuIac.Engine.Host;

/// <summary>One line of <c>dkms status</c>: <c>nvidia/535.129.03, 6.8.12-4-pve, x86_64: installed</c>.</summary>
internal sealed record DkmsModule(string Module, string Version, string? Kernel, string? Architecture, string Status)
{
    public bool IsInstalled => Status.StartsWith("installed", StringComparison.OrdinalIgnoreCase);
}
