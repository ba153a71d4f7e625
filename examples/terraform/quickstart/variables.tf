variable "node_host" {
  type        = string
  description = "Address of the PVE node's SSH server."
}

variable "node_port" {
  type    = number
  default = 22
}

variable "private_key_file" {
  type        = string
  description = "SSH private key for root on the node."
}

variable "host_key_sha256" {
  type        = string
  description = "The node's SSH host key fingerprint (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub)."
}

variable "host_driver_installer" {
  type        = string
  description = "Local path of NVIDIA-Linux-x86_64-<ver>-vgpu-kvm.run."
}

variable "guest_driver_installer" {
  type        = string
  description = "Local path of NVIDIA-Linux-x86_64-<ver>-grid.run (same vGPU release as the host driver)."
}

variable "dls_ip_address" {
  type    = string
  default = "192.168.1.50/24"
}

variable "dls_gateway" {
  type    = string
  default = "192.168.1.1"
}

variable "dls_url" {
  type        = string
  description = "The address guests use to reach the licence server."
  default     = "192.168.1.50"
}

variable "dls_port" {
  type    = number
  default = 443
}
