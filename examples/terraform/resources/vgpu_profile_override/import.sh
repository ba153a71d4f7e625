# <node>/profile.<mdev type>, <node>/vm.<vmid> or <node>/mdev.<uuid>
terraform import vgpu_profile_override.p40_1q_fullhd pve1/profile.nvidia-46
