# The NVIDIA vGPU host driver, from a URL checked against its SHA-256 (or installer_source = a local file).
resource "vgpu_host_driver" "pve1" {
  node             = "pve1"
  installer_url    = "https://files.example.internal/nvidia/NVIDIA-Linux-x86_64-535.129.03-vgpu-kvm.run"
  installer_sha256 = "0f2b5a9c9b1e8f8e0c1d2e3f405162738495a6b7c8d9e0f1a2b3c4d5e6f70819"

  dkms                 = true
  kernel_compatibility = "enforce" # refuse a kernel outside the driver's range, naming the kernel to pin
  reboot               = "if_needed"
  reboot_timeout       = "10m"
}
