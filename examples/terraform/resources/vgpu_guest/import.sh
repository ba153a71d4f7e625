# <node>/<vmid>
terraform import vgpu_guest.ubuntu pve1/200
