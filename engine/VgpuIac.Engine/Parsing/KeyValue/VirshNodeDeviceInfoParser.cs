namespace VgpuIac.Engine.Parsing.KeyValue;

/// <summary>Reads <c>virsh nodedev-info &lt;dev&gt;</c> (<c>Key:   value</c> lines).</summary>
public static class VirshNodeDeviceInfoParser
{
    public static ParseResult<VirshNodeDeviceInfo> Parse(string? text)
    {
        var notes = new ParseNotes();
        var nodes = IndentedTreeParser.Parse(text);
        string? Get(string key) => nodes.FirstOrDefault(n => n.Key == key)?.Value;
        bool? Bool(string key) => Get(key) switch
        {
            "yes" => true,
            "no" => false,
            _ => null,
        };

        if (Get("Name") is null)
        {
            notes.Warn("no Name line");
        }

        return notes.Result(new VirshNodeDeviceInfo(Get("Name"), Get("Parent"), Bool("Active"), Bool("Persistent"), Bool("Autostart")));
    }
}
