#!/usr/bin/env bash
# Unpacks the shared data sets into a git-ignored folder, once. Where the shared
# folder is absent (a laptop), says so and leaves the data-dependent tests to skip.
set -euo pipefail
src=${1:-../shared/data}
dst=${2:-.data}
if [ ! -d "$src" ]; then
  echo "data: $src not found; tests that need the shared data sets will skip" >&2
  exit 0
fi
unpack() {  # name archive
  local name=$1 archive=$2
  [ -f "$src/$name/$archive" ] || return 0
  [ -e "$dst/$name/.unpacked" ] && return 0
  mkdir -p "$dst/$name"
  echo "data: unpacking $name" >&2
  tar -xJf "$src/$name/$archive" -C "$dst/$name"
  touch "$dst/$name/.unpacked"
}
unpack mfcad mfcad_trainval.tar.xz
unpack nist nist_ap242.tar.xz
unpack turningmilling turningmilling_trainval.tar.xz
unpack occt_step occt_step.tar.xz
