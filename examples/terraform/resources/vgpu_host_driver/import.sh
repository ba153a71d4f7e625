# A node name
terraform import vgpu_host_driver.pve1 pve1
