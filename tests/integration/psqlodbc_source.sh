#!/usr/bin/env bash
# psqlodbc_source.sh - the ODBC path checked against a known-good server:
# one PostgreSQL database migrated twice, once through libpq
# (postgresql:// source) and once through psqlODBC (the "PostgreSQL
# Unicode" driver, an odbc: source), into two target databases.  Both
# targets must equal the source table by table (md5 of the ordered COPY
# text), for every type that is hard to carry: int2/4/8, numerics of
# great precision, NaN and infinities, reals, booleans, text with tabs,
# newlines, CR, backslashes and emoji, varchar(n), char(n), bytea with
# zero bytes, dates, times, timestamps, timestamptz, intervals, uuid,
# json, jsonb, arrays, NULLs.  Then the types made, keys, indexes,
# foreign keys and the identity of a serial column; `migrate verify` on
# the ODBC load, and a change it finds.
#
# psqlODBC rewrites date/time values fetched as SQL_C_CHAR: the
# infinities of date, timestamp and timestamptz ('infinity' -> "0000-00-00
# 00:00:00"), years after 9999, BC dates (the "BC" is dropped), and
# timestamptz in a source session whose TimeZone differs from the
# target's (sent as local time without its offset).  So the SELECT reads
# date, time, timestamp(tz), timetz and interval columns as text: the
# table `times` holds such values, read by a psqlODBC session in
# Asia/Kolkata (ConnSettings) while the target's runs in UTC (PGTZ).
source "$(dirname "$0")/lib/common.sh"
it_init psqlodbc_source
export PGTZ=UTC

odbcinst -q -d 2>/dev/null | grep -qx '\[PostgreSQL Unicode\]' ||
    fail "the psqlODBC driver is not registered (apt-get install odbc-postgresql)"

it_createdb SRC src
it_createdb VIA_PG viapg
it_createdb VIA_ODBC viaodbc

section "source"
sql "$SRC" <<'SQL'
CREATE TABLE kinds (
  id int4 PRIMARY KEY,
  i2 int2, i8 int8,
  big numeric(40,10), wide numeric, money_like numeric(12,2),
  f4 float4, f8 float8, ok bool,
  t text, vc varchar(20), ch char(5),
  b bytea, d date, tm time, ts timestamp(6), tstz timestamptz, iv interval,
  u uuid, j json, jb jsonb, arr int4[], tags text[]);
INSERT INTO kinds VALUES
 (1, -32768, 9223372036854775807, 123456789012345678901234567890.0123456789,
  1e-1000, 12.30, 1.5, 0.1, true,
  E'tab\there\nnl\rcr back\\slash \\N q''"  é 漢字 🙂', 'varchar', 'ab',
  '\x00ff005c0a0d09', '2024-02-29', '23:59:59.999999', '2024-01-02 03:04:05.123456',
  '2024-01-02 03:04:05.5+02', '1 year 2 mons 3 days 04:05:06.7',
  'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"a": [1, 2.50], "é": "🙂"}', '{"b": null, "a": 1}',
  '{1,NULL,3}', ARRAY['a,b', 'q"uote', 'back\slash', NULL, '']),
 (3, 32767, -9223372036854775808, -0.0000000001, 'NaN', -99999999.99, 'NaN', '-Infinity', false,
  '', '', '', '', '0001-01-01', '00:00', '1970-01-01', '4713-01-01 00:00+00 BC', '-1 days -00:00:00.000001',
  '00000000-0000-0000-0000-000000000000', '[]', '[]', '{}', '{}'),
 (4, 0, 0, 99999999999999999999999999999.9999999999, 'Infinity', 0.01, 3.4028235e38, 5e-324, true,
  repeat('long text ', 3000), repeat('x', 20), 'abcde', decode(repeat('00ff', 40000), 'hex'),
  '9999-12-31', '24:00:00', '2000-02-29 12:00:00.5', '2024-06-01 12:00:00.000001+05:30', '178000000 years',
  'ffffffff-ffff-ffff-ffff-ffffffffffff', (SELECT json_agg(g)::json FROM generate_series(1, 3000) g),
  '{"deep": {"x": [true, false, null]}}', (SELECT array_agg(g) FROM generate_series(1, 3000) g),
  '{"{braces}"}');
INSERT INTO kinds (id) VALUES (2);
CREATE TABLE times (id int PRIMARY KEY, d date, ts timestamp(6), tstz timestamptz, tm time, ttz timetz, iv interval);
INSERT INTO times VALUES
 (1, 'infinity', 'infinity', 'infinity', '24:00', '12:00:00.5+05:30', '-178000000 years'),
 (2, '-infinity', '-infinity', '-infinity', '00:00', '00:00-14', '1 day -00:00:00.000001'),
 (3, '0044-03-15 BC', '4713-11-24 00:00:00 BC', '4713-01-01 00:00+00 BC', '12:34:56.789', '23:59:59.999999+14', '3 mons'),
 (4, '12345-06-07', '294276-12-31 23:59:59.999999', '99999-12-31 23:59:59.999999+00', NULL, NULL, NULL),
 (5, '2024-02-29', '2024-01-02 03:04:05.123456', '2024-06-01 12:00:00.000001+05:30', '00:00:00.000001', '01:02:03+00', '-1 mons +2 days'),
 (6, NULL, NULL, NULL, NULL, NULL, NULL);
CREATE TABLE parent (id int8 PRIMARY KEY, name varchar(30) NOT NULL UNIQUE);
CREATE TABLE child (id serial PRIMARY KEY,
                    parent_id int8 NOT NULL REFERENCES parent (id) ON DELETE CASCADE,
                    amount numeric(12,2), note text);
CREATE INDEX child_parent ON child (parent_id, amount);
INSERT INTO parent VALUES (1, 'one'), (2, 'twø');
INSERT INTO child (parent_id, amount, note)
  SELECT 1 + i % 2, i * 0.25, CASE WHEN i % 7 = 0 THEN NULL ELSE 'n' || i || E'\t' || i END
    FROM generate_series(1, 20000) i;
SQL
pass "source made: kinds 4 rows, parent 2, child 20000"

cat >"$IT_TMP/recipe.lua" <<'LUA'
local m = require "migrate"
return m.recipe {
  source = "${source}",
  target = "${target}",
  tables = { include = { "public.*" } },
  chunk_rows = 5000,
}
LUA
# CommLog=0: Debian's odbcinst.ini turns the driver's log files in /tmp on
ODBC="odbc:Driver=PostgreSQL Unicode;Servername=${PGHOST:-localhost};Port=${PGPORT:-5432};Database=$SRC;UID=$PGUSER;CommLog=0;ConnSettings=SET TimeZone = 'Asia/Kolkata'"

section "through libpq"
it_run "$IT_TMP/recipe.lua" source="dbname=$SRC" target="dbname=$VIA_PG" --workers 2
check_rc 0 "the libpq load"
check_report_rows public.child 20,000

section "through psqlODBC"
it_run "$IT_TMP/recipe.lua" source="$ODBC" target="dbname=$VIA_ODBC" --workers 2
check_rc 0 "the psqlODBC load"
check_status public.child succeeded "4 chunks by id"
check_report_rows public.child 20,000
check_report_rows public.kinds 4
check_report_rows public.times 6

section "both targets equal the source, table by table"
# COPY text, ordered by the key
copy_md5() {
    "${PSQL[@]}" -d "$1" -c "COPY (SELECT * FROM $2 ORDER BY id) TO STDOUT" | md5sum | cut -d' ' -f1
}
for t in kinds times parent child; do
    want=$(copy_md5 "$SRC" "$t")
    check_eq "$t through libpq: md5 of the COPY text" "$want" "$(copy_md5 "$VIA_PG" "$t")"
    check_eq "$t through psqlODBC: md5 of the COPY text" "$want" "$(copy_md5 "$VIA_ODBC" "$t")"
done
check_eq "spot: numeric, NaN, infinities, reals" \
    "123456789012345678901234567890.0123456789 NaN -Infinity 3.4028235e+38 5e-324" \
    "$(sql "$VIA_ODBC" "SELECT (SELECT big FROM kinds WHERE id = 1) || ' ' || (SELECT wide FROM kinds WHERE id = 3)
                         || ' ' || (SELECT f8 FROM kinds WHERE id = 3) || ' ' || (SELECT f4 FROM kinds WHERE id = 4)
                         || ' ' || (SELECT f8 FROM kinds WHERE id = 4)")"
check_eq "spot: text byte for byte" \
    "$(sql "$SRC" "SELECT encode(convert_to(t, 'UTF8'), 'hex') FROM kinds WHERE id = 1")" \
    "$(sql "$VIA_ODBC" "SELECT encode(convert_to(t, 'UTF8'), 'hex') FROM kinds WHERE id = 1")"
check_eq "spot: bytea with zero bytes, char(5) padded, '' is not NULL" "00ff005c0a0d09|5|true true" \
    "$(sql "$VIA_ODBC" "SELECT encode(b, 'hex') || '|' || octet_length(ch) || '|' ||
                         (SELECT (t = '') || ' ' || (b = '') FROM kinds WHERE id = 3) FROM kinds WHERE id = 1")"
check_eq "spot: timestamptz" \
    "2024-01-02 01:04:05.5+00|4713-01-01 00:00:00+00 BC|2024-06-01 06:30:00.000001+00" \
    "$(sql "$VIA_ODBC" "SELECT string_agg(tstz::text, '|' ORDER BY id) FROM kinds")"
check_eq "spot: infinities, BC dates and years past 9999 through psqlODBC" \
    "infinity infinity infinity|-infinity -infinity -infinity|0044-03-15 BC 4713-11-24 00:00:00 BC 4713-01-01 00:00:00+00 BC|12345-06-07 294276-12-31 23:59:59.999999 99999-12-31 23:59:59.999999+00" \
    "$(sql "$VIA_ODBC" "SELECT string_agg(concat_ws(' ', d, ts, tstz), '|' ORDER BY id) FROM times WHERE id <= 4")"
check_eq "spot: timestamptz read in Asia/Kolkata, the same instant; timetz and interval" \
    "2024-06-01 06:30:00.000001+00 12:00:00.5+05:30 -178000000 years" \
    "$(sql "$VIA_ODBC" "SELECT (SELECT tstz FROM times WHERE id = 5) || ' ' || (SELECT ttz || ' ' || iv FROM times WHERE id = 1)")"
check_eq "spot: NULL row" "t" \
    "$(sql "$VIA_ODBC" "SELECT num_nulls(VARIADIC ARRAY[i2::text, i8::text, big::text, wide::text, money_like::text,
        f4::text, f8::text, ok::text, t, vc, ch::text, b::text, d::text, tm::text, ts::text, tstz::text, iv::text,
        u::text, j::text, jb::text, arr::text, tags::text]) = 22 FROM kinds WHERE id = 2")"

section "types, keys, indexes, foreign keys"
check_eq "kinds: types made" \
    "id integer, i2 smallint, i8 bigint, big numeric(40,10), wide numeric, money_like numeric(12,2), f4 real, f8 double precision, ok boolean, t text, vc character varying(20), ch character(5), b bytea, d date, tm time without time zone, ts timestamp without time zone, tstz timestamp with time zone, iv interval, u uuid, j json, jb jsonb, arr integer[], tags text[]" \
    "$(columns "$VIA_ODBC" public kinds)"
for t in parent child; do
    check_eq "$t: the same types as through libpq" "$(columns "$VIA_PG" public $t)" "$(columns "$VIA_ODBC" public $t)"
done
defs() {
    sql "$1" "SELECT string_agg(conrelid::regclass::text || ' ' || contype::text || ' ' || pg_get_constraintdef(oid), E'\n'
                                ORDER BY conrelid::regclass::text, contype, pg_get_constraintdef(oid))
              FROM pg_constraint WHERE connamespace = 'public'::regnamespace"
    sql "$1" "SELECT string_agg(regexp_replace(pg_get_indexdef(i.indexrelid), 'INDEX \S+ ON', 'INDEX ON'), E'\n'
                                ORDER BY c.relname)
              FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
              WHERE c.relnamespace = 'public'::regnamespace AND NOT i.indisprimary"
    sql "$1" "SELECT string_agg(attrelid::regclass::text || '.' || attname || ' ' || attidentity::text, ', ')
              FROM pg_attribute WHERE attidentity <> '' AND attrelid::regclass::text IN ('kinds', 'parent', 'child')"
}
check_eq "constraints, indexes, identity" \
    "child f FOREIGN KEY (parent_id) REFERENCES parent(id) ON DELETE CASCADE
child p PRIMARY KEY (id)
kinds p PRIMARY KEY (id)
parent p PRIMARY KEY (id)
times p PRIMARY KEY (id)
CREATE INDEX ON public.child USING btree (parent_id, amount)
CREATE UNIQUE INDEX ON public.parent USING btree (name)
child.id d" \
    "$(defs "$VIA_ODBC")"
# The one difference: ODBC's catalog (SQLStatistics) shows a UNIQUE
# constraint as a unique index, which libpq's load keeps as a constraint.
check_eq "the same as through libpq, but for the unique constraint made a unique index" \
    "$(defs "$VIA_PG" | grep -vx 'parent u UNIQUE (name)')" "$(defs "$VIA_ODBC")"
check_eq "the identity continues after the source's rows" 20001 \
    "$(sql "$VIA_ODBC" "INSERT INTO child (parent_id) VALUES (1) RETURNING id")"
sql "$VIA_ODBC" "DELETE FROM child WHERE id = 20001"

section "migrate verify on the psqlODBC load"
it_run verify "$IT_TMP/recipe.lua" source="$ODBC" target="dbname=$VIA_ODBC"
check_rc 0 "migrate verify"
check_match out "^public\.kinds +public\.kinds +4 +4 +match"
check_match out "^public\.child +public\.child +20,000 +20,000 +match +source read again in [0-9.]+ s"
sql "$VIA_ODBC" "UPDATE kinds SET tstz = tstz + interval '1 microsecond' WHERE id = 4"
it_run verify "$IT_TMP/recipe.lua" source="$ODBC" target="dbname=$VIA_ODBC"
check_rc 1 "migrate verify after a change"
check_match out "^public\.kinds +public\.kinds +4 +4 +different .*id = 4;"

it_done
