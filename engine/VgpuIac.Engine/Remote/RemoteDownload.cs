using System.Globalization;

namespace VgpuIac.Engine.Remote;

/// <summary>
/// Downloads a URL on the node itself (curl, else wget) into a temp file next to the destination, checks its SHA-256,
/// then moves it into place. A mismatch deletes the temp file and leaves the destination untouched.
/// When the destination already has the expected SHA-256 nothing is downloaded.
/// Pure command building: the script is fixed, the URL, path and checksum are its arguments.
/// </summary>
internal static class RemoteDownload
{
    /// <summary>Exit code of the script when the downloaded bytes do not have the expected SHA-256.</summary>
    public const int ChecksumMismatchExitCode = 65;

    /// <summary>Exit code when the node has neither curl nor wget.</summary>
    public const int NoDownloaderExitCode = 127;

    /// <summary>First line of standard output when the destination already had the expected content.</summary>
    public const string AlreadyPresentMarker = "vgpuiac-download: already present";

    /// <summary>First line of standard output after a verified download.</summary>
    public const string DownloadedMarker = "vgpuiac-download: downloaded";

    // Run as `bash -c SCRIPT vgpuiac-download DEST SHA MODE` with the URL as the first line of standard input: the URL
    // never appears in an argument list (`ps` on the node shows every process's arguments). curl reads it from its
    // config on stdin (`--config -`), wget from its input file on stdin (`-i -`); printf is a shell builtin.
    private const string Script = """
        set -u
        dest=$1 want=$2 mode=$3
        IFS= read -r url || [ -n "${url:-}" ] || { echo "vgpuiac-download: no URL on standard input" >&2; exit 2; }
        case $want in *[!0-9a-f]*|'') echo "vgpuiac-download: expected SHA-256 must be 64 lowercase hex digits" >&2; exit 2;; esac
        if [ -f "$dest" ]; then
          have=$(sha256sum -- "$dest" | cut -d' ' -f1)
          if [ "$have" = "$want" ]; then
            chown root:root -- "$dest" && chmod "$mode" -- "$dest" || exit 1
            echo "vgpuiac-download: already present"; exit 0
          fi
        fi
        dir=$(dirname -- "$dest")
        mkdir -p -m 0755 -- "$dir" || exit 1
        tmp=$(mktemp -- "$dest.vgpuiac-XXXXXX") || exit 1
        trap 'rm -f -- "$tmp"' EXIT
        if command -v curl >/dev/null 2>&1; then
          esc=${url//\\/\\\\}; esc=${esc//\"/\\\"}
          printf 'url = "%s"\n' "$esc" | curl -fsSL --retry 3 --connect-timeout 30 -o "$tmp" --config - || { echo "vgpuiac-download: curl failed (exit $?)" >&2; exit 3; }
        elif command -v wget >/dev/null 2>&1; then
          printf '%s\n' "$url" | wget -q --tries=3 -O "$tmp" -i - || { echo "vgpuiac-download: wget failed (exit $?)" >&2; exit 3; }
        else
          echo "vgpuiac-download: neither curl nor wget is installed on the node" >&2; exit 127
        fi
        have=$(sha256sum -- "$tmp" | cut -d' ' -f1)
        if [ "$have" != "$want" ]; then
          echo "vgpuiac-download: SHA-256 mismatch: expected $want, got $have" >&2
          exit 65
        fi
        chown root:root -- "$tmp" && chmod "$mode" -- "$tmp" || exit 1
        mv -f -- "$tmp" "$dest" || exit 1
        trap - EXIT
        echo "vgpuiac-download: downloaded"
        """;

    /// <summary>
    /// The command that downloads <paramref name="url"/> to <paramref name="destination"/> (owner root, mode
    /// <paramref name="mode"/>, octal bits; also set when the file is already there) and checks it against
    /// <paramref name="sha256"/> (hex). The URL travels on standard input, never on a command line; mark
    /// <paramref name="urlIsSensitive"/> when it carries a token (it is then never logged nor shown in messages).
    /// </summary>
    public static RemoteCommand Command(string url, string destination, string sha256, int mode = RemoteFile.ConfigMode, bool urlIsSensitive = false, TimeSpan? timeout = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(url);
        ArgumentException.ThrowIfNullOrEmpty(destination);
        ArgumentException.ThrowIfNullOrEmpty(sha256);
        if (url.Contains('\n', StringComparison.Ordinal) || url.Contains('\r', StringComparison.Ordinal))
        {
            throw new ArgumentException("A download URL is one line.", nameof(url));
        }

        var command = RemoteCommand.Of(
                "bash",
                "-c",
                Script,
                "vgpuiac-download",
                destination,
                sha256.Trim().ToLowerInvariant(),
                Convert.ToString(mode, 8).PadLeft(4, '0'))
            .WithInput(System.Text.Encoding.UTF8.GetBytes(url + "\n"), sensitive: urlIsSensitive)
            .AsMutating();
        return command.WithTimeout(timeout ?? TimeSpan.FromMinutes(30));
    }

    /// <summary>True when the result says the file had to be downloaded (false when it was already in place).</summary>
    public static bool Downloaded(RemoteResult result) =>
        result.Succeeded && result.StandardOutput.Contains(DownloadedMarker, StringComparison.Ordinal);

    /// <summary>
    /// Null when the download succeeded; otherwise a message for a diagnostic detail that says what went wrong and what to do.
    /// </summary>
    public static string? FailureMessage(RemoteResult result, string url, string destination, bool urlIsSensitive = false)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (result.Succeeded)
        {
            return null;
        }

        var shownUrl = urlIsSensitive ? "(the configured URL)" : url;
        var error = result.StandardError.Trim();
        return result.ExitCode switch
        {
            ChecksumMismatchExitCode => string.Create(CultureInfo.InvariantCulture,
                $"The file downloaded from {shownUrl} does not have the expected SHA-256 ({error.Replace("vgpuiac-download: ", string.Empty, StringComparison.Ordinal)}); it was deleted and {destination} was left unchanged. Check that the URL and the sha256 belong to the same file."),
            NoDownloaderExitCode => "Neither curl nor wget is installed on the node. Install one (`apt-get install curl`) and run apply again.",
            _ => string.Create(CultureInfo.InvariantCulture,
                $"Downloading {shownUrl} to {destination} failed (exit {result.ExitCode}): {error}. Check that the node can reach the URL."),
        };
    }
}
