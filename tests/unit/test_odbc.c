/*
 * test_odbc.c - the ODBC connector (runtime/conn/odbc.c) against SQLite
 * through its real ODBC driver (libsqliteodbc, "SQLite3" in odbcinst.ini),
 * and the ODBC -> PostgreSQL path through the copy engine.
 *
 * The database is made with the sqlite3 CLI in a temp dir: integers,
 * doubles, text with tabs, newlines, carriage returns, backslashes and
 * non-ASCII, blobs, NULLs, a 100 KB text value, a primary key, a foreign
 * key, indexes and 5000+ rows (several fetch blocks).  Checked: connect
 * errors (SQLSTATE, no password), queries with parameters and NULLs, a
 * failing statement, the catalog, the COPY text the reader produces in
 * block-fetch and in row-by-row (SQLGetData) mode, long values arriving
 * whole, a value longer than its declared size failing rather than being
 * cut, and a copy into a PostgreSQL table (the throwaway cluster) read
 * back value by value.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "conn/odbc.h"
#include "conn/pg.h"
#include "copy/engine.h"
#include "core/buf.h"
#include "core/log.h"

#define SECRET "SuperSecret1"
#define NBULK 5200
#define LONG_LEN 100000

static char dbpath[512];
static char connstr[600];

/* ---- fixture ---------------------------------------------------------- */

static const char schema_sql[] =
    "CREATE TABLE parent (id INTEGER NOT NULL PRIMARY KEY,"
    "                     name VARCHAR(50) NOT NULL);\n"
    "CREATE TABLE items (id INTEGER NOT NULL PRIMARY KEY,"
    "  parent_id INTEGER REFERENCES parent(id) ON DELETE CASCADE,"
    "  qty INTEGER, price DOUBLE, label VARCHAR(200) DEFAULT 'none',"
    "  tag BLOB(16));\n"
    "CREATE INDEX items_label ON items(label);\n"
    "CREATE UNIQUE INDEX items_parent_qty ON items(parent_id, qty);\n"
    "CREATE TABLE docs (id INTEGER PRIMARY KEY, body TEXT, raw BLOB);\n"
    "CREATE TABLE narrow (id INTEGER PRIMARY KEY, code VARCHAR(5));\n"
    "CREATE TABLE blobs (id INTEGER PRIMARY KEY, data BLOB, note VARCHAR);\n"
    "INSERT INTO parent VALUES (1, 'one'), (2, 'two');\n"
    "INSERT INTO items VALUES (1, 1, -10, 1.5, 'plain', x'00ff10');\n"
    "INSERT INTO items VALUES (2, NULL, NULL, NULL, NULL, NULL);\n"
    "INSERT INTO items VALUES (3, 2, -7, 0.1, 'tab' || char(9) || 'nl' ||"
    "  char(10) || 'cr' || char(13) || 'bs\\end', x'');\n"
    "INSERT INTO items VALUES (4, 2, 0, -2.5e-300,"
    "  'é漢字🙂 naïve', NULL);\n"
    "INSERT INTO items VALUES (5, 1, -3, 1e300, '', x'5c');\n"
    "WITH RECURSIVE n(i) AS (SELECT 6 UNION ALL SELECT i + 1 FROM n"
    "  WHERE i < 5205)"
    " INSERT INTO items SELECT i, 1 + i % 2, i, i * 0.5, 'row ' || i, NULL"
    "  FROM n;\n"
    "INSERT INTO docs VALUES (1, 'B' || replace(hex(zeroblob(50000)), '0',"
    "  'a') || char(9) || 'E', zeroblob(3000));\n"
    "INSERT INTO docs VALUES (2, 'short', NULL);\n"
    "INSERT INTO blobs VALUES (1, zeroblob(3000),"
    "  replace(hex(zeroblob(150)), '0', 'n'));\n"
    "INSERT INTO narrow VALUES (1, 'ok'), (2, 'far longer than five characters, more than 21 bytes');\n";

static bool make_db(void)
{
    const char *tmp = getenv("MG_TEST_TMP");
    char dir[400];
    snprintf(dir, sizeof dir, "%s/odbc_%ld", tmp && *tmp ? tmp : "/tmp",
             (long)getpid());
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", dir);
    if (system(cmd) != 0)
        return false;
    snprintf(dbpath, sizeof dbpath, "%s/test.db", dir);
    unlink(dbpath);
    snprintf(cmd, sizeof cmd, "sqlite3 -bail '%s'", dbpath);
    FILE *p = popen(cmd, "w");
    if (p == NULL)
        return false;
    fputs(schema_sql, p);
    if (pclose(p) != 0)
        return false;
    snprintf(connstr, sizeof connstr, "Driver=SQLite3;Database=%s", dbpath);
    return true;
}

static void drop_db(void)
{
    unlink(dbpath);
    char *slash = strrchr(dbpath, '/');
    if (slash) {
        *slash = '\0';
        rmdir(dbpath);
    }
}

/* ---- connecting ------------------------------------------------------- */

static void open_fails(const char *cs, const char *what)
{
    mg_error err;
    mg_error_clear(&err);
    mg_odbc *c = mg_odbc_open(cs, MG_SIDE_SOURCE, &err);
    CHECK(c == NULL, "open %s: fails", what);
    mg_odbc_close(c);
    CHECK(err.code == MG_ERR_CONNECT && err.side == MG_SIDE_SOURCE &&
              strlen(err.sqlstate) == 5 && strncmp(err.sqlstate, "01", 2) != 0,
          "open %s: MG_ERR_CONNECT, source, an error SQLSTATE (got %s %s '%s')",
          what, mg_errcode_name(err.code), mg_side_name(err.side),
          err.sqlstate);
    CHECK(strstr(err.msg, SECRET) == NULL && strstr(err.msg, "Secret") == NULL,
          "open %s: no password in the message: %s", what, err.msg);
    CHECK(strstr(err.msg, "source") != NULL && strstr(err.msg, "***") != NULL,
          "open %s: message names the side and the masked string: %s", what,
          err.msg);
}

static void test_open(void)
{
    open_fails("Driver=NoSuchDriver;Database=/x;UID=u;PWD=" SECRET,
               "an unknown driver");
    open_fails("odbc:DSN=no_such_dsn;UID=u;PWD={" SECRET ";x}",
               "an unknown DSN, braced password");
    mg_error err;
    mg_error_clear(&err);
    mg_odbc *c = mg_odbc_open("Driver=NoSuchDriver;PWD=" SECRET, MG_SIDE_TARGET,
                              &err);
    /* The masked "PWD=***" ends the connection string: masking must not
     * take the driver manager's reason after it for the password. */
    const char *reason = strstr(err.msg, "PWD=***): ");
    CHECK(reason != NULL && strstr(reason, "NoSuchDriver") != NULL,
          "open an unknown driver: the driver manager's reason kept: %s",
          err.msg);
    mg_odbc_close(c);

    char cs[700];
    snprintf(cs, sizeof cs, "odbc:%s;PWD=" SECRET, connstr);
    c = mg_odbc_open(cs, MG_SIDE_SOURCE, &err);
    CHECK(c != NULL, "open odbc:Driver=SQLite3;...: connects%s%s",
          c ? "" : ": ", c ? "" : err.msg);
    if (c == NULL)
        return;
    CHECK(strstr(mg_odbc_display(c), SECRET) == NULL &&
              strstr(mg_odbc_display(c), "PWD=***") != NULL &&
              strstr(mg_odbc_display(c), "Driver=SQLite3") != NULL,
          "display is masked: %s", mg_odbc_display(c));
    CHECK(mg_odbc_side(c) == MG_SIDE_SOURCE, "side kept");
    CHECK(strcasestr(mg_odbc_dbms_name(c), "sqlite") != NULL,
          "DBMS name from the driver: %s (driver %s)", mg_odbc_dbms_name(c),
          mg_odbc_driver_name(c));
    mg_odbc_close(c);
}

/* ---- statements ------------------------------------------------------- */

static mg_odbc *connect_db(void)
{
    mg_error err;
    mg_error_clear(&err);
    mg_odbc *c = mg_odbc_open(connstr, MG_SIDE_SOURCE, &err);
    if (c == NULL)
        printf("# connect failed: %s %s\n", err.sqlstate, err.msg);
    return c;
}

static void test_query(mg_odbc *c)
{
    mg_error err;
    mg_error_clear(&err);
    mg_result *r = NULL;
    const char *p1[] = {"2", "-100"};
    bool ok = mg_odbc_query(c,
                            "SELECT id, label, price, qty FROM items WHERE "
                            "parent_id = ? AND qty > ? ORDER BY id LIMIT 3",
                            2, p1, &r, &err);
    CHECK(ok && r != NULL, "query with parameters%s%s", ok ? "" : ": ",
          ok ? "" : err.msg);
    if (!ok)
        return;
    CHECK(r->ncols == 4 && r->nrows == 3, "3 rows of 4 columns (got %zu x %d)",
          r->nrows, r->ncols);
    CHECK_STR(r->colnames[0], "id", "column names");
    CHECK(r->kinds[0] == MG_VAL_INT && r->kinds[1] == MG_VAL_TEXT &&
              r->kinds[2] == MG_VAL_FLOAT,
          "kinds follow the ODBC types (int, text, float)");
    CHECK_STR(mg_result_value(r, 0, 0), "3", "first id");
    CHECK_STR(mg_result_value(r, 0, 1),
              "tab\tnl\ncr\rbs\\end", "text with control characters whole");
    CHECK_STR(mg_result_value(r, 0, 2), "0.1", "double as shortest text");
    CHECK_STR(mg_result_value(r, 1, 1), "é漢字🙂 naïve", "non-ASCII text");
    CHECK_STR(mg_result_value(r, 1, 2), "-2.5e-300", "tiny double");
    CHECK_STR(mg_result_value(r, 2, 0), "7", "third id");
    mg_result_free(r);

    const char *pnull[] = {NULL, "x"};
    ok = mg_odbc_query(c, "SELECT ? IS NULL, ? IS NULL, NULL, ''", 2, pnull,
                       &r, &err);
    CHECK(ok && r->nrows == 1 && mg_result_value(r, 0, 0) &&
              strcmp(mg_result_value(r, 0, 0), "1") == 0 &&
              strcmp(mg_result_value(r, 0, 1), "0") == 0,
          "NULL parameter is SQL NULL, text is not");
    CHECK(ok && mg_result_value(r, 0, 2) == NULL &&
              mg_result_value(r, 0, 3) != NULL &&
              mg_result_value(r, 0, 3)[0] == '\0',
          "NULL value as NULL, empty string as \"\"");
    mg_result_free(r);

    ok = mg_odbc_query(c, "SELECT tag, raw FROM items, docs WHERE items.id = 1"
                          " AND docs.id = 2", 0, NULL, &r, &err);
    CHECK(ok && r->nrows == 1, "blob query%s%s", ok ? "" : ": ",
          ok ? "" : err.msg);
    if (ok) {
        CHECK_STR(mg_result_value(r, 0, 0), "\\x00ff10", "blob as \\x hex");
        CHECK(mg_result_value(r, 0, 1) == NULL, "NULL blob as NULL");
    }
    mg_result_free(r);

    const char *pins[] = {"9", "zoë\t\\", NULL};
    ok = mg_odbc_query(c, "INSERT INTO parent (id, name) VALUES (?, ?)", 2,
                       pins, &r, &err);
    CHECK(ok && r->ncols == 0, "insert with parameters%s%s", ok ? "" : ": ",
          ok ? "" : err.msg);
    CHECK(ok && r->command_tag && strcmp(r->command_tag, "ROWS 1") == 0,
          "insert: command tag ROWS 1 (got %s)",
          ok && r->command_tag ? r->command_tag : "(null)");
    mg_result_free(r);
    ok = mg_odbc_query(c, "SELECT name FROM parent WHERE id = ?", 1, pins, &r,
                       &err);
    CHECK(ok && r->nrows == 1 && mg_result_value(r, 0, 0) &&
              strcmp(mg_result_value(r, 0, 0), "zoë\t\\") == 0,
          "inserted text reads back");
    mg_result_free(r);
    CHECK(mg_odbc_exec(c, "DELETE FROM parent WHERE id = 9", &err),
          "exec delete%s%s", "", "");

    mg_buf big = MG_BUF_INIT;
    for (int i = 0; i < 20000; i++)
        mg_buf_append(&big, i % 100 == 99 ? "\n" : "x", 1);
    const char *pbig[] = {big.data};
    ok = mg_odbc_query(c, "SELECT length(?)", 1, pbig, &r, &err);
    CHECK(ok && mg_result_value(r, 0, 0) &&
              strcmp(mg_result_value(r, 0, 0), "20000") == 0,
          "a 20000-byte text parameter arrives whole%s%s", ok ? "" : ": ",
          ok ? "" : err.msg);
    mg_result_free(r);
    ok = mg_odbc_query(c, "SELECT ?", 1, pbig, &r, &err);
    CHECK(ok && mg_result_value(r, 0, 0) &&
              strcmp(mg_result_value(r, 0, 0), big.data) == 0,
          "and reads back whole (SQLGetData in pieces)");
    mg_result_free(r);
    mg_buf_free(&big);

    ok = mg_odbc_query(c, "SELECT * FROM no_such_table", 0, NULL, &r, &err);
    CHECK(!ok && r == NULL, "a bad statement fails");
    CHECK(err.code == MG_ERR_QUERY && strlen(err.sqlstate) == 5 &&
              strstr(err.msg, "no_such_table") != NULL,
          "a bad statement: MG_ERR_QUERY, SQLSTATE %s, the driver's message: "
          "%s", err.sqlstate, err.msg);
    CHECK(!mg_odbc_exec(c, "DROP TABLE no_such_table", &err) &&
              err.code == MG_ERR_QUERY,
          "exec of a bad statement fails: %s", err.msg);
    ok = mg_odbc_query(c, "SELECT count(*) FROM items", 0, NULL, &r, &err);
    CHECK(ok && mg_result_value(r, 0, 0) &&
              strcmp(mg_result_value(r, 0, 0), "5205") == 0,
          "the connection still answers: 5205 items");
    mg_result_free(r);
}

/* ---- catalog ---------------------------------------------------------- */

/* The rows of column `col` of r joined with ",". */
static const char *joined(const mg_result *r, const char *col)
{
    static char out[1024];
    size_t o = 0;
    int i = mg_result_column(r, col);
    out[0] = '\0';
    for (size_t row = 0; i >= 0 && row < r->nrows && o < sizeof out; row++) {
        const char *v = mg_result_value(r, row, i);
        o += (size_t)snprintf(out + o, sizeof out - o, "%s%s", row ? "," : "",
                              v ? v : "NULL");
    }
    return out;
}

static mg_result *cat(mg_odbc *c, mg_odbc_catalog_kind kind, const char *table)
{
    mg_error err;
    mg_error_clear(&err);
    mg_result *r = NULL;
    if (!mg_odbc_catalog(c, kind, NULL, table, &r, &err))
        printf("# catalog %d failed: %s %s\n", (int)kind, err.sqlstate,
               err.msg);
    return r;
}

static void test_catalog(mg_odbc *c)
{
    CHECK(mg_odbc_catalog_kind_parse("columns") == MG_ODBC_CAT_COLUMNS &&
              mg_odbc_catalog_kind_parse("indexes") == MG_ODBC_CAT_INDEXES &&
              mg_odbc_catalog_kind_parse("nope") == -1,
          "catalog kinds by name");
    mg_result *r = cat(c, MG_ODBC_CAT_TABLES, NULL);
    CHECK(r != NULL, "catalog tables");
    if (r) {
        CHECK_STR(joined(r, "table_name"), "blobs,docs,items,narrow,parent",
                  "tables: every user table");
        CHECK_STR(joined(r, "kind"), "table,table,table,table,table",
                  "tables: kind");
        CHECK_STR(joined(r, "schema_name"), "NULL,NULL,NULL,NULL,NULL",
                  "tables: no schemas in SQLite (NULL)");
    }
    mg_result_free(r);

    r = cat(c, MG_ODBC_CAT_COLUMNS, "items");
    CHECK(r != NULL, "catalog columns");
    if (r) {
        CHECK_STR(joined(r, "column_name"), "id,parent_id,qty,price,label,tag",
                  "columns: names in order");
        CHECK_STR(joined(r, "position"), "1,2,3,4,5,6", "columns: positions");
        CHECK_STR(joined(r, "schema_name"), "NULL,NULL,NULL,NULL,NULL,NULL",
                  "columns: schema NULL as in tables (the driver says \"\")");
        CHECK_STR(joined(r, "sql_type"), "4,4,4,8,12,-2",
                  "columns: ODBC SQL types");
        printf("# types: %s\n", joined(r, "type"));
        printf("# sizes: %s\n", joined(r, "column_size"));
        printf("# not_null: %s\n", joined(r, "not_null"));
        printf("# default: %s\n", joined(r, "default"));
        CHECK(strncmp(joined(r, "type"), "INTEGER,INTEGER,INTEGER,DOUBLE,"
                                         "VARCHAR", 31) == 0,
              "columns: driver type names: %s", joined(r, "type"));
        CHECK(strncmp(joined(r, "not_null"), "t,f,f,f,f,f", 11) == 0,
              "columns: not_null: %s", joined(r, "not_null"));
        int d = mg_result_column(r, "default");
        CHECK(d >= 0 && mg_result_value(r, 4, d) &&
                  strstr(mg_result_value(r, 4, d), "none") != NULL,
              "columns: default of label");
        const char *size = mg_result_value(r, 4, mg_result_column(r, "column_size"));
        CHECK(size && strcmp(size, "200") == 0, "columns: size of label");
    }
    mg_result_free(r);

    r = cat(c, MG_ODBC_CAT_PRIMARY_KEYS, "items");
    CHECK(r && r->nrows == 1, "primary key of items: one column");
    if (r) {
        CHECK_STR(joined(r, "column_name"), "id", "primary key: id");
        CHECK_STR(joined(r, "position"), "1", "primary key: position");
    }
    mg_result_free(r);
    r = cat(c, MG_ODBC_CAT_PRIMARY_KEYS, NULL);
    CHECK(r && strcmp(joined(r, "table_name"), "blobs,docs,items,narrow,parent") == 0,
          "primary keys of every table: %s", r ? joined(r, "table_name") : "");
    mg_result_free(r);

    r = cat(c, MG_ODBC_CAT_FOREIGN_KEYS, "items");
    CHECK(r != NULL, "catalog foreign keys");
    if (r) {
        printf("# fk: %zu rows; ref_table %s;", r->nrows,
               joined(r, "ref_table"));
        printf(" ref_column %s;", joined(r, "ref_column"));
        printf(" on_delete %s;", joined(r, "on_delete"));
        printf(" on_update %s\n", joined(r, "on_update"));
        CHECK(r->nrows == 1 && strcmp(joined(r, "column_name"), "parent_id") == 0 &&
                  strcmp(joined(r, "ref_table"), "parent") == 0 &&
                  strcmp(joined(r, "ref_column"), "id") == 0,
              "foreign key items.parent_id -> parent.id");
        CHECK_STR(joined(r, "on_delete"), "CASCADE", "foreign key: on delete");
    }
    mg_result_free(r);

    r = cat(c, MG_ODBC_CAT_INDEXES, "items");
    CHECK(r != NULL, "catalog indexes");
    if (r) {
        printf("# index_name %s;", joined(r, "index_name"));
        printf(" column_name %s;", joined(r, "column_name"));
        printf(" is_unique %s;", joined(r, "is_unique"));
        printf(" position %s\n", joined(r, "position"));
        int n_label = 0, n_pq = 0;
        int in = mg_result_column(r, "index_name");
        int iu = mg_result_column(r, "is_unique");
        bool uniq_ok = true;
        for (size_t i = 0; i < r->nrows; i++) {
            const char *name = mg_result_value(r, i, in);
            const char *u = mg_result_value(r, i, iu);
            if (name && strcmp(name, "items_label") == 0) {
                n_label++;
                uniq_ok = uniq_ok && u && strcmp(u, "f") == 0;
            }
            if (name && strcmp(name, "items_parent_qty") == 0) {
                n_pq++;
                uniq_ok = uniq_ok && u && strcmp(u, "t") == 0;
            }
        }
        CHECK(n_label == 1 && n_pq == 2,
              "indexes: items_label (1 column), items_parent_qty (2)");
        CHECK(uniq_ok, "indexes: uniqueness");
    }
    mg_result_free(r);
}

/* ---- the COPY text reader --------------------------------------------- */

/* Read the whole stream of r into out; the number of pieces, -1 on error
 * (*err filled). */
static long long read_all(mg_reader *r, mg_buf *out, mg_error *err)
{
    long long pieces = 0;
    for (;;) {
        const char *data;
        long n = r->read(r, &data, err);
        if (n < 0)
            return -1;
        if (n == 0)
            return pieces;
        mg_buf_append(out, data, (size_t)n);
        pieces++;
    }
}

static long long copy_sql(mg_odbc *c, const char *sql,
                          const mg_odbc_reader_opts *opts, mg_buf *out,
                          mg_error *err)
{
    mg_reader r;
    memset(&r, 0, sizeof r);
    mg_buf_reset(out);
    if (!mg_odbc_copy_reader(c, sql, opts, &r, err))
        return -1;
    CHECK(r.format == MG_STREAM_PG_TEXT, "reader format is COPY text");
    long long n = read_all(&r, out, err);
    r.close(&r);
    r.close(&r); /* twice is fine */
    return n;
}

/* The debug line the reader logs when it starts (its fetch mode). */
static const char *reader_mode(mg_odbc *c, const char *sql,
                               const mg_odbc_reader_opts *opts)
{
    static char line[512];
    char path[600];
    snprintf(path, sizeof path, "%s.log", dbpath);
    mg_error err;
    mg_reader r;
    fflush(stderr);
    int saved = dup(2);
    FILE *f = fopen(path, "w+");
    if (saved < 0 || f == NULL)
        return "(no log)";
    dup2(fileno(f), 2);
    mg_log_level level = mg_log_get_level();
    mg_log_set_level(MG_LOG_DEBUG);
    bool ok = mg_odbc_copy_reader(c, sql, opts, &r, &err);
    mg_log_set_level(level);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    if (ok)
        r.close(&r);
    rewind(f);
    line[0] = '\0';
    char buf[512];
    while (fgets(buf, sizeof buf, f))
        if (strstr(buf, "copy out"))
            snprintf(line, sizeof line, "%.*s", (int)strcspn(buf, "\n"), buf);
    fclose(f);
    unlink(path);
    return line;
}

static const char edge_rows[] =
    "1\t1\t-10\t1.5\tplain\t\\\\x00ff10\n"
    "2\t\\N\t\\N\t\\N\t\\N\t\\N\n"
    "3\t2\t-7\t0.1\ttab\\tnl\\ncr\\rbs\\\\end\t\\\\x\n"
    "4\t2\t0\t-2.5e-300\té漢字🙂 naïve\t\\N\n"
    "5\t1\t-3\t1e+300\t\t\\\\x5c\n";

static void test_reader(mg_odbc *c)
{
    mg_error err;
    mg_error_clear(&err);
    mg_buf a = MG_BUF_INIT, b = MG_BUF_INIT;
    const char *edge = "SELECT * FROM items WHERE id <= 5 ORDER BY id";

    long long n = copy_sql(c, edge, NULL, &a, &err);
    CHECK(n == 5, "edge rows, block fetch: 5 pieces (got %lld)%s%s", n,
          n < 0 ? ": " : "", n < 0 ? err.msg : "");
    CHECK_STR(a.data, edge_rows, "edge rows, block fetch: exact COPY text");

    mg_odbc_reader_opts rowwise = {.rows_per_fetch = 0, .max_bind_bytes = 1};
    mg_odbc_reader_opts seven = {.rows_per_fetch = 7};
    n = copy_sql(c, edge, &rowwise, &a, &err);
    CHECK(n == 5, "edge rows, SQLGetData: 5 pieces (got %lld)", n);
    CHECK_STR(a.data, edge_rows, "edge rows, SQLGetData: exact COPY text");

    const char *mode = reader_mode(c, "SELECT * FROM items", NULL);
    CHECK(strstr(mode, "block fetch of 1024 rows") != NULL,
          "items: block fetch, 1024 rows: %s", mode);
    mode = reader_mode(c, "SELECT * FROM items", &seven);
    CHECK(strstr(mode, "block fetch of 7 rows") != NULL,
          "items: block fetch, 7 rows: %s", mode);
    mode = reader_mode(c, "SELECT * FROM items", &rowwise);
    CHECK(strstr(mode, "row by row") != NULL,
          "items, max_bind_bytes 1: row by row: %s", mode);
    mode = reader_mode(c, "SELECT * FROM docs", NULL);
    CHECK(strstr(mode, "row by row") != NULL,
          "docs (TEXT): row by row: %s", mode);

    /* Every row, in blocks of 1024 (6 blocks), 7 (odd) and row by row. */
    const char *all = "SELECT * FROM items ORDER BY id";
    n = copy_sql(c, all, NULL, &a, &err);
    CHECK(n == 5205, "all items, blocks of 1024: 5205 rows (got %lld)%s%s", n,
          n < 0 ? ": " : "", n < 0 ? err.msg : "");
    CHECK(a.len > sizeof edge_rows && memcmp(a.data, edge_rows,
                                             sizeof edge_rows - 1) == 0,
          "all items: starts with the edge rows");
    const char *last = "5205\t2\t5205\t2602.5\trow 5205\t\\N\n";
    CHECK(a.len > strlen(last) &&
              strcmp(a.data + a.len - strlen(last), last) == 0,
          "all items: ends with row 5205");
    n = copy_sql(c, all, &seven, &b, &err);
    CHECK(n == 5205 && a.len == b.len && memcmp(a.data, b.data, a.len) == 0,
          "all items, blocks of 7: the same stream");
    n = copy_sql(c, all, &rowwise, &b, &err);
    CHECK(n == 5205 && a.len == b.len && memcmp(a.data, b.data, a.len) == 0,
          "all items, SQLGetData: the same stream");

    /* Long values: TEXT is SQL_LONGVARCHAR, read in pieces. */
    n = copy_sql(c, "SELECT * FROM docs ORDER BY id", NULL, &a, &err);
    CHECK(n == 2, "docs: 2 rows (got %lld)%s%s", n, n < 0 ? ": " : "",
          n < 0 ? err.msg : "");
    mg_buf want = MG_BUF_INIT;
    mg_buf_append_str(&want, "1\tB");
    for (int i = 0; i < LONG_LEN; i++)
        mg_buf_append(&want, "a", 1);
    mg_buf_append_str(&want, "\\tE\t\\\\x");
    for (int i = 0; i < 6000; i++)
        mg_buf_append(&want, "0", 1);
    mg_buf_append_str(&want, "\n2\tshort\t\\N\n");
    CHECK(a.len == want.len && memcmp(a.data, want.data, a.len) == 0,
          "docs: the 100 KB text and the 3000-byte blob arrive whole "
          "(%zu bytes, want %zu)", a.len, want.len);

    /* SQLite stores what it is given: 20 characters in a VARCHAR(5). */
    n = copy_sql(c, "SELECT * FROM narrow ORDER BY id", NULL, &a, &err);
    CHECK(n < 0 && err.code == MG_ERR_COPY &&
              strstr(err.msg, "does not fit") != NULL,
          "an over-long value in a bound column fails, not cut: %s", err.msg);
    n = copy_sql(c, "SELECT * FROM narrow ORDER BY id", &rowwise, &a, &err);
    CHECK(n == 2 && strcmp(a.data, "1\tok\n2\tfar longer than five characters, more "
                                     "than 21 bytes\n") == 0,
          "the same with SQLGetData: whole");

    /* SQLite's driver says 255 for BLOB and VARCHAR without a length. */
    n = copy_sql(c, "SELECT * FROM blobs", NULL, &a, &err);
    mg_buf_reset(&want);
    mg_buf_append_str(&want, "1\t\\\\x");
    for (int i = 0; i < 6000; i++)
        mg_buf_append(&want, "0", 1);
    mg_buf_append_str(&want, "\t");
    for (int i = 0; i < 300; i++)
        mg_buf_append(&want, "n", 1);
    mg_buf_append_str(&want, "\n");
    CHECK(n == 1 && a.len == want.len && memcmp(a.data, want.data, a.len) == 0,
          "SQLite BLOB and VARCHAR without a length: read whole%s%s",
          n < 0 ? ": " : "", n < 0 ? err.msg : "");
    mg_buf_free(&want);

    /* Errors. */
    mg_reader r;
    CHECK(!mg_odbc_copy_reader(c, "SELECT * FROM no_such", NULL, &r, &err) &&
              err.code == MG_ERR_COPY && strstr(err.msg, "no_such") != NULL,
          "reader on a bad query fails: %s", err.msg);
    CHECK(!mg_odbc_copy_reader(c, "UPDATE items SET qty = qty WHERE 0", NULL,
                               &r, &err) && err.code == MG_ERR_USAGE,
          "reader on a statement without rows fails: %s", err.msg);

    /* Closed early: the statement is released, the connection usable. */
    CHECK(mg_odbc_copy_reader(c, all, NULL, &r, &err), "reader started");
    const char *data;
    CHECK(r.read(&r, &data, &err) > 0, "one row read");
    r.close(&r);
    mg_result *res = NULL;
    CHECK(mg_odbc_query(c, "SELECT 1", 0, NULL, &res, &err) && res->nrows == 1,
          "after an early close the connection answers");
    mg_result_free(res);

    mg_buf_free(&a);
    mg_buf_free(&b);
}

/* ---- ODBC -> PostgreSQL ---------------------------------------------- */

static const char *pg_scalar(mg_pg_conn *pg, const char *sql)
{
    static char out[2048];
    mg_result *r = NULL;
    mg_error err;
    if (!mg_pg_query(pg, sql, 0, NULL, &r, &err)) {
        snprintf(out, sizeof out, "ERROR %s", err.msg);
        return out;
    }
    const char *v = r->nrows ? mg_result_value(r, 0, 0) : "(no row)";
    snprintf(out, sizeof out, "%s", v ? v : "NULL");
    mg_result_free(r);
    return out;
}

static void test_to_pg(mg_odbc *c)
{
    mg_error err;
    mg_error_clear(&err);
    mg_pg_conn *pg = mg_pg_open(NULL, MG_SIDE_TARGET, &err);
    CHECK(pg != NULL, "connect to the test PostgreSQL%s%s", pg ? "" : ": ",
          pg ? "" : err.msg);
    if (pg == NULL)
        return;
    CHECK(mg_pg_exec(pg, "CREATE TEMP TABLE items (id int8 PRIMARY KEY,"
                         " parent_id int8, qty int8, price float8,"
                         " label text, tag bytea);"
                         "CREATE TEMP TABLE docs (id int, body text,"
                         " raw bytea)", &err),
          "target tables");
    mg_reader r;
    mg_writer w;
    mg_copy_stats st;
    memset(&r, 0, sizeof r);
    bool ok = mg_odbc_copy_reader(c, "SELECT * FROM items", NULL, &r, &err) &&
              mg_pg_copy_writer(pg, "COPY items FROM STDIN (FORMAT text)",
                                MG_STREAM_PG_TEXT, &w, &err) &&
              mg_copy_run(&r, &w, NULL, &st, &err);
    if (r.close)
        r.close(&r);
    CHECK(ok && st.rows == 5205, "items copied into PostgreSQL: %lld rows%s%s",
          ok ? st.rows : -1, ok ? "" : ": ", ok ? "" : err.msg);
    CHECK_STR(pg_scalar(pg, "SELECT label = E'tab\\tnl\\ncr\\rbs\\\\end'"
                            " FROM items WHERE id = 3"), "t",
              "pg: text with control characters");
    CHECK_STR(pg_scalar(pg, "SELECT label FROM items WHERE id = 4"),
              "é漢字🙂 naïve", "pg: non-ASCII text");
    CHECK_STR(pg_scalar(pg, "SELECT encode(tag, 'hex') FROM items WHERE id = 1"),
              "00ff10", "pg: bytea");
    CHECK_STR(pg_scalar(pg, "SELECT price = -2.5e-300 AND qty = 0 FROM items"
                            " WHERE id = 4"), "t", "pg: float8 exact");
    CHECK_STR(pg_scalar(pg, "SELECT label = '' AND tag = '\\x5c'::bytea"
                            " FROM items WHERE id = 5"), "t",
              "pg: empty text is not NULL, one-byte bytea");
    CHECK_STR(pg_scalar(pg, "SELECT num_nulls(parent_id, qty, price, label,"
                            " tag) FROM items WHERE id = 2"), "5",
              "pg: NULLs");
    CHECK_STR(pg_scalar(pg, "SELECT sum(qty) FROM items WHERE id > 5"),
              "13548600", "pg: bulk rows (sum of qty 6..5205)");

    memset(&r, 0, sizeof r);
    ok = mg_odbc_copy_reader(c, "SELECT * FROM docs", NULL, &r, &err) &&
         mg_pg_copy_writer(pg, "COPY docs FROM STDIN (FORMAT text)",
                           MG_STREAM_PG_TEXT, &w, &err) &&
         mg_copy_run(&r, &w, NULL, &st, &err);
    if (r.close)
        r.close(&r);
    CHECK(ok && st.rows == 2, "docs copied into PostgreSQL%s%s", ok ? "" : ": ",
          ok ? "" : err.msg);
    CHECK_STR(pg_scalar(pg, "SELECT length(body) || ' ' || length(raw)"
                            " FROM docs WHERE id = 1"), "100003 3000",
              "pg: the 100 KB text and the blob whole");
    mg_pg_close(pg);
}

int main(void)
{
    if (!make_db()) {
        CHECK(false, "create the SQLite database with the sqlite3 CLI");
        drop_db();
        return check_done();
    }
    test_open();
    mg_odbc *c = connect_db();
    CHECK(c != NULL, "connect to %s", connstr);
    if (c != NULL) {
        test_query(c);
        test_catalog(c);
        test_reader(c);
        test_to_pg(c);
    }
    mg_odbc_close(c);
    drop_db();
    return check_done();
}
