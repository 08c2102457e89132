# common.sh - shared helpers for tests/integration/*.sh (sourced, not run;
# this folder is not matched by the *.sh glob in tests/CMakeLists.txt).
#
# CTest sets PGHOST/PGPORT/PGUSER (a throwaway PostgreSQL 15 cluster),
# MIGRATE (the binary), MG_SOURCE_DIR (the repository) and MG_TEST_TMP (a
# scratch directory).  By hand, from the repository root:
#
#   scripts/pgtmp.sh start /tmp/itpg 54350 && eval $(scripts/pgtmp.sh env /tmp/itpg)
#   MIGRATE=build-it/migrate bash tests/integration/types.sh
#
# A test calls it_init NAME, creates its databases with it_createdb (unique
# names, dropped on exit; IT_KEEP=1 keeps them for a look), runs the binary
# with it_run and checks with the check_* functions, each of which prints
# what it checks ("ok N - ...") and fails the test (exit 1, with a readable
# message and the last migrate output) on a mismatch.

set -uo pipefail

IT_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
IT_DIR=$(dirname "$IT_LIB_DIR")
MG_SOURCE_DIR=${MG_SOURCE_DIR:-$(cd "$IT_DIR/../.." && pwd)}
MIGRATE=${MIGRATE:-$MG_SOURCE_DIR/build/migrate}
MG_TEST_TMP=${MG_TEST_TMP:-${TMPDIR:-/tmp}}
IT_RECIPES=$IT_DIR/recipes
export PGUSER=${PGUSER:-postgres}

IT_NAME=
IT_TMP=
IT_DBS=()
IT_CHECKS=0
IT_MDBS=()
IT_T0=$SECONDS

# psql with no .psqlrc, stop at the first error, unaligned tuples only.
# (Notices are hidden for psql only; migrate's own connections keep the
# caller's PGOPTIONS.)
PSQL=(env "PGOPTIONS=${PGOPTIONS:-} -c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 -At)

it_cleanup() {
    local rc=$?
    if [ "$rc" -eq 0 ] && [ -n "$IT_TMP" ] && [ -e "$IT_TMP/failed" ]; then
        echo "FAIL: $(head -1 "$IT_TMP/failed")" >&2
        rc=1
    fi
    local db
    [ -n "${IT_KEEP:-}" ] && { echo "# IT_KEEP: databases kept: ${IT_DBS[*]}" >&2; IT_DBS=(); }
    for db in "${IT_DBS[@]}"; do
        dropdb --if-exists --force "$db" >/dev/null 2>&1 || true
    done
    [ -n "${IT_KEEP:-}" ] && IT_MDBS=()
    for db in "${IT_MDBS[@]}"; do
        mdb -e "DROP DATABASE IF EXISTS \`$db\`" >/dev/null 2>&1 || true
    done
    if [ "$rc" -eq 0 ] && [ -n "$IT_TMP" ]; then
        rm -rf "$IT_TMP"
    elif [ -n "$IT_TMP" ]; then
        echo "# files kept in $IT_TMP" >&2
    fi
    exit "$rc"
}

# it_init NAME: scratch dir, cleanup trap, sanity checks.
it_init() {
    IT_NAME=$1
    [ -x "$MIGRATE" ] || { echo "FAIL: MIGRATE=$MIGRATE is not an executable" >&2; exit 1; }
    mkdir -p "$MG_TEST_TMP"
    IT_TMP=$(mktemp -d "$MG_TEST_TMP/it_${IT_NAME}.XXXXXX")
    trap it_cleanup EXIT
    trap 'exit 130' INT TERM
    "${PSQL[@]}" -d postgres -c "SELECT 1" >/dev/null ||
        { echo "FAIL: no PostgreSQL server at PGHOST=${PGHOST:-} PGPORT=${PGPORT:-}" >&2; exit 1; }
    echo "# $IT_NAME: migrate=$MIGRATE server=${PGHOST:-}:${PGPORT:-}"
}

# it_done: the summary line; call last.
it_done() {
    it_guard
    echo "# $IT_NAME: all $IT_CHECKS checks passed in $((SECONDS - IT_T0)) s"
}

# fail MESSAGE: stop the test.  Inside $(...) it cannot stop the test
# itself, so it leaves a mark that the next check (or the end) turns into
# a failure.
fail() {
    echo "FAIL: $*" >&2
    if [ "$BASH_SUBSHELL" -gt 0 ] && [ -n "$IT_TMP" ]; then
        echo "$*" >>"$IT_TMP/failed"
        exit 1
    fi
    if [ "$BASH_SUBSHELL" -eq 0 ] && [ -n "${IT_OUT:-}" ] && [ -f "$IT_OUT" ]; then
        echo "---- last migrate stdout ----" >&2; cat "$IT_OUT" >&2
        echo "---- last migrate stderr ----" >&2; cat "$IT_ERR" >&2
        echo "-----------------------------" >&2
    fi
    exit 1
}

# A failure inside $(...) since the last check.
it_guard() {
    if [ -n "$IT_TMP" ] && [ -e "$IT_TMP/failed" ]; then
        local msg
        msg=$(head -1 "$IT_TMP/failed")
        rm -f "$IT_TMP/failed"
        fail "an earlier step failed: $msg"
    fi
}

pass() {
    it_guard
    IT_CHECKS=$((IT_CHECKS + 1))
    echo "ok $IT_CHECKS - $*"
}

section() {
    echo
    echo "## $*"
}

# it_createdb VAR SUFFIX: create database it_<test>_<suffix>_<pid>, store
# its name in VAR, drop it on exit.
it_createdb() {
    local var=$1 name="it_${IT_NAME}_${2}_$$"
    dropdb --if-exists --force "$name" >/dev/null 2>&1
    createdb "$name" || fail "cannot create database $name"
    IT_DBS+=("$name")
    printf -v "$var" '%s' "$name"
}

# sql DB SQL...: run SQL (stdin when no SQL is given), print the tuples.
sql() {
    local db=$1
    shift
    if [ $# -eq 0 ]; then
        "${PSQL[@]}" -d "$db" || fail "SQL failed on $db"
    else
        "${PSQL[@]}" -d "$db" -c "$*" || fail "SQL failed on $db: $*"
    fi
}

# it_run ARGS...: run the binary; stdout and stderr go to $IT_OUT and
# $IT_ERR, the exit code to $IT_RC.  Never fails by itself.
IT_RUNS=0
it_run() {
    IT_RUNS=$((IT_RUNS + 1))
    IT_OUT=$IT_TMP/run$IT_RUNS.out
    IT_ERR=$IT_TMP/run$IT_RUNS.err
    echo "\$ migrate $*" >"$IT_TMP/run$IT_RUNS.cmd"
    "$MIGRATE" --no-progress "$@" >"$IT_OUT" 2>"$IT_ERR" </dev/null
    IT_RC=$?
}

# it_recipe NAME: the path of tests/integration/recipes/NAME.lua.
it_recipe() {
    echo "$IT_RECIPES/$1.lua"
}

# check_eq WHAT EXPECTED ACTUAL
check_eq() {
    if [ "$2" != "$3" ]; then
        fail "$1: expected [$2], got [$3]"
    fi
    pass "$1 = $(printf '%s' "$2" | head -c 120 | tr '\n' ' ')"
}

check_rc() {
    [ "$IT_RC" = "$1" ] || fail "${2:-migrate} exited with $IT_RC, expected $1"
    pass "${2:-migrate} exits with $1"
}

# check_output WHERE(out|err|both) FIXED-STRING [WHAT]
check_output() {
    local where=$1 text=$2 files
    case $where in
    out) files=("$IT_OUT") ;;
    err) files=("$IT_ERR") ;;
    *) files=("$IT_OUT" "$IT_ERR") ;;
    esac
    grep -qF -- "$text" "${files[@]}" ||
        fail "${3:-output} should contain [$text]"
    pass "${3:-$where} contains [$text]"
}

check_no_output() {
    local where=$1 text=$2 files
    case $where in
    out) files=("$IT_OUT") ;;
    err) files=("$IT_ERR") ;;
    *) files=("$IT_OUT" "$IT_ERR") ;;
    esac
    if grep -qF -- "$text" "${files[@]}"; then
        fail "${3:-output} must not contain [$text]"
    fi
    pass "${3:-$where} does not contain [$text]"
}

# check_match WHERE ERE [WHAT]: an extended regular expression.
check_match() {
    local where=$1 re=$2 files
    case $where in
    out) files=("$IT_OUT") ;;
    err) files=("$IT_ERR") ;;
    *) files=("$IT_OUT" "$IT_ERR") ;;
    esac
    grep -qE -- "$re" "${files[@]}" || fail "${3:-output} should match /$re/"
    pass "${3:-$where} matches /$re/"
}

# report_line SOURCE: the report line of a source table (a fixed string at
# the start of the line, followed by two spaces).
report_line() {
    grep -F -- "$1  " "$IT_OUT" | while IFS= read -r l; do
        case $l in "$1  "*) printf '%s\n' "$l" ;; esac
    done | head -1
}

# check_status SOURCE STATUS [REMARK-SUBSTRING]: the report says so.
check_status() {
    local line
    line=$(report_line "$1")
    [ -n "$line" ] || fail "the report has no line for $1"
    case $line in
    *"  $2  "* | *"  $2") ;;
    *) fail "report: $1 should be $2: [$line]" ;;
    esac
    if [ $# -ge 3 ]; then
        case $line in
        *"$3"*) ;;
        *) fail "report: the remark of $1 should contain [$3]: [$line]" ;;
        esac
        pass "report: $1 $2 ($3)"
    else
        pass "report: $1 $2"
    fi
}

# check_report_rows SOURCE ROWS: the rows column (with thousands commas).
check_report_rows() {
    local line
    line=$(report_line "$1")
    [ -n "$line" ] || fail "the report has no line for $1"
    case $line in
    *"  $2  "*) pass "report: $1 has $2 rows" ;;
    *) fail "report: $1 should show $2 rows: [$line]" ;;
    esac
}

# Whole-table checksum: row count and md5 of the rows' text, in key order.
# table_sum DB QUALIFIED_TABLE ORDER_BY
table_sum() {
    sql "$1" "SELECT count(*) || ' ' || coalesce(md5(string_agg(t::text, '|' ORDER BY $3)), '-') FROM $2 t"
}

# check_same_rows SRC_DB SRC_TABLE DST_DB DST_TABLE ORDER_BY
check_same_rows() {
    local a b
    a=$(table_sum "$1" "$2" "$5")
    b=$(table_sum "$3" "$4" "$5")
    [ "$a" = "$b" ] || fail "rows of $4 differ from the source $2: source [$a] target [$b]"
    pass "$4: same rows as the source ($a)"
}

# check_count DB TABLE N
check_count() {
    check_eq "rows in $2" "$3" "$(sql "$1" "SELECT count(*) FROM $2")"
}

# table_exists DB SCHEMA NAME -> prints t or f
table_exists() {
    "${PSQL[@]}" -d "$1" -v s="$2" -v n="$3" <<'EOF'
SELECT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace ns ON ns.oid = c.relnamespace
               WHERE ns.nspname = :'s' AND c.relname = :'n')
EOF
}

# columns DB SCHEMA NAME -> "name type, name type" in attnum order
columns() {
    "${PSQL[@]}" -d "$1" -v s="$2" -v n="$3" <<'EOF'
SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod), ', ' ORDER BY a.attnum)
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace ns ON ns.oid = c.relnamespace
WHERE ns.nspname = :'s' AND c.relname = :'n' AND a.attnum > 0 AND NOT a.attisdropped
EOF
}

# need_sqlite_odbc: the sqlite3 CLI (to build source files) and the SQLite
# ODBC driver (to read them); fails the test naming the package otherwise.
need_sqlite_odbc() {
    command -v sqlite3 >/dev/null || fail "the sqlite3 CLI is needed (apt-get install sqlite3)"
    odbcinst -q -d 2>/dev/null | grep -qx '\[SQLite3\]' ||
        fail "the SQLite3 ODBC driver is not registered (apt-get install libsqliteodbc)"
}

# Kill -9 a run in the middle of a table, for a resume test.  The target
# table must exist in DB with a trigger that sleeps (pg_sleep) on one row
# while the table `pause` has a row (see hold_table).
#   kill_mid_run DB WHAT MIGRATE_ARGS ...
# starts `migrate MIGRATE_ARGS` in its own process group, waits for the
# sleeping row, lets the other worker finish what it can, kills the group
# with kill -9, ends what it left on the server, and checks that the table
# is partly loaded: exactly the rows of the chunks marked done.  Sets
# KILL_MARKS ("chunk@done_at,...": the chunks done before the kill).
kill_mid_run() {
    local db=$1 what=$2 pid held= done_before total rows_before
    shift 2
    setsid "$MIGRATE" --no-progress "$@" >"$IT_TMP/killed.out" 2>"$IT_TMP/killed.err" </dev/null &
    pid=$!
    for _ in $(seq 1 300); do
        held=$(sql "$db" "SELECT count(*) FROM pg_stat_activity
                          WHERE datname = current_database() AND wait_event = 'PgSleep'")
        [ "$held" = 1 ] && break
        sleep 0.1
    done
    [ "$held" = 1 ] || { kill -9 -- -"$pid" 2>/dev/null; fail "the run never reached $what"; }
    sleep 0.5 # the other worker finishes what it can
    kill -9 -- -"$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    pass "the run (and its workers) killed with kill -9 mid-table"
    sql "$db" "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
               WHERE datname = current_database() AND pid <> pg_backend_pid()" >/dev/null
    done_before=$(sql "$db" "SELECT count(*) FROM _migrate.chunks WHERE kind = 'data' AND done_at IS NOT NULL")
    total=$(sql "$db" "SELECT count(*) FROM _migrate.chunks WHERE kind = 'data'")
    rows_before=$(sql "$db" "SELECT count(*) FROM public.orders")
    echo "# killed with $done_before of $total chunks done, $rows_before rows in"
    [ "$total" -ge 10 ] && [ "$done_before" -ge 1 ] && [ "$done_before" -lt "$total" ] ||
        fail "expected a partly loaded table: $done_before of $total chunks done"
    pass "partly loaded: $done_before of $total chunks"
    check_eq "the rows in are those of the chunks marked done" "$rows_before" \
        "$(sql "$db" "SELECT coalesce(sum(rows), 0) FROM _migrate.chunks WHERE kind = 'data' AND done_at IS NOT NULL")"
    KILL_MARKS=$(sql "$db" "SELECT string_agg(chunk || '@' || done_at, ',' ORDER BY chunk) FROM _migrate.chunks
                            WHERE kind = 'data' AND done_at IS NOT NULL")
    sql "$db" "DELETE FROM pause"
}

# check_marks_kept DB: the chunks done before kill_mid_run were not loaded
# again by the resumed run (their done marks are unchanged).
check_marks_kept() {
    check_eq "chunks done before the kill were not loaded again" "$KILL_MARKS" \
        "$(sql "$1" "SELECT string_agg(chunk || '@' || done_at, ',' ORDER BY chunk) FROM _migrate.chunks
                     WHERE kind = 'data' AND chunk || '@' || done_at = ANY (string_to_array('$KILL_MARKS', ','))")"
}

# hold_orders DB COLUMNS ID: creates public.orders (COLUMNS, the table's
# column list with its key) in DB, with a trigger that sleeps 120 s on the
# row whose id is ID while the table `pause` has a row (kill_mid_run).
hold_orders() {
    sql "$1" "CREATE TABLE pause (x int);
              INSERT INTO pause VALUES (1);
              CREATE TABLE public.orders ($2);
              CREATE FUNCTION hold() RETURNS trigger LANGUAGE plpgsql AS \$\$
              BEGIN
                IF NEW.id = $3 AND EXISTS (SELECT 1 FROM pause) THEN PERFORM pg_sleep(120); END IF;
                RETURN NEW;
              END \$\$;
              CREATE TRIGGER hold BEFORE INSERT ON public.orders FOR EACH ROW EXECUTE FUNCTION hold();"
}

# need_mariadb: the CTest fixture's MariaDB (scripts/mariadbtmp.sh): its
# socket, and the DSN migrate_mariadb in ODBCINI (user migrate).
need_mariadb() {
    [ -n "${MG_MARIADB_SOCKET:-}" ] && [ -S "$MG_MARIADB_SOCKET" ] ||
        fail "no MariaDB: MG_MARIADB_SOCKET is not a socket (CTest's mariadb fixture sets it; by hand: scripts/mariadbtmp.sh)"
    [ -n "${ODBCINI:-}" ] && grep -q '^\[migrate_mariadb\]' "$ODBCINI" ||
        fail "ODBCINI has no DSN migrate_mariadb (scripts/mariadbtmp.sh writes it)"
}

# mdb ARGS: the mariadb client as root on the fixture's socket, UTF-8.
mdb() { mariadb --no-defaults --socket="$MG_MARIADB_SOCKET" -uroot --default-character-set=utf8mb4 "$@"; }

# it_mariadb_db VAR SUFFIX: a fresh MariaDB database (utf8mb4, binary
# collation) named after the test, in $VAR; dropped when the test ends.
it_mariadb_db() {
    local name="it_${IT_NAME}_$2_$$"
    mdb -e "DROP DATABASE IF EXISTS \`$name\`;
            CREATE DATABASE \`$name\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin" ||
        fail "could not create the MariaDB database $name"
    IT_MDBS+=("$name")
    printf -v "$1" '%s' "$name"
}
