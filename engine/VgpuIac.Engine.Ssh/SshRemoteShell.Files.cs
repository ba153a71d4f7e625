using System.Globalization;
using VgpuIac.Engine.Logging;
using VgpuIac.Engine.Remote;

namespace VgpuIac.Engine.Ssh;

/// <summary>Files on the node: atomic writes with our owner and mode, reads, uploads checked by SHA-256.</summary>
public sealed partial class SshRemoteShell
{
    private const string MissingMarker = "vgpuiac-missing";

    // Fixed scripts: user input only ever arrives as positional arguments ($1, $2, ...).
    private const string ReadScript = "if [ -e \"$1\" ]; then exec cat -- \"$1\"; fi; echo vgpuiac-missing >&2; exit 3";

    // Prints "<sha256> <owner>:<group> <octal mode>" of an existing file.
    private const string Sha256Script = "[ -f \"$1\" ] || exit 3; sha=$(sha256sum -- \"$1\" | cut -d' ' -f1) || exit 1; printf '%s %s\\n' \"$sha\" \"$(stat -c '%U:%G %a' -- \"$1\")\"";

    private const string OwnerModeScript = "chown -- \"$2\" \"$1\" && chmod -- \"$3\" \"$1\"";

    private const string WriteScript = """
        set -eu
        dest=$1 mode=$2 owner=$3 group=$4 parents=$5 want=${6:-}
        dir=$(dirname -- "$dest")
        if [ "$parents" = 1 ] && [ ! -d "$dir" ]; then mkdir -p -m 0755 -- "$dir"; fi
        umask 077
        tmp=$(mktemp -- "$dir/.vgpuiac-tmp.XXXXXX")
        trap 'rm -f -- "$tmp"' EXIT
        cat > "$tmp"
        if [ -n "$want" ]; then
          have=$(sha256sum -- "$tmp" | cut -d' ' -f1)
          if [ "$have" != "$want" ]; then echo "SHA-256 of the uploaded bytes is $have, expected $want" >&2; exit 65; fi
        fi
        chown -- "$owner:$group" "$tmp"
        chmod -- "$mode" "$tmp"
        sync -- "$tmp" 2>/dev/null || true
        mv -f -- "$tmp" "$dest"
        trap - EXIT
        """;

    /// <inheritdoc/>
    public async Task WriteFileAsync(RemoteFile file, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(file);
        var command = WriteCommand(file.Path, file.Mode, file.Owner, file.Group, file.CreateParents, expectedSha256: null)
            .WithInput(file.Content, sensitive: file.Sensitive);
        var raw = await ExecuteAsync(command, null, cancellationToken).ConfigureAwait(false);
        if (raw.ExitCode != 0)
        {
            throw OperationFailed(
                $"Unable to write {file.Path}: {FirstLine(Decode(raw.StandardError), raw.ExitCode)} (the previous content, if any, is unchanged).",
                "Check free space (`df -h`) and permissions on the node, then run apply again.");
        }
    }

    /// <inheritdoc/>
    public async Task<byte[]?> ReadFileAsync(string path, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var raw = await ExecuteAsync(RemoteCommand.Of("sh", "-c", ReadScript, "vgpuiac-read", path), null, cancellationToken).ConfigureAwait(false);
        if (raw.ExitCode == 0)
        {
            return raw.StandardOutput;
        }

        var error = Decode(raw.StandardError);
        if (raw.ExitCode == 3 && error.Contains(MissingMarker, StringComparison.Ordinal))
        {
            return null;
        }

        throw OperationFailed($"Unable to read {path}: {FirstLine(error, raw.ExitCode)}.", "Check that the path is a readable file on the node.");
    }

    /// <inheritdoc/>
    public Task<bool> UploadAsync(string localPath, string remotePath, string sha256, IProgress<double>? progress, CancellationToken cancellationToken) =>
        UploadAsync(localPath, remotePath, sha256, RemoteFile.ExecutableMode, progress, cancellationToken);

    /// <inheritdoc/>
    public async Task<bool> UploadAsync(string localPath, string remotePath, string sha256, int mode, IProgress<double>? progress, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(localPath);
        ArgumentException.ThrowIfNullOrEmpty(remotePath);
        ArgumentException.ThrowIfNullOrEmpty(sha256);
        var want = sha256.Trim().ToLowerInvariant();

        // The node's file gets our owner and mode, never the local file's: a local 0666 must not land world-writable.
        var wantMode = Convert.ToString(mode & 0xFFF, 8);
        var existing = await RunAsync(RemoteCommand.Of("sh", "-c", Sha256Script, "vgpuiac-sha256", remotePath), cancellationToken).ConfigureAwait(false);
        var fields = existing.StandardOutput.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (existing.Succeeded && fields.Length == 3 && string.Equals(fields[0], want, StringComparison.Ordinal))
        {
            if (fields[1] != "root:root" || fields[2] != wantMode)
            {
                // Same bytes, wrong owner or mode (changed on the node, or placed by an older version): correct them.
                var fix = await RunAsync(RemoteCommand.Of("sh", "-c", OwnerModeScript, "vgpuiac-chmod", remotePath, "root:root", wantMode.PadLeft(4, '0')).AsMutating(), cancellationToken).ConfigureAwait(false);
                if (!fix.Succeeded)
                {
                    throw OperationFailed($"Unable to set owner root:root and mode {wantMode} on {remotePath}: {FirstLine(fix.StandardError, fix.ExitCode)}.", "Check the file on the node, then run apply again.");
                }

                _log.Write(LogLevel.Info, $"ssh {NodeName}: {remotePath} had owner {fields[1]} and mode {fields[2]}; set to root:root {wantMode}");
            }

            _log.Write(LogLevel.Debug, $"ssh {NodeName}: {remotePath} already has SHA-256 {want}; upload skipped");
            progress?.Report(1.0);
            return false;
        }

        var length = new FileInfo(localPath).Length;
        var command = WriteCommand(remotePath, mode, "root", "root", createParents: true, expectedSha256: want)
            .WithTimeout(TimeSpan.FromTicks(Math.Max(_options.DefaultCommandTimeout.Ticks, TimeSpan.FromHours(2).Ticks)));
        var operation = $"upload {Path.GetFileName(localPath)} to {NodeName}:{remotePath}";
        async Task SendAsync(Stream input, CancellationToken token)
        {
            var buffer = new byte[_options.UploadChunkBytes];
            long sent = 0;
            var lastReported = -1.0;
            await using var source = new FileStream(localPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
            int read;
            while ((read = await source.ReadAsync(buffer, token).ConfigureAwait(false)) > 0)
            {
                await input.WriteAsync(buffer.AsMemory(0, read), token).ConfigureAwait(false);
                sent += read;
                var fraction = length == 0 ? 1.0 : (double)sent / length;
                if (fraction - lastReported >= 0.01 || sent == length)
                {
                    lastReported = fraction;
                    progress?.Report(fraction);
                    _log.Progress(operation, $"{sent / (1024 * 1024)} of {length / (1024 * 1024)} MiB", fraction);
                }
            }
        }

        var raw = await ExecuteAsync(command, SendAsync, cancellationToken).ConfigureAwait(false);
        if (raw.ExitCode != 0)
        {
            var error = FirstLine(Decode(raw.StandardError), raw.ExitCode);
            throw OperationFailed(
                $"Unable to upload {localPath} to {remotePath}: {error}.",
                raw.ExitCode == 65
                    ? "The local file does not have the expected SHA-256: check that the file and the configured sha256 belong together."
                    : "Check free space (`df -h`) and permissions on the node, then run apply again.");
        }

        return true;
    }

    private RemoteCommand WriteCommand(string path, int mode, string owner, string group, bool createParents, string? expectedSha256)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return RemoteCommand.Of(
                "sh",
                "-c",
                WriteScript,
                "vgpuiac-write",
                path,
                Convert.ToString(mode & 0xFFF, 8).PadLeft(4, '0'),
                owner,
                group,
                createParents ? "1" : "0",
                expectedSha256 ?? string.Empty)
            .AsMutating();
    }
}
