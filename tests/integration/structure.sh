#!/usr/bin/env bash
# structure.sh - what travels with the rows when the run creates the
# tables: primary keys, unique constraints, expression and partial
# indexes, defaults, NOT NULL, stored generated columns, foreign keys
# (added after all the data), a partitioned table (its rows, once) and
# views (not copied by a glob).
source "$(dirname "$0")/lib/common.sh"
it_init structure

it_createdb SRC src
it_createdb DST dst

section "source"
sql "$SRC" <<'SQL'
CREATE TABLE parent (id int PRIMARY KEY, name text UNIQUE, code text);
CREATE TABLE child (
  id int PRIMARY KEY,
  parent_id int REFERENCES parent (id) ON DELETE CASCADE,
  note text NOT NULL DEFAULT 'n/a',
  amount numeric(10,2) DEFAULT 0,
  doubled int GENERATED ALWAYS AS (id * 2) STORED
);
CREATE INDEX child_note_lower ON child (lower(note)) WHERE note <> '';
CREATE UNIQUE INDEX parent_code ON parent (code DESC NULLS LAST);
INSERT INTO parent SELECT g, 'p' || g, 'c' || g FROM generate_series(1, 10) g;
INSERT INTO child (id, parent_id, note) SELECT g, g % 10 + 1, 'c' || g FROM generate_series(1, 30) g;
CREATE TABLE meas (id int, at date, v int, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
CREATE TABLE meas_2023 PARTITION OF meas FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
CREATE TABLE meas_2024 PARTITION OF meas FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
INSERT INTO meas SELECT g, date '2023-06-01' + g, g FROM generate_series(1, 300) g;
CREATE VIEW child_view AS SELECT * FROM child WHERE id < 5;
SQL
pass "source created"

it_run "$(it_recipe plain)" source="dbname=$SRC" target="dbname=$DST"
check_rc 0
for t in parent child meas; do check_status "public.$t" succeeded; done
check_output out "3 tables" "partitions and views are not separate tasks"

section "rows"
check_same_rows "$SRC" parent "$DST" parent id
check_same_rows "$SRC" child "$DST" child id
check_same_rows "$SRC" meas "$DST" meas "id, at"
check_eq "partitions are not copied as tables of their own" "f f" \
    "$(table_exists "$DST" public meas_2023) $(table_exists "$DST" public meas_2024)"
check_eq "views are not copied" f "$(table_exists "$DST" public child_view)"

section "definitions"
constraints() {
    sql "$1" "SELECT string_agg(conrelid::regclass::text || ' ' || contype::text || ' ' || pg_get_constraintdef(oid), E'\n'
                                ORDER BY conrelid::regclass::text, contype, pg_get_constraintdef(oid))
              FROM pg_constraint WHERE connamespace = 'public'::regnamespace"
}
check_eq "constraints (primary keys, unique, foreign key with ON DELETE)" \
    "$(constraints "$SRC" | grep -v "^meas_20")" "$(constraints "$DST")"
indexes() {
    sql "$1" "SELECT string_agg(regexp_replace(pg_get_indexdef(indexrelid), 'INDEX \S+ ON', 'INDEX ON'), E'\n'
                                ORDER BY indrelid::regclass::text, pg_get_indexdef(indexrelid))
              FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
              WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
                AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)"
}
check_eq "indexes (expression, partial, DESC NULLS LAST)" \
    "$(indexes "$SRC" | grep -v meas_20)" "$(indexes "$DST")"
check_eq "defaults, NOT NULL and the generated column of child" \
    "$(sql "$SRC" "SELECT string_agg(column_name || ' ' || is_nullable || ' ' || coalesce(column_default, '-') || ' ' || is_generated || ' ' || coalesce(generation_expression, '-'), ', ' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_name = 'child'")" \
    "$(sql "$DST" "SELECT string_agg(column_name || ' ' || is_nullable || ' ' || coalesce(column_default, '-') || ' ' || is_generated || ' ' || coalesce(generation_expression, '-'), ', ' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_name = 'child'")"
check_eq "ON DELETE CASCADE works on the target" "0" \
    "$(sql "$DST" "DELETE FROM parent WHERE id = 1; SELECT count(*) FROM child WHERE parent_id = 1")"
"${PSQL[@]}" -d "$DST" -c "INSERT INTO child (id, parent_id) VALUES (1000, 999)" >"$IT_TMP/fk.out" 2>&1 &&
    fail "a child row without a parent was accepted"
grep -q "violates foreign key constraint" "$IT_TMP/fk.out" || fail "expected a foreign key violation: $(cat "$IT_TMP/fk.out")"
pass "the foreign key refuses an orphan row"

it_done
