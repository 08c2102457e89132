#!/usr/bin/env bash
# hostile.sh - identifiers that break naive SQL building: double and single
# quotes, semicolons, "--", spaces, mixed case, unicode, names of 63 bytes
# and longer.  With quote_names = true the rows arrive under the exact
# names, and no injected statement runs (a canary table survives on both
# sides).  A prefix that pushes a name past 63 bytes truncates it at a
# UTF-8 boundary; two names that collide after truncation fail the run
# (exit 3) naming both sources.  Without quote_names, hostile names are
# refused with a message that says quote_names = true allows them.  Filter
# values from the command line are SQL literals, never SQL.
source "$(dirname "$0")/lib/common.sh"
it_init hostile

it_createdb SRC src
it_createdb DST dst

# 31 two-byte characters + "x" = 63 bytes: the longest name PostgreSQL keeps.
U30=$(printf 'ü%.0s' $(seq 30))
LONG63="${U30}üx"
# Two 62-byte names that differ only in their last character.
TWIN_A="${U30}_a"
TWIN_B="${U30}_b"

section "source: hostile schema, table and column names; a canary on both sides"
sql "$SRC" <<SQL
CREATE TABLE public.canary (id int);
INSERT INTO public.canary VALUES (1);
CREATE SCHEMA hostile;
CREATE TABLE hostile."x""; DROP TABLE canary; --" (
  id int PRIMARY KEY,
  "col ""quoted""" text,
  "semi;colon" text,
  "it's" text,
  "dash--dash" int,
  "MixedCase" text,
  "ünïcödé 列 😀" text,
  "); DROP TABLE canary; --" text
);
INSERT INTO hostile."x""; DROP TABLE canary; --" VALUES
  (1, 'a"b', 'c;d', 'e''f', 1, 'MiXeD', '日本', 'x'),
  (2, NULL, '; DROP TABLE canary; --', '''); DROP TABLE canary; --', 2, 'mixed', '😀', NULL);
CREATE TABLE hostile."it's a ""table""; --comment" (id int PRIMARY KEY, v text);
INSERT INTO hostile."it's a ""table""; --comment" SELECT g, 'v' || g FROM generate_series(1, 10) g;
CREATE TABLE hostile."MixedCase Table" ("ID" int PRIMARY KEY, "Value" text);
INSERT INTO hostile."MixedCase Table" VALUES (1, 'one'), (2, 'two');
CREATE TABLE hostile."$LONG63" ("${U30}üc" int PRIMARY KEY);
INSERT INTO hostile."$LONG63" SELECT generate_series(1, 5);
CREATE SCHEMA "we""ird; schema --";
CREATE TABLE "we""ird; schema --"."tab;le" (id int PRIMARY KEY, v text);
INSERT INTO "we""ird; schema --"."tab;le" VALUES (1, 'in a hostile schema');
CREATE TABLE hostile.plain_table (id int PRIMARY KEY, "Bad Col" text);
CREATE SCHEMA twins;
CREATE TABLE twins."$TWIN_A" (id int);
CREATE TABLE twins."$TWIN_B" (id int);
CREATE TABLE public.labels (id int PRIMARY KEY, label text);
INSERT INTO public.labels VALUES (1, 'none'), (2, 'a'), (3, 'x'' OR ''1''=''1');
SQL
sql "$DST" "CREATE TABLE public.canary (id int); INSERT INTO public.canary VALUES (1);"
check_eq "a 70-byte name is truncated by PostgreSQL at creation" "63" \
    "$(sql "$SRC" "CREATE TABLE twins.\"$(printf 'n%.0s' $(seq 70))\" (id int); SELECT max(octet_length(relname)) FROM pg_class WHERE relname LIKE 'nnn%'")"

canaries() {
    echo "$(sql "$SRC" "SELECT count(*) FROM public.canary") $(sql "$DST" "SELECT count(*) FROM public.canary")"
}

section "quote_names = true: every hostile table arrives under its exact name"
it_run "$(it_recipe hostile)" source="dbname=$SRC" target="dbname=$DST"
check_rc 0
check_status 'hostile.x"; DROP TABLE canary; --' succeeded
check_status "hostile.it's a \"table\"; --comment" succeeded
check_status "hostile.MixedCase Table" succeeded
check_status "hostile.$LONG63" succeeded
check_eq "the canary table survives on source and target" "1 1" "$(canaries)"
check_eq 'table x"; DROP TABLE canary; -- exists on the target' t "$(table_exists "$DST" hostile 'x"; DROP TABLE canary; --')"
check_eq "table it's a \"table\"; --comment exists" t "$(table_exists "$DST" hostile "it's a \"table\"; --comment")"
check_eq "table \"MixedCase Table\" keeps its case" t "$(table_exists "$DST" hostile "MixedCase Table")"
check_eq "the 63-byte unicode name is kept whole" t "$(table_exists "$DST" hostile "$LONG63")"
check_eq "hostile column names, exactly" \
    "$(columns "$SRC" hostile 'x"; DROP TABLE canary; --')" "$(columns "$DST" hostile 'x"; DROP TABLE canary; --')"
check_eq "column names, spelled out" \
    'id integer, col "quoted" text, semi;colon text, it'"'"'s text, dash--dash integer, MixedCase text, ünïcödé 列 😀 text, ); DROP TABLE canary; -- text' \
    "$(columns "$DST" hostile 'x"; DROP TABLE canary; --')"
check_same_rows "$SRC" 'hostile."x""; DROP TABLE canary; --"' "$DST" 'hostile."x""; DROP TABLE canary; --"' id
check_same_rows "$SRC" "hostile.\"it's a \"\"table\"\"; --comment\"" "$DST" "hostile.\"it's a \"\"table\"\"; --comment\"" id
check_same_rows "$SRC" 'hostile."MixedCase Table"' "$DST" 'hostile."MixedCase Table"' '"ID"'
check_same_rows "$SRC" "hostile.\"$LONG63\"" "$DST" "hostile.\"$LONG63\"" "t::text"
check_eq "primary key on the hostile column name" "PRIMARY KEY (\"ID\")" \
    "$(sql "$DST" "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'hostile.\"MixedCase Table\"'::regclass AND contype = 'p'")"

section "upsert on hostile names (staging table, ON CONFLICT on a hostile key)"
sql "$DST" "UPDATE hostile.\"MixedCase Table\" SET \"Value\" = 'stale'; DELETE FROM hostile.\"x\"\"; DROP TABLE canary; --\" WHERE id = 2;"
it_run "$(it_recipe hostile)" source="dbname=$SRC" target="dbname=$DST" policy=upsert
check_rc 0
check_status "hostile.MixedCase Table" succeeded "0 inserted, 2 updated"
check_status 'hostile.x"; DROP TABLE canary; --' succeeded "1 inserted, 0 updated, 1 unchanged"
check_same_rows "$SRC" 'hostile."MixedCase Table"' "$DST" 'hostile."MixedCase Table"' '"ID"'
check_same_rows "$SRC" 'hostile."x""; DROP TABLE canary; --"' "$DST" 'hostile."x""; DROP TABLE canary; --"' id
check_eq "the canary table survives" "1 1" "$(canaries)"

section "a hostile schema name"
it_run "$(it_recipe hostile)" source="dbname=$SRC" target="dbname=$DST" 'tables=we"ird; schema --.*'
check_rc 0
check_status 'we"ird; schema --.tab;le' succeeded
check_eq "schema and table exist on the target" t "$(table_exists "$DST" 'we"ird; schema --' 'tab;le')"
check_same_rows "$SRC" '"we""ird; schema --"."tab;le"' "$DST" '"we""ird; schema --"."tab;le"' id
check_eq "the canary table survives" "1 1" "$(canaries)"

section "prefix pushes a 63-byte name over the limit: truncated at a UTF-8 boundary"
it_run "$(it_recipe hostile)" source="dbname=$SRC" target="dbname=$DST" "tables=hostile.$LONG63" prefix=p_
check_rc 0
check_status "hostile.$LONG63" succeeded
# "p_" + 31 x "ü" + "x" = 65 bytes; 63 bytes would split the 31st "ü".
check_eq "target name: p_ + 30 x ü (62 bytes, whole characters)" t "$(table_exists "$DST" hostile "p_$U30")"
check_output out "hostile.p_$U30" "the report shows the truncated name"
check_output err "truncated" "a warning about the truncation"
check_eq "the truncated table has the rows" 5 "$(sql "$DST" "SELECT count(*) FROM hostile.\"p_$U30\"")"
check_eq "its 63-byte column name is kept" "${U30}üc integer" "$(columns "$DST" hostile "p_$U30")"

section "two names that collide after truncation: exit 3, both sources named"
sql "$DST" "CREATE SCHEMA twins"
it_run "$(it_recipe hostile)" source="dbname=$SRC" target="dbname=$DST" "tables=twins.ü*" prefix=p_
check_rc 3
check_output err "twins.$TWIN_A" "the error names the first source"
check_output err "twins.$TWIN_B" "the error names the second source"
check_output err "collision"
check_eq "nothing was created in twins" 0 "$(sql "$DST" "SELECT count(*) FROM pg_tables WHERE schemaname = 'twins'")"

section "quote_names = false refuses hostile names and says how to allow them"
it_run "$(it_recipe hostile)" source="dbname=$SRC" target="dbname=$DST" "tables=hostile.MixedCase*" quote=false
check_rc 3
check_output err "MixedCase Table"
check_output err "quote_names = true"
check_no_output out "succeeded" "no table was copied"
sql "$DST" "DROP TABLE hostile.plain_table"
it_run "$(it_recipe hostile)" source="dbname=$SRC" target="dbname=$DST" "tables=hostile.plain_table" quote=false
check_rc 3
check_output err "Bad Col" "a hostile column name is refused too"
check_output err "quote_names = true"
check_eq "plain_table was not created" f "$(table_exists "$DST" hostile plain_table)"

section "filter values from the command line are literals, never SQL"
it_run "$(it_recipe hostile)" source="dbname=$SRC" target="dbname=$DST" tables=public.labels "label=x' OR '1'='1"
check_rc 0
check_eq "only the row whose label is the whole string" "3" "$(sql "$DST" "SELECT string_agg(id::text, ',') FROM labels")"
it_run "$(it_recipe hostile)" source="dbname=$SRC" target="dbname=$DST" tables=public.labels "label='; DROP TABLE canary; --"
check_rc 0
check_count "$DST" labels 0
check_eq "the canary table survives" "1 1" "$(canaries)"

it_done
