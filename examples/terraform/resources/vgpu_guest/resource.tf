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

# A Windows VM (install Windows and the QEMU guest agent from the virtio-win ISO first); the Windows guest driver of
# the same vGPU release is installed silently and the licence set up through the agent as well.
resource "vgpu_guest" "windows" {
  node           = "pve1"
  vmid           = 201
  name           = "vgpu-win11"
  os             = "windows"
  cores          = 4
  memory_mb      = 8192
  disk_size_gb   = 64
  mdev_type_name = "GRID P40-1Q" # a time-sliced GPU runs one vGPU type at a time

  guest_driver_source = "drivers/537.70_grid_win10_win11_server2019_server2022_dch_64bit_international.exe"
  guest_driver_sha256 = "4f2a0c8d1e6b3a5977c0d2e4f6a8b0c1d3e5f7a9b1c3d5e7f9a0b2c4d6e8f0a1"
  host_driver_version = vgpu_host_driver.pve1.installed_version

  license_token = vgpu_dls_license_server.dls.client_token
}

# A Linux VM cloned from a cloud-init template, set up over SSH instead of the guest agent (the guest's own network
# must be reachable from where terraform runs). The guest's host key is pinned: it is never trusted on first use.
resource "vgpu_guest" "ubuntu_ssh" {
  node           = "pve1"
  vmid           = 202
  name           = "vgpu-ubuntu-ssh"
  clone_from     = 9000
  agent          = false
  mdev_type_name = "GRID P40-1Q"

  guest_ssh_host             = "192.0.2.60"
  guest_ssh_private_key_file = "~/.ssh/id_ed25519"
  guest_ssh_host_key_sha256  = "SHA256:qQ8lD7BmN7Yc2nY4hV2mI6c1qz3bX9a0fTn8XQ3Kp5E"

  guest_driver_url    = "https://files.example.internal/nvidia/NVIDIA-Linux-x86_64-535.129.03-grid.run"
  guest_driver_sha256 = "1c9a8b7d6e5f403122110ffeeddccbbaa99887766554433221100ffeeddccbba"
  host_driver_version = vgpu_host_driver.pve1.installed_version

  license_token = vgpu_dls_license_server.dls.client_token
}
