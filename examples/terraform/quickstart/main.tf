# Quickstart: one PVE node with a Tesla P40 (native vGPU): host driver, a profile override, a licence server and a
# licensed Ubuntu guest. `make demo` runs it against a simulated node; for a real node, set the variables in
# terraform.tfvars (see variables.tf).
terraform {
  required_providers {
    vgpu = {
      source = "vgpuiac/vgpu"
    }
  }
}

provider "vgpu" {
  node "pve1" {
    host             = var.node_host
    port             = var.node_port
    private_key_file = var.private_key_file
    host_key_sha256  = var.host_key_sha256
  }
}

data "vgpu_node" "pve1" {
  node = "pve1"
}

resource "vgpu_host_driver" "main" {
  node             = "pve1"
  installer_source = var.host_driver_installer
  installer_sha256 = filesha256(var.host_driver_installer)
  reboot_timeout   = "2m"
}

resource "vgpu_profile_override" "p40_1q" {
  node                    = "pve1"
  mdev_type               = "nvidia-46" # GRID P40-1Q
  num_displays            = 1
  display_width           = 1920
  display_height          = 1080
  frl_enabled             = 0
  framebuffer             = "896MiB" # 1 GiB profile: 1024 MiB minus the 128 MiB reservation
  framebuffer_reservation = "128MiB"

  depends_on = [vgpu_host_driver.main]
}

resource "vgpu_dls_license_server" "dls" {
  node       = "pve1"
  vmid       = 250
  ip_address = var.dls_ip_address
  gateway    = var.dls_gateway
  dls_url    = var.dls_url
  dls_port   = var.dls_port

  # installing the host driver may reboot the node: create the container afterwards
  depends_on = [vgpu_host_driver.main]
}

resource "vgpu_guest" "ubuntu" {
  node           = "pve1"
  vmid           = 200
  name           = "vgpu-ubuntu"
  mdev_type_name = "GRID P40-1Q"

  guest_driver_source = var.guest_driver_installer
  guest_driver_sha256 = filesha256(var.guest_driver_installer)
  host_driver_version = vgpu_host_driver.main.installed_version

  license_token = vgpu_dls_license_server.dls.client_token

  depends_on = [vgpu_profile_override.p40_1q]
}

output "gpus" {
  value = [for g in data.vgpu_node.pve1.gpus : "${g.pci_address} ${g.name} (${g.vgpu_path})"]
}

output "host_driver" {
  value = "${vgpu_host_driver.main.installed_version} (${vgpu_host_driver.main.health})"
}

output "licence_server" {
  value = vgpu_dls_license_server.dls.url
}

output "guest_licence" {
  value = vgpu_guest.ubuntu.license_status
}
