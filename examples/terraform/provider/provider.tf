terraform {
  required_providers {
    vgpu = {
      source = "vgpuiac/vgpu"
    }
  }
}

# Defaults shared by every node; secrets can also come from VGPU_SSH_PRIVATE_KEY / VGPU_SSH_PASSWORD.
provider "vgpu" {
  user             = "root"
  private_key_file = "~/.ssh/id_ed25519"

  node "pve1" {
    host            = "192.168.1.10"
    host_key_sha256 = "SHA256:Xk9o0zGyT3yKy0m0kV3v1b8qkq0Jc0Jf0a0b0c0d0e0" # ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub on the node
  }

  node "pve2" {
    host             = "192.168.1.11"
    known_hosts_file = "~/.ssh/known_hosts"
  }
}
