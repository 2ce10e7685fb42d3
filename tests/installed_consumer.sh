#!/bin/sh
# Installs the build into a scratch DESTDIR, then compiles and runs a small program
# against the *installed* headers and library found with pkg-config.
# Usage: installed_consumer.sh BUILD_ROOT CONSUMER_SOURCE C_COMPILER [SANITIZE]
set -eu
build_root=$1
source=$2
compiler=$3
sanitize=${4:-none}

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

meson install -C "$build_root" --destdir "$scratch" --no-rebuild --quiet >/dev/null
pc_file=$(find "$scratch" -name tally.pc | head -n 1)
[ -n "$pc_file" ] || { echo "tally.pc was not installed"; exit 1; }

export PKG_CONFIG_PATH="$(dirname "$pc_file")"
export PKG_CONFIG_SYSROOT_DIR="$scratch"
cflags=$(pkg-config --cflags tally)
libs=$(pkg-config --libs tally)
libdir=$(pkg-config --variable=libdir tally)
# pkgconf applies the sysroot to variables, pkg-config does not.
case "$libdir" in
    "$scratch"/*) ;;
    *) libdir="$scratch$libdir" ;;
esac

extra=""
[ "$sanitize" = none ] || extra="-fsanitize=$sanitize"
# shellcheck disable=SC2086  # flags are lists of words
"$compiler" -std=c11 -Wall -Wextra -Wpedantic -Werror $extra $cflags "$source" $libs \
    -Wl,-rpath,"$libdir" -o "$scratch/consumer"

ldd "$scratch/consumer" | grep -q "$libdir/libtally.so.0" ||
    { echo "consumer did not load the installed libtally.so.0"; exit 1; }
"$scratch/consumer"
