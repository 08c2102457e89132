# shellcheck shell=bash disable=SC2034  # sourced; sets globals for the caller
# lib.sh - helpers shared by the benchmarks (bench.sh, whole_db.sh, odbc.sh).
# Sourced, not run: `. bench/lib.sh` from the repository root, after
# setting `prog` (the script's name, for messages).
#
#   bench_setup [--no-migrate]  install missing packages (deps.sh --bench),
#                               build migrate if it is missing; sets $migrate
#   bench_start_pg PORT         a throwaway cluster in a temp dir ($tmp/pg),
#                               stopped and removed on any exit; exports
#                               PGHOST/PGPORT/PGUSER and sets $conn, psql
#   timed LOG CMD ...           run CMD (output to LOG) under /usr/bin/time;
#                               sets $secs and $rss_kib, returns CMD's status
#   report_run LABEL RC LOG DB  after a timed run: print its line (or its
#                               failure), check DB; sets $outcome
#
# plus small things: die, say, now, elapsed, best, max, ratio, mib, grouped.

prog=${prog:-bench}
root=$(pwd)

die() { echo "$prog: $*" >&2; exit 1; }
say() { printf '\n== %s\n' "$*"; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
best() { printf '%s\n' "$@" | sort -g | head -1; }
max() { printf '%s\n' "$@" | sort -g | tail -1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
mib() {   # KiB -> "12.3 MiB"; "-" stays "-"
    [[ $1 =~ ^[0-9]+$ ]] && [ "$1" != 0 ] || { echo -; return; }
    awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'
}

# grouped N: N rounded to an integer, digits grouped by thousands.
grouped() {
    awk -v n="$1" 'BEGIN { r = sprintf("%.0f", n); o = ""
        while (length(r) > 3) { o = "," substr(r, length(r) - 2) o; r = substr(r, 1, length(r) - 3) }
        print r o }'
}

# rate ROWS SECS: rows/s, grouped.
rate() { grouped "$(awk -v n="$1" -v s="$2" 'BEGIN { print n / s }')"; }

# bench_setup [--no-migrate]: the packages, and build/migrate unless told not
# to need it.  MG_BUILD_DIR picks another build directory.
bench_setup() {
    bash scripts/deps.sh --bench
    migrate=$root/${MG_BUILD_DIR:-build}/migrate
    [ "${1:-}" = --no-migrate ] && return 0
    if [ ! -x "$migrate" ]; then
        say "building migrate (not found at $migrate)"
        bash scripts/build.sh
        [ -x "$migrate" ] || die "the build did not produce $migrate"
    fi
    [ -x /usr/bin/time ] || die "/usr/bin/time is missing (apt-get install time)"
}

bench_cleanup() {
    [ -n "${tmp:-}" ] || return 0
    bash "$root/scripts/pgtmp.sh" stop "$tmp/pg" >/dev/null 2>&1 || true
    rm -rf "$tmp"
}

# bench_start_pg PORT: the cluster, on a unix socket in $tmp/pg.  Sets $tmp
# (removed on exit, with the cluster), $conn (a libpq conninfo without
# dbname), the array psql and the function q.
bench_start_pg() {
    local port=$1
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/migrate-$prog.XXXXXX")
    chmod 711 "$tmp"   # the server runs as postgres when we are root: let it in
    trap bench_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    say "starting a throwaway PostgreSQL in $tmp/pg (port $port)"
    bash scripts/pgtmp.sh start "$tmp/pg" "$port"
    eval "$(bash scripts/pgtmp.sh env "$tmp/pg")"
    export PGDATABASE=postgres
    conn="host=$tmp/pg port=$port user=postgres"
    psql=(psql -X -q -v ON_ERROR_STOP=1)
}

# q DB SQL: the result of one query, unaligned, without headers.
q() { "${psql[@]}" -A -t -d "$1" -c "$2"; }

# fresh_db NAME: drop NAME if it exists and create it empty.
fresh_db() {
    "${psql[@]}" -c "SET client_min_messages = warning" \
        -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1"
}

# timed LOG CMD ...: run CMD with its output (stdout and stderr) in LOG,
# under /usr/bin/time.  Sets secs (wall clock) and rss_kib (peak RSS of the
# largest process, "-" when unknown); returns CMD's exit status.
timed() {
    local log=$1 t rc=0
    shift
    t=$(now)
    /usr/bin/time -f %M -o "$log.rss" "$@" >"$log" 2>&1 || rc=$?
    secs=$(elapsed "$t" "$(now)")
    rss_kib=$(tail -1 "$log.rss" 2>/dev/null)
    [[ $rss_kib =~ ^[0-9]+$ ]] || rss_kib=-
    return "$rc"
}

# report_run LABEL RC LOG DB: the end of one timed run (rc RC, output in
# LOG, into database DB): a failure shows the end of LOG; otherwise DB is
# checked by the caller's `check DB LABEL` (which sets $verdict) and
# emptied for the next run.  Prints one line; sets outcome (ok, MISMATCH
# or FAILED).  report_width: the label column (default 22).
report_run() {
    local label=$1 rc=$2 log=$3 db=$4 w=${report_width:-22}
    if [ "$rc" != 0 ]; then
        printf '  %-*s FAILED (exit %s after %s s); the end of its output:\n' "$w" "$label" "$rc" "$secs"
        tail -25 "$log" | sed 's/^/      | /'
        outcome=FAILED
        return
    fi
    outcome=ok
    check "$db" "$label" || outcome=MISMATCH
    # shellcheck disable=SC2154  # verdict: set by the caller's check
    printf '  %-*s %9s s  peak RSS %-10s  %s\n' "$w" "$label" "$secs" "$(mib "$rss_kib")" "$verdict"
    fresh_db "$db"   # keep the cluster small for the next run
}
