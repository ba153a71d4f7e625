using System.Collections.Immutable;

namespace VgpuIac.Engine.ProfileOverride;

/// <summary>
/// Every override key vgpu_unlock-rs knows (its <c>VgpuProfileOverride</c> struct), in the order the provider writes them.
/// </summary>
internal static class OverrideKeys
{
    public static OverrideKey NumDisplays { get; } = new("num_displays", OverrideValueKind.Unsigned32, "Number of virtual display heads (`num_heads`). Usually `1` for a remote desktop or game-streaming VM.");

    public static OverrideKey DisplayWidth { get; } = new("display_width", OverrideValueKind.Unsigned32, "Maximum horizontal resolution in pixels (`max_resolution_x`), e.g. `1920`.");

    public static OverrideKey DisplayHeight { get; } = new("display_height", OverrideValueKind.Unsigned32, "Maximum vertical resolution in pixels (`max_resolution_y`), e.g. `1080`.");

    public static OverrideKey MaxPixels { get; } = new("max_pixels", OverrideValueKind.Unsigned32, "Total pixels of one head (`max_pixels`). When unset and both `display_width` and `display_height` are set, the provider writes `display_width * display_height` (the tutorial's 1920 x 1080 = 2073600).");

    public static OverrideKey Framebuffer { get; } = new("framebuffer", OverrideValueKind.ByteSize, "Guest-visible framebuffer (`fb_length`), in bytes (`939524096`, `0x38000000`) or as a size (`896MiB`, `1GiB`; KB/MB/GB/TB are powers of 1000, KiB/MiB/GiB/TiB powers of 1024). VRAM used on the GPU is `framebuffer + framebuffer_reservation`: set both together.") { WriteHex = true };

    public static OverrideKey FramebufferReservation { get; } = new("framebuffer_reservation", OverrideValueKind.ByteSize, "Memory reserved for the vGPU itself next to the framebuffer (`fb_reservation`), same formats as `framebuffer`. It scales with the profile size (128 MiB for a 1 GiB profile, 64 MiB + 64 MiB per GiB in general), so the tutorial's `1024 - 128 = 896 MiB` is only right for 1 GiB profiles.") { WriteHex = true };

    public static OverrideKey CudaEnabled { get; } = new("cuda_enabled", OverrideValueKind.Flag, "`1` enables CUDA in the guest, `0` disables it.");

    public static OverrideKey FrlEnabled { get; } = new("frl_enabled", OverrideValueKind.Flag, "Frame-rate limiter on (`1`) or off (`0`). This is a switch, not a frame rate: to change the limit itself use `frl_config`.");

    public static OverrideKey FrlConfig { get; } = new("frl_config", OverrideValueKind.Unsigned32, "Frame-rate limit value used when the limiter is on (e.g. `60`).");

    public static OverrideKey EccSupported { get; } = new("ecc_supported", OverrideValueKind.Flag, "`1` reports ECC support to the guest, `0` does not.");

    public static OverrideKey MultiVgpuSupported { get; } = new("multi_vgpu_supported", OverrideValueKind.Flag, "`1` allows several vGPUs of this type in one VM.");

    public static OverrideKey MaxInstances { get; } = new("max_instances", OverrideValueKind.Unsigned32, "Maximum instances of this type per physical GPU (`max_instance`).");

    public static OverrideKey MigInstanceSize { get; } = new("mig_instance_size", OverrideValueKind.Unsigned32, "MIG instance size (`mig_instance_size`; `gpu_instance_size` on R580).");

    public static OverrideKey EncoderCapacity { get; } = new("encoder_capacity", OverrideValueKind.Unsigned32, "NVENC share in percent (`encoder_capacity`, 100 = full).");

    public static OverrideKey Bar1Length { get; } = new("bar1_length", OverrideValueKind.Unsigned64, "BAR1 size in MiB (`bar1_length`; stock `0x100` = 256 MiB).") { WriteHex = true };

    public static OverrideKey MappableVideoSize { get; } = new("mappable_video_size", OverrideValueKind.ByteSize, "Mappable video size (`mappable_video_size`), same formats as `framebuffer`.") { WriteHex = true };

    public static OverrideKey PciId { get; } = new("pci_id", OverrideValueKind.Unsigned64, "Guest-visible PCI id `device << 16 | subsystem` (`vdev_id`), e.g. `0x1E3012BA` = 506466490. Spoofing it makes Windows load Quadro drivers (no CUDA, FRL ignored).") { WriteHex = true };

    public static OverrideKey PciDeviceId { get; } = new("pci_device_id", OverrideValueKind.Unsigned64, "Guest-visible PCI device id (`pdev_id`), e.g. `0x1E30` = 7728.") { WriteHex = true };

    public static OverrideKey GpuType { get; } = new("gpu_type", OverrideValueKind.Unsigned32, "Numeric vGPU type id (`vgpu_type`). Normally left alone.");

    public static OverrideKey CardName { get; } = new("card_name", OverrideValueKind.Text, "vGPU type name shown to the guest (`vgpu_name`), e.g. `GRID P40-1Q`.") { MaxLength = 31 };

    public static OverrideKey VgpuType { get; } = new("vgpu_type", OverrideValueKind.Text, "vGPU class (`vgpu_class`): `Quadro`, `NVS`, `Compute`, ...") { MaxLength = 31 };

    public static OverrideKey Features { get; } = new("features", OverrideValueKind.Text, "Licence feature string (`license`), e.g. `Quadro-Virtual-DWS,5.0;GRID-Virtual-WS,2.0`.") { MaxLength = 127 };

    public static OverrideKey AdapterName { get; } = new("adapter_name", OverrideValueKind.Text, "Adapter name (`adapter_name` and its UTF-16 copy), at most 63 characters.") { MaxLength = 63 };

    public static OverrideKey ShortGpuName { get; } = new("short_gpu_name", OverrideValueKind.Text, "Short GPU name (`short_gpu_name_string`), e.g. `GA102GL-A`.") { MaxLength = 63 };

    public static OverrideKey LicenseType { get; } = new("license_type", OverrideValueKind.Text, "Licensed product name (`licensed_product_name`), e.g. `NVIDIA RTX Virtual Workstation`.") { MaxLength = 127 };

    /// <summary>All keys, in writing order (the tutorial's keys first).</summary>
    public static ImmutableArray<OverrideKey> All { get; } =
    [
        NumDisplays, DisplayWidth, DisplayHeight, MaxPixels, CudaEnabled, FrlEnabled, FrlConfig, Framebuffer, FramebufferReservation,
        MappableVideoSize, EncoderCapacity, Bar1Length, MaxInstances, MigInstanceSize, EccSupported, MultiVgpuSupported,
        PciId, PciDeviceId, GpuType, CardName, VgpuType, Features, AdapterName, ShortGpuName, LicenseType,
    ];

    public static OverrideKey? Find(string name) => All.FirstOrDefault(k => k.Name == name);
}
