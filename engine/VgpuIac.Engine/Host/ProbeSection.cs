namespace VgpuIac.Engine.Host;

/// <summary>One <c>### name rc=N</c> section of the probe output.</summary>
internal sealed record ProbeSection(string Name, int ExitCode, string Body)
{
    public IEnumerable<string> Lines => Body.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0);

    /// <summary>The base64 body decoded as UTF-8; null when the file was absent or the body is not base64.</summary>
    public string? DecodedFile()
    {
        if (ExitCode != 0)
        {
            return null;
        }

        try
        {
            return System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(Body.Trim()));
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
