# One section of /etc/vgpu_unlock/profile_override.toml; every other byte of the file is kept.
resource "vgpu_profile_override" "p40_1q_fullhd" {
  node           = "pve1"
  mdev_type_name = "GRID P40-1Q" # or mdev_type = "nvidia-46", or vmid = 104, or mdev_uuid = "..."

  num_displays            = 1
  display_width           = 1920
  display_height          = 1080 # max_pixels is derived from width x height when unset
  cuda_enabled            = 1
  frl_enabled             = 0
  framebuffer             = "896MiB" # 1 GiB minus the 128 MiB the driver reserves for a 1 GiB profile
  framebuffer_reservation = "128MiB" # set both: the VRAM a vGPU takes is their sum
}
