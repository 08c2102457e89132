#!/usr/bin/env bash
# build.sh - configure and build migrate (RelWithDebInfo) in build/.
#
#   scripts/build.sh [CMAKE_ARGS ...]   e.g. scripts/build.sh -DMG_SANITIZE=OFF
#
# MG_BUILD_DIR overrides the build directory (default: build, relative to the
# repository root).
set -euo pipefail
cd "$(dirname "$0")/.."

builddir=${MG_BUILD_DIR:-build}
cmake -S . -B "$builddir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@"
cmake --build "$builddir" -j"$(nproc)"
