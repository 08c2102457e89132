#!/usr/bin/env bash
# types.sh - a full recipe run where every supported PostgreSQL type
# round-trips exactly: the same column names and types on the target, the
# same row count and the same md5 over every row's text, NULL in every
# column, edge values (NaN, infinities, -0, BC dates, empty and
# multi-dimensional arrays, zero bytes ...), and identity/serial columns
# whose sequences continue after the copied maximum.
source "$(dirname "$0")/lib/common.sh"
it_init types

it_createdb SRC src
it_createdb DST dst

t0=$SECONDS
section "source: one table per family of types, edge values and NULLs"
sql "$SRC" <<'EOF'
CREATE TABLE numbers (
  id int PRIMARY KEY,
  i2 int2, i4 int4, i8 int8,
  n numeric, n_scaled numeric(12,4), f4 float4, f8 float8, m money
);
INSERT INTO numbers VALUES
  (1, -32768, -2147483648, -9223372036854775808, 'NaN', -99999999.9999, 'NaN', 'NaN', -92233720368547758.08),
  (2, 32767, 2147483647, 9223372036854775807,
      ('1' || repeat('0', 130000) || '.' || repeat('9', 16383))::numeric, 99999999.9999,
      'Infinity', 'Infinity', 92233720368547758.07),
  (3, 0, 0, 0, '-0.000000000000000000000000000000000000001', 0, '-Infinity', '-Infinity', 0),
  (4, 1, 1, 1, 3.14159265358979323846264338327950288419716939937510, 1.5, '-0', '-0', 1.5),
  (5, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
  (6, -1, 42, 1, 1e-300, 0.0001, 1.17549435e-38, 2.2250738585072014e-308, -0.01),
  (7, 7, 7, 7, 0.1, 7, 3.4028235e38, 1.7976931348623157e308, 7),
  (8, 8, 8, 8, -1e300, -1, 0.1, 0.1, 8);

CREATE TABLE texts (
  id int PRIMARY KEY,
  t text, vc varchar(10), c char(5), nm name, ch "char"
);
INSERT INTO texts VALUES
  (1, 'plain', 'short', 'ab', 'n1', 'a'),
  (2, '漢字かなカナ한국어', '日本語テキスト', '中文', 'ユニコード', 'b'),
  (3, 'emoji 😀🎉👩‍👩‍👧 flags 🇫🇷', '😀😀😀', '👍', '🎉', 'c'),
  (4, e'combining e\u0301 a\u0308 \u200b zero-width, RTL \u05e9\u05dc\u05d5\u05dd', e'e\u0301', e'a\u0308', e'o\u0308', 'd'),
  (5, e'tab\tnewline\ncr\rbackslash\\ quote'' dq" |pipe| ,comma', e'\t\n', e'\\', '"', '\'),
  (6, '', '', '', '', ' '),
  (7, NULL, NULL, NULL, NULL, NULL),
  (8, repeat('long text ', 100000), 'ten chars.', 'five.', repeat('x', 63), 'z');

CREATE TABLE binaries (
  id int PRIMARY KEY,
  b bytea, flag boolean, bits bit(8), vbits varbit(20), u uuid
);
INSERT INTO binaries VALUES
  (1, '\x00', true, B'10101010', B'1', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'),
  (2, '\x0000000000', false, B'00000000', B'', '00000000-0000-0000-0000-000000000000'),
  (3, '', true, B'11111111', B'11111111111111111111', 'ffffffff-ffff-ffff-ffff-ffffffffffff'),
  (4, '\x00ff00fe5c0d0a09275c22', false, B'00000001', B'0101', gen_random_uuid()),
  (5, NULL, NULL, NULL, NULL, NULL),
  (6, (SELECT string_agg(set_byte('\x00'::bytea, 0, g % 256), ''::bytea) FROM generate_series(0, 65535) g),
      true, B'10000000', B'10', gen_random_uuid());

CREATE TABLE times (
  id int PRIMARY KEY,
  d date, ts timestamp, tstz timestamptz, t time, ttz timetz, iv interval,
  ts0 timestamp(0), t3 time(3)
);
INSERT INTO times VALUES
  (1, 'infinity', 'infinity', 'infinity', '00:00', '00:00+00', '0', 'infinity', '00:00'),
  (2, '-infinity', '-infinity', '-infinity', '24:00', '24:00-15:59', '-178000000 years', '-infinity', '23:59:59.999'),
  (3, '4713-01-01 BC', '4713-01-01 00:00:00 BC', '4713-01-01 00:00:00+00 BC', '12:34:56.789012', '12:34:56.789012+05:30',
      '1 year 2 mons 3 days 04:05:06.789012', '0044-03-15 12:00:00 BC', '12:34:56.789'),
  (4, '5874897-12-31', '294276-12-31 23:59:59.999999', '294276-12-31 23:59:59.999999+00', '23:59:59.999999', '23:59:59.999999+15:59',
      '178000000 years', '2000-02-29 23:59:59', '00:00:00.001'),
  (5, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
  (6, '2000-02-29', '2000-02-29 12:00:00.5', '2000-02-29 12:00:00.5+01', '12:00', '12:00+01', '-1 day +02:03:04', '1999-12-31 23:59:59', '01:02:03'),
  (7, '1970-01-01', '1970-01-01 00:00:00', '1970-01-01 00:00:00+00', '00:00:00.000001', '00:00:00.000001-00:30',
      '1 mon -1 day 00:00:00.000001', '1970-01-01 00:00:00', '00:00:00');

CREATE TABLE docs (
  id int PRIMARY KEY,
  j json, jb jsonb, x xml, tsv tsvector, tsq tsquery
);
INSERT INTO docs VALUES
  (1, '{"b": 1, "a": [1, 2.50, null], "a": "dup key kept in json"}', '{"b": 1, "a": [1, 2.50, null, "😀"], "big": 1e400}',
      '<r a="1"><c>text &amp; more</c></r>', 'a fat cat:1A sat:2B,3 on a mat', 'fat & (rat | cat)'),
  (2, '[]', '[]', '<empty/>', '', 'a'),
  (3, 'null', 'null', 'plain text content', e'''with space'' ''quo''''te''', '!x'),
  (4, '"\u00e9 \ud83d\ude00 \n"', '"\u00e9 😀 \n"', '<?xml version="1.0"?><doc>日本語</doc>', 'ユニコード', 'ユ:*'),
  (5, NULL, NULL, NULL, NULL, NULL),
  (6, '  {"spaces" :   true }  ', '{"nested": {"deep": {"deeper": [[], {}, [[1]]]}}}', '<a/><b/>', 'x:1,2,3,4', 'x <-> y');

CREATE TABLE nets_geo (
  id int PRIMARY KEY,
  ip inet, net cidr, mac macaddr, mac8 macaddr8,
  p point, l line, s lseg, bx box, pa path, pg polygon, ci circle
);
INSERT INTO nets_geo VALUES
  (1, '192.168.0.1/24', '10.0.0.0/8', '08:00:2b:01:02:03', '08:00:2b:01:02:03:04:05',
      '(1.5,-2.5)', '{1,-1,0}', '[(0,0),(1,1)]', '(1,1),(0,0)', '[(0,0),(1,1),(2,0)]', '((0,0),(1,1),(1,0))', '<(0,0),1.5>'),
  (2, '::1', '2001:db8::/32', 'ff:ff:ff:ff:ff:ff', '00:00:00:00:00:00:00:00',
      '(NaN,Infinity)', '{0,1,0}', '[(-1e300,1e300),(0,0)]', '(0,0),(0,0)', '((0,0),(1,1))', '((0,0))', '<(1,1),0>'),
  (3, '2001:db8::ff00:42:8329/128', '192.168.100.128/25', '00:00:00:00:00:00', 'ff:ff:ff:ff:ff:ff:ff:ff',
      '(-0,0)', '{1,0,-3}', '[(1,2),(3,4)]', '(-1,-1),(-2,-2)', '[(1,2)]', '((1,2),(3,4),(5,6),(7,8))', '<(-1,-1),100>'),
  (4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);

CREATE TABLE arrays (
  id int PRIMARY KEY,
  ia int[], ta text[], na numeric[], ba bool[], da date[], ua uuid[],
  ja jsonb[], ma int[][], fa float8[], byt bytea[], tsa timestamptz[]
);
INSERT INTO arrays VALUES
  (1, '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}'),
  (2, '{1,NULL,3}', '{a,NULL,"NULL","",b}', '{1.5,NaN,NULL}', '{t,f,NULL}', '{infinity,2000-01-01,NULL}',
      '{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11,NULL}', ARRAY['{"a":1}'::jsonb, NULL, '[]'],
      '{{1,2},{3,4}}', '{NaN,Infinity,-Infinity,-0,NULL}', ARRAY['\x00'::bytea, '', NULL], '{infinity,-infinity,NULL}'),
  (3, '{NULL}', e'{"with \\"quotes\\"","comma,inside","back\\\\slash","{braces}","  spaces  ","日本","😀"}', '{0}', '{f}', '{1999-12-31}',
      '{}', '{}', '{{{1,2},{3,4}},{{5,6},{7,8}}}', '{1e308}', ARRAY['\xdeadbeef'::bytea], '{2000-01-01 00:00:00+00}'),
  (4, '[0:2]={7,8,9}', '[-1:0]={x,y}', '{1}', '{t}', '{}', '{}', '{}', '[1:2][0:1]={{1,2},{3,4}}', '{}', '{}', '{}'),
  (5, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
  (6, '{{NULL,NULL},{NULL,NULL}}', '{{a,b},{c,NULL}}', '{{1},{2}}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}');

CREATE TABLE ids_identity (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  v text
);
INSERT INTO ids_identity (v) SELECT 'v' || g FROM generate_series(1, 40) g;
DELETE FROM ids_identity WHERE id > 37;  -- the sequence is ahead of max(id)

CREATE TABLE ids_default (
  id int GENERATED BY DEFAULT AS IDENTITY (START WITH 100 INCREMENT BY 1) PRIMARY KEY,
  v text
);
INSERT INTO ids_default (id, v) VALUES (5, 'low'), (1234, 'high'), (77, 'mid');

CREATE TABLE ids_serial (
  id serial PRIMARY KEY,
  big bigserial,
  v text
);
INSERT INTO ids_serial (v) SELECT 'v' || g FROM generate_series(1, 25) g;

CREATE TABLE ids_empty (
  id serial PRIMARY KEY,
  v text
);

-- User-defined types travel as text (their binary form holds OIDs); the
-- types themselves must exist on the target (created below).
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN posint AS int CHECK (VALUE > 0);
CREATE TYPE pair AS (a int, b text);
CREATE TABLE user_types (
  id int PRIMARY KEY,
  m mood, ma mood[], p posint, c pair, ca pair[], r int4range, rs tstzrange, rc regclass, rt regtype
);
INSERT INTO user_types VALUES
  (1, 'happy', '{sad,ok,NULL}', 5, '(1,"x y")', ARRAY['(2,z)'::pair, NULL, '(,)'], '[1,10)', '[2020-01-01,infinity)', 'pg_class', 'int4'),
  (2, 'sad', '{}', 2147483647, '(,"")', '{}', 'empty', '(,)', 'pg_namespace', 'text[]'),
  (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);

CREATE TABLE wide_nulls (
  id int PRIMARY KEY,
  a int, b text, c bytea, d timestamptz, e jsonb, f int[], g numeric, h uuid, i inet, j bool
);
INSERT INTO wide_nulls (id) SELECT g FROM generate_series(1, 1000) g;
INSERT INTO wide_nulls SELECT g, g, 't' || g, int4send(g), '2020-01-01'::timestamptz + g * interval '1 minute',
  jsonb_build_object('g', g), ARRAY[g, NULL, g], g / 7.0, gen_random_uuid(), ('10.0.' || g % 256 || '.1')::inet, g % 2 = 0
  FROM generate_series(1001, 20000) g;
EOF
pass "source tables created ($((SECONDS - t0)) s)"

sql "$DST" "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy'); CREATE DOMAIN posint AS int CHECK (VALUE > 0);
            CREATE TYPE pair AS (a int, b text);"
pass "target: the user-defined types exist"

tables="user_types numbers texts binaries times docs nets_geo arrays ids_identity ids_default ids_serial ids_empty wide_nulls"

section "run tests/integration/recipes/plain.lua (names unchanged)"
it_run "$(it_recipe plain)" source="dbname=$SRC" target="dbname=$DST"
check_rc 0
for t in $tables; do
    check_status "public.$t" succeeded
done
check_report_rows public.wide_nulls 20,000
check_output out "13 tables, " "report summary"

section "column names and types are identical"
# One query per side: "table: name type, ..." per line.
all_columns() {
    sql "$1" "SELECT c.relname || ': ' || string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod), ', ' ORDER BY a.attnum)
              FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
              WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
              GROUP BY c.relname ORDER BY c.relname"
}
# "table count md5" per line, rows in id order.
all_sums() {
    local t q=""
    for t in $tables; do
        q="$q${q:+ UNION ALL }SELECT '$t' || ' ' || count(*) || ' ' || coalesce(md5(string_agg(t::text, '|' ORDER BY id)), '-') FROM public.$t t"
    done
    sql "$1" "$q"
}
# compare_lines WHAT SOURCE_LINES TARGET_LINES: one check per line.
compare_lines() {
    local what=$1 a b
    [ "$(echo "$2" | wc -l)" = "$(echo "$3" | wc -l)" ] || fail "$what: source and target differ: [$2] vs [$3]"
    while IFS= read -r a && IFS= read -r b <&3; do
        [ "$a" = "$b" ] || fail "$what differ: source [$a], target [$b]"
        pass "$what: $(echo "$a" | cut -c1-110)"
    done <<<"$2" 3<<<"$3"
}
compare_lines "columns" "$(all_columns "$SRC")" "$(all_columns "$DST")"

section "rows are identical (count + md5 over every row's text)"
compare_lines "same rows (count, md5)" "$(all_sums "$SRC")" "$(all_sums "$DST")"

section "edge values compared one by one"
check_eq "numeric NaN" "NaN" "$(sql "$DST" "SELECT n FROM numbers WHERE id = 1")"
check_eq "numeric with 130000+16383 digits" "$(sql "$SRC" "SELECT md5(n::text) || length(n::text) FROM numbers WHERE id = 2")" \
    "$(sql "$DST" "SELECT md5(n::text) || length(n::text) FROM numbers WHERE id = 2")"
check_eq "float4/float8 specials" "NaN NaN|Infinity Infinity|-Infinity -Infinity|-0 -0" \
    "$(sql "$DST" "SELECT string_agg(f4 || ' ' || f8, '|' ORDER BY id) FROM numbers WHERE id <= 4")"
check_eq "float8 -0 keeps its sign" "t" "$(sql "$DST" "SELECT f8::text = '-0' AND f8 = 0 AND f4::text = '-0' FROM numbers WHERE id = 4")"
check_eq "float extremes" "1.1754944e-38 2.2250738585072014e-308|3.4028235e+38 1.7976931348623157e+308" \
    "$(sql "$DST" "SELECT string_agg(f4 || ' ' || f8, '|' ORDER BY id) FROM numbers WHERE id IN (6, 7)")"
check_eq "emoji and combining characters" "$(sql "$SRC" "SELECT md5(t || vc || c || nm) FROM texts WHERE id IN (3)") 8" \
    "$(sql "$DST" "SELECT md5(t || vc || c || nm) FROM texts WHERE id IN (3)") $(sql "$DST" "SELECT count(*) FROM texts")"
check_eq "char(5) keeps its padding (octet_length)" "5 5" "$(sql "$DST" "SELECT octet_length(c) || ' ' || octet_length(c::bpchar) FROM texts WHERE id = 1")"
check_eq "bytea with zero bytes" "\\x00|\\x0000000000|\\x|\\x00ff00fe5c0d0a09275c22" \
    "$(sql "$DST" "SELECT string_agg(b::text, '|' ORDER BY id) FROM binaries WHERE id <= 4")"
check_eq "bytea empty vs NULL" "0|null" "$(sql "$DST" "SELECT length(b) FROM binaries WHERE id = 3")|$(sql "$DST" "SELECT coalesce(length(b)::text, 'null') FROM binaries WHERE id = 5")"
check_eq "64 kB bytea of every byte value" "65536 $(sql "$SRC" "SELECT md5(b) FROM binaries WHERE id = 6")" \
    "$(sql "$DST" "SELECT length(b) || ' ' || md5(b) FROM binaries WHERE id = 6")"
check_eq "date/timestamp infinities" "infinity infinity infinity|-infinity -infinity -infinity" \
    "$(sql "$DST" "SELECT string_agg(d || ' ' || ts || ' ' || tstz, '|' ORDER BY id) FROM times WHERE id <= 2")"
check_eq "BC dates" "4713-01-01 BC|4713-01-01 00:00:00 BC|0044-03-15 12:00:00 BC" \
    "$(sql "$DST" "SELECT d || '|' || ts || '|' || ts0 FROM times WHERE id = 3")"
check_eq "timestamptz as an instant (UTC)" "$(sql "$SRC" "SELECT string_agg(extract(epoch FROM tstz)::text, ',' ORDER BY id) FROM times")" \
    "$(sql "$DST" "SELECT string_agg(extract(epoch FROM tstz)::text, ',' ORDER BY id) FROM times")"
check_eq "time 24:00, timetz offsets" "24:00:00 24:00:00-15:59" "$(sql "$DST" "SELECT t || ' ' || ttz FROM times WHERE id = 2")"
check_eq "interval mixed signs" "1 mon -1 days +00:00:00.000001" "$(sql "$DST" "SELECT iv FROM times WHERE id = 7")"
check_eq "json keeps its text (spaces, duplicate keys)" \
    "$(sql "$SRC" "SELECT string_agg(j::text, '|' ORDER BY id) FROM docs")" \
    "$(sql "$DST" "SELECT string_agg(j::text, '|' ORDER BY id) FROM docs")"
check_eq "jsonb with a 400-digit number and emoji" "t" \
    "$(sql "$DST" "SELECT jb = ('{\"a\": [1, 2.50, null, \"😀\"], \"b\": 1, \"big\": 1' || repeat('0', 400) || '}')::jsonb FROM docs WHERE id = 1")"
check_eq "xml" '<r a="1"><c>text &amp; more</c></r>' "$(sql "$DST" "SELECT x FROM docs WHERE id = 1")"
check_eq "tsvector" "'a' 'cat':1A 'fat' 'mat' 'on' 'sat':2B,3" "$(sql "$DST" "SELECT tsv FROM docs WHERE id = 1")"
check_eq "inet/cidr/macaddr" "192.168.0.1/24 10.0.0.0/8 08:00:2b:01:02:03 08:00:2b:01:02:03:04:05" \
    "$(sql "$DST" "SELECT ip || ' ' || net || ' ' || mac || ' ' || mac8 FROM nets_geo WHERE id = 1")"
check_eq "point with NaN/Infinity" "(NaN,Infinity)" "$(sql "$DST" "SELECT p FROM nets_geo WHERE id = 2")"
check_eq "empty arrays stay empty" "{} {} 0" "$(sql "$DST" "SELECT ia::text || ' ' || ta::text || ' ' || coalesce(array_ndims(ia), 0) FROM arrays WHERE id = 1")"
check_eq "NULL elements" '{1,NULL,3} {a,NULL,"NULL","",b}' "$(sql "$DST" "SELECT ia::text || ' ' || ta::text FROM arrays WHERE id = 2")"
check_eq "multi-dimensional arrays" "{{{1,2},{3,4}},{{5,6},{7,8}}} 3" "$(sql "$DST" "SELECT ma::text || ' ' || array_ndims(ma) FROM arrays WHERE id = 3")"
check_eq "array lower bounds" "[0:2]={7,8,9} [-1:0]={x,y} [1:2][0:1]={{1,2},{3,4}}" \
    "$(sql "$DST" "SELECT ia::text || ' ' || ta::text || ' ' || ma::text FROM arrays WHERE id = 4")"
check_eq "NULL in every column" "t" \
    "$(sql "$DST" "SELECT bool_and(t IS NULL OR t::text ~ '^\(\d+,*\)$') FROM wide_nulls t WHERE id <= 1000")"
check_eq "all-NULL rows per table" "1 1 1 1 1 1 1" "$(sql "$DST" "SELECT
  (SELECT count(*) FROM numbers WHERE i2 IS NULL AND n IS NULL AND f8 IS NULL AND m IS NULL) || ' ' ||
  (SELECT count(*) FROM texts WHERE t IS NULL AND vc IS NULL AND c IS NULL AND nm IS NULL AND ch IS NULL) || ' ' ||
  (SELECT count(*) FROM binaries WHERE b IS NULL AND flag IS NULL AND bits IS NULL AND u IS NULL) || ' ' ||
  (SELECT count(*) FROM times WHERE d IS NULL AND tstz IS NULL AND iv IS NULL AND ttz IS NULL) || ' ' ||
  (SELECT count(*) FROM docs WHERE j IS NULL AND jb IS NULL AND x IS NULL AND tsv IS NULL) || ' ' ||
  (SELECT count(*) FROM nets_geo WHERE ip IS NULL AND p IS NULL AND ci IS NULL) || ' ' ||
  (SELECT count(*) FROM arrays WHERE ia IS NULL AND ma IS NULL AND tsa IS NULL)")"

section "keys and identities on the target"
check_eq "primary keys" "$(sql "$SRC" "SELECT string_agg(conrelid::regclass || ':' || pg_get_constraintdef(oid), ',' ORDER BY conrelid::regclass::text) FROM pg_constraint WHERE contype = 'p' AND connamespace <> 'pg_catalog'::regnamespace")" \
    "$(sql "$DST" "SELECT string_agg(conrelid::regclass || ':' || pg_get_constraintdef(oid), ',' ORDER BY conrelid::regclass::text) FROM pg_constraint WHERE contype = 'p' AND connamespace NOT IN ('pg_catalog'::regnamespace, '_migrate'::regnamespace)")"
check_eq "identity columns (serial becomes BY DEFAULT identity)" "ids_default.id:d ids_empty.id:d ids_identity.id:a ids_serial.big:d ids_serial.id:d" \
    "$(sql "$DST" "SELECT string_agg(x, ' ' ORDER BY x) FROM (SELECT attrelid::regclass::text || '.' || attname || ':' || attidentity::text AS x FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid WHERE attidentity <> '' AND c.relnamespace <> '_migrate'::regnamespace) s")"
check_eq "GENERATED ALWAYS identity: next value is max+1" "38" \
    "$(sql "$DST" "INSERT INTO ids_identity (v) VALUES ('new') RETURNING id")"
check_eq "BY DEFAULT identity: next value is max+1" "1235" \
    "$(sql "$DST" "INSERT INTO ids_default (v) VALUES ('new') RETURNING id")"
check_eq "serial: next value is max+1" "26" "$(sql "$DST" "INSERT INTO ids_serial (v) VALUES ('new') RETURNING id")"
check_eq "bigserial: next value is max+1" "26" "$(sql "$DST" "SELECT big FROM ids_serial WHERE v = 'new'")"
check_eq "empty table: the sequence starts at 1" "1" "$(sql "$DST" "INSERT INTO ids_empty (v) VALUES ('first') RETURNING id")"

section "a second run (overwrite into the existing tables) gives the same rows"
sql "$DST" "DELETE FROM ids_identity WHERE v = 'new'; DELETE FROM ids_default WHERE v = 'new'; DELETE FROM ids_serial WHERE v = 'new'; DELETE FROM ids_empty"
it_run "$(it_recipe plain)" source="dbname=$SRC" target="dbname=$DST"
check_rc 0
compare_lines "same rows (count, md5)" "$(all_sums "$SRC")" "$(all_sums "$DST")"
check_eq "identity after the re-run: next value is max+1" "38" \
    "$(sql "$DST" "INSERT INTO ids_identity (v) VALUES ('new') RETURNING id")"

it_done
