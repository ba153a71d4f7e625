# A VM with a vGPU slice; the driver and the licence are set up through the QEMU guest agent.
resource "vgpu_guest" "ubuntu" {
  node           = "pve1"
  vmid           = 200
  name           = "vgpu-ubuntu"
  cores          = 4
  memory_mb      = 8192
  iso            = "local:iso/ubuntu-22.04.4-live-server-amd64.iso"
  mdev_type_name = "GRID P40-1Q"

  guest_driver_url    = "https://files.example.internal/nvidia/NVIDIA-Linux-x86_64-535.129.03-grid.run"
  guest_driver_sha256 = "1c9a8b7d6e5f403122110ffeeddccbbaa99887766554433221100ffeeddccbba"
  host_driver_version = vgpu_host_driver.pve1.installed_version # the guest driver must be of the same vGPU release

  license_token = vgpu_dls_license_server.dls.client_token # or file("client_configuration_token.tok") from NVIDIA's licence service
}
