// Marks a symbol-version requirement of an ELF64 shared library as weak (VER_FLG_WEAK).
//
// Why: TorchSharp 0.107.0's libLibTorchSharp.so was linked against GCC 13 and records a
// requirement on GLIBCXX_3.4.32 for a single symbol it never calls
// (_ZSt21ios_base_library_initv). Debian 12's libstdc++ stops at 3.4.30, so the loader refuses
// the library. A weak requirement that is missing is only a warning for glibc's loader, so
// flipping one flag bit in .gnu.version_r makes the library load. We patch the copy in the build
// output, never the NuGet cache.
//
// Compiled twice: as an inline MSBuild task (build/ReMiT.Native.targets) and, with
// ELF_PATCHER_ONLY defined, into the tests.
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace ReMiT.Build
{
    /// <summary>One version requirement (an ELF Vernaux entry) of a shared library.</summary>
    public sealed class ElfVersionNeed
    {
        public ElfVersionNeed(string file, string version, bool weak, long flagsOffset)
        {
            File = file; Version = version; Weak = weak; FlagsOffset = flagsOffset;
        }
        /// <summary>The library that provides the version, e.g. libstdc++.so.6.</summary>
        public string File { get; }
        /// <summary>The version name, e.g. GLIBCXX_3.4.32.</summary>
        public string Version { get; }
        public bool Weak { get; }
        /// <summary>Byte offset of the entry's vna_flags field in the file.</summary>
        public long FlagsOffset { get; }
    }

    public static class ElfWeakVersion
    {
        private const uint ShtGnuVerneed = 0x6ffffffe;
        private const ushort VerFlgWeak = 0x2;

        /// <summary>Lists every version requirement recorded in the library's .gnu.version_r section.</summary>
        public static List<ElfVersionNeed> ReadNeeds(string path)
        {
            byte[] elf = System.IO.File.ReadAllBytes(path);
            return ReadNeeds(elf, path);
        }

        /// <summary>
        /// Marks the requirement on <paramref name="version"/> weak. Returns true if the file changed,
        /// false if it was already weak or the library does not require that version.
        /// </summary>
        public static bool MarkWeak(string path, string version)
        {
            byte[] elf = System.IO.File.ReadAllBytes(path);
            bool changed = false;
            foreach (ElfVersionNeed need in ReadNeeds(elf, path))
            {
                if (need.Version != version || need.Weak) continue;
                ushort flags = BitConverter.ToUInt16(elf, (int)need.FlagsOffset);
                BitConverter.GetBytes((ushort)(flags | VerFlgWeak)).CopyTo(elf, (int)need.FlagsOffset);
                changed = true;
            }
            if (changed)
            {
                // Write beside and rename, so an interrupted build never leaves a half-written library.
                string tmp = path + ".weakver.tmp";
                System.IO.File.WriteAllBytes(tmp, elf);
                System.IO.File.Replace(tmp, path, null);
            }
            return changed;
        }

        private static List<ElfVersionNeed> ReadNeeds(byte[] elf, string path)
        {
            if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
                throw new InvalidDataException($"{path}: not an ELF file.");
            if (elf[4] != 2 || elf[5] != 1)
                throw new InvalidDataException($"{path}: only 64-bit little-endian ELF is supported (class {elf[4]}, data {elf[5]}).");

            long shoff = Int64(elf, 0x28, path);
            int shentsize = UInt16(elf, 0x3A, path);
            int shnum = UInt16(elf, 0x3C, path);
            if (shoff == 0 || shnum == 0)
                throw new InvalidDataException($"{path}: the file has no section headers, so its version requirements cannot be located.");

            var needs = new List<ElfVersionNeed>();
            for (int i = 0; i < shnum; i++)
            {
                long sh = shoff + (long)i * shentsize;
                if (UInt32(elf, sh + 4, path) != ShtGnuVerneed) continue;
                long offset = Int64(elf, sh + 24, path);
                int strtabIndex = (int)UInt32(elf, sh + 40, path);
                int count = (int)UInt32(elf, sh + 44, path);
                long strtab = Int64(elf, shoff + (long)strtabIndex * shentsize + 24, path);

                long vn = offset;
                for (int n = 0; n < count; n++)
                {
                    int auxCount = UInt16(elf, vn + 2, path);
                    string file = CString(elf, strtab + UInt32(elf, vn + 4, path), path);
                    long vna = vn + UInt32(elf, vn + 8, path);
                    for (int a = 0; a < auxCount; a++)
                    {
                        ushort flags = UInt16(elf, vna + 4, path);
                        string name = CString(elf, strtab + UInt32(elf, vna + 8, path), path);
                        needs.Add(new ElfVersionNeed(file, name, (flags & VerFlgWeak) != 0, vna + 4));
                        vna += UInt32(elf, vna + 12, path);
                    }
                    uint next = UInt32(elf, vn + 12, path);
                    if (next == 0) break;
                    vn += next;
                }
            }
            return needs;
        }

        private static void Check(byte[] elf, long at, int size, string path)
        {
            if (at < 0 || at + size > elf.Length)
                throw new InvalidDataException($"{path}: truncated or corrupt ELF (read of {size} bytes at offset {at}, file is {elf.Length} bytes).");
        }
        private static ushort UInt16(byte[] b, long at, string p) { Check(b, at, 2, p); return BitConverter.ToUInt16(b, (int)at); }
        private static uint UInt32(byte[] b, long at, string p) { Check(b, at, 4, p); return BitConverter.ToUInt32(b, (int)at); }
        private static long Int64(byte[] b, long at, string p) { Check(b, at, 8, p); return BitConverter.ToInt64(b, (int)at); }
        private static string CString(byte[] b, long at, string p)
        {
            Check(b, at, 1, p);
            int end = (int)at;
            while (end < b.Length && b[end] != 0) end++;
            return Encoding.ASCII.GetString(b, (int)at, end - (int)at);
        }
    }

#if !ELF_PATCHER_ONLY
    /// <summary>MSBuild task: marks <see cref="Version"/> weak in every file of <see cref="Files"/>.</summary>
    public sealed class MarkElfVersionWeak : Microsoft.Build.Utilities.Task
    {
        [Microsoft.Build.Framework.Required]
        public Microsoft.Build.Framework.ITaskItem[] Files { get; set; } = Array.Empty<Microsoft.Build.Framework.ITaskItem>();

        [Microsoft.Build.Framework.Required]
        public string Version { get; set; } = "";

        public override bool Execute()
        {
            foreach (var item in Files)
            {
                string path = item.ItemSpec;
                try
                {
                    if (ElfWeakVersion.MarkWeak(path, Version))
                        Log.LogMessage(Microsoft.Build.Framework.MessageImportance.High, $"ReMiT: marked {Version} weak in {path}");
                }
                catch (Exception e) when (e is IOException || e is InvalidDataException || e is UnauthorizedAccessException)
                {
                    Log.LogError($"ReMiT: could not mark {Version} weak in {path}: {e.Message}");
                }
            }
            return !Log.HasLoggedErrors;
        }
    }
#endif
}
