#!/usr/bin/env bash
# pgtmp.sh - a throwaway PostgreSQL 15 cluster on a unix socket.
#
#   scripts/pgtmp.sh start DIR [PORT]   initdb into DIR (if needed) and start
#   scripts/pgtmp.sh stop DIR           stop it (the files stay; rm -rf DIR)
#   scripts/pgtmp.sh env DIR            print PGHOST/PGPORT/PGUSER exports
#
# As root the server runs as the postgres OS user (initdb refuses root).
# The socket lives in DIR; nothing listens on TCP.
set -euo pipefail

cmd=${1:?usage: pgtmp.sh start|stop|env DIR [PORT]}
dir=${2:?usage: pgtmp.sh start|stop|env DIR [PORT]}
port=${3:-54329}
bin=${PG_BINDIR:-/usr/lib/postgresql/15/bin}

as_owner() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case $cmd in
start)
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    [ "$(id -u)" = 0 ] && chown postgres: "$dir"
    if [ ! -f "$dir/data/PG_VERSION" ]; then
        as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 \
            --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 ||
            { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    echo "$port" >"$dir/port"
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-k '$dir' -p $port -c listen_addresses='' -c fsync=off \
            -c synchronous_commit=off -c full_page_writes=off \
            -c max_wal_size=4GB -c shared_buffers=256MB \
            -c max_connections=100" \
        start >/dev/null ||
        { tail -20 "$dir/server.log" >&2; exit 1; }
    ;;
stop)
    [ -f "$dir/data/postmaster.pid" ] || exit 0
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    ;;
env)
    dir=$(cd "$dir" && pwd)
    echo "export PGHOST='$dir' PGPORT=$(cat "$dir/port") PGUSER=postgres"
    ;;
*)
    echo "pgtmp.sh: unknown command '$cmd'" >&2
    exit 2
    ;;
esac
