#!/usr/bin/env bash
# upsert.sh - load policies into a pre-filled target.  The target holds
# half the source keys with stale values plus a row the source does not
# have; then:
#   upsert/update: stale rows updated, new rows inserted, target-only row kept
#   upsert/skip:   stale rows stay, new rows inserted
#   upsert/error:  the table fails with SQLSTATE 23505, exit 1, the target
#                  is unchanged (rolled back)
#   append:        duplicate keys fail the same way; without duplicates
#                  the rows are added
#   overwrite:     truncate then copy: the target equals the source
source "$(dirname "$0")/lib/common.sh"
it_init upsert

it_createdb SRC src
it_createdb DST dst

section "source: items (primary key id), codes (no primary key, unique code)"
sql "$SRC" <<'SQL'
CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL, price numeric(10,2), tags text[]);
INSERT INTO items SELECT g, 'item ' || g, g * 1.25, ARRAY['t' || g] FROM generate_series(1, 100) g;
CREATE TABLE codes (code text NOT NULL, label text);
INSERT INTO codes SELECT 'C' || g, 'label ' || g FROM generate_series(1, 20) g;
SQL
pass "source created"

# A target with keys 1..50 (items) and C1..C10 (codes) holding stale
# values, plus one row only the target has.
prefill() {
    sql "$DST" <<'SQL'
DROP TABLE IF EXISTS items, codes;
CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL, price numeric(10,2), tags text[]);
INSERT INTO items SELECT g, 'stale ' || g, -1, '{stale}' FROM generate_series(1, 50) g;
INSERT INTO items VALUES (1000, 'target only', 0, '{mine}');
CREATE TABLE codes (code text NOT NULL, label text);
CREATE UNIQUE INDEX codes_code ON codes (code);
INSERT INTO codes SELECT 'C' || g, 'stale' FROM generate_series(1, 10) g;
INSERT INTO codes VALUES ('MINE', 'target only');
SQL
}

sum_items() { table_sum "$DST" items id; }
sum_codes() { table_sum "$DST" codes code; }
src_items() { sql "$SRC" "SELECT md5(string_agg(t::text, '|' ORDER BY id)) FROM items t WHERE $1"; }
dst_items() { sql "$DST" "SELECT md5(string_agg(t::text, '|' ORDER BY id)) FROM items t WHERE $1"; }

section "upsert, conflict = update"
prefill
it_run "$(it_recipe load)" source="dbname=$SRC" target="dbname=$DST" policy=upsert conflict=update
check_rc 0
check_status public.items succeeded "50 inserted, 50 updated, 0 unchanged"
check_status public.codes succeeded "10 inserted, 10 updated, 0 unchanged"
check_count "$DST" items 101
check_eq "items 1..100 now equal the source" "$(src_items "id <= 100")" "$(dst_items "id <= 100")"
check_eq "no stale row left" "0" "$(sql "$DST" "SELECT count(*) FROM items WHERE name LIKE 'stale%'")"
check_eq "target-only row untouched" "1000|target only|0.00|{mine}" "$(sql "$DST" "SELECT * FROM items WHERE id = 1000")"
check_eq "codes: updated, inserted, target-only kept" "21 label 1 target only" \
    "$(sql "$DST" "SELECT count(*) || ' ' || max(label) FILTER (WHERE code = 'C1') || ' ' || max(label) FILTER (WHERE code = 'MINE') FROM codes")"

section "upsert again: nothing changes (idempotent)"
before=$(sum_items)
it_run "$(it_recipe load)" source="dbname=$SRC" target="dbname=$DST" policy=upsert conflict=update
check_rc 0
check_status public.items succeeded "0 inserted, 0 updated, 100 unchanged"
check_eq "items unchanged by the second upsert" "$before" "$(sum_items)"

section "upsert, conflict = skip"
prefill
it_run "$(it_recipe load)" source="dbname=$SRC" target="dbname=$DST" policy=upsert conflict=skip
check_rc 0
check_status public.items succeeded "50 inserted, 0 updated, 50 unchanged"
check_count "$DST" items 101
check_eq "stale rows 1..50 stay stale" "50" "$(sql "$DST" "SELECT count(*) FROM items WHERE id <= 50 AND name = 'stale ' || id AND price = -1")"
check_eq "new rows 51..100 equal the source" "$(src_items "id BETWEEN 51 AND 100")" "$(dst_items "id BETWEEN 51 AND 100")"
check_eq "target-only row untouched" "1000|target only|0.00|{mine}" "$(sql "$DST" "SELECT * FROM items WHERE id = 1000")"
check_eq "codes: stale kept, new inserted" "21 stale label 20" \
    "$(sql "$DST" "SELECT count(*) || ' ' || max(label) FILTER (WHERE code = 'C1') || ' ' || max(label) FILTER (WHERE code = 'C20') FROM codes")"

section "upsert, conflict = error: the table fails with 23505 and is rolled back"
prefill
before_items=$(sum_items)
before_codes=$(sum_codes)
it_run "$(it_recipe load)" source="dbname=$SRC" target="dbname=$DST" policy=upsert conflict=error
check_rc 1
check_status public.items failed "23505"
check_status public.codes failed "23505"
check_output out "target" "the remark names the side"
check_output err "23505" "the log"
check_eq "items unchanged (rolled back)" "$before_items" "$(sum_items)"
check_eq "codes unchanged (rolled back)" "$before_codes" "$(sum_codes)"

section "upsert, conflict = error, no duplicate: the rows are inserted"
sql "$DST" "DELETE FROM items WHERE id <= 100"
it_run "$(it_recipe load)" source="dbname=$SRC" target="dbname=$DST" policy=upsert conflict=error tables=public.items
check_rc 0
check_status public.items succeeded "100 inserted, 0 updated"
check_count "$DST" items 101

section "append into a table with duplicate keys: fails cleanly, rolled back"
prefill
before_items=$(sum_items)
it_run "$(it_recipe load)" source="dbname=$SRC" target="dbname=$DST" policy=append tables=public.items --max-rejects 0
check_rc 1
check_status public.items failed "23505"
check_eq "items unchanged (rolled back)" "$before_items" "$(sum_items)"

section "append without duplicates: rows added, existing rows kept"
sql "$DST" "DELETE FROM items WHERE id <= 100"
it_run "$(it_recipe load)" source="dbname=$SRC" target="dbname=$DST" policy=append tables=public.items
check_rc 0
check_status public.items succeeded
check_report_rows public.items 100
check_count "$DST" items 101
check_eq "appended rows equal the source" "$(src_items "true")" "$(dst_items "id <= 100")"
check_eq "existing row kept" "1000|target only|0.00|{mine}" "$(sql "$DST" "SELECT * FROM items WHERE id = 1000")"

section "overwrite: truncate, then copy"
prefill
it_run "$(it_recipe load)" source="dbname=$SRC" target="dbname=$DST" policy=overwrite
check_rc 0
check_status public.items succeeded
check_status public.codes succeeded
check_same_rows "$SRC" items "$DST" items id
check_same_rows "$SRC" codes "$DST" codes code
check_eq "the target's own index survives the truncate" "codes_code" \
    "$(sql "$DST" "SELECT string_agg(indexname, ' ') FROM pg_indexes WHERE tablename = 'codes'")"

section "upsert into a table the run creates: all rows inserted, key created"
sql "$DST" "DROP TABLE items, codes"
it_run "$(it_recipe load)" source="dbname=$SRC" target="dbname=$DST" policy=upsert conflict=update tables=public.items
check_rc 0
check_status public.items succeeded "100 inserted, 0 updated, 0 unchanged"
check_same_rows "$SRC" items "$DST" items id
check_eq "primary key on the created table" "PRIMARY KEY (id)" \
    "$(sql "$DST" "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'items'::regclass AND contype = 'p'")"

it_done
