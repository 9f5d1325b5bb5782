#!/usr/bin/env bash
# Prepares an offline build of the `cuda` feature against Debian's LLVM 19.
#
# Usage: scripts/cuda-offline/prepare.sh DIR
#
# burn's `cuda` feature builds cubecl-llvm, whose build dependency tracel-llvm-bundler downloads
# LLVM from GitHub unless $XDG_DATA_HOME/tracel/tracel-llvm-<version>/.tracel-llvm-installed
# exists; cubecl-llvm then links whatever `<that dir>/bin/llvm-config --link-static` reports.
# This script, which needs only Debian's package mirrors (apt-get download), puts into DIR:
#   root/    llvm-19, llvm-19-dev and libllvm19 unpacked (nothing is installed system-wide),
#            plus any runtime library llvm-config needs that the system lacks
#   xdg/tracel/tracel-llvm-<version>/  the marker file and a bin/llvm-config wrapper around
#            root's llvm-config that fixes two things the bundler cannot parse
#   lib/     libllvm21_c_api.a (llvm21_c_api.cpp: the LLVM 20/21 C functions that llvm-sys
#            231 calls, written for LLVM 19) and libNAME.so links for LLVM's system libraries
#            whose development package (libzstd-dev, ...) is not installed
# and prints on stdout the `export` lines for the build (messages go to stderr), so that
#   eval "$(scripts/cuda-offline/prepare.sh DIR)"
# sets them in the current shell. See README.md in this folder.
set -euo pipefail

say() { printf 'prepare.sh: %s\n' "$*" >&2; }
die() {
  printf 'prepare.sh: error: %s\n' "$*" >&2
  exit 1
}

[ $# -eq 1 ] || die "usage: $0 DIR (the folder to fill; created if missing)"
case "$1" in
  *[[:space:]]*) die "DIR must not contain white space (llvm-config output is split on it): '$1'" ;;
esac

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SHIM_SRC="$HERE/llvm21_c_api.cpp"
[ -f "$SHIM_SRC" ] || die "missing $SHIM_SRC"

# The bundler version names the directory the bundler looks in, so it must match Cargo.lock.
TESTED_BUNDLER_VERSION=23.1.0-4
LOCK="$HERE/../../Cargo.lock"
locked=""
if [ -f "$LOCK" ]; then
  locked=$(awk '/^name = "tracel-llvm-bundler"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$LOCK")
fi
if [ -n "${TRACEL_LLVM_BUNDLER_VERSION:-}" ]; then
  BUNDLER_VERSION=$TRACEL_LLVM_BUNDLER_VERSION
  [ "$BUNDLER_VERSION" = "$TESTED_BUNDLER_VERSION" ] ||
    say "warning: tracel-llvm-bundler $BUNDLER_VERSION is untested (tested: $TESTED_BUNDLER_VERSION); the shim may lack functions"
elif [ -n "$locked" ] && [ "$locked" != "$TESTED_BUNDLER_VERSION" ]; then
  die "Cargo.lock has tracel-llvm-bundler $locked, this recipe was made for $TESTED_BUNDLER_VERSION" \
    "(set TRACEL_LLVM_BUNDLER_VERSION=$locked to try anyway; the shim may then need other functions)"
else
  BUNDLER_VERSION=$TESTED_BUNDLER_VERSION
fi

LLVM_MAJOR=19
PACKAGES=("llvm-$LLVM_MAJOR" "llvm-$LLVM_MAJOR-dev" "libllvm$LLVM_MAJOR")

for tool in apt-get apt-cache dpkg-deb gcc g++ ar nm awk ldd; do
  command -v "$tool" >/dev/null || die "'$tool' not found (needs a Debian/Ubuntu system with gcc, g++ and binutils)"
done

mkdir -p "$1"
DIR=$(cd "$1" && pwd)
ROOT="$DIR/root"
DEBS="$DIR/debs"
LIB="$DIR/lib"
XDG="$DIR/xdg"
BUNDLE="$XDG/tracel/tracel-llvm-$BUNDLER_VERSION"
MULTIARCH=$(gcc -print-multiarch)
[ -n "$MULTIARCH" ] || die "gcc -print-multiarch printed nothing"
ROOT_LIBDIR="$ROOT/usr/lib/$MULTIARCH"
REAL_LLVM_CONFIG="$ROOT/usr/lib/llvm-$LLVM_MAJOR/bin/llvm-config"
mkdir -p "$ROOT" "$DEBS" "$LIB" "$BUNDLE/bin"

# Downloads one Debian package into DEBS (once) and unpacks it into ROOT.
fetch_and_unpack() {
  local pkg=$1 deb
  deb=$(find "$DEBS" -maxdepth 1 -name "${pkg}_*.deb" | sort | tail -n 1)
  if [ -z "$deb" ]; then
    apt-cache show "$pkg" >/dev/null 2>&1 ||
      die "apt does not know package '$pkg': run 'apt-get update' first (Debian 12 'bookworm' main has it)"
    say "downloading $pkg"
    (cd "$DEBS" && apt-get download -q "$pkg" >&2) || die "apt-get download $pkg failed (are Debian's mirrors reachable?)"
    deb=$(find "$DEBS" -maxdepth 1 -name "${pkg}_*.deb" | sort | tail -n 1)
    [ -n "$deb" ] || die "apt-get download $pkg left no ${pkg}_*.deb in $DEBS"
  fi
  say "unpacking $(basename "$deb")"
  dpkg-deb -x "$deb" "$ROOT"
}

# The Debian package with the runtime library libNAME.so.N, for the libraries LLVM 19 uses.
package_of_lib() {
  case "$1" in
    z3) echo libz3-4 ;;
    zstd) echo libzstd1 ;;
    xml2) echo libxml2 ;;
    z) echo zlib1g ;;
    ffi) echo libffi8 ;;
    edit) echo libedit2 ;;
    tinfo) echo libtinfo6 ;;
    *) return 1 ;;
  esac
}

# 1. LLVM 19: llvm-config (llvm-19), headers and static libraries (llvm-19-dev), libLLVM (libllvm19).
for pkg in "${PACKAGES[@]}"; do
  fetch_and_unpack "$pkg"
done
[ -x "$REAL_LLVM_CONFIG" ] || die "$REAL_LLVM_CONFIG missing after unpacking ${PACKAGES[*]}"

# 2. Runtime libraries llvm-config itself needs and the system lacks.
missing=$(LD_LIBRARY_PATH="$ROOT_LIBDIR" ldd "$REAL_LLVM_CONFIG" | awk '/not found/ { print $1 }')
for soname in $missing; do
  name=${soname#lib}
  pkg=$(package_of_lib "${name%%.so*}") || die "llvm-config needs $soname, which is not installed; install it"
  fetch_and_unpack "$pkg"
done

# 3. The llvm-config wrapper and the marker that stops the bundler from downloading.
# The bundler reduces each system library to a bare name, so an absolute path such as
# /usr/lib/x86_64-linux-gnu/libz3.so would become `-llibz3`: give `-lz3` instead. Debian's
# --libs lists Polly, which it ships in another package (libpolly-19-dev); cubecl uses none of it.
WRAPPER="$BUNDLE/bin/llvm-config"
cat >"$WRAPPER" <<EOF
#!/bin/sh
# Written by scripts/cuda-offline/prepare.sh: LLVM $LLVM_MAJOR from $ROOT in the place where
# tracel-llvm-bundler $BUNDLER_VERSION expects its own LLVM.
export LD_LIBRARY_PATH="$ROOT_LIBDIR\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}"
out=\$("$REAL_LLVM_CONFIG" "\$@") || exit \$?
printf '%s\n' "\$out" | awk '{
  line = ""
  for (i = 1; i <= NF; i++) {
    t = \$i
    if (t ~ /^-lPolly(ISL)?\$/) continue
    if (t ~ /^\/.*\/lib[^\/]+\.so\$/) { sub(/^.*\/lib/, "", t); sub(/\.so\$/, "", t); t = "-l" t }
    line = line (line == "" ? "" : " ") t
  }
  print line
}'
EOF
chmod +x "$WRAPPER"
touch "$BUNDLE/.tracel-llvm-installed"

version=$("$WRAPPER" --version) || die "the llvm-config wrapper $WRAPPER does not run"
case "$version" in
  "$LLVM_MAJOR".*) say "llvm-config wrapper runs: LLVM $version" ;;
  *) die "expected LLVM $LLVM_MAJOR, the wrapper reports '$version'" ;;
esac
case " $("$WRAPPER" --link-static --libs) " in
  *" -lLLVMCore "*) ;;
  *) die "'$WRAPPER --link-static --libs' lists no -lLLVMCore" ;;
esac
[ -f "$("$WRAPPER" --libdir)/libLLVMCore.a" ] || die "no libLLVMCore.a in $("$WRAPPER" --libdir) (llvm-$LLVM_MAJOR-dev unpacked?)"

# 4. Link names for LLVM's system libraries whose -dev package (the libNAME.so link) is missing.
has_link_name() {
  local f
  for f in "lib$1.so" "lib$1.a"; do
    [ "$(gcc -print-file-name="$f")" != "$f" ] && return 0
  done
  return 1
}
runtime_dirs=("$ROOT_LIBDIR" "/usr/lib/$MULTIARCH" "/lib/$MULTIARCH")
for flag in $("$WRAPPER" --link-static --system-libs); do
  name=${flag#-l}
  has_link_name "$name" && continue
  target=""
  for _pass in fetch-if-missing again; do
    for d in "${runtime_dirs[@]}"; do
      target=$( (find "$d" -maxdepth 1 -name "lib$name.so.[0-9]*" 2>/dev/null || true) | sort | head -n 1)
      [ -n "$target" ] && break
    done
    [ -n "$target" ] && break
    pkg=$(package_of_lib "$name") || die "LLVM needs -l$name and no lib$name.so.N is installed: install its package"
    fetch_and_unpack "$pkg"
  done
  [ -n "$target" ] || die "no lib$name.so.N found for -l$name, even after unpacking its package"
  ln -sfn "$target" "$LIB/lib$name.so"
  say "lib/lib$name.so -> $target"
  case "$target" in
    "$ROOT"/*) say "note: $target is not installed; a binary that needs it at run time needs LD_LIBRARY_PATH=$ROOT_LIBDIR" ;;
  esac
done

# 5. The C-API shim, compiled against the unpacked LLVM 19 headers.
say "compiling $(basename "$SHIM_SRC")"
# shellcheck disable=SC2046 # llvm-config prints several flags
g++ $("$WRAPPER" --cxxflags) -fPIC -O2 -c "$SHIM_SRC" -o "$LIB/llvm21_c_api.o"
rm -f "$LIB/libllvm21_c_api.a"
ar rcs "$LIB/libllvm21_c_api.a" "$LIB/llvm21_c_api.o"
rm -f "$LIB/llvm21_c_api.o"
defined=$(nm --defined-only "$LIB/libllvm21_c_api.a")
for sym in LLVMGetSyncScopeID LLVMBuildFenceSyncScope LLVMBuildAtomicRMWSyncScope \
  LLVMBuildAtomicCmpXchgSyncScope LLVMIsAtomic LLVMSetAtomicSyncScopeID LLVMParseIRInContext2 \
  LLVMOrcCreateNewThreadSafeContextFromLLVMContext; do
  grep -q " T $sym\$" <<<"$defined" || die "$sym is not defined in libllvm21_c_api.a"
done
say "built $LIB/libllvm21_c_api.a"

say "done. Export these (or run: eval \"\$($0 $1)\"), then build, e.g."
say "  cargo build --release --features cuda"
cat <<EOF
export XDG_DATA_HOME="$XDG"
export LIBRARY_PATH="$LIB\${LIBRARY_PATH:+:\$LIBRARY_PATH}"
export AI4S_LLVM_SHIM_DIR="$LIB"
EOF
