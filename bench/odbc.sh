#!/usr/bin/env bash
# odbc.sh - ODBC sources: the same shop database in SQLite and in MariaDB,
# loaded into PostgreSQL by migrate (ODBC, --workers 2, key-range chunks)
# and by pgloader (its defaults, and tuned), in the same run, each into a
# new empty database; against the practical limit of the target side: psql
# COPY of the same rows from CSV files.  See bench/README.md.
#
#   bench/odbc.sh [--quick] [--rounds N] [--sources LIST] [--tools LIST]
#                 [--chunk-rows N] [--port N] [--logs DIR] [--verbose]
#                 [--migrate BIN] [--baseline BIN]
#
#   --quick         a smoke run: every row count x 0.05 (orders 100,000)
#   --rounds N      rounds, interleaved; the best of N counts (default 2)
#   --sources LIST  sqlite, mariadb or sqlite,mariadb (the default)
#   --tools LIST    among migrate, pgloader, pgloader-tuned, limit (default
#                   all); e.g. migrate,limit while tuning migrate
#   --chunk-rows N  migrate's chunk_rows (default 500,000 x the scale)
#   --port N        port of the throwaway PostgreSQL (default 54371)
#   --logs DIR      keep every tool's output there (default: thrown away)
#   --verbose       migrate logs at debug level, the server every statement
#                   over 100 ms (server.log): with --logs
#   --migrate BIN   the migrate binary (default: build/migrate, or
#                   $MG_BUILD_DIR/migrate)
#   --baseline BIN  also run another migrate binary, interleaved with the
#                   first, as tool "baseline" (an A/B comparison on the
#                   same machine load); its SQLite string gets StepAPI=1
#
# The data: orders (2,000,000 rows: id, customer_id, amount decimal(12,2),
# status varchar, created datetime, note text), customers (200,000 rows, 8
# columns) and item_001 ... item_100 (1,000 to 5,000 rows each), made with
# recursive CTEs (SQLite, through the sqlite3 CLI) and the sequence engine
# (a throwaway MariaDB from scripts/mariadbtmp.sh, unix socket).
# Starts its own PostgreSQL too (temp dir), removes all on exit.  Every load
# is checked (row count of every table, count and sum of orders.amount)
# before anything is printed; exits 1 when migrate failed or differs.
set -euo pipefail
cd "$(dirname "$0")/.."
prog=odbc
. bench/lib.sh

rounds=2
scale=1
sources=sqlite,mariadb
tool_list=migrate,pgloader,pgloader-tuned,limit
chunk_opt=
verbose=()
migrate_opt=
baseline=
port=54371
logs=
while [ $# -gt 0 ]; do
    case $1 in
    --quick) scale=0.05; shift ;;
    --rounds) rounds=${2:?--rounds needs a number}; shift 2 ;;
    --sources) sources=${2:?--sources needs a list}; shift 2 ;;
    --tools) tool_list=${2:?--tools needs a list}; shift 2 ;;
    --chunk-rows) chunk_opt=${2:?--chunk-rows needs a number}; shift 2 ;;
    --port) port=${2:?--port needs a number}; shift 2 ;;
    --logs) logs=${2:?--logs needs a directory}; shift 2 ;;
    --verbose) verbose=(-v); shift ;;
    --migrate) migrate_opt=${2:?--migrate needs a path}; shift 2 ;;
    --baseline) baseline=${2:?--baseline needs a path}; shift 2 ;;
    -h | --help) sed -n '2,37s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "odbc.sh: unknown argument '$1'" >&2; exit 2 ;;
    esac
done
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "odbc.sh: --rounds must be a positive integer" >&2; exit 2; }
[[ $port =~ ^[1-9][0-9]*$ ]] || { echo "odbc.sh: --port must be a number" >&2; exit 2; }
[[ $sources =~ ^(sqlite|mariadb)(,(sqlite|mariadb))?$ ]] ||
    { echo "odbc.sh: --sources takes sqlite, mariadb or sqlite,mariadb" >&2; exit 2; }
IFS=, read -r -a srcs <<<"$sources"
IFS=, read -r -a tools <<<"$tool_list"
for t in "${tools[@]}"; do
    [[ $t =~ ^(migrate|baseline|pgloader|pgloader-tuned|limit)$ ]] ||
        { echo "odbc.sh: unknown tool '$t' (migrate, pgloader, pgloader-tuned, limit)" >&2; exit 2; }
done
[[ $chunk_opt =~ ^([1-9][0-9]*)?$ ]] || { echo "odbc.sh: --chunk-rows must be a positive integer" >&2; exit 2; }
has_tool() { [[ ",$tool_list," == *",$1,"* ]]; }

scaled() { awk -v n="$1" -v f="$scale" 'BEGIN { r = int(n * f + 0.5); print (r < 1 ? 1 : r) }'; }
orders=$(scaled 2000000)
customers=$(scaled 200000)
small_tables=100
small_rows() { scaled $((1000 + ($1 - 1) * 4000 / 99)); }   # item_001 1,000 ... item_100 5,000
chunk_rows=${chunk_opt:-$(scaled 500000)}
workers=2

bench_setup
[ -z "$migrate_opt" ] || migrate=$(realpath "$migrate_opt")
[ -x "$migrate" ] || die "$migrate is not an executable"
if [ -n "$baseline" ]; then
    baseline=$(realpath "$baseline")
    [ -x "$baseline" ] || die "--baseline $baseline is not an executable"
    has_tool baseline || { tools+=(baseline); tool_list+=,baseline; }
fi
[ -f bench/odbc_to_pg.lua ] || die "bench/odbc_to_pg.lua is missing"
command -v sqlite3 >/dev/null || die "the sqlite3 CLI is missing (apt-get install sqlite3)"
! has_tool pgloader && ! has_tool pgloader-tuned || command -v pgloader >/dev/null || die "pgloader is missing (apt-get install pgloader)"
for drv in SQLite3 "MariaDB Unicode"; do
    odbcinst -q -d 2>/dev/null | grep -qxF "[$drv]" || die "the ODBC driver '$drv' is not registered"
done

[ -z "$logs" ] || { mkdir -p "$logs" && logs=$(cd "$logs" && pwd); } || die "cannot create $logs"
bench_start_pg "$port"
if [ ${#verbose[@]} -gt 0 ]; then
    # what the server spends its time on: every statement over 100 ms, in
    # server.log (kept with --logs)
    q postgres "ALTER SYSTEM SET log_min_duration_statement = 100" >/dev/null
    q postgres "SELECT pg_reload_conf()" >/dev/null
fi
odbc_cleanup() {
    [ -z "$logs" ] || cp "$tmp"/*.log "$tmp/pg/server.log" "$logs"/ 2>/dev/null || true
    [ ! -d "$tmp/maria" ] || bash "$root/scripts/mariadbtmp.sh" stop "$tmp/maria" >/dev/null 2>&1 || true
    bench_cleanup
}
trap odbc_cleanup EXIT
pgloader_url() { printf 'pgsql://postgres@unix:%s:%s/%s' "$tmp/pg" "$port" "$1"; }

say "versions"
echo "migrate:  $("$migrate" --version 2>&1 | head -1) ($migrate)"
[ -z "$baseline" ] || echo "baseline: $baseline"
echo "pgloader: $(pgloader --version 2>&1 | head -1)"
echo "sqlite3:  $(sqlite3 --version | cut -d' ' -f1), MariaDB: $(mariadbd --version 2>/dev/null | sed 's/.*Ver //; s/ .*//')"
echo "server:   PostgreSQL $(q postgres 'SHOW server_version'), $(nproc) cores"
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
load_start=$(loadavg)

# --- the sources ----------------------------------------------------------------
# source_sql DIALECT: the shop database in SQLite's or MariaDB's SQL, the
# same rows in both.
source_sql() {
    local d=$1 t
    # numbers 1..N as the derived table n(i); a DATETIME SECS after 2024-01-01
    nums() {
        if [ "$d" = sqlite ]; then printf '(SELECT i FROM nums WHERE i <= %s) AS n' "$1"
        else printf '(SELECT seq AS i FROM seq_1_to_%s) AS n' "$1"; fi
    }
    ts() {
        if [ "$d" = sqlite ]; then printf "datetime(1704067200 + %s, 'unixepoch')" "$1"
        else printf "(TIMESTAMP'2024-01-01 00:00:00' + INTERVAL (%s) SECOND)" "$1"; fi
    }
    if [ "$d" = sqlite ]; then
        cat <<SQL
PRAGMA journal_mode = OFF;
PRAGMA synchronous = OFF;
CREATE TEMP TABLE nums (i INTEGER PRIMARY KEY);
WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < $orders)
INSERT INTO nums SELECT i FROM r;
BEGIN;
SQL
    else
        echo "SET sql_mode = 'PIPES_AS_CONCAT', foreign_key_checks = 0, unique_checks = 0;"
    fi
    cat <<SQL
CREATE TABLE customers (
  id INTEGER PRIMARY KEY,
  name VARCHAR(80) NOT NULL,
  email VARCHAR(120) NOT NULL,
  phone VARCHAR(30),
  country CHAR(2) NOT NULL,
  balance DECIMAL(12,2),
  active BOOLEAN NOT NULL,
  created DATETIME NOT NULL);
CREATE TABLE orders (
  id INTEGER PRIMARY KEY,
  customer_id INTEGER NOT NULL,
  amount DECIMAL(12,2),
  status VARCHAR(20) NOT NULL,
  created DATETIME NOT NULL,
  note TEXT,
  FOREIGN KEY (customer_id) REFERENCES customers (id));
INSERT INTO customers
SELECT i, 'Customer ' || i, 'customer' || i || '@example.com',
       CASE WHEN i % 7 = 0 THEN NULL ELSE '+49 30 ' || (1000000 + (i * 7919) % 9000000) END,
       substr('DEFRITESNLPLSEATBE', 1 + 2 * (i % 9), 2),
       CASE WHEN i % 11 = 0 THEN NULL ELSE ((i * 131) % 1000000) / 100.0 END,
       i % 3 <> 0, $(ts 'i * 61')
FROM $(nums "$customers");
INSERT INTO orders
SELECT i, 1 + (i * 7919) % $customers,
       CASE WHEN i % 50 = 0 THEN NULL ELSE ((i * 7919) % 100000) / 100.0 END,
       CASE i % 5 WHEN 0 THEN 'new' WHEN 1 THEN 'paid' WHEN 2 THEN 'shipped'
                  WHEN 3 THEN 'delivered' ELSE 'cancelled' END,
       $(ts 'i * 13'),
       CASE WHEN i % 10 = 0 THEN NULL
            ELSE 'order ' || i || ': ' || substr('lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor', 1 + i % 40) END
FROM $(nums "$orders");
CREATE INDEX orders_customer_id ON orders (customer_id);
CREATE UNIQUE INDEX customers_email ON customers (email);
SQL
    for t in $(seq -f %03g 1 "$small_tables"); do
        cat <<SQL
CREATE TABLE item_$t (id INTEGER PRIMARY KEY, code VARCHAR(20) NOT NULL, qty INTEGER NOT NULL,
                      price DECIMAL(10,2), updated DATETIME);
INSERT INTO item_$t SELECT i, 'T$t-' || i, (i * 17) % 1000,
       CASE WHEN i % 13 = 0 THEN NULL ELSE ((i * 37) % 100000) / 100.0 END, $(ts 'i * 97')
FROM $(nums "$(small_rows $((10#$t)))");
SQL
    done
    [ "$d" != sqlite ] || echo "COMMIT;"
}

# Per source, "table rows" for every table (sorted), then the line
# "orders.amount NONNULL CENTS": how many amounts, and their sum in cents.
sqlite_db=$tmp/shop.db
maria_sql() { mariadb --no-defaults --socket="$tmp/maria/mysqld.sock" -uroot -N -B migrate "$@"; }
tables_count_sql() {   # a UNION ALL of count(*) over the tables named on stdin
    awk 'NR > 1 { printf " UNION ALL " } { printf "SELECT '\''%s'\'', count(*) FROM %s", $1, $1 } END { print ";" }'
}
source_stats() {
    case $1 in
    sqlite)
        sqlite3 "$sqlite_db" "SELECT name FROM sqlite_master WHERE type = 'table'" |
            tables_count_sql | sqlite3 -separator ' ' "$sqlite_db" | LC_ALL=C sort
        sqlite3 -separator ' ' "$sqlite_db" \
            "SELECT 'orders.amount', count(amount), sum(CAST(round(amount * 100) AS INTEGER)) FROM orders"
        ;;
    mariadb)
        maria_sql -e "SELECT table_name FROM information_schema.tables WHERE table_schema = 'migrate'" |
            tables_count_sql | maria_sql | tr '\t' ' ' | LC_ALL=C sort
        maria_sql -e "SELECT 'orders.amount', count(amount), CAST(sum(amount) * 100 AS SIGNED) FROM orders" |
            tr '\t' ' '
        ;;
    esac
}

# The SQLite file is built even for --sources mariadb: the CSV files of the
# practical limit come from it.
declare -A src_url pgl_src
build=(sqlite)
[[ $sources != *mariadb* ]] || build+=(mariadb)
for s in "${build[@]}"; do
    t0=$(now)
    case $s in
    sqlite)
        say "building the SQLite source $sqlite_db"
        source_sql sqlite | sqlite3 -bail "$sqlite_db" >/dev/null || die "sqlite3 could not build $sqlite_db"
        # no StepAPI=1 here: migrate adds it for SQLite's driver (without
        # it the driver materializes each whole result first)
        src_url[$s]="odbc:Driver=SQLite3;Database=$sqlite_db"
        pgl_src[$s]="sqlite://$sqlite_db"
        ;;
    mariadb)
        say "starting a throwaway MariaDB in $tmp/maria and building database migrate"
        bash scripts/mariadbtmp.sh start "$tmp/maria" >/dev/null
        eval "$(bash scripts/mariadbtmp.sh env "$tmp/maria")"
        source_sql mariadb | maria_sql || die "MariaDB could not build the source"
        # pgloader's reader stalls while its writers catch up; at the default
        # 60 s the server drops it ("Broken pipe"), as pgloader's manual warns
        maria_sql -e "SET GLOBAL net_read_timeout = 600, net_write_timeout = 600"
        src_url[$s]=$MG_MARIADB_ODBC
        # pgloader: user, password and database from the same ODBC string; the
        # socket as unix:PATH (":3306" ends the path; the port is unused)
        [[ $MG_MARIADB_ODBC =~ UID=([^;]*)\;PWD=([^;]*) ]] || die "no UID/PWD in MG_MARIADB_ODBC"
        pgl_src[$s]="mysql://${BASH_REMATCH[1]}:${BASH_REMATCH[2]}@unix:$MG_MARIADB_SOCKET:3306/migrate"
        ;;
    esac
    source_stats "$s" >"$tmp/$s.stats"
    echo "built in $(elapsed "$t0" "$(now)") s: $(($(wc -l <"$tmp/$s.stats") - 1)) tables," \
        "$(grouped "$(awk '$1 != "orders.amount" { n += $2 } END { print n }' "$tmp/$s.stats")") rows"
done
if [ "${#build[@]}" = 2 ] && ! cmp -s "$tmp/sqlite.stats" "$tmp/mariadb.stats"; then
    diff "$tmp/sqlite.stats" "$tmp/mariadb.stats" | head -10
    die "the SQLite and MariaDB sources differ (above): not the same data"
fi
ref_stats=$tmp/sqlite.stats
src_tables=$(($(wc -l <"$ref_stats") - 1))
src_rows=$(awk '$1 != "orders.amount" { n += $2 } END { print n }' "$ref_stats")

# --- the practical limit: psql COPY from CSV files ---------------------------------
# The same rows as CSV (from the SQLite file: the same data), loaded by two
# psql sessions at once (orders split in two halves, as migrate's two
# workers split it in chunks), then keys, indexes and the foreign key, as
# migrate and pgloader make them.
csv=$tmp/csv
half=$((orders / 2))
if has_tool limit; then
    say "writing the rows as CSV files for the practical limit"
    mkdir -p "$csv"
    csv_out() { sqlite3 -csv "$sqlite_db" "$1" >"$2"; }
    csv_out "SELECT * FROM orders WHERE id <= $half" "$csv/orders.1.csv"
    csv_out "SELECT * FROM orders WHERE id > $half" "$csv/orders.2.csv"
    csv_out "SELECT * FROM customers" "$csv/customers.csv"
    for t in $(seq -f %03g 1 "$small_tables"); do csv_out "SELECT * FROM item_$t" "$csv/item_$t.csv"; done
    echo "$(du -sh "$csv" | cut -f1) of CSV"
fi
{
    cat <<SQL
CREATE TABLE customers (id bigint NOT NULL, name varchar(80) NOT NULL, email varchar(120) NOT NULL,
  phone varchar(30), country char(2) NOT NULL, balance numeric(12,2), active boolean NOT NULL,
  created timestamp NOT NULL);
CREATE TABLE orders (id bigint NOT NULL, customer_id bigint NOT NULL, amount numeric(12,2),
  status varchar(20) NOT NULL, created timestamp NOT NULL, note text);
SQL
    for t in $(seq -f %03g 1 "$small_tables"); do
        echo "CREATE TABLE item_$t (id bigint NOT NULL, code varchar(20) NOT NULL, qty integer NOT NULL, price numeric(10,2), updated timestamp);"
    done
} >"$tmp/limit-pre.sql"
printf '\\copy orders FROM %s (FORMAT csv)\n\\copy customers FROM %s (FORMAT csv)\n' \
    "$csv/orders.1.csv" "$csv/customers.csv" >"$tmp/limit-copy-1.sql"
{
    printf '\\copy orders FROM %s (FORMAT csv)\n' "$csv/orders.2.csv"
    for t in $(seq -f %03g 1 "$small_tables"); do printf '\\copy item_%s FROM %s (FORMAT csv)\n' "$t" "$csv/item_$t.csv"; done
} >"$tmp/limit-copy-2.sql"
printf 'ALTER TABLE orders ADD PRIMARY KEY (id);\nCREATE INDEX ON orders (customer_id);\n' >"$tmp/limit-post-1.sql"
{
    printf 'ALTER TABLE customers ADD PRIMARY KEY (id);\nCREATE UNIQUE INDEX ON customers (email);\n'
    for t in $(seq -f %03g 1 "$small_tables"); do echo "ALTER TABLE item_$t ADD PRIMARY KEY (id);"; done
} >"$tmp/limit-post-2.sql"
echo 'ALTER TABLE orders ADD FOREIGN KEY (customer_id) REFERENCES customers (id);' >"$tmp/limit-post-3.sql"
# limit_load DB: the timed part (run by bash -c under /usr/bin/time): two
# sessions per phase, each phase waits for both.
limit_load() {
    local a b p=(psql -X -q -v ON_ERROR_STOP=1 -d "$1")
    "${p[@]}" -f "$tmp/limit-copy-1.sql" & a=$!
    "${p[@]}" -f "$tmp/limit-copy-2.sql" & b=$!
    wait "$a" && wait "$b" || return 1
    "${p[@]}" -f "$tmp/limit-post-1.sql" & a=$!
    "${p[@]}" -f "$tmp/limit-post-2.sql" & b=$!
    wait "$a" && wait "$b" || return 1
    "${p[@]}" -f "$tmp/limit-post-3.sql"
}
export -f limit_load
export tmp

# --- the check ----------------------------------------------------------------------
# The target's stats, in the form of source_stats: every user table by
# name (whatever the schema: pgloader puts MariaDB's tables in schema
# "migrate"), then orders.amount.
target_stats() {
    q "$1" "SELECT c.relname || ' ' || (xpath('/row/r/text()', query_to_xml(
                format('SELECT count(*) AS r FROM %I.%I', n.nspname, c.relname), false, true, '')))[1]::text
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema', '_migrate')
              AND n.nspname NOT LIKE 'pg\_%'" | LC_ALL=C sort
    local schema
    schema=$(q "$1" "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                     WHERE c.relname = 'orders' AND c.relkind IN ('r', 'p') AND n.nspname <> '_migrate' LIMIT 1")
    [ -z "$schema" ] ||
        q "$1" "SELECT 'orders.amount ' || count(amount) || ' ' || coalesce(trim_scale(sum(amount::numeric * 100))::text, '')
                FROM $(q "$1" "SELECT quote_ident('$schema')").orders"
}

# check DB LABEL: compare DB with the source.  Sets $verdict; returns 1
# after printing the differences loudly.
check() {
    local db=$1 label=$2 got="$tmp/$1.target.stats" bad
    target_stats "$db" >"$got" 2>"$got.err" || { verdict="MISMATCH: cannot read the target ($(head -1 "$got.err"))"; return 1; }
    bad=$(LC_ALL=C join -a1 -a2 -e - -o '0,1.2,1.3,2.2,2.3' <(LC_ALL=C sort "$ref_stats") <(LC_ALL=C sort "$got") | awk '
        $1 == "orders.amount" && ($2 != $4 || $3 != $5) {
            printf "      orders.amount: source %s values summing to %s cents, target %s summing to %s\n", $2, $3, $4, $5; next }
        $1 != "orders.amount" && $2 != $4 { printf "      %s: source %s rows, target %s\n", $1, $2, $4 }')
    verdict="$(($(wc -l <"$got") - 1)) tables, $(grouped "$(awk '$1 != "orders.amount" { n += $2 } END { print n + 0 }' "$got")") rows"
    if [ -n "$bad" ]; then
        printf '\n  !!!!!!!! MISMATCH: %s target %s differs from the source !!!!!!!!\n' "$label" "$db"
        echo "$bad" | head -12
        echo
        verdict="MISMATCH: $verdict"
        return 1
    fi
    verdict="ok: $verdict, orders.amount sum matches"
}

# --- the runs -----------------------------------------------------------------------
# pgloader: Debian's build has a 1 GiB Lisp heap, which a 2M-row table can
# exhaust (bench/whole_db.sh): both settings get 4 GiB.  "tuned" adds what
# its manual offers for speed: two writer threads per table and, for MySQL,
# several readers over key ranges (the same idea as migrate's chunks).
pgloader_with() {
    case $1 in
    sqlite) printf '%s\n' --with "workers = 4" --with "concurrency = 2" ;;
    mariadb) printf '%s\n' --with "workers = 4" --with "concurrency = 2" \
        --with "multiple readers per thread" --with "rows per range = 50000" ;;
    esac
}

# run_tool SOURCE TOOL ROUND: one timed load into a new empty database; sets
# $secs, $rss_kib and $outcome (ok, MISMATCH or FAILED).
run_tool() {
    local src=$1 tool=$2 db="${1}_${2//-/_}" log="$tmp/$1-$2-$3.log" rc=0
    local -a extra=()
    fresh_db "$db"
    q postgres CHECKPOINT >/dev/null   # nobody pays for the previous run's writes
    case $tool in
    migrate)
        timed "$log" "$migrate" "${verbose[@]}" --workers "$workers" bench/odbc_to_pg.lua \
            source="${src_url[$src]}" target="$conn dbname=$db" chunk_rows="$chunk_rows" || rc=$?
        ;;
    baseline)
        local url=${src_url[$src]}
        [ "$src" != sqlite ] || url+=";StepAPI=1"
        timed "$log" "$baseline" "${verbose[@]}" --workers "$workers" bench/odbc_to_pg.lua \
            source="$url" target="$conn dbname=$db" chunk_rows="$chunk_rows" || rc=$?
        ;;
    pgloader | pgloader-tuned)
        [ "$tool" = pgloader ] || mapfile -t extra < <(pgloader_with "$src")
        timed "$log" pgloader --dynamic-space-size 4096 --root-dir "$tmp/pgloader" "${extra[@]}" \
            "${pgl_src[$src]}" "$(pgloader_url "$db")" || rc=$?
        ;;
    limit)
        "${psql[@]}" -d "$db" -f "$tmp/limit-pre.sql"
        timed "$log" bash -c 'limit_load "$1"' limit_load "$db" || rc=$?
        rss_kib=-
        ;;
    esac
    report_run "$src $tool" "$rc" "$log" "$db"
}

declare -A times rss status
runs=()
for s in "${srcs[@]}"; do for t in "${tools[@]}"; do [ "$t" = limit ] || runs+=("$s/$t"); done; done
! has_tool limit || runs+=("csv/limit")
declare -A failures
for r in "${runs[@]}"; do times[$r]="" rss[$r]=0 status[$r]=ok failures[$r]=0; done
for i in $(seq "$rounds"); do
    say "round $i of $rounds (each load into a new empty database)"
    for r in "${runs[@]}"; do
        run_tool "${r%/*}" "${r#*/}" "$i"
        if [ "$outcome" = FAILED ]; then
            failures[$r]=$((failures[$r] + 1))
            status[$r]="FAILED in ${failures[$r]} of $rounds"
            continue
        fi
        [ "$outcome" = ok ] || status[$r]=MISMATCH
        times[$r]+=" $secs"
        [ "$rss_kib" = - ] || [ "$rss_kib" -le "${rss[$r]}" ] || rss[$r]=$rss_kib
    done
done

# --- report -------------------------------------------------------------------------
declare -A bestof
for r in "${runs[@]}"; do
    # shellcheck disable=SC2086  # a list of numbers
    if [ -n "${times[$r]}" ]; then bestof[$r]=$(best ${times[$r]}); else bestof[$r]=""; fi
done
label_of() {
    case $1 in
    */migrate) echo "migrate --workers $workers (chunks of $(grouped "$chunk_rows"))" ;;
    */baseline) echo "baseline: $(basename "$(dirname "$(dirname "$baseline")")")/.../migrate" ;;
    */pgloader) echo "pgloader (defaults, 4 GiB heap)" ;;
    sqlite/pgloader-tuned) echo "pgloader (workers 4, concurrency 2)" ;;
    mariadb/pgloader-tuned) echo "pgloader (+ multiple readers, 50k/range)" ;;
    csv/limit) echo "limit: 2 x psql COPY from CSV, then keys" ;;
    esac
}
line() {   # line RUN: one row of the table
    if [ -n "${bestof[$1]}" ]; then
        printf "$fmt" "$(label_of "$1")" "${bestof[$1]}" "$(rate "$src_rows" "${bestof[$1]}")" \
            "$(mib "${rss[$1]}")" "${status[$1]}"
    else
        printf "$fmt" "$(label_of "$1")" - - - "${status[$1]}"
    fi
}
say "results: $src_tables tables, $(grouped "$src_rows") rows (orders $(grouped "$orders")), best of $rounds, $(nproc) cores"
echo "load average (1, 5, 15 min) at the start: $load_start, now: $(loadavg)"
fmt='%-44s %9s %10s %11s  %s\n'
failed=0
for s in "${srcs[@]}"; do
    echo
    echo "$s -> PostgreSQL"
    printf "$fmt" "tool" "best (s)" "rows/s" "peak RSS" "check"
    for t in "${tools[@]}"; do [ "$t" = limit ] || line "$s/$t"; done
    ! has_tool limit || line csv/limit
    # pgloader's best setting counts
    # shellcheck disable=SC2086  # zero, one or two numbers
    pgl=$(best ${bestof[$s/pgloader]:-} ${bestof[$s/pgloader-tuned]:-})
    m=${bestof[$s/migrate]:-}
    if [ -n "$m" ] && [ -n "$pgl" ]; then
        r=$(ratio "$pgl" "$m")
        printf '  migrate / pgloader (rows/s, pgloader at its best): %s  (target >= 3: %s)\n' "$r" \
            "$(awk -v r="$r" 'BEGIN { print (r >= 3 ? "met" : "NOT met") }')"
    else
        echo "  migrate / pgloader: n/a (a run failed, or one was not asked for)"
    fi
    [ -z "$m" ] || [ -z "${bestof[csv/limit]:-}" ] ||
        printf '  migrate / limit (rows/s): %s  (1.00: as fast as psql COPY from CSV)\n' \
            "$(ratio "${bestof[csv/limit]}" "$m")"
    [ "${status[$s/migrate]:-ok}" = ok ] || failed=1
done
exit "$failed"
