namespace VgpuIac.Engine.Tests.Ssh;

/// <summary>A test that needs a real sshd in a mount namespace: skipped with the reason outside CI when that is impossible.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class SshdFactAttribute : FactAttribute
{
    public SshdFactAttribute()
    {
        var why = PlainSshd.Unavailable();
        if (why is not null && Environment.GetEnvironmentVariable("CI") != "true")
        {
            Skip = "real sshd tests: " + why;
        }
    }
}
