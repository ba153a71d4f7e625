using System.Buffers;
using System.Globalization;
using System.Text.Json;
using VgpuIac.Engine.Logging;
using VgpuIac.Engine.Values;

namespace VgpuIac.Terraform.Logging;

/// <summary>
/// The engine's log written as hclog JSON lines on stderr, which go-plugin parses and files under
/// <c>provider.terraform-provider-vgpu</c>. Field values that are sensitive <see cref="Value"/>s are redacted.
/// Thread-safe; one line per write.
/// </summary>
public sealed class HclogLog : IEngineLog
{
    public const string Module = "provider.terraform-provider-vgpu";

    private readonly TextWriter _output;
    private readonly LogLevel? _minimum;
    private readonly TimeProvider _time;
    private readonly IReadOnlyList<KeyValuePair<string, object?>> _context;
    private readonly Lock _gate;

    public HclogLog(TextWriter output, LogLevel? minimum, TimeProvider? time = null)
        : this(output, minimum, time ?? TimeProvider.System, [], new Lock())
    {
    }

    private HclogLog(TextWriter output, LogLevel? minimum, TimeProvider time, IReadOnlyList<KeyValuePair<string, object?>> context, Lock gate)
    {
        _output = output;
        _minimum = minimum;
        _time = time;
        _context = context;
        _gate = gate;
    }

    /// <summary>A log that adds <paramref name="fields"/> (e.g. <c>tf_rpc</c>, <c>tf_resource_type</c>) to every line.</summary>
    public HclogLog With(params KeyValuePair<string, object?>[] fields) =>
        new(_output, _minimum, _time, [.. _context, .. fields], _gate);

    public bool IsEnabled(LogLevel level) => _minimum is { } minimum && level >= minimum;

    public void Write(LogLevel level, string message, IReadOnlyList<KeyValuePair<string, object?>>? fields = null)
    {
        if (!IsEnabled(level))
        {
            return;
        }

        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("@level", HclogLevel.Name(level));
            json.WriteString("@message", message);
            json.WriteString("@module", Module);
            json.WriteString("@timestamp", Timestamp(_time.GetUtcNow()));
            foreach (var (key, value) in _context.Concat(fields ?? []))
            {
                if (key.StartsWith('@'))
                {
                    continue;
                }

                json.WritePropertyName(key);
                WriteField(json, value);
            }

            json.WriteEndObject();
        }

        var line = System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
        lock (_gate)
        {
            _output.Write(line + "\n");
            _output.Flush();
        }
    }

    public void Progress(string operation, string message, double? fraction = null) =>
        Write(LogLevel.Info, message, fraction is null
            ? [KeyValuePair.Create<string, object?>("operation", operation)]
            : [KeyValuePair.Create<string, object?>("operation", operation), KeyValuePair.Create<string, object?>("fraction", fraction)]);

    /// <summary>hclog's JSON time layout: exactly six fractional digits (Go parses a fixed layout).</summary>
    public static string Timestamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    private static void WriteField(Utf8JsonWriter json, object? value)
    {
        switch (value)
        {
            case null: json.WriteNullValue(); break;
            case Value { IsSensitive: true }: json.WriteStringValue("(sensitive value)"); break;
            case string s: json.WriteStringValue(s); break;
            case bool b: json.WriteBooleanValue(b); break;
            case int i: json.WriteNumberValue(i); break;
            case long l: json.WriteNumberValue(l); break;
            case double d when double.IsFinite(d): json.WriteNumberValue(d); break;
            case decimal m: json.WriteNumberValue(m); break;
            case TimeSpan t: json.WriteNumberValue((long)t.TotalMilliseconds); break;
            default: json.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture)); break;
        }
    }
}
