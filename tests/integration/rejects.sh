#!/usr/bin/env bash
# rejects.sh - rows the target refuses are rejected, not lost: a chunk
# that fails on a row's value (bad integer, too long, CHECK, NOT NULL,
# duplicate key) is loaded again with those rows written to reject files
# (COPY text, loadable again, and a log with the SQLSTATE and message),
# counted in the report, the JSON report and the record; the exit code is
# 5.  From a PostgreSQL source in key-range chunks on two workers, and
# from a SQLite file through ODBC.  max_rejects = 0 turns it off (the
# table fails as before); a chunk over max_rejects fails naming the count.
source "$(dirname "$0")/lib/common.sh"
it_init rejects
need_sqlite_odbc

it_createdb SRC src
it_createdb DST dst
it_createdb DST2 dst2

section "a PostgreSQL source, a target table stricter than the source"
sql "$SRC" <<'SQL'
CREATE TABLE items (id int PRIMARY KEY, qty text, name text, code text);
INSERT INTO items SELECT i, i::text, 'n' || (i % 1000), 'c' || i FROM generate_series(1, 20000) i;
UPDATE items SET qty = 'many' WHERE id IN (17, 9000);        -- not an integer
UPDATE items SET name = 'a much too long name' WHERE id = 12345; -- varchar(10)
UPDATE items SET qty = '-5' WHERE id = 15000;                 -- CHECK (qty >= 0)
UPDATE items SET name = NULL WHERE id = 19999;                -- NOT NULL
UPDATE items SET code = 'c1' WHERE id = 20000;                -- UNIQUE (code)
UPDATE items SET name = E'tab\té\\' WHERE id = 18;          -- good, and next to a bad one
ANALYZE items;
SQL
sql "$DST" <<'SQL'
CREATE TABLE public.items (id int PRIMARY KEY, qty integer CHECK (qty >= 0),
                           name varchar(10) NOT NULL, code text UNIQUE);
SQL
cat >"$IT_TMP/recipe.lua" <<'LUA'
local m = require "migrate"
return m.recipe {
  source = "${source}",
  target = "${target}",
  tables = { "public.items" },
  chunk_rows = 4000,
  max_rejects = tonumber(m.params.max_rejects),

}
LUA
args=("$IT_TMP/recipe.lua" source="dbname=$SRC" target="dbname=$DST")
it_run "${args[@]}" --workers 2 --reject-dir "$IT_TMP/rej" --report "$IT_TMP/report.json"
check_rc 5 "a run with rejected rows"
check_status public.items succeeded "6 rows rejected to $IT_TMP/rej/run-1/public.items"
check_eq "the rows that load are there, the others not" "19994 0" \
    "$(sql "$DST" "SELECT count(*) || ' ' || count(*) FILTER (WHERE id IN (17, 9000, 12345, 15000, 19999, 20000)) FROM items")"
check_eq "the good row next to a bad one, byte for byte" "$(printf 'tab\té\\')" \
    "$(sql "$DST" "SELECT name FROM items WHERE id = 18")"
check_eq "the record counts them" "6" \
    "$(sql "$DST" "SELECT rejected FROM _migrate.tasks WHERE task = 'public.items'")"
check_output err "loading it again with the rows the target refuses written to" "the log says why the chunk ran again"
grep -q '"rejected":6' "$IT_TMP/report.json" || fail "the JSON report should count 6 rejected rows: $(cat "$IT_TMP/report.json")"
pass "the JSON report counts them"

dir=$IT_TMP/rej/run-1/public.items
check_eq "one data and one log file per chunk with rejects" "chunk-1.dat chunk-1.log chunk-3.dat chunk-3.log chunk-4.dat chunk-4.log chunk-5.dat chunk-5.log" \
    "$(cd "$dir" && ls | tr '\n' ' ' | sed 's/ $//')"
check_eq "the rejected rows, as COPY text" "$(sql "$SRC" "COPY (SELECT id, qty, name, code FROM items
        WHERE id IN (17, 9000, 12345, 15000, 19999, 20000) ORDER BY id) TO STDOUT")" \
    "$(cat "$dir"/chunk-*.dat | sort -n)"
log=$(cat "$dir"/chunk-*.log)
for want in '[22P02]' '[22001]' '[23514]' '[23502]' '[23505]' 'invalid input syntax for type integer: "many"'; do
    case $log in *"$want"*) pass "the log has $want" ;; *) fail "the reject log should have $want: $log" ;; esac
done
sql "$DST" "CREATE TABLE fixed (id int, qty text, name text, code text)"
for f in "$dir"/chunk-*.dat; do
    sql "$DST" "\\copy fixed FROM '$f'" || fail "the reject file $f does not load with COPY"
done
check_eq "the reject files load back: the same rows as the source's" \
    "$(sql "$SRC" "SELECT string_agg(concat_ws('|', id, qty, name, code), ',' ORDER BY id) FROM items
                   WHERE id IN (17, 9000, 12345, 15000, 19999, 20000)")" \
    "$(sql "$DST" "SELECT string_agg(concat_ws('|', id, qty, name, code), ',' ORDER BY id) FROM fixed")"

section "max_rejects = 0: no rejects, the table fails as before"
it_run "${args[@]}" --restart max_rejects=0 --reject-dir "$IT_TMP/rej0"
check_rc 1 "a run with max_rejects = 0"
check_status public.items failed
check_output out "[22P02]" "the report names the SQLSTATE"
[ ! -e "$IT_TMP/rej0" ] || fail "no reject file with max_rejects = 0: $(find "$IT_TMP/rej0")"
pass "no reject directory"

section "a chunk over max_rejects fails"
it_run "${args[@]}" --restart max_rejects=1 --reject-dir "$IT_TMP/rej1"
check_rc 1 "a run with max_rejects = 1 (chunk 5 has 3 bad rows)"
check_status public.items failed "rejected"

it_run "${args[@]}" --max-rejects lots
check_rc 2 "--max-rejects lots"
check_output err "--max-rejects expects a whole number >= 0, got 'lots'"

section "a SQLite source: a text value in an INTEGER column"
DB=$IT_TMP/src.db
sqlite3 -bail "$DB" <<'SQL' || fail "sqlite3 could not build $DB"
CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER, s TEXT);
INSERT INTO t VALUES (1, 10, 'a'), (2, 'twelve', 'b'), (3, 30, 'c'), (4, 40, NULL);
SQL
cat >"$IT_TMP/sqlite.lua" <<'LUA'
local m = require "migrate"
return m.recipe {
  source = "odbc:Driver=SQLite3;Database=${db}",
  target = "${target}",
  tables = { "main.t" },
  target_schema = "public",
  reject_dir = "${dir}",
}
LUA
it_run "$IT_TMP/sqlite.lua" db="$DB" target="dbname=$DST2" dir="$IT_TMP/rej-sqlite"
check_rc 5 "the SQLite load"
check_status main.t succeeded "1 row rejected"
check_eq "three rows in" "1,3,4" "$(sql "$DST2" "SELECT string_agg(id::text, ',' ORDER BY id) FROM t")"
check_eq "the rejected row" "$(printf '2\ttwelve\tb')" "$(cat "$IT_TMP"/rej-sqlite/run-1/public.t/chunk-1.dat)"

it_done
