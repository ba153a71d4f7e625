using System.Runtime.InteropServices;

namespace VgpuIac.NodeSim.Native;

/// <summary>The few Linux calls the fixture needs.</summary>
internal static partial class LibC
{
    public const int SigTerm = 15;
    public const int SigKill = 9;
    public const int MntDetach = 2;
    public const ulong MsRemount = 32;

    [LibraryImport("libc", EntryPoint = "geteuid")]
    public static partial uint GetEffectiveUserId();

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "mount", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Mount(string source, string target, string fileSystemType, ulong flags, string data);

    [LibraryImport("libc", EntryPoint = "umount2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Unmount(string target, int flags);

    [LibraryImport("libc", EntryPoint = "setxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int SetExtendedAttribute(string path, string name, ReadOnlySpan<byte> value, nuint size, int flags);
}
