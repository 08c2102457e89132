/*
 * test_pg_catalog.c - mg_pg_catalog against a real PostgreSQL.
 *
 * Creates its own database (mg_cat_<pid>) through dbname=postgres, builds a
 * schema with the shapes a migration meets (composite and cross-schema keys,
 * expression/partial/INCLUDE/gin indexes, identity, serial and generated
 * columns, arrays, a hostile table name, a partitioned table, a view, a
 * materialized view, a foreign table, a _migrate schema that must stay hidden) and asserts
 * every catalog kind row by row.  Drops the database at the end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "conn/pg.h"
#include "core/buf.h"

static const char schema_sql[] =
    "CREATE SCHEMA crm;"
    "CREATE SCHEMA sales;"
    "CREATE SCHEMA _migrate;"
    "CREATE TABLE _migrate.runs (id int PRIMARY KEY, note text);"
    "CREATE SEQUENCE _migrate.hidden_seq;"
    "CREATE TYPE crm.mood AS ENUM ('ok', 'bad');"
    "CREATE TABLE crm.customer ("
    "  region text NOT NULL,"
    "  cust_no int NOT NULL,"
    "  dropped int,"
    "  email text COLLATE \"C\","
    "  tags text[] DEFAULT '{}',"
    "  created_at timestamptz NOT NULL DEFAULT now(),"
    "  moods crm.mood[],"
    "  CONSTRAINT customer_pk PRIMARY KEY (region, cust_no),"
    "  CONSTRAINT customer_email_key UNIQUE (email));"
    "ALTER TABLE crm.customer DROP COLUMN dropped;"
    "COMMENT ON TABLE crm.customer IS 'Customers, by region';"
    "CREATE INDEX customer_lower_email ON crm.customer (lower(email), region);"
    "CREATE INDEX customer_recent ON crm.customer (created_at)"
    "  WHERE email IS NOT NULL;"
    "CREATE INDEX customer_region_incl ON crm.customer (region) INCLUDE (email);"
    "CREATE INDEX customer_tags ON crm.customer USING gin (tags);"
    "CREATE TABLE sales.\"order\" ("
    "  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    "  line serial,"
    "  region text,"
    "  cust_no int,"
    "  qty int NOT NULL DEFAULT 1,"
    "  price numeric(10,2),"
    "  total numeric GENERATED ALWAYS AS (qty * price) STORED,"
    "  CONSTRAINT order_customer_fk FOREIGN KEY (cust_no, region)"
    "    REFERENCES crm.customer (cust_no, region)"
    "    ON DELETE CASCADE ON UPDATE SET NULL DEFERRABLE INITIALLY DEFERRED);"
    "CREATE UNIQUE INDEX order_line_uidx ON sales.\"order\" (line);"
    "CREATE TABLE sales.\"we;ird \"\"Name\"\"\" ("
    "  id serial PRIMARY KEY,"
    "  \"a b\" int,"
    "  \"C;\" varchar(20) UNIQUE);"
    "CREATE TABLE sales.event (id int NOT NULL, at date NOT NULL,"
    "  PRIMARY KEY (id, at)) PARTITION BY RANGE (at);"
    "CREATE TABLE sales.event_2023 PARTITION OF sales.event"
    "  FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');"
    "CREATE TABLE sales.event_2024 PARTITION OF sales.event"
    "  FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');"
    "CREATE INDEX event_at ON sales.event (at);"
    "CREATE TABLE sales.event_note (event_id int, event_at date, note text,"
    "  CONSTRAINT event_note_event_fk FOREIGN KEY (event_id, event_at)"
    "    REFERENCES sales.event (id, at));"
    "CREATE VIEW sales.big_orders AS"
    "  SELECT id, qty FROM sales.\"order\" WHERE qty > 10;"
    "CREATE SEQUENCE sales.free_seq AS int START 100 INCREMENT 5;"
    "CREATE FOREIGN DATA WRAPPER mg_dummy_fdw;"
    "CREATE SERVER mg_dummy FOREIGN DATA WRAPPER mg_dummy_fdw;"
    "CREATE FOREIGN TABLE crm.remote_note (id int, body text)"
    "  SERVER mg_dummy;"
    "INSERT INTO crm.customer (region, cust_no)"
    "  SELECT 'eu', g FROM generate_series(1, 50) g;"
    "INSERT INTO sales.event"
    "  SELECT g, date '2023-06-01' + g FROM generate_series(1, 300) g;"
    "CREATE MATERIALIZED VIEW sales.region_totals AS"
    "  SELECT region, count(*) AS n FROM crm.customer GROUP BY region;"
    "ANALYZE crm.customer, sales.event, sales.region_totals;";

/* Row `row` of r as "v1|v2|..." over the comma-separated column names in
 * cols, NULL shown as NULL.  Unknown column names show as ?name?. */
static void render_row(const mg_result *r, size_t row, const char *cols,
                       mg_buf *out)
{
    mg_buf_reset(out);
    char name[64];
    const char *p = cols;
    for (int n = 0; *p; n++) {
        size_t len = strcspn(p, ",");
        snprintf(name, sizeof name, "%.*s", (int)len, p);
        p += len + (p[len] == ',');
        if (n > 0)
            mg_buf_append_str(out, "|");
        int col = mg_result_column(r, name);
        const char *v = mg_result_value(r, row, col);
        if (col < 0)
            mg_buf_printf(out, "?%s?", name);
        else
            mg_buf_append_str(out, v ? v : "NULL");
    }
}

/* "name:K,name:K" for every column, K one of T I F B. */
static void render_header(const mg_result *r, mg_buf *out)
{
    static const char kinds[] = "TIFB";
    mg_buf_reset(out);
    for (int i = 0; i < r->ncols; i++)
        mg_buf_printf(out, "%s%s:%c", i ? "," : "", r->colnames[i],
                      kinds[r->kinds[i]]);
}

/* Fetch `kind` for `schema` and assert its header and rows over cols. */
static void expect(mg_pg_conn *c, const char *kind, const char *schema,
                   const char *header, const char *cols,
                   const char *const *rows)
{
    mg_error err;
    mg_error_clear(&err);
    mg_result *r = NULL;
    int k = mg_pg_catalog_kind_parse(kind);
    bool ok = mg_pg_catalog(c, (mg_pg_catalog_kind)k, schema, &r, &err);
    CHECK(ok, "%s(%s): query runs%s%s", kind, schema ? schema : "NULL",
          ok ? "" : ": ", ok ? "" : err.msg);
    if (!ok)
        return;
    mg_buf b = MG_BUF_INIT;
    if (header != NULL) {
        render_header(r, &b);
        CHECK_STR(b.data, header, "%s: columns and kinds", kind);
    }
    size_t n = 0;
    while (rows[n] != NULL)
        n++;
    CHECK(r->nrows == n, "%s(%s): %zu rows (want %zu)", kind,
          schema ? schema : "NULL", r->nrows, n);
    for (size_t i = 0; i < r->nrows || i < n; i++) {
        if (i < r->nrows)
            render_row(r, i, cols, &b);
        CHECK_STR(i < r->nrows ? b.data : NULL, i < n ? rows[i] : NULL,
                  "%s(%s): row %zu", kind, schema ? schema : "NULL", i + 1);
    }
    mg_buf_free(&b);
    mg_result_free(r);
}

static void test_kind_parse(void)
{
    static const char *names[] = {"schemas", "tables", "columns",
                                  "primary_keys", "unique_constraints",
                                  "indexes", "foreign_keys", "sequences"};
    int ok = 1;
    for (int i = 0; i < 8; i++)
        ok &= mg_pg_catalog_kind_parse(names[i]) == i;
    CHECK(ok, "kind_parse: every kind name maps to its enum value");
    CHECK(mg_pg_catalog_kind_parse("SCHEMAS") == -1 &&
              mg_pg_catalog_kind_parse("table") == -1 &&
              mg_pg_catalog_kind_parse("") == -1 &&
              mg_pg_catalog_kind_parse(NULL) == -1,
          "kind_parse: unknown names are -1");
}

static void test_schemas(mg_pg_conn *c, const char *user)
{
    char crm[128], sales[128];
    snprintf(crm, sizeof crm, "crm|%s", user);
    snprintf(sales, sizeof sales, "sales|%s", user);
    const char *all[] = {crm, "public|pg_database_owner", sales, NULL};
    expect(c, "schemas", NULL, "schema_name:T,owner:T", "schema_name,owner",
           all);
    const char *s_only[] = {sales, NULL};
    expect(c, "schemas", "s%", NULL, "schema_name,owner", s_only);
    const char *none[] = {NULL};
    expect(c, "schemas", "_migrate", NULL, "schema_name", none);
    expect(c, "schemas", "pg_%", NULL, "schema_name", none);
    expect(c, "schemas", "information_schema", NULL, "schema_name", none);
    expect(c, "schemas", "nothing_like_this", NULL, "schema_name", none);
}

static void test_tables(mg_pg_conn *c)
{
    const char *rows[] = {
        "crm|customer|table|50|Customers, by region",
        "crm|remote_note|foreign|NULL|NULL",
        "sales|big_orders|view|NULL|NULL",
        "sales|event|partitioned|300|NULL",
        "sales|event_note|table|NULL|NULL",
        "sales|order|table|NULL|NULL",
        "sales|region_totals|matview|1|NULL",
        "sales|we;ird \"Name\"|table|NULL|NULL",
        NULL};
    expect(c, "tables", NULL,
           "schema_name:T,table_name:T,kind:T,rows:I,bytes:I,comment:T,"
           "qualified_name:T",
           "schema_name,table_name,kind,rows,comment", rows);
    /* qualified_name is spelled as pg_get_indexdef spells the table. */
    const char *quoted[] = {"sales.big_orders", "sales.event", "sales.event_note",
                            "sales.\"order\"", "sales.region_totals",
                            "sales.\"we;ird \"\"Name\"\"\"", NULL};
    expect(c, "tables", "sales", NULL, "qualified_name", quoted);
    const char *crm[] = {"crm|customer", "crm|remote_note", NULL};
    expect(c, "tables", "crm", NULL, "schema_name,table_name", crm);
    const char *none[] = {NULL};
    expect(c, "tables", "_migrate", NULL, "table_name", none);

    /* bytes: storage for tables (a partitioned table sums its partitions),
     * none for a view. */
    mg_result *r = NULL;
    mg_error err;
    if (!mg_pg_catalog(c, MG_PG_CAT_TABLES, NULL, &r, &err)) {
        CHECK(0, "tables: %s", err.msg);
        return;
    }
    int bytes = mg_result_column(r, "bytes");
    int name = mg_result_column(r, "table_name");
    int checked = 0;
    for (size_t i = 0; i < r->nrows; i++) {
        const char *t = mg_result_value(r, i, name);
        long long b = atoll(mg_result_value(r, i, bytes));
        if (strcmp(t, "big_orders") == 0) {
            CHECK(b == 0, "tables: a view has 0 bytes (%lld)", b);
            checked++;
        } else if (strcmp(t, "event") == 0 || strcmp(t, "customer") == 0) {
            CHECK(b >= 8192 * 2, "tables: %s has data and index bytes (%lld)",
                  t, b);
            checked++;
        }
    }
    CHECK(checked == 3, "tables: bytes checked for 3 tables");
    mg_result_free(r);
}

static void test_columns(mg_pg_conn *c)
{
    const char *rows[] = {
        "crm|customer|region|1|text|text|pg_catalog|-1|t|NULL|NULL|NULL|f|NULL",
        "crm|customer|cust_no|2|integer|int4|pg_catalog|-1|t|NULL|NULL|NULL|f|"
        "NULL",
        "crm|customer|email|4|text|text|pg_catalog|-1|f|NULL|NULL|NULL|f|C",
        "crm|customer|tags|5|text[]|_text|pg_catalog|-1|f|'{}'::text[]|NULL|"
        "NULL|t|NULL",
        "crm|customer|created_at|6|timestamp with time zone|timestamptz|"
        "pg_catalog|-1|t|now()|NULL|NULL|f|NULL",
        "crm|customer|moods|7|crm.mood[]|_mood|crm|-1|f|NULL|NULL|NULL|t|NULL",
        "crm|remote_note|id|1|integer|int4|pg_catalog|-1|f|NULL|NULL|NULL|f|"
        "NULL",
        "crm|remote_note|body|2|text|text|pg_catalog|-1|f|NULL|NULL|NULL|f|"
        "NULL",
        "sales|big_orders|id|1|bigint|int8|pg_catalog|-1|f|NULL|NULL|NULL|f|"
        "NULL",
        "sales|big_orders|qty|2|integer|int4|pg_catalog|-1|f|NULL|NULL|NULL|f|"
        "NULL",
        "sales|event|id|1|integer|int4|pg_catalog|-1|t|NULL|NULL|NULL|f|NULL",
        "sales|event|at|2|date|date|pg_catalog|-1|t|NULL|NULL|NULL|f|NULL",
        "sales|event_note|event_id|1|integer|int4|pg_catalog|-1|f|NULL|NULL|"
        "NULL|f|NULL",
        "sales|event_note|event_at|2|date|date|pg_catalog|-1|f|NULL|NULL|NULL|"
        "f|NULL",
        "sales|event_note|note|3|text|text|pg_catalog|-1|f|NULL|NULL|NULL|f|"
        "NULL",
        "sales|order|id|1|bigint|int8|pg_catalog|-1|t|NULL|a|NULL|f|NULL",
        "sales|order|line|2|integer|int4|pg_catalog|-1|t|"
        "nextval('sales.order_line_seq'::regclass)|NULL|NULL|f|NULL",
        "sales|order|region|3|text|text|pg_catalog|-1|f|NULL|NULL|NULL|f|NULL",
        "sales|order|cust_no|4|integer|int4|pg_catalog|-1|f|NULL|NULL|NULL|f|"
        "NULL",
        "sales|order|qty|5|integer|int4|pg_catalog|-1|t|1|NULL|NULL|f|NULL",
        "sales|order|price|6|numeric(10,2)|numeric|pg_catalog|655366|f|NULL|"
        "NULL|NULL|f|NULL",
        "sales|order|total|7|numeric|numeric|pg_catalog|-1|f|"
        "((qty)::numeric * price)|NULL|s|f|NULL",
        "sales|region_totals|region|1|text|text|pg_catalog|-1|f|NULL|NULL|NULL|"
        "f|NULL",
        "sales|region_totals|n|2|bigint|int8|pg_catalog|-1|f|NULL|NULL|NULL|f|"
        "NULL",
        "sales|we;ird \"Name\"|id|1|integer|int4|pg_catalog|-1|t|"
        "nextval('sales.\"we;ird \"\"Name\"\"_id_seq\"'::regclass)|NULL|NULL|f|"
        "NULL",
        "sales|we;ird \"Name\"|a b|2|integer|int4|pg_catalog|-1|f|NULL|NULL|"
        "NULL|f|NULL",
        "sales|we;ird \"Name\"|C;|3|character varying(20)|varchar|pg_catalog|"
        "24|f|NULL|NULL|NULL|f|NULL",
        NULL};
    expect(c, "columns", NULL,
           "schema_name:T,table_name:T,column_name:T,position:I,type:T,"
           "type_name:T,type_schema:T,typmod:I,not_null:B,default:T,"
           "identity:T,generated:T,is_array:B,collation:T",
           "schema_name,table_name,column_name,position,type,type_name,"
           "type_schema,typmod,not_null,default,identity,generated,is_array,"
           "collation",
           rows);
}

static void test_keys(mg_pg_conn *c)
{
    const char *pk[] = {
        "crm|customer|customer_pk|region|1",
        "crm|customer|customer_pk|cust_no|2",
        "sales|event|event_pkey|id|1",
        "sales|event|event_pkey|at|2",
        "sales|order|order_pkey|id|1",
        "sales|we;ird \"Name\"|we;ird \"Name\"_pkey|id|1",
        NULL};
    const char *cols =
        "schema_name,table_name,constraint_name,column_name,position";
    const char *header = "schema_name:T,table_name:T,constraint_name:T,"
                         "column_name:T,position:I";
    expect(c, "primary_keys", NULL, header, cols, pk);
    const char *uq[] = {
        "crm|customer|customer_email_key|email|1",
        "sales|we;ird \"Name\"|we;ird \"Name\"_C;_key|C;|1",
        NULL};
    expect(c, "unique_constraints", NULL, header, cols, uq);
    const char *pk_crm[] = {"customer_pk|region|1", "customer_pk|cust_no|2",
                            NULL};
    expect(c, "primary_keys", "crm", NULL, "constraint_name,column_name,position",
           pk_crm);
}

static void test_indexes(mg_pg_conn *c)
{
    const char *rows[] = {
        "crm|customer|customer_lower_email|f|btree|"
        "CREATE INDEX customer_lower_email ON crm.customer USING btree "
        "(lower(email), region)|NULL|t|NULL|1",
        "crm|customer|customer_lower_email|f|btree|"
        "CREATE INDEX customer_lower_email ON crm.customer USING btree "
        "(lower(email), region)|NULL|t|region|2",
        "crm|customer|customer_recent|f|btree|"
        "CREATE INDEX customer_recent ON crm.customer USING btree (created_at) "
        "WHERE (email IS NOT NULL)|(email IS NOT NULL)|f|created_at|1",
        "crm|customer|customer_region_incl|f|btree|"
        "CREATE INDEX customer_region_incl ON crm.customer USING btree (region) "
        "INCLUDE (email)|NULL|f|region|1",
        "crm|customer|customer_tags|f|gin|"
        "CREATE INDEX customer_tags ON crm.customer USING gin (tags)|NULL|f|"
        "tags|1",
        "sales|event|event_at|f|btree|"
        "CREATE INDEX event_at ON ONLY sales.event USING btree (at)|NULL|f|"
        "at|1",
        "sales|order|order_line_uidx|t|btree|"
        "CREATE UNIQUE INDEX order_line_uidx ON sales.\"order\" USING btree "
        "(line)|NULL|f|line|1",
        NULL};
    expect(c, "indexes", NULL,
           "schema_name:T,table_name:T,index_name:T,is_unique:B,method:T,"
           "definition:T,predicate:T,has_expressions:B,column_name:T,"
           "position:I",
           "schema_name,table_name,index_name,is_unique,method,definition,"
           "predicate,has_expressions,column_name,position",
           rows);
}

static void test_foreign_keys(mg_pg_conn *c)
{
    const char *rows[] = {
        "sales|event_note|event_note_event_fk|event_id|sales|event|id|1|"
        "NO ACTION|NO ACTION|f|f",
        "sales|event_note|event_note_event_fk|event_at|sales|event|at|2|"
        "NO ACTION|NO ACTION|f|f",
        "sales|order|order_customer_fk|cust_no|crm|customer|cust_no|1|"
        "SET NULL|CASCADE|t|t",
        "sales|order|order_customer_fk|region|crm|customer|region|2|"
        "SET NULL|CASCADE|t|t",
        NULL};
    expect(c, "foreign_keys", NULL,
           "schema_name:T,table_name:T,constraint_name:T,column_name:T,"
           "ref_schema:T,ref_table:T,ref_column:T,position:I,on_update:T,"
           "on_delete:T,deferrable:B,deferred:B",
           "schema_name,table_name,constraint_name,column_name,ref_schema,"
           "ref_table,ref_column,position,on_update,on_delete,deferrable,"
           "deferred",
           rows);
    const char *none[] = {NULL};
    expect(c, "foreign_keys", "crm", NULL, "constraint_name", none);
}

static void test_sequences(mg_pg_conn *c)
{
    const char *rows[] = {
        "sales|free_seq|integer|100|5|NULL|NULL|f",
        "sales|order_id_seq|bigint|1|1|order|id|t",
        "sales|order_line_seq|integer|1|1|order|line|f",
        "sales|we;ird \"Name\"_id_seq|integer|1|1|we;ird \"Name\"|id|f",
        NULL};
    expect(c, "sequences", NULL,
           "schema_name:T,sequence_name:T,data_type:T,start_value:I,"
           "increment:I,owned_by_table:T,owned_by_column:T,is_identity:B",
           "schema_name,sequence_name,data_type,start_value,increment,"
           "owned_by_table,owned_by_column,is_identity",
           rows);
}

static void test_misuse(mg_pg_conn *c)
{
    mg_error err;
    mg_error_clear(&err);
    mg_result dummy;
    mg_result *r = &dummy; /* must be reset to NULL */
    CHECK(!mg_pg_catalog(c, (mg_pg_catalog_kind)42, NULL, &r, &err) &&
              err.code == MG_ERR_USAGE && r == NULL,
          "catalog: an unknown kind is a usage error (%s)", err.msg);
    mg_error_clear(&err);
    CHECK(!mg_pg_catalog(c, (mg_pg_catalog_kind)-1, NULL, &r, &err) &&
              err.code == MG_ERR_USAGE,
          "catalog: a negative kind is a usage error");
    CHECK(!mg_pg_catalog(NULL, MG_PG_CAT_SCHEMAS, NULL, &r, &err) &&
              err.code == MG_ERR_USAGE,
          "catalog: no connection is a usage error");
    /* A pattern is a value, never SQL. */
    const char *none[] = {NULL};
    expect(c, "tables", "x' OR 1=1 --", NULL, "table_name", none);
}

/* The user the test connects as (owner of what it creates); owned. */
static char *current_user(mg_pg_conn *c)
{
    mg_result *r = NULL;
    mg_error err;
    char *user = NULL;
    if (mg_pg_query(c, "SELECT current_user::text", 0, NULL, &r, &err))
        user = strdup(mg_result_value(r, 0, 0));
    mg_result_free(r);
    return user;
}

int main(void)
{
    mg_error err;
    mg_error_clear(&err);
    mg_pg_conn *admin = NULL, *db = NULL;
    char *user = NULL;
    bool created = false;
    char dbname[64], conninfo[128];
    mg_buf sql = MG_BUF_INIT;

    test_kind_parse();

    snprintf(dbname, sizeof dbname, "mg_cat_%ld", (long)getpid());
    snprintf(conninfo, sizeof conninfo, "dbname=%s", dbname);

    admin = mg_pg_open("dbname=postgres", MG_SIDE_SOURCE, &err);
    CHECK(admin != NULL, "connect to dbname=postgres%s%s",
          admin ? "" : ": ", admin ? "" : err.msg);
    if (admin == NULL)
        goto out;
    /* Two statements: CREATE DATABASE refuses an implicit transaction. */
    mg_buf_printf(&sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", dbname);
    created = mg_pg_exec(admin, sql.data, &err);
    mg_buf_reset(&sql);
    mg_buf_printf(&sql, "CREATE DATABASE %s", dbname);
    created = created && mg_pg_exec(admin, sql.data, &err);
    CHECK(created, "create database %s%s%s", dbname, created ? "" : ": ",
          created ? "" : err.msg);
    if (!created)
        goto out;

    db = mg_pg_open(conninfo, MG_SIDE_SOURCE, &err);
    CHECK(db != NULL, "connect to %s%s%s", dbname, db ? "" : ": ",
          db ? "" : err.msg);
    if (db == NULL)
        goto out;
    bool built = mg_pg_exec(db, schema_sql, &err);
    CHECK(built, "build the test schema%s%s", built ? "" : ": ",
          built ? "" : err.msg);
    user = current_user(db);
    CHECK(user != NULL, "current_user");
    if (!built || user == NULL)
        goto out;

    test_schemas(db, user);
    test_tables(db);
    test_columns(db);
    test_keys(db);
    test_indexes(db);
    test_foreign_keys(db);
    test_sequences(db);
    test_misuse(db);

out:
    free(user);
    mg_pg_close(db);
    if (created) {
        mg_buf_reset(&sql);
        mg_buf_printf(&sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", dbname);
        bool dropped = mg_pg_exec(admin, sql.data, &err);
        CHECK(dropped, "drop database %s%s%s", dbname, dropped ? "" : ": ",
              dropped ? "" : err.msg);
    }
    mg_pg_close(admin);
    mg_buf_free(&sql);
    return check_done();
}
