# Opt-in: a self-hosted FastAPI-DLS licence server in an unprivileged LXC with Docker inside.
# Guests can equally use a client token from NVIDIA's licence service; NVIDIA's licence terms are yours to keep.
resource "vgpu_dls_license_server" "dls" {
  node       = "pve1"
  vmid       = 250
  ip_address = "192.168.1.50/24"
  gateway    = "192.168.1.1"
  dls_url    = "192.168.1.50" # what guests connect to; written into every token and the certificate
  dls_port   = 443
  # FastAPI-DLS 2.0.3 pinned by digest (the default; a bare tag gets a warning, `latest` is refused)
  image    = "collinwebdesigns/fastapi-dls@sha256:e5078363ef86548b41c998367dfa2641015c5b7ffb7b3db280332669f8b1b5f0"
  timezone = "Europe/Berlin"
}

output "dls_certificate_sha256" {
  value = vgpu_dls_license_server.dls.certificate_sha256
}

# 18.x+ guests: patch nvidia-gridd with gridd-unlock-patcher and this certificate (VgpuIac does not patch guest drivers)
output "dls_root_certificate" {
  value = vgpu_dls_license_server.dls.root_certificate_pem
}
