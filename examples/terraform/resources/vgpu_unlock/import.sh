# A node name
terraform import vgpu_unlock.pve1 pve1
