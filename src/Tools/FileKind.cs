using System.Runtime.InteropServices;

namespace ToolFlow.Tools;

/// <summary>
/// The type of a file system entry without opening it: FIFOs, devices and sockets look like empty files to
/// <see cref="FileInfo"/>, and opening a FIFO blocks until a writer comes, so the tools ask the kernel first.
/// </summary>
internal static partial class FileKind
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxType = 0x1;
    private const int ModeOffset = 28; // struct statx: stx_mode is a u16 at byte 28 on every architecture.

    private static bool s_haveStatx = true;

    /// <summary>What an entry is, as far as the tools care.</summary>
    public enum Kind
    {
        Missing,
        File,
        Directory,
        Special,
    }

    /// <summary>The kind of <paramref name="path"/>, not following a final link (the caller has resolved links already).</summary>
    public static Kind Of(string path)
    {
        if (OperatingSystem.IsLinux() && s_haveStatx)
        {
            byte[] buffer = new byte[256];
            int result;
            try
            {
                result = Statx(AtFdCwd, path, AtSymlinkNoFollow, StatxType, buffer);
            }
            catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
            {
                // A C library older than glibc 2.28 or musl 1.2.5: fall back to what the framework tells.
                s_haveStatx = false;
                return Of(path);
            }

            if (result != 0)
            {
                return Kind.Missing;
            }

            return (BitConverter.ToUInt16(buffer, ModeOffset) & 0xF000) switch
            {
                0x8000 => Kind.File,
                0x4000 => Kind.Directory,
                _ => Kind.Special,
            };
        }

        // Elsewhere: what the framework tells; Windows has no FIFOs or devices among files.
        return Directory.Exists(path) ? Kind.Directory : File.Exists(path) ? Kind.File : Kind.Missing;
    }

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int dirfd, string path, int flags, uint mask, [Out] byte[] buffer);
}
