# Regenerates nfc_table.txt from Python's unicodedata (run once; the build does not run it).
# .NET with InvariantGlobalization=true leaves string.Normalize as a no-op, so NFC needs its own data.
# Lines: "d CP A [B]" one-level canonical decomposition (x instead of d: excluded from composition),
#        "c CP CCC" canonical combining class. Code points in hex. Hangul is algorithmic and omitted.
import sys, unicodedata as u
out = [f"# Unicode {u.unidata_version} canonical data for NFC, from make_nfc_table.py"]
for cp in range(0x110000):
    if 0xAC00 <= cp <= 0xD7A3 or 0xD800 <= cp <= 0xDFFF:
        continue
    ch = chr(cp)
    ccc = u.combining(ch)
    if ccc:
        out.append(f"c {cp:X} {ccc}")
    d = u.decomposition(ch)
    if d and not d.startswith("<"):
        parts = d.split()
        excluded = len(parts) != 2 or u.normalize("NFC", ch) != ch
        out.append(("x " if excluded else "d ") + f"{cp:X} " + " ".join(parts))
open(sys.argv[1] if len(sys.argv) > 1 else "nfc_table.txt", "w").write("\n".join(out) + "\n")
