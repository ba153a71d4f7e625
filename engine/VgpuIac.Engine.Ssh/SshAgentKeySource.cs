using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using Renci.SshNet;
using Renci.SshNet.Security;
using Renci.SshNet.Security.Cryptography;
using VgpuIac.Engine.Remote;

namespace VgpuIac.Engine.Ssh;

/// <summary>
/// The keys of a running ssh-agent as SSH.NET key sources (SSH.NET 2026 has no agent support of its own).
/// Speaks the minimal agent protocol over the Unix socket: list identities (11 → 12) and sign (13 → 14).
/// The private keys never leave the agent.
/// </summary>
public sealed class SshAgentKeySource : IPrivateKeySource
{
    private const byte AgentFailure = 5;
    private const byte RequestIdentities = 11;
    private const byte IdentitiesAnswer = 12;
    private const byte SignRequest = 13;
    private const byte SignResponse = 14;
    private const uint RsaSha256Flag = 2;
    private const uint RsaSha512Flag = 4;

    private readonly string _socketPath;
    private readonly Lazy<IReadOnlyCollection<HostAlgorithm>> _algorithms;

    /// <summary>Keys from the ssh-agent listening on <paramref name="socketPath"/> (SSH_AUTH_SOCK).</summary>
    public SshAgentKeySource(string socketPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(socketPath);
        _socketPath = socketPath;
        _algorithms = new Lazy<IReadOnlyCollection<HostAlgorithm>>(LoadAlgorithms);
    }

    /// <summary>The host key algorithms the agent's keys can sign with (what the client offers).</summary>
    public IReadOnlyCollection<HostAlgorithm> HostKeyAlgorithms => _algorithms.Value;

    /// <summary>Public key blobs and comments of the agent's identities.</summary>
    public IReadOnlyList<(byte[] KeyBlob, string Comment)> ListIdentities()
    {
        var reply = Exchange([RequestIdentities]);
        if (reply.Length == 0 || reply[0] != IdentitiesAnswer)
        {
            throw new NodeConnectionException("The ssh-agent refused to list its keys.") { Remedy = "Check the agent (`ssh-add -l`)." };
        }

        var reader = new WireReader(reply.AsMemory(1));
        var count = reader.UInt32();
        var result = new List<(byte[], string)>();
        for (var i = 0; i < count; i++)
        {
            var blob = reader.Bytes().ToArray();
            var comment = Encoding.UTF8.GetString(reader.Bytes().Span);
            result.Add((blob, comment));
        }

        return result;
    }

    /// <summary>Asks the agent to sign <paramref name="data"/> with the key <paramref name="keyBlob"/>; returns the raw signature.</summary>
    public byte[] Sign(byte[] keyBlob, byte[] data, uint flags)
    {
        var request = new List<byte> { SignRequest };
        AppendString(request, keyBlob);
        AppendString(request, data);
        var flagBytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(flagBytes, flags);
        request.AddRange(flagBytes);
        var reply = Exchange([.. request]);
        if (reply.Length == 0 || reply[0] != SignResponse)
        {
            throw new NodeConnectionException(reply.Length > 0 && reply[0] == AgentFailure
                ? "The ssh-agent refused to sign with the key (is it confirmation-only or locked?)."
                : "The ssh-agent sent an unexpected answer to a sign request.")
            {
                Remedy = "Check the agent (`ssh-add -l`), or configure a private key instead.",
            };
        }

        var outer = new WireReader(reply.AsMemory(1)).Bytes();
        var inner = new WireReader(outer);
        _ = inner.Bytes(); // signature format, e.g. rsa-sha2-512
        return inner.Bytes().ToArray();
    }

    private List<HostAlgorithm> LoadAlgorithms()
    {
        var algorithms = new List<HostAlgorithm>();
        foreach (var (blob, _) in ListIdentities())
        {
            var type = KnownHosts.KeyType(blob);
            var keyData = new SshKeyData(blob);
            switch (type)
            {
                case "ssh-ed25519":
                    algorithms.Add(new KeyHostAlgorithm(type, new ED25519Key(keyData), new AgentSignature(this, blob, 0)));
                    break;
                case "ssh-rsa":
                    var rsa = new RsaKey(keyData);
                    algorithms.Add(new KeyHostAlgorithm("rsa-sha2-512", rsa, new AgentSignature(this, blob, RsaSha512Flag)));
                    algorithms.Add(new KeyHostAlgorithm("rsa-sha2-256", rsa, new AgentSignature(this, blob, RsaSha256Flag)));
                    break;
                case "ecdsa-sha2-nistp256" or "ecdsa-sha2-nistp384" or "ecdsa-sha2-nistp521":
                    algorithms.Add(new KeyHostAlgorithm(type, new EcdsaKey(keyData), new AgentSignature(this, blob, 0)));
                    break;
                default:
                    // Certificates, security keys (sk-*) and others are not supported here.
                    break;
            }
        }

        return algorithms;
    }

    private byte[] Exchange(byte[] message)
    {
        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            socket.ReceiveTimeout = 30_000;
            socket.SendTimeout = 30_000;
            socket.Connect(new UnixDomainSocketEndPoint(_socketPath));
            var frame = new byte[4 + message.Length];
            BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)message.Length);
            message.CopyTo(frame, 4);
            socket.Send(frame);
            var header = ReceiveExactly(socket, 4);
            var length = BinaryPrimitives.ReadUInt32BigEndian(header);
            if (length > 256 * 1024)
            {
                throw new NodeConnectionException("The ssh-agent sent an oversized answer.");
            }

            return ReceiveExactly(socket, (int)length);
        }
        catch (SocketException e)
        {
            throw new NodeConnectionException($"Unable to talk to the ssh-agent at {_socketPath}: {e.SocketErrorCode}", e)
            {
                Remedy = "Check that an ssh-agent runs and SSH_AUTH_SOCK points at it (`ssh-add -l`).",
            };
        }
    }

    private static byte[] ReceiveExactly(Socket socket, int count)
    {
        var buffer = new byte[count];
        var offset = 0;
        while (offset < count)
        {
            var read = socket.Receive(buffer, offset, count - offset, SocketFlags.None);
            if (read == 0)
            {
                throw new SocketException((int)SocketError.ConnectionReset);
            }

            offset += read;
        }

        return buffer;
    }

    private static void AppendString(List<byte> target, byte[] value)
    {
        var length = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(length, (uint)value.Length);
        target.AddRange(length);
        target.AddRange(value);
    }

    private struct WireReader(ReadOnlyMemory<byte> data)
    {
        private int _offset;

        public uint UInt32()
        {
            var value = BinaryPrimitives.ReadUInt32BigEndian(data.Span[_offset..]);
            _offset += 4;
            return value;
        }

        public ReadOnlyMemory<byte> Bytes()
        {
            var length = (int)UInt32();
            var value = data.Slice(_offset, length);
            _offset += length;
            return value;
        }
    }

    /// <summary>A signature made by the agent; verification is never needed on the client side.</summary>
    private sealed class AgentSignature(SshAgentKeySource agent, byte[] keyBlob, uint flags) : DigitalSignature
    {
        public override byte[] Sign(byte[] input) => agent.Sign(keyBlob, input, flags);

        public override bool Verify(byte[] input, byte[] signature) =>
            throw new NotSupportedException("Agent keys only sign.");
    }
}
