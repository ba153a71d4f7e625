using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using VgpuIac.DlsStandIn;

// A stand-in for FastAPI-DLS (which cannot be installed here): the endpoints VgpuIac and the simulated guest use,
// with the same content types, attachment name and token shape (see shared/specs/node-sim.md §4). It refuses to
// start without the web server certificate, as the real image does (uvicorn is started with webserver.key/.crt).
// DLS_STANDIN_MAJOR (set by the simulated docker from the image tag) selects the version it behaves like:
// 2 (default): tokens are signed by the service-instance key of the CA chain in CERT_PATH, created on start when a
//   file is missing (mode 0644, as the real server does); INSTANCE_KEY_RSA is ignored; /-/config/root-certificate.
// 1: tokens are signed by INSTANCE_KEY_RSA (default <cert>/instance.private.pem), which must exist.
var settings = DlsSettings.FromEnvironment(Environment.GetEnvironmentVariable);
var certFile = Path.Combine(settings.CertPath, "webserver.crt");
var keyFile = Path.Combine(settings.CertPath, "webserver.key");
string InContainer(string path) => path.StartsWith("/app/cert/", StringComparison.Ordinal) ? Path.Combine(settings.CertPath, path["/app/cert/".Length..]) : path;
var instanceKeyFile = InContainer(settings.InstanceKeyRsa ?? "/app/cert/instance.private.pem");
foreach (var f in settings.Major == 1 ? new[] { certFile, keyFile, instanceKeyFile } : [certFile, keyFile])
{
    if (!File.Exists(f))
    {
        Console.Error.WriteLine($"ERROR: [Errno 2] No such file or directory: '{f}'");
        return 1;
    }
}

using var webCert = X509Certificate2.CreateFromPemFile(certFile, keyFile);
using var chain = settings.Major == 2 ? CaChain.LoadOrCreate(settings.CertPath, settings.InstanceRef) : null;
using var instanceKey = RSA.Create();
if (chain is null)
{
    instanceKey.ImportFromPem(File.ReadAllText(instanceKeyFile));
}

var signingKey = chain?.SiKey ?? instanceKey;
var signingPublicPem = signingKey.ExportSubjectPublicKeyInfoPem();
if (chain is { Created: true })
{
    Console.WriteLine($"[startup   ]: created the CA chain in {settings.CertPath}");
}

var leases = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);

var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { Args = args });
builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(IPAddress.Loopback, settings.ListenPort, l =>
{
    l.Protocols = HttpProtocols.Http1; // uvicorn speaks HTTP/1.1 only
    // Export/import so the key is usable by SslStream on Linux
    l.UseHttps(X509CertificateLoader.LoadPkcs12(webCert.Export(X509ContentType.Pkcs12), null));
}));
builder.Services.AddRoutingCore();
var app = builder.Build();

static IResult Json(JsonNode node) => Results.Text(node.ToJsonString().Replace("\":", "\": ", StringComparison.Ordinal).Replace(",\"", ", \"", StringComparison.Ordinal), "application/json");

static void Log(string tag, string message) => Console.WriteLine($"[{tag,-10}]: {message}");

app.MapGet("/-/health", () => Json(new JsonObject { ["status"] = "up" }));

app.MapGet("/-/config", () => Json(new JsonObject
{
    ["VERSION"] = settings.Major == 2 ? "2.0.3 (stand-in)" : "1.5.4 (stand-in)",
    ["COMMIT"] = "unknown",
    ["DEBUG"] = "False",
    ["DLS_URL"] = settings.DlsUrl,
    ["DLS_PORT"] = settings.DlsPort.ToString(CultureInfo.InvariantCulture),
    ["SITE_KEY_XID"] = settings.SiteKeyXid,
    ["INSTANCE_REF"] = settings.InstanceRef,
    ["ALLOTMENT_REF"] = new JsonArray(settings.AllotmentRef),
    ["TOKEN_EXPIRE_DELTA"] = "relativedelta(days=+1)",
    ["LEASE_EXPIRE_DELTA"] = $"relativedelta(days=+{settings.LeaseExpireDays})",
    ["LEASE_RENEWAL_PERIOD"] = settings.LeaseRenewalPeriod,
    ["CORS_ORIGINS"] = $"['https://{settings.DlsUrl}']",
    ["TZ"] = settings.TimeZone,
}));

if (chain is not null)
{
    app.MapGet("/-/config/root-certificate", () => Results.Text(chain.RootCertificatePem, "text/plain"));
}

app.MapGet("/-/client-token", async (HttpContext http) =>
{
    var now = DateTimeOffset.UtcNow;
    var parameters = signingKey.ExportParameters(false);
    var portMap = new JsonArray(new JsonObject { ["service"] = "auth", ["port"] = settings.DlsPort });
    if (settings.Major == 2)
    {
        portMap.Add(new JsonObject { ["service"] = "lease", ["port"] = settings.DlsPort });
    }

    var payload = new JsonObject
    {
        ["jti"] = Guid.NewGuid().ToString(),
        ["iss"] = "NLS Service Instance",
        ["aud"] = "NLS Licensed Client",
        ["iat"] = now.ToUnixTimeSeconds(),
        ["nbf"] = now.ToUnixTimeSeconds(),
        ["exp"] = now.AddYears(12).ToUnixTimeSeconds(),
        ["protocol_version"] = "2.0",
        ["update_mode"] = "ABSOLUTE",
        ["scope_ref_list"] = new JsonArray(settings.AllotmentRef),
        ["fulfillment_class_ref_list"] = new JsonArray(),
        ["service_instance_configuration"] = new JsonObject
        {
            ["nls_service_instance_ref"] = settings.InstanceRef,
            ["svc_port_set_list"] = new JsonArray(new JsonObject
            {
                ["idx"] = 0,
                ["d_name"] = "DLS",
                ["svc_port_map"] = portMap,
            }),
            ["node_url_list"] = new JsonArray(new JsonObject { ["idx"] = 0, ["url"] = settings.DlsUrl, ["url_qr"] = settings.DlsUrl, ["svc_port_set_idx"] = 0 }),
        },
        ["service_instance_public_key_configuration"] = new JsonObject
        {
            ["service_instance_public_key_me"] = new JsonObject { ["mod"] = Convert.ToHexStringLower(parameters.Modulus!), ["exp"] = 65537 },
            ["service_instance_public_key_pem"] = signingPublicPem,
            ["key_retention_mode"] = "LATEST_ONLY",
        },
    };
    var token = Jws.Sign(payload, signingKey);
    http.Response.ContentType = "text/plain; charset=utf-8";
    http.Response.Headers.ContentDisposition = $"attachment; filename=client_configuration_token_{now:dd-MM-yy-HH-mm-ss}.tok";
    await http.Response.StartAsync().ConfigureAwait(false); // no Content-Length: chunked, as FastAPI's streaming response
    await http.Response.WriteAsync(token).ConfigureAwait(false);
    Log("client-token", $"issued {payload["jti"]}");
});

// The lease request of the simulated guest's nvidia-gridd: simplified from the real origin -> code -> token -> lessor
// exchange to one call, but checked the way the real server checks: the token must carry our signature, our
// DLS_URL/DLS_PORT, and the client clock must agree with ours.
app.MapPost("/leasing/v1/lessor", async (HttpContext http) =>
{
    var body = await JsonNode.ParseAsync(http.Request.Body).ConfigureAwait(false) as JsonObject;
    var token = body?["client_token"]?.GetValue<string>() ?? string.Empty;
    var origin = body?["origin_ref"]?.GetValue<string>() ?? "unknown";
    Log("origin", $"{origin}: {body?["environment"]?.ToJsonString() ?? "{}"}");
    var claims = Jws.Verify(token, signingKey, out var error);
    if (claims is null)
    {
        Log("lessor", $"{origin}: {error}");
        return Results.Text($"{{\"detail\": \"{error}\"}}", "application/json", Encoding.UTF8, 401);
    }

    var node = claims["service_instance_configuration"]?["node_url_list"]?[0];
    var port = claims["service_instance_configuration"]?["svc_port_set_list"]?[0]?["svc_port_map"]?[0]?["port"]?.GetValue<int>();
    if (node?["url"]?.GetValue<string>() != settings.DlsUrl || port != settings.DlsPort)
    {
        Log("lessor", $"{origin}: token was issued for another server");
        return Results.Text("{\"detail\": \"token was issued for another DLS_URL/DLS_PORT\"}", "application/json", Encoding.UTF8, 401);
    }

    var now = DateTimeOffset.UtcNow;
    if (body?["client_time"]?.GetValue<string>() is { } clientTime
        && DateTimeOffset.TryParse(clientTime, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)
        && (t - now).Duration() > TimeSpan.FromMinutes(10))
    {
        Log("lessor", $"{origin}: clock skew {(t - now).TotalSeconds:F0}s");
        return Results.Text("{\"detail\": \"clock skew between client and server\"}", "application/json", Encoding.UTF8, 400);
    }

    var leaseRef = Guid.NewGuid().ToString();
    var expires = now.AddDays(settings.LeaseExpireDays);
    lock (leases)
    {
        leases[leaseRef] = expires;
    }

    Log("create", $"{origin}: create leases for scope_ref_list ['{settings.AllotmentRef}']");
    return Json(new JsonObject
    {
        ["result_code"] = "SUCCESS",
        ["lease_result_list"] = new JsonArray(new JsonObject
        {
            ["ordinal"] = 0,
            ["lease"] = new JsonObject
            {
                ["ref"] = leaseRef,
                ["created"] = now.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture),
                ["expires"] = expires.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture),
                ["recommended_lease_renewal"] = double.Parse(settings.LeaseRenewalPeriod, CultureInfo.InvariantCulture),
                ["offline_lease"] = "true",
                ["license_type"] = "CONCURRENT_COUNTED_SINGLE",
            },
        }),
        ["prompts"] = null,
        ["sync_timestamp"] = now.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture),
    });
});

app.MapGet("/-/leases", () =>
{
    var arr = new JsonArray();
    lock (leases)
    {
        foreach (var (r, e) in leases)
        {
            arr.Add(new JsonObject { ["lease_ref"] = r, ["lease_expires"] = e.ToString("O", CultureInfo.InvariantCulture) });
        }
    }

    return Json(arr);
});

Log("startup", $"FastAPI-DLS {settings.Major}.x stand-in listening on 127.0.0.1:{settings.ListenPort} for DLS_URL={settings.DlsUrl} DLS_PORT={settings.DlsPort}");
await app.RunAsync().ConfigureAwait(false);
return 0;
