namespace VgpuIac.NodeSim;

/// <summary>
/// Where the sshd of a simulated VM's guest listens (see CONVENTIONS.md, "SSH into simulated guests"): 127.0.0.1 and
/// its own port, its own host key (<see cref="HostKeySha256"/>, <c>SHA256:...</c>), user root with the node's client key.
/// </summary>
public sealed record GuestSshEndpoint(long Vmid, string Host, int Port, string User, string PrivateKeyPath, string HostKeySha256);
