-- demo_source.sql - the sample source database for the demo (and for tests
-- that want a realistic source).
--
--   psql -X -q -d shop -f scripts/demo_source.sql
--
-- Deterministic: every value is computed from generate_series counters (no
-- random()), so two loads give byte-identical tables. Re-runnable: drops the
-- schemas first. Loads in one transaction, then builds keys, indexes and
-- foreign keys after the rows are in (faster), then ANALYZE.
--
-- What is in it, to exercise a migration:
--   sales."tbl_Orders"        200,000  bigserial key, FK to customers, partial index
--   sales."tbl_OrderItems"  1,200,000  identity key, UNIQUE (order_id, line_no),
--                                      FKs to orders and across schemas to products
--   sales.customers            50,000  identity (by default) key, UNIQUE uuid,
--                                      the upsert table of the demo (key customer_id)
--   inventory."ProductCatalog" 20,000  identity (always) key, UNIQUE sku,
--                                      expression index on lower("ProductName")
--   inventory.stock_levels    100,000  composite primary key, CHECK, FK
--   crm."ContactNotes"         30,000  FK across schemas to sales.customers
-- Types: numeric (with NaN), timestamptz (with +/-infinity), date, jsonb,
-- bytea (with zero bytes, empty), int[] and text[] (with empty arrays and NULL
-- elements), uuid, boolean, unicode text (accents, CJK, emoji), text with
-- tabs, newlines, backslashes and quotes; NULLs in every nullable column.
\set ON_ERROR_STOP on
SET client_min_messages = warning;
SET maintenance_work_mem = '256MB';
SET synchronous_commit = off;
SET TIME ZONE 'UTC';

BEGIN;

DROP SCHEMA IF EXISTS crm CASCADE;
DROP SCHEMA IF EXISTS sales CASCADE;
DROP SCHEMA IF EXISTS inventory CASCADE;
CREATE SCHEMA sales;
CREATE SCHEMA inventory;
CREATE SCHEMA crm;

-- Small lookup arrays the generators index into (1-based, cycling).
CREATE TEMP TABLE words AS SELECT
    ARRAY['Zoë', 'José', 'François', 'Søren', 'Łukasz', 'Ангелина', '李雷',
          '韩梅梅', '山田太郎', '김민준', 'Müller', 'Ørsted', 'O''Brien',
          'Ñandú', 'Dvořák', 'Ætla', 'Γιώργος', 'محمد', 'Smith', 'Nguyễn']
        AS first_names,
    ARRAY['García', 'Schröder', 'Łęcki', '王', '佐藤', 'Björk', 'Nuñez',
          'Kowalski', 'D''Amico', 'van der Berg', 'Jäger', 'Ōtsuka', 'Lee']
        AS last_names,
    ARRAY['Chair', 'Table', 'Lampe', 'Étagère', '椅子', 'Tisch', 'Sofá',
          'Bücherregal', 'Kaffeemaschine', 'Mug ☕', 'Rocket 🚀', 'Fußmatte',
          'Crème brûlée torch', 'Smørrebrød board', '手机壳']
        AS products,
    ARRAY['red', 'green', 'blue', 'schwarz', '白', 'ロイヤルブルー', 'naranja']
        AS colors,
    ARRAY['pending', 'paid', 'shipped', 'delivered', 'cancelled', 'refunded']
        AS statuses,
    ARRAY['DE', 'FR', 'US', 'JP', 'CN', 'BR', 'PL', 'SE', 'KR', 'VN', 'GB']
        AS countries,
    ARRAY['call', 'email', 'meeting', 'complaint', 'note']
        AS note_kinds;

------------------------------------------------------------------------------
-- inventory."ProductCatalog"
------------------------------------------------------------------------------
CREATE TABLE inventory."ProductCatalog" (
    product_id      integer GENERATED ALWAYS AS IDENTITY,
    sku             text NOT NULL,
    "ProductName"   text NOT NULL,
    description     text,
    price           numeric(12,2) NOT NULL,
    weight_kg       numeric,                -- unconstrained, holds NaN
    tags            text[],
    attributes      jsonb,
    thumbnail       bytea,
    is_active       boolean NOT NULL DEFAULT true,
    created_at      timestamptz NOT NULL,
    discontinued_on date
);
COMMENT ON TABLE inventory."ProductCatalog" IS 'Products for sale — «catalog»';

INSERT INTO inventory."ProductCatalog" OVERRIDING SYSTEM VALUE
SELECT i,
       format('SKU-%s-%s', lpad(i::text, 6, '0'), upper(substr(md5(i::text), 1, 4))),
       w.products[1 + i % 15] || ' ' || w.colors[1 + i % 7] || ' #' || i,
       CASE WHEN i % 9 = 0 THEN NULL
            WHEN i % 9 = 1 THEN E'Line one\nLine two\twith tab'
            WHEN i % 9 = 2 THEN 'Has a \backslash\ and "quotes" and ''apostrophes'''
            WHEN i % 9 = 3 THEN ''
            ELSE 'Beschreibung für Produkt ' || i || ' — 説明 ✨' END,
       round((1 + (i * 37) % 99999) / 100.0, 2),
       CASE WHEN i % 250 = 0 THEN 'NaN'::numeric
            WHEN i % 11 = 0 THEN NULL
            ELSE ((i * 7919) % 100000) / 1000.0 END,
       CASE WHEN i % 13 = 0 THEN NULL
            WHEN i % 13 = 1 THEN '{}'::text[]
            WHEN i % 13 = 2 THEN ARRAY['a,b', 'quote"d', '{brace}', E'back\\slash', NULL, '']
            ELSE ARRAY[w.colors[1 + i % 7], 'tag' || (i % 50), '🏷️'] END,
       CASE WHEN i % 17 = 0 THEN NULL
            WHEN i % 17 = 1 THEN '{}'::jsonb
            ELSE jsonb_build_object(
                'color', w.colors[1 + i % 7],
                'dims', jsonb_build_array(i % 100, (i * 3) % 100, round(((i % 1000) / 7.0)::numeric, 3)),
                'fragile', i % 2 = 0,
                'supplier', CASE WHEN i % 5 = 0 THEN NULL ELSE 'Lieferant ' || (i % 40) END,
                'label', w.products[1 + i % 15],
                'big', 9007199254740993 + i) END,
       CASE WHEN i % 19 = 0 THEN NULL
            WHEN i % 19 = 1 THEN ''::bytea
            WHEN i % 19 = 2 THEN '\x00'::bytea
            ELSE decode(md5(i::text) || '0000' || md5((i + 1)::text) || '00ff', 'hex') END,
       i % 10 <> 0,
       timestamptz '2015-01-01 00:00:00+00' + (i * interval '3 hours 17 minutes 13 seconds'),
       CASE WHEN i % 10 = 0 THEN date '2024-01-01' + (i % 365) END
FROM generate_series(1, 20000) AS i, words AS w;

------------------------------------------------------------------------------
-- inventory.stock_levels (composite primary key)
------------------------------------------------------------------------------
CREATE TABLE inventory.stock_levels (
    product_id      integer NOT NULL,
    warehouse_id    smallint NOT NULL,
    quantity        integer NOT NULL,
    reserved        integer,
    bin_locations   integer[],
    last_counted_at timestamptz,
    needs_recount   boolean
);

INSERT INTO inventory.stock_levels
SELECT p, wh,
       (p * 13 + wh * 101) % 5000,
       CASE WHEN (p + wh) % 7 = 0 THEN NULL ELSE (p + wh) % 50 END,
       CASE WHEN (p + wh) % 6 = 0 THEN NULL
            WHEN (p + wh) % 6 = 1 THEN '{}'::int[]
            WHEN (p + wh) % 6 = 2 THEN ARRAY[1, NULL, -3]
            ELSE ARRAY[wh * 1000 + p % 100, wh * 1000 + p % 37, -2147483648, 2147483647] END,
       CASE WHEN (p + wh) % 500 = 0 THEN 'infinity'::timestamptz
            WHEN (p + wh) % 500 = 1 THEN '-infinity'::timestamptz
            WHEN (p + wh) % 8 = 0 THEN NULL
            ELSE timestamptz '2024-06-01 08:00:00+00' - ((p * 5 + wh) * interval '1 minute 7.123456 seconds') END,
       CASE WHEN p % 3 = 0 THEN NULL ELSE (p + wh) % 2 = 0 END
FROM generate_series(0, 99999) AS k,
     LATERAL (SELECT k / 5 + 1 AS p, (k % 5 + 1)::int AS wh) AS x;  -- key order

------------------------------------------------------------------------------
-- sales.customers (the demo's upsert table, keyed on customer_id)
------------------------------------------------------------------------------
CREATE TABLE sales.customers (
    customer_id     bigint GENERATED BY DEFAULT AS IDENTITY,
    external_ref    uuid NOT NULL,
    full_name       text NOT NULL,
    email           text,
    country         char(2),
    birth_date      date,
    loyalty_points  integer NOT NULL DEFAULT 0,
    credit_limit    numeric(14,2),
    lifetime_value  numeric,                -- unconstrained, holds NaN
    preferences     jsonb,
    is_vip          boolean,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz
);

INSERT INTO sales.customers
SELECT c,
       md5('customer' || c)::uuid,
       w.first_names[1 + c % 20] || ' ' || w.last_names[1 + (c / 20) % 13],
       CASE WHEN c % 8 = 0 THEN NULL ELSE 'customer' || c || '@example.' || lower(w.countries[1 + c % 11]) END,
       CASE WHEN c % 23 = 0 THEN NULL ELSE w.countries[1 + c % 11] END,
       CASE WHEN c % 6 = 0 THEN NULL ELSE date '1940-01-01' + (c * 17) % 25000 END,
       (c * 31) % 10000,
       CASE WHEN c % 9 = 0 THEN NULL ELSE ((c * 7) % 1000000) / 100.0 END,
       CASE WHEN c % 1000 = 0 THEN 'NaN'::numeric
            WHEN c % 5 = 0 THEN NULL
            ELSE ((c::numeric * 104729) % 100000000) / 10000 END,
       CASE WHEN c % 7 = 0 THEN NULL
            ELSE jsonb_build_object(
                'newsletter', c % 3 = 0,
                'language', (ARRAY['de', 'fr', 'en', 'ja', 'zh'])[1 + c % 5],
                'channels', CASE WHEN c % 4 = 0 THEN '[]'::jsonb ELSE '["email", "sms"]'::jsonb END,
                'nickname', CASE WHEN c % 10 = 0 THEN 'null'::jsonb ELSE to_jsonb(w.first_names[1 + c % 20] || ' 😀') END) END,
       CASE WHEN c % 4 = 0 THEN NULL ELSE c % 50 = 1 END,
       timestamptz '2018-03-01 12:00:00+00' + (c * interval '51 minutes 3 seconds'),
       CASE WHEN c % 3 = 0 THEN NULL ELSE timestamptz '2023-01-01 00:00:00+00' + (c * interval '7 minutes 41.5 seconds') END
FROM generate_series(1, 50000) AS c, words AS w;

------------------------------------------------------------------------------
-- sales."tbl_Orders" (bigserial key)
------------------------------------------------------------------------------
CREATE TABLE sales."tbl_Orders" (
    order_id        bigserial,
    customer_id     bigint NOT NULL,
    "OrderDate"     date NOT NULL,
    status          text NOT NULL,
    total           numeric(14,2),
    shipped_at      timestamptz,
    ship_to         jsonb,
    coupon_codes    text[],
    tracking_id     uuid,
    notes           text
);

INSERT INTO sales."tbl_Orders"
SELECT o,
       1 + (o * 7) % 50000,
       date '2020-01-01' + o % 1500,
       w.statuses[1 + o % 6],
       CASE WHEN o % 97 = 0 THEN NULL ELSE ((o * 7919) % 5000000) / 100.0 END,
       CASE WHEN o % 6 IN (0, 4, 5) THEN NULL        -- pending, cancelled, refunded
            WHEN o % 1000 = 2 THEN 'infinity'::timestamptz
            ELSE timestamptz '2020-01-02 00:00:00+00' + (o % 1500) * interval '1 day' + (o % 86400) * interval '1 second' END,
       CASE WHEN o % 15 = 0 THEN NULL
            ELSE jsonb_build_object(
                'city', (ARRAY['München', 'Kraków', '東京', 'São Paulo', 'Zürich', 'New York', '서울'])[1 + o % 7],
                'zip', lpad((o % 99999)::text, 5, '0'),
                'line', 'Straße ' || (o % 300) || E'\n2. OG') END,
       CASE WHEN o % 5 = 0 THEN '{}'::text[]
            WHEN o % 5 = 1 THEN NULL
            ELSE ARRAY['SAVE' || (o % 30), 'WINTER-' || (2020 + o % 4)] END,
       CASE WHEN o % 6 IN (2, 3) THEN md5('track' || o)::uuid END,
       CASE WHEN o % 50 = 0 THEN E'Bitte an der Hintertür abgeben\r\n— danke! 🙏'
            WHEN o % 50 = 1 THEN 'Tab	inside, backslash \N is not null'
            WHEN o % 50 = 2 THEN '配達前に電話してください'
            END
FROM generate_series(1, 200000) AS o, words AS w;

------------------------------------------------------------------------------
-- sales."tbl_OrderItems" (the big one: 6 lines per order, 1,200,000 rows)
------------------------------------------------------------------------------
CREATE TABLE sales."tbl_OrderItems" (
    item_id         bigint GENERATED ALWAYS AS IDENTITY,
    order_id        bigint NOT NULL,
    line_no         smallint NOT NULL,
    product_id      integer NOT NULL,
    quantity        integer NOT NULL,
    unit_price      numeric(12,2) NOT NULL,
    discount        numeric(5,4),
    is_gift         boolean NOT NULL DEFAULT false,
    gift_message    text,
    serial_numbers  text[],
    options         jsonb,
    added_at        timestamptz NOT NULL
);

INSERT INTO sales."tbl_OrderItems" OVERRIDING SYSTEM VALUE
SELECT (o - 1) * 6 + l,
       o,
       l,
       1 + (o * 31 + l * 17) % 20000,
       1 + (o + l) % 9,
       round((1 + ((o * 31 + l * 17) % 20000 * 37) % 99999) / 100.0, 2),
       CASE WHEN (o + l) % 10 = 0 THEN NULL
            WHEN (o * l) % 5003 = 0 THEN 'NaN'::numeric
            ELSE ((o + l * 3) % 30) / 100.0 END,
       (o * l) % 40 = 0,
       CASE WHEN (o * l) % 40 = 0 THEN
            (ARRAY['Alles Gute! 🎂', '生日快乐', 'Joyeux anniversaire, Chloé', E'Happy\nholidays'])[1 + o % 4] END,
       CASE WHEN l = 6 THEN '{}'::text[]
            WHEN l = 5 THEN NULL
            ELSE ARRAY['SN' || lpad(((o * 6 + l) % 1000000)::text, 7, '0')] END,
       CASE WHEN (o + l) % 4 = 0 THEN NULL
            ELSE jsonb_build_object('size', (ARRAY['S', 'M', 'L', 'XL'])[1 + (o + l) % 4],
                                    'engraving', CASE WHEN l = 1 THEN 'für dich' END) END,
       timestamptz '2020-01-01 00:00:00+00' + (o % 1500) * interval '1 day' + l * interval '1 minute'
FROM generate_series(0, 1199999) AS k,
     LATERAL (SELECT k / 6 + 1 AS o, (k % 6 + 1)::int AS l) AS x;   -- key order

------------------------------------------------------------------------------
-- crm."ContactNotes" (FK across schemas)
------------------------------------------------------------------------------
CREATE TABLE crm."ContactNotes" (
    note_id         integer GENERATED ALWAYS AS IDENTITY,
    customer_id     bigint NOT NULL,
    "NoteKind"      text NOT NULL,
    "NoteText"      text,
    payload         jsonb,
    attachment      bytea,
    is_private      boolean,
    follow_up_on    date,
    created_at      timestamptz NOT NULL
);

INSERT INTO crm."ContactNotes" OVERRIDING SYSTEM VALUE
SELECT n,
       1 + (n * 13) % 50000,
       w.note_kinds[1 + n % 5],
       CASE WHEN n % 10 = 0 THEN NULL
            WHEN n % 10 = 1 THEN E'Kunde rief an:\n\t- möchte Rückruf\n\t- 返品希望 📦'
            WHEN n % 10 = 2 THEN 'C:\temp\new\file.txt — path with backslashes'
            WHEN n % 10 = 3 THEN repeat('Lorem ipsum dolor sit amet ', 1 + n % 40)
            ELSE 'Note ' || n || ' for ' || w.first_names[1 + n % 20] END,
       CASE WHEN n % 6 = 0 THEN NULL
            ELSE jsonb_build_object('score', (n % 11) - 5, 'ratio', (n % 1000) / 997.0,
                                    'tags', CASE WHEN n % 3 = 0 THEN '[]'::jsonb ELSE '["vip", "follow-up"]'::jsonb END,
                                    'meta', jsonb_build_object('agent', 'agent' || (n % 25), 'ok', NULL::text)) END,
       CASE WHEN n % 5 <> 0 THEN NULL
            WHEN n % 25 = 0 THEN '\x000000'::bytea
            ELSE decode(repeat(md5(n::text) || '00', 1 + n % 8), 'hex') END,
       CASE WHEN n % 3 = 0 THEN NULL ELSE n % 2 = 0 END,
       CASE WHEN n % 4 = 0 THEN date '2024-01-01' + n % 400 END,
       timestamptz '2021-01-01 00:00:00+00' + n * interval '17 minutes 31.25 seconds'
FROM generate_series(1, 30000) AS n, words AS w;

------------------------------------------------------------------------------
-- Keys, indexes, constraints, sequences: after the data, as pg_dump does.
------------------------------------------------------------------------------
ALTER TABLE inventory."ProductCatalog"
    ADD CONSTRAINT "ProductCatalog_pkey" PRIMARY KEY (product_id),
    ADD CONSTRAINT "ProductCatalog_sku_key" UNIQUE (sku);
CREATE INDEX "ProductCatalog_lower_name_idx"
    ON inventory."ProductCatalog" (lower("ProductName"));          -- expression index

ALTER TABLE inventory.stock_levels
    ADD CONSTRAINT stock_levels_pkey PRIMARY KEY (product_id, warehouse_id),   -- composite
    ADD CONSTRAINT stock_levels_quantity_check CHECK (quantity >= 0),
    ADD CONSTRAINT stock_levels_product_fkey FOREIGN KEY (product_id)
        REFERENCES inventory."ProductCatalog" (product_id);

ALTER TABLE sales.customers
    ADD CONSTRAINT customers_pkey PRIMARY KEY (customer_id),
    ADD CONSTRAINT customers_external_ref_key UNIQUE (external_ref);
CREATE INDEX customers_country_vip_idx
    ON sales.customers (country) WHERE is_vip;                      -- partial index

ALTER TABLE sales."tbl_Orders"
    ADD CONSTRAINT "tbl_Orders_pkey" PRIMARY KEY (order_id),
    ADD CONSTRAINT "tbl_Orders_customer_fkey" FOREIGN KEY (customer_id)
        REFERENCES sales.customers (customer_id);
CREATE INDEX "tbl_Orders_customer_id_idx" ON sales."tbl_Orders" (customer_id);
CREATE INDEX "tbl_Orders_pending_idx"
    ON sales."tbl_Orders" ("OrderDate") WHERE status = 'pending';   -- partial index

ALTER TABLE sales."tbl_OrderItems"
    ADD CONSTRAINT "tbl_OrderItems_pkey" PRIMARY KEY (item_id),
    ADD CONSTRAINT "tbl_OrderItems_order_line_key" UNIQUE (order_id, line_no),
    ADD CONSTRAINT "tbl_OrderItems_order_fkey" FOREIGN KEY (order_id)
        REFERENCES sales."tbl_Orders" (order_id) ON DELETE CASCADE,
    ADD CONSTRAINT "tbl_OrderItems_product_fkey" FOREIGN KEY (product_id)
        REFERENCES inventory."ProductCatalog" (product_id);   -- across schemas
CREATE INDEX "tbl_OrderItems_product_id_idx" ON sales."tbl_OrderItems" (product_id);

ALTER TABLE crm."ContactNotes"
    ADD CONSTRAINT "ContactNotes_pkey" PRIMARY KEY (note_id),
    ADD CONSTRAINT "ContactNotes_customer_fkey" FOREIGN KEY (customer_id)
        REFERENCES sales.customers (customer_id);                   -- across schemas

-- Explicit keys were inserted: move every sequence past them.
SELECT setval(pg_get_serial_sequence('inventory."ProductCatalog"', 'product_id'), 20000),
       setval(pg_get_serial_sequence('sales.customers', 'customer_id'), 50000),
       setval(pg_get_serial_sequence('sales."tbl_Orders"', 'order_id'), 200000),
       setval(pg_get_serial_sequence('sales."tbl_OrderItems"', 'item_id'), 1200000),
       setval(pg_get_serial_sequence('crm."ContactNotes"', 'note_id'), 30000)
\g /dev/null

DROP TABLE words;
COMMIT;

ANALYZE;
