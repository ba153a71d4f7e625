namespace VgpuIac.Engine.Parsing.NvidiaSmi;

/// <summary>
/// What a vGPU guest says about its licence: the guest driver version, the vGPU profile name (GPU Product Name, e.g.
/// "GRID P40-12Q"), the licensed product ("NVIDIA RTX Virtual Workstation"), the status, and the Feature line when
/// an older driver prints one. Every field is null when the text does not carry it.
/// </summary>
internal sealed record GuestLicence(
    string? DriverVersion,
    string? VgpuProfileName,
    string? LicensedProductName,
    LicenceStatus? Status,
    string? Feature);
