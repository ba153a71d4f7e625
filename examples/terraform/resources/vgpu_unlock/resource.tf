# Opt-in: vgpu_unlock-rs for consumer GeForce/Quadro cards (Pascal, Turing). Native vGPU cards do not need it.
# Unlocking consumer cards is subject to NVIDIA's licence terms, which are yours to keep.
resource "vgpu_unlock" "pve1" {
  node           = "pve1"
  library_url    = "https://files.example.internal/vgpu_unlock/libvgpu_unlock_rs.so"
  library_sha256 = "6a0e2f41c2b1d0a9f8e7d6c5b4a392817161514131211100f0e0d0c0b0a09080"
  unlock         = true
}
