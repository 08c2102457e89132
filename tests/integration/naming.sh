#!/usr/bin/env bash
# naming.sh - naming rules (replace, snake_case, prefix, suffix, template,
# gsub, lower), an explicit target name, a target_schema template, column
# rename/drop/add/cast and per-table column naming, and a filter whose
# ${params} come from the command line.  Asserts the target tables and
# columns (names and types) and that the rows are exactly the filtered
# source rows.
source "$(dirname "$0")/lib/common.sh"
it_init naming

it_createdb SRC src
it_createdb DST dst

section "source: CamelCase legacy tables"
sql "$SRC" <<'SQL'
CREATE SCHEMA legacy;
CREATE TABLE legacy."tbl_OrderItems" (
  "OrderID" int PRIMARY KEY, "ItemID" int NOT NULL, "ProductName" text,
  "InternalNote" text, "CreatedAt" date, "Qty" int);
INSERT INTO legacy."tbl_OrderItems"
  SELECT g, 1000 + g, 'product ' || g, 'secret ' || g, date '2023-12-01' + g, g % 10
  FROM generate_series(1, 200) g;
CREATE TABLE legacy."CustomerAccounts" ("AccountId" int PRIMARY KEY, "DisplayName" text, "eMail" text);
INSERT INTO legacy."CustomerAccounts"
  SELECT g, 'Name ' || g, 'u' || g || '@example.com' FROM generate_series(1, 50) g;
CREATE TABLE legacy.scratch_tmp (id int);
INSERT INTO legacy.scratch_tmp VALUES (1);
CREATE TABLE public.not_selected (id int);
SQL
pass "source created"

user_tables() {
    sql "$1" "SELECT coalesce(string_agg(schemaname || '.' || tablename, ' ' ORDER BY schemaname, tablename), '') FROM pg_tables
              WHERE schemaname NOT IN ('pg_catalog', 'information_schema') AND schemaname NOT LIKE '\_migrate%'"
}

# The source rows the recipe should select, as the target columns.
orders_expected="SELECT \"OrderID\", \"ItemID\", \"ProductName\", \"CreatedAt\", \"Qty\", 'legacy'::text, (\"Qty\" * 2)::bigint
  FROM legacy.\"tbl_OrderItems\" WHERE \"CreatedAt\" >= DATE '2024-03-01' AND \"Qty\" >= 5"
orders_target="SELECT order_id, item_key, product_name, created_at, qty, migrated_from, qty_x2 FROM apac_legacy.x_order_items_v1"

section "recipes/naming.lua with since=2024-03-01 min_qty=5 region=apac"
it_run "$(it_recipe naming)" source="dbname=$SRC" target="dbname=$DST" since=2024-03-01 min_qty=5 region=apac
check_rc 0
check_status legacy.tbl_OrderItems succeeded
check_status legacy.CustomerAccounts succeeded
check_match out '^legacy\.tbl_OrderItems +apac_legacy\.x_order_items_v1 +55 ' "report: source -> target, 55 rows"
check_match out '^legacy\.CustomerAccounts +apac_legacy\.clients +50 ' "report: explicit target name, 50 rows"
check_eq "target tables (no *_tmp, nothing outside legacy.*)" \
    "apac_legacy.clients apac_legacy.x_order_items_v1" "$(user_tables "$DST")"
check_eq "columns: snake_case, rename ItemID -> item_key, InternalNote dropped, two added" \
    "order_id integer, item_key integer, product_name text, created_at date, qty integer, migrated_from text, qty_x2 bigint" \
    "$(columns "$DST" apac_legacy x_order_items_v1)"
check_eq "columns: per-table column_naming (snake_case + prefix) and cast AccountId to bigint" \
    "c_account_id bigint, c_display_name text, c_e_mail text" "$(columns "$DST" apac_legacy clients)"
check_eq "filter: rows with CreatedAt >= 2024-03-01 and Qty >= 5" "55 2024-03-05 5" \
    "$(sql "$DST" "SELECT count(*) || ' ' || min(created_at) || ' ' || min(qty) FROM apac_legacy.x_order_items_v1")"
check_eq "filtered rows equal the source query (md5)" \
    "$(sql "$SRC" "SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) FROM ($orders_expected) t")" \
    "$(sql "$DST" "SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) FROM ($orders_target) t")"
check_eq "dropped column's data did not travel" "0" \
    "$(sql "$DST" "SELECT count(*) FROM apac_legacy.x_order_items_v1 t WHERE t::text LIKE '%secret%'")"
check_eq "cast table: same rows" \
    "$(sql "$SRC" "SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) FROM (SELECT \"AccountId\"::bigint, \"DisplayName\", \"eMail\" FROM legacy.\"CustomerAccounts\") t")" \
    "$(sql "$DST" "SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) FROM apac_legacy.clients t")"
check_eq "primary keys on the renamed columns" \
    "apac_legacy.clients:PRIMARY KEY (c_account_id) apac_legacy.x_order_items_v1:PRIMARY KEY (order_id)" \
    "$(sql "$DST" "SELECT string_agg(conrelid::regclass::text || ':' || pg_get_constraintdef(oid), ' ' ORDER BY conrelid::regclass::text) FROM pg_constraint WHERE contype = 'p' AND connamespace NOT IN ('pg_catalog'::regnamespace, '_migrate'::regnamespace)")"

section "recipes/naming.lua with the default params (since=2000-01-01, min_qty=0, region=eu)"
it_run "$(it_recipe naming)" source="dbname=$SRC" target="dbname=$DST"
check_rc 0
check_match out '^legacy\.tbl_OrderItems +eu_legacy\.x_order_items_v1 +200 ' "report: all 200 rows into eu_legacy"
check_count "$DST" eu_legacy.x_order_items_v1 200
check_count "$DST" eu_legacy.clients 50

section "a parameter of the wrong type (min_qty=lots) is a recipe error"
it_run "$(it_recipe naming)" source="dbname=$SRC" target="dbname=$DST" min_qty=lots
check_rc 3
check_output err "min_qty"

section "recipes/naming_template.lua: template(\"\${source_type}2\${target_type}_\${table}\"), gsub, column template"
it_run "$(it_recipe naming_template)" source="dbname=$SRC" target="dbname=$DST"
check_rc 0
check_match out '^legacy\.CustomerAccounts +staging\.pg2pg_customeraccounts +50 ' "report: staging.pg2pg_customeraccounts"
check_match out '^legacy\.tbl_OrderItems +staging\.pg2pg_tbl_orderitems +200 ' "report: staging.pg2pg_tbl_orderitems"
check_eq "columns from the template \${table}_\${column}, lowered" \
    "customeraccounts_accountid integer, customeraccounts_displayname text, customeraccounts_email text" \
    "$(columns "$DST" staging pg2pg_customeraccounts)"
check_eq "columns of the second table" \
    "tbl_orderitems_orderid integer, tbl_orderitems_itemid integer, tbl_orderitems_productname text, tbl_orderitems_internalnote text, tbl_orderitems_createdat date, tbl_orderitems_qty integer" \
    "$(columns "$DST" staging pg2pg_tbl_orderitems)"
check_same_rows "$SRC" 'legacy."CustomerAccounts"' "$DST" staging.pg2pg_customeraccounts t::text
check_same_rows "$SRC" 'legacy."tbl_OrderItems"' "$DST" staging.pg2pg_tbl_orderitems t::text
check_eq "the source is untouched" "legacy.CustomerAccounts legacy.scratch_tmp legacy.tbl_OrderItems public.not_selected" \
    "$(user_tables "$SRC")"

it_done
