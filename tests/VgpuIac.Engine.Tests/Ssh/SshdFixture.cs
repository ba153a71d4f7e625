namespace VgpuIac.Engine.Tests.Ssh;

/// <summary>One sshd (password user enabled) shared by the tests of a class.</summary>
public sealed class SshdFixture : IAsyncLifetime
{
    private PlainSshd? _sshd;

    internal PlainSshd Sshd => _sshd ?? throw new InvalidOperationException("sshd not started");

    public async Task InitializeAsync()
    {
        if (PlainSshd.Unavailable() is null)
        {
            _sshd = await PlainSshd.StartAsync(allowPassword: true);
        }
    }

    public async Task DisposeAsync()
    {
        if (_sshd is not null)
        {
            await _sshd.DisposeAsync();
        }
    }
}
