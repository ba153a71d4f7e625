# Opt-in: a self-hosted FastAPI-DLS licence server in an unprivileged LXC with Docker inside.
# Guests can equally use a client token from NVIDIA's licence service; NVIDIA's licence terms are yours to keep.
resource "vgpu_dls_license_server" "dls" {
  node       = "pve1"
  vmid       = 250
  ip_address = "192.168.1.50/24"
  gateway    = "192.168.1.1"
  dls_url    = "192.168.1.50" # what guests connect to; written into every token and the certificate
  dls_port   = 443
  image      = "collinwebdesigns/fastapi-dls:2.0.2" # pinned; `latest` is refused
  timezone   = "Europe/Berlin"
}

output "dls_certificate_sha256" {
  value = vgpu_dls_license_server.dls.certificate_sha256
}
