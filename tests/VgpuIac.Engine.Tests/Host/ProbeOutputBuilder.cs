using System.Text;

namespace VgpuIac.Engine.Tests.Host;

/// <summary>Builds text in the shape <see cref="VgpuIac.Engine.Host.NodeFactsProbe.Script"/> prints (recorded-output style).</summary>
internal sealed class ProbeOutputBuilder
{
    private readonly StringBuilder _text = new("### probe rc=0\nversion=1\n");

    public ProbeOutputBuilder Section(string name, string body, int rc = 0)
    {
        _text.Append("### ").Append(name).Append(" rc=").Append(rc).Append('\n');
        if (body.Length > 0)
        {
            _text.Append(body.TrimEnd('\n')).Append('\n');
        }

        return this;
    }

    public ProbeOutputBuilder File(string name, string? content) =>
        content is null ? Section(name, string.Empty, 1) : Section(name, Convert.ToBase64String(Encoding.UTF8.GetBytes(content)));

    public string Build(bool end = true) => end ? _text + "### end rc=0\n" : _text.ToString();
}
