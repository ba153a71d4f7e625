using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace VgpuIac.Pulumi.Tests.Support;

/// <summary>
/// Runs <c>tests/pulumi-engine/drive.js</c>: a Node.js client built on npm @pulumi/pulumi's generated gRPC stubs that
/// launches the real plugin binary, plays the engine (and a fake ResourceMonitor), runs the plan's RPC steps and prints
/// one JSON result.
/// </summary>
public static class PulumiEngine
{
    public const string Unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
    public const string SignatureKey = "4dabf18193072939515e22adb298388d";
    public const string SecretSignature = "1b47061264138c4ac30d75fd1eb44270";

    public static JsonObject Secret(JsonNode? value) => new() { [SignatureKey] = SecretSignature, ["value"] = value };

    public static bool IsSecret(JsonNode? node) => node is JsonObject o && o[SignatureKey]?.GetValue<string>() == SecretSignature;

    /// <summary>Why the Node client cannot run here, or null.</summary>
    public static string? WhyUnavailable()
    {
        if (!Directory.Exists(Path.Combine(RepoPaths.EngineClientDir, "node_modules", "@pulumi", "pulumi")))
        {
            return $"npm packages missing: run `npm ci` in {RepoPaths.EngineClientDir}";
        }

        return File.Exists(RepoPaths.PluginBinary) ? null : $"plugin binary not built: {RepoPaths.PluginBinary}";
    }

    public static async Task<EngineRun> RunAsync(JsonArray steps, JsonObject? monitor = null, IEnumerable<string>? args = null, IDictionary<string, string>? env = null, TimeSpan? timeout = null)
    {
        if (WhyUnavailable() is { } why)
        {
            throw new InvalidOperationException(why);
        }

        var plan = new JsonObject { ["plugin"] = RepoPaths.PluginBinary, ["steps"] = steps };
        if (monitor is not null)
        {
            plan["monitor"] = monitor;
        }

        if (args is not null)
        {
            plan["args"] = new JsonArray([.. args.Select(a => (JsonNode)a)]);
        }

        if (env is not null)
        {
            plan["env"] = new JsonObject(env.Select(kv => new KeyValuePair<string, JsonNode?>(kv.Key, kv.Value)));
        }

        var planPath = Path.Combine(Path.GetTempPath(), $"vgpu-pulumi-plan-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(planPath, plan.ToJsonString());
        try
        {
            var psi = new ProcessStartInfo("node", [Path.Combine(RepoPaths.EngineClientDir, "drive.js"), planPath])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = RepoPaths.EngineClientDir,
            };
            using var process = Process.Start(psi)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(8));
            try
            {
                await process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException("drive.js did not finish: " + await stderr);
            }

            var text = await stdout;
            if (process.ExitCode != 0 || text.Length == 0)
            {
                throw new InvalidOperationException($"drive.js failed ({process.ExitCode}): {await stderr}");
            }

            return new EngineRun(JsonNode.Parse(text)!.AsObject());
        }
        finally
        {
            File.Delete(planPath);
        }
    }
}

/// <summary>The JSON result of one drive.js run.</summary>
public sealed record EngineRun(JsonObject Result)
{
    public JsonArray Steps => Result["steps"]!.AsArray();

    public JsonObject Step(int index) => Steps[index]!.AsObject();

    /// <summary>The response of a step that must have succeeded (the failure details otherwise).</summary>
    public JsonObject Ok(int index)
    {
        var step = Step(index);
        Assert.True(step["ok"]!.GetValue<bool>(), $"step {index} ({step["rpc"]}) failed: {step["code"]} {step["details"]}\nstderr: {Result["stderr"]}");
        return step["response"]?.AsObject() ?? [];
    }

    public JsonArray Logs => Result["logs"]!.AsArray();

    public JsonObject? Monitor => Result["monitor"] as JsonObject;

    public string Stderr => Result["stderr"]?.GetValue<string>() ?? string.Empty;

    public override string ToString() => Result.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
}
