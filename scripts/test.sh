#!/usr/bin/env bash
# test.sh - the whole test suite on a fresh machine, in one command:
# install dependencies, build, run every CTest test, exit with CTest's code.
#
#   scripts/test.sh [CTEST_ARGS ...]    e.g. scripts/test.sh -L unit
#
# The CTest fixture "pg" starts a throwaway PostgreSQL cluster in
# build/pgtmp (port 54330), the fixture "mariadb" a throwaway MariaDB in
# build/mariadbtmp (unix socket only); each stops after the last test that
# needs it. This script also stops them on any exit (Ctrl-C, a killed ctest), and starts
# every run from a fresh cluster. MG_BUILD_DIR overrides the build directory.
#
# -j2: the tests share one cluster but each creates its own uniquely named
# databases and temp directories, so they may run in parallel; the machine
# has 2 cores. --timeout bounds any test that sets no TIMEOUT of its own, so a
# hung test fails instead of eating CI's time.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
builddir=${MG_BUILD_DIR:-build}
pgdir=$root/$builddir/pgtmp
mariadbdir=$root/$builddir/mariadbtmp

stop_servers() {
    [ -d "$pgdir" ] && bash "$root/scripts/pgtmp.sh" stop "$pgdir" >/dev/null 2>&1 || true
    [ -d "$mariadbdir" ] && bash "$root/scripts/mariadbtmp.sh" stop "$mariadbdir" >/dev/null 2>&1 || true
}
trap stop_servers EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

bash scripts/deps.sh
bash scripts/build.sh

# A cluster left running (or half-written) by an interrupted run would make
# the fixture's start fail: begin from nothing.
stop_servers
rm -rf "$pgdir" "$mariadbdir"

cd "$builddir"
rc=0
ctest --output-on-failure -j2 --no-tests=error --timeout "${MG_TEST_TIMEOUT:-900}" "$@" || rc=$?
if [ "$rc" -ne 0 ] && [ -f "$pgdir/server.log" ]; then
    echo "test.sh: ctest exited $rc; server log: $pgdir/server.log" >&2
fi
exit "$rc"
