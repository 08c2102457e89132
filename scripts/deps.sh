#!/usr/bin/env bash
# deps.sh - install the Debian packages needed to build and test migrate.
#
#   scripts/deps.sh           build + test dependencies
#   scripts/deps.sh --bench   also the tools the benchmark compares against
#
# Only missing packages are installed (checked with dpkg-query); `apt-get
# update` runs once, and only when something must be installed. Prints
# nothing when everything is present. Uses sudo when not root.
set -euo pipefail

packages=(
    build-essential cmake pkg-config
    libluajit-5.1-dev luajit lua-cjson
    libpq-dev postgresql-15 postgresql-client-15
    libyaml-dev libcurl4-openssl-dev libedit-dev
    unixodbc-dev odbcinst libsqliteodbc sqlite3
    mariadb-server mariadb-client odbc-mariadb odbc-postgresql
    valgrind time tmux luarocks
)
bench_packages=(pgcopydb pgloader)

for arg in "$@"; do
    case $arg in
    --bench) packages+=("${bench_packages[@]}") ;;
    -h | --help)
        sed -n '2,9s/^# \{0,1\}//p' "$0"
        exit 0
        ;;
    *)
        echo "deps.sh: unknown argument '$arg' (expected --bench)" >&2
        exit 2
        ;;
    esac
done

missing=()
for pkg in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
    [ "$status" = installed ] || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ]; then
    as_root=()
elif command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
else
    echo "deps.sh: need root (or sudo) to install: ${missing[*]}" >&2
    exit 1
fi

echo "deps.sh: installing ${missing[*]}" >&2
# sudo resets the environment, so pass the frontend through env(1).
apt=("${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get)
"${apt[@]}" update -qq
"${apt[@]}" install -y -qq --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
    "${missing[@]}" >/dev/null
echo "deps.sh: done" >&2
