namespace VgpuIac.Engine.Parsing.NvidiaSmi;

/// <summary>The licence state a vGPU guest reports (guest <c>nvidia-smi -q</c>, host <c>nvidia-smi vgpu -q</c>).</summary>
public enum LicenceState
{
    /// <summary>Unreadable text.</summary>
    Unknown,

    /// <summary>"Licensed", with or without an expiry.</summary>
    Licensed,

    /// <summary>"Unlicensed" with no qualifier (older drivers).</summary>
    Unlicensed,

    /// <summary>"Unlicensed (Unrestricted)": grace period, full speed; normal right after boot.</summary>
    UnlicensedUnrestricted,

    /// <summary>"Unlicensed (Restricted)": throttled.</summary>
    UnlicensedRestricted,

    /// <summary>"N/A" (host side when no guest driver is loaded yet).</summary>
    NotAvailable,
}
