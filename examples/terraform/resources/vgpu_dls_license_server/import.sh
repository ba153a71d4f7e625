# <node>/lxc/<vmid>, or <node>/docker for an existing Docker host
terraform import vgpu_dls_license_server.dls pve1/lxc/250
