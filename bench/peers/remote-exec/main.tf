# The tutorial's host configuration as terraform_data + remote-exec provisioners: the shell commands of the
# tutorial, run once when the resource is created. It is the other peer in `make bench`.
variable "host" { type = string }
variable "port" { type = number }
variable "private_key_file" { type = string }
variable "host_key" { type = string }
variable "unlock_library_file" { type = string }

resource "terraform_data" "vgpu_host_config" {
  connection {
    type        = "ssh"
    host        = var.host
    port        = var.port
    user        = "root"
    private_key = file(var.private_key_file)
    host_key    = var.host_key
  }

  provisioner "remote-exec" {
    inline = [
      "mkdir -p /opt/vgpu_unlock-rs/target/release /etc/vgpu_unlock /etc/systemd/system/nvidia-vgpud.service.d /etc/systemd/system/nvidia-vgpu-mgr.service.d",
    ]
  }

  provisioner "file" {
    source      = var.unlock_library_file
    destination = "/opt/vgpu_unlock-rs/target/release/libvgpu_unlock_rs.so"
  }

  provisioner "remote-exec" {
    inline = [
      "printf '[Service]\\nEnvironment=LD_PRELOAD=/opt/vgpu_unlock-rs/target/release/libvgpu_unlock_rs.so\\n' > /etc/systemd/system/nvidia-vgpud.service.d/vgpu_unlock.conf",
      "printf '[Service]\\nEnvironment=LD_PRELOAD=/opt/vgpu_unlock-rs/target/release/libvgpu_unlock_rs.so\\n' > /etc/systemd/system/nvidia-vgpu-mgr.service.d/vgpu_unlock.conf",
      "printf 'unlock = true\\n' > /etc/vgpu_unlock/config.toml",
      "printf '[profile.nvidia-46]\\nnum_displays = 1\\ndisplay_width = 1920\\ndisplay_height = 1080\\nmax_pixels = 2073600\\ncuda_enabled = 1\\nfrl_enabled = 0\\nframebuffer = 939524096\\n' > /etc/vgpu_unlock/profile_override.toml",
      "systemctl daemon-reload",
      "systemctl restart nvidia-vgpud nvidia-vgpu-mgr",
    ]
  }
}
