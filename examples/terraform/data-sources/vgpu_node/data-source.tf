# What a node has: PVE and kernel versions, IOMMU, Secure Boot, GPUs and their vGPU types.
data "vgpu_node" "pve1" {
  node = "pve1"
}

output "vgpu_types" {
  value = flatten([for g in data.vgpu_node.pve1.gpus : [for t in g.vgpu_types : "${g.pci_address} ${t.id} ${t.name} (${t.available_instances} free)"]])
}
