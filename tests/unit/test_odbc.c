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
 *
 * Value transforms and source encodings of the reader: every transform on
 * SQLite values (good ones, NULL, and the exact error for one it cannot
 * convert), block fetch and SQLGetData alike; latin1, GBK and CP1252 bytes
 * stored in SQLite converted to UTF-8, and a bad byte failing with the row
 * and column.  Then MariaDB (the CTest fixture, DSN migrate_mariadb from
 * ODBCINI): a temporary table of every MySQL type read back byte for byte
 * as COPY text, the MySQL transforms on the driver's own values, 1 MB
 * LONGTEXT/LONGBLOB values in pieces, and the transformed rows copied into
 * PostgreSQL.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "conn/odbc.h"
#include "conn/pg.h"
#include "copy/engine.h"
#include "core/buf.h"
#include "core/interrupt.h"
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

/* Run fn(arg) with debug logging into a temp file; the last log line
 * holding `needle`, into line (size bytes), "" when none. */
static void capture_log(void (*fn)(void *), void *arg, const char *needle,
                        char *line, size_t size)
{
    char path[600];
    snprintf(path, sizeof path, "%s.log", dbpath);
    line[0] = '\0';
    fflush(stderr);
    int saved = dup(2);
    FILE *f = fopen(path, "w+");
    if (saved < 0 || f == NULL) {
        snprintf(line, size, "(no log)");
        return;
    }
    dup2(fileno(f), 2);
    mg_log_level level = mg_log_get_level();
    mg_log_set_level(MG_LOG_DEBUG);
    fn(arg);
    mg_log_set_level(level);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    rewind(f);
    char buf[512];
    while (fgets(buf, sizeof buf, f))
        if (strstr(buf, needle))
            snprintf(line, size, "%.*s", (int)strcspn(buf, "\n"), buf);
    fclose(f);
    unlink(path);
}

/* Open and close a connection to arg (a connection string). */
static void open_close(void *arg)
{
    mg_error err;
    mg_odbc_close(mg_odbc_open(arg, MG_SIDE_SOURCE, &err));
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

    /* SQLite's driver gets StepAPI=1 unless the string sets StepAPI. */
    char line[512];
    capture_log(open_close, connstr, "connected", line, sizeof line);
    CHECK(strstr(line, "sqlite3odbc") != NULL, "SQLite3 connects: %s", line);
    capture_log(open_close, connstr, "StepAPI=1 added", line, sizeof line);
    CHECK(line[0] != '\0', "Driver=SQLite3: StepAPI=1 added");
    snprintf(cs, sizeof cs, "%s;StepAPI=0", connstr);
    capture_log(open_close, cs, "StepAPI=1 added", line, sizeof line);
    CHECK(line[0] == '\0', "StepAPI=0 in the string: left alone");
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

/* Ctrl-C, as the signal handler gives it: the flag, 300 ms from now. */
static void *press_ctrl_c(void *arg)
{
    (void)arg;
    usleep(300 * 1000);
    mg_interrupt_raise();
    return NULL;
}

static double seconds_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A statement that would run for minutes is cancelled on the server soon
 * after Ctrl-C, and the connection serves the next one.  (unixODBC lets
 * SQLCancel through while the statement runs only for a driver whose
 * odbcinst.ini entry says Threading = 0, as Debian's MariaDB one does:
 * with the default level the cancel waits for the statement.) */
static void test_cancel(mg_odbc *c, const char *endless)
{
    pthread_t t;
    mg_result *r = NULL;
    mg_error err;
    mg_error_clear(&err);
    CHECK(pthread_create(&t, NULL, press_ctrl_c, NULL) == 0, "cancel: a thread presses Ctrl-C");
    double t0 = seconds_now();
    bool ok = mg_odbc_query(c, endless, 0, NULL, &r, &err);
    double took = seconds_now() - t0;
    pthread_join(t, NULL);
    CHECK(!ok, "cancel: %s fails (%s)", endless, err.msg);
    CHECK(took < 5.0, "cancel: it stopped %.2f s after it began (Ctrl-C at 0.3 s)", took);
    mg_result_free(r);
    mg_interrupt_clear();
    r = NULL;
    CHECK(mg_odbc_query(c, "SELECT 41 + 1", 0, NULL, &r, &err) && r && r->nrows == 1 &&
          strcmp(mg_result_value(r, 0, 0), "42") == 0, "cancel: the connection goes on");
    mg_result_free(r);
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


typedef struct start_args {
    mg_odbc *c;
    const char *sql;
    const mg_odbc_reader_opts *opts;
} start_args;

static void start_reader(void *arg)
{
    start_args *a = arg;
    mg_error err;
    mg_reader r;
    if (mg_odbc_copy_reader(a->c, a->sql, a->opts, &r, &err))
        r.close(&r);
}

/* The debug line the reader logs when it starts (its fetch mode). */
static const char *reader_mode(mg_odbc *c, const char *sql,
                               const mg_odbc_reader_opts *opts)
{
    static char line[512];
    start_args a = {c, sql, opts};
    capture_log(start_reader, &a, "copy out", line, sizeof line);
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
    CHECK(strstr(mode, "block fetch of 1 rows, 2 long columns") != NULL,
          "docs (TEXT, BLOB): long columns bound, one row per fetch: %s",
          mode);

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
    mg_odbc_reader_opts one = {.rows_per_fetch = 1};
    n = copy_sql(c, "SELECT * FROM narrow ORDER BY id", &one, &a, &err);
    CHECK(n == 2 && strcmp(a.data, "1\tok\n2\tfar longer than five characters, more "
                                     "than 21 bytes\n") == 0,
          "the same bound, one row per fetch: the rest read with SQLGetData");

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

/* Compare two streams line by line and field by field; print the first
 * difference (a whole stream is too long to show). */
static bool same_stream(const mg_buf *got, const mg_buf *want)
{
    if (got->len == want->len && memcmp(got->data, want->data, got->len) == 0)
        return true;
    size_t i = 0, line = 1, field = 1, start = 0;
    while (i < got->len && i < want->len && got->data[i] == want->data[i]) {
        if (got->data[i] == '\n') {
            line++;
            field = 1;
            start = i + 1;
        } else if (got->data[i] == '\t') {
            field++;
            start = i + 1;
        }
        i++;
    }
    printf("# first difference: line %zu, field %zu\n#   got:  %.60s\n"
           "#   want: %.60s\n", line, field,
           got->data ? got->data + start : "", want->data + start);
    return false;
}

/* ---- COPY text escaping ------------------------------------------------ */

/* Every special byte (tab, newline, carriage return, backslash) at every
 * position of values up to 40 bytes (the escaper scans 8 bytes at a time),
 * next to bytes one off from them and to UTF-8, against a byte-by-byte
 * escaper written here. */
static void test_escape(void)
{
    static const char special[] = {'\t', '\n', '\r', '\\'};
    static const char filler[] = "\x08\x0b\x0c\x0e[]]\xc3\xa9" "az";
    int bad = 0, cases = 0;
    mg_buf got = MG_BUF_INIT;
    for (size_t len = 0; len <= 40; len++) {
        for (size_t pos = 0; pos <= len; pos++) {
            for (size_t k = 0; k < sizeof special; k++) {
                char in[41], want[82];
                size_t w = 0;
                for (size_t i = 0; i < len; i++) {
                    in[i] = i == pos ? special[k]
                                     : filler[(i + len) % (sizeof filler - 1)];
                    char e = in[i] == '\t' ? 't' : in[i] == '\n' ? 'n'
                             : in[i] == '\r' ? 'r' : in[i] == '\\' ? '\\' : 0;
                    if (e) {
                        want[w++] = '\\';
                        want[w++] = e;
                    } else {
                        want[w++] = in[i];
                    }
                }
                mg_buf_reset(&got);
                mg_buf_append_str(&got, "x");
                cases++;
                if (!mg_odbc_copy_escape(&got, in, len) || got.len != w + 1 ||
                    memcmp(got.data + 1, want, w) != 0 || got.data[got.len] != 0)
                    bad++;
            }
        }
    }
    CHECK(bad == 0, "copy escaping: %d of %d values differ from a byte-by-byte "
                    "escape", bad, cases);
    mg_buf_free(&got);
}

/* ---- values at the edges of a bound buffer ------------------------------ */

/* Rows for table edge (id, t text, b blob) in SQL both SQLite and MariaDB
 * read alike, and their COPY text.  With max_bind_bytes 16, t and b are
 * bound 16 bytes wide: 15 bytes of text (and a NUL) or 16 of blob fit,
 * one more spills to SQLGetData; row 3 splits a 2-byte character, row 4 a
 * 3-byte one at the edge.  Row 8 (made in edge_fill) puts a 4-byte
 * character across the 8191-byte piece of SQLGetData. */
static const char *const edge_sql[] = {
    "INSERT INTO edge VALUES (1, 'aaaaaaaaaaaaaaa',"
    " x'00112233445566778899aabbccddeeff')",
    "INSERT INTO edge VALUES (2, 'aaaaaaaaaaaaaaab',"
    " x'00112233445566778899aabbccddeeff00')",
    "INSERT INTO edge VALUES (3, 'aaaaaaaaaaaaaaé', NULL)",
    "INSERT INTO edge VALUES (4, 'aaaaaaaaaaaaa€', x'')",
    "INSERT INTO edge VALUES (5, NULL, NULL)",
    "INSERT INTO edge VALUES (6, '', x'5c')",
    "INSERT INTO edge VALUES (7, 'tab\tnl\ncr\r and then some 漢字', x'00')",
};

#define EDGE_A 8190

static const char edge_copy[] =
    "1\taaaaaaaaaaaaaaa\t\\\\x00112233445566778899aabbccddeeff\n"
    "2\taaaaaaaaaaaaaaab\t\\\\x00112233445566778899aabbccddeeff00\n"
    "3\taaaaaaaaaaaaaaé\t\\N\n"
    "4\taaaaaaaaaaaaa€\t\\\\x\n"
    "5\t\\N\t\\N\n"
    "6\t\t\\\\x5c\n"
    "7\ttab\\tnl\\ncr\\r and then some 漢字\t\\\\x00\n";

/* Make table edge (create_sql) and its rows; false with a message. */
static bool edge_fill(mg_odbc *c, const char *create_sql)
{
    mg_error err;
    mg_buf sql = MG_BUF_INIT;
    bool ok = mg_odbc_exec(c, create_sql, &err);
    for (size_t i = 0; ok && i < sizeof edge_sql / sizeof edge_sql[0]; i++)
        ok = mg_odbc_exec(c, edge_sql[i], &err);
    mg_buf_append_str(&sql, "INSERT INTO edge VALUES (8, '");
    for (int i = 0; i < EDGE_A; i++)
        mg_buf_append(&sql, "a", 1);
    mg_buf_append_str(&sql, "🙂z', NULL)");
    ok = ok && mg_odbc_exec(c, sql.data, &err);
    if (!ok)
        printf("# edge table: %s\n", err.msg);
    mg_buf_free(&sql);
    return ok;
}

/* Read table edge in every mode: each must give edge_copy plus row 8. */
static void edge_read(mg_odbc *c, const char *db)
{
    mg_buf want = MG_BUF_INIT, got = MG_BUF_INIT;
    mg_buf_append_str(&want, edge_copy);
    mg_buf_append_str(&want, "8\t");
    for (int i = 0; i < EDGE_A; i++)
        mg_buf_append(&want, "a", 1);
    mg_buf_append_str(&want, "🙂z\t\\N\n");
    static const struct {
        mg_odbc_reader_opts o;
        const char *label;
    } modes[] = {
        {{0}, "defaults (1024-byte buffers)"},
        {{.max_bind_bytes = 16}, "16-byte buffers"},
        {{.max_bind_bytes = 16, .rows_per_fetch = 3}, "16-byte buffers, 3 rows"},
        {{.max_bind_bytes = 16, .rows_per_fetch = 1}, "16-byte buffers, 1 row"},
        {{.max_bind_bytes = 1}, "SQLGetData only"},
    };
    const char *sql = "SELECT id, t, b FROM edge ORDER BY id";
    for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++) {
        mg_error err;
        mg_error_clear(&err);
        long long n = copy_sql(c, sql, &modes[m].o, &got, &err);
        CHECK(n == 8 && same_stream(&got, &want),
              "%s edge values, %s: exact, nothing cut (%lld rows)%s%s", db,
              modes[m].label, n, n < 0 ? ": " : "", n < 0 ? err.msg : "");
    }
    mg_buf_free(&want);
    mg_buf_free(&got);
}

/* Make table edge on c (create_sql) and read it in every mode.  SQLGetData
 * needs a one-row block (SQLite's driver has no SQL_GD_BLOCK; MariaDB's
 * claims it, but after SQLSetPos in a block gives another row's value):
 * with long columns, one row per fetch, still bound. */
static void edge_case(mg_odbc *c, const char *db, const char *create_sql)
{
    if (!edge_fill(c, create_sql)) {
        CHECK(false, "%s: table edge made", db);
        return;
    }
    edge_read(c, db);
    mg_odbc_reader_opts three = {.max_bind_bytes = 16, .rows_per_fetch = 3};
    const char *mode = reader_mode(c, "SELECT id, t, b FROM edge", &three);
    CHECK(strstr(mode, "block fetch of 1 rows, 3 long columns") != NULL,
          "%s, 16-byte buffers: bound, one row per fetch: %s", db, mode);
}

/* ---- value transforms (SQLite) ----------------------------------------- */

static const char *const tx_schema[] = {
    "CREATE TABLE zd (id INTEGER PRIMARY KEY, v DATE)",
    "INSERT INTO zd (v) VALUES ('0000-00-00'), ('2020-00-10'), ('2020-05-00'),"
    " ('2021-03-04'), (NULL), ('0000-00-00 00:00:00'), ('2020-01-02 03:04:05'),"
    " ('10:00:00'), ('')",
    "CREATE TABLE txt (id INTEGER PRIMARY KEY, v VARCHAR(80))",
    "CREATE TABLE bin (id INTEGER PRIMARY KEY, v BLOB(16))",
    "CREATE TABLE bits (id INTEGER PRIMARY KEY, v BIT)",
    "INSERT INTO bits (v) VALUES (1), (0), (NULL), ('true'), ('F'), ('10'), ('00')",
    "CREATE TABLE ints (id INTEGER PRIMARY KEY, v INTEGER)",
    "INSERT INTO ints (v) VALUES (0), (1), (-5), (NULL), (100), ('-0')",
    "CREATE TABLE years (id INTEGER PRIMARY KEY, v YEAR)",
    "INSERT INTO years (v) VALUES ('2021'), ('0000'), ('2021-01-01'), (NULL),"
    " (1999), ('0999')",
    "CREATE TABLE chars (id INTEGER PRIMARY KEY, v CHAR(8))",
    "INSERT INTO chars (v) VALUES ('ab   '), ('   '), ('a b'), (NULL),"
    " ('x' || char(9) || ' ')",
    "CREATE TABLE enc (id INTEGER PRIMARY KEY, l VARCHAR(20), g VARCHAR(20),"
    " w VARCHAR(20), b BLOB(4), long TEXT)",
    "INSERT INTO enc VALUES (1, CAST(x'636166e9' AS TEXT),"
    " CAST(x'c4e3bac3' AS TEXT), CAST(x'80' AS TEXT), x'e9ff', NULL)",
    "INSERT INTO enc VALUES (2, 'plain', 'ascii', 'x', NULL,"
    " CAST(replace(hex(zeroblob(10000)), '00', x'e9') AS TEXT))",
    "INSERT INTO enc VALUES (3, CAST(x'ff' AS TEXT), CAST(x'c4e3ff41' AS TEXT),"
    " CAST(x'81' AS TEXT), NULL, NULL)",
    "INSERT INTO enc VALUES (4, NULL, CAST(x'41c4' AS TEXT), NULL, NULL, NULL)",
};

/* Replace the rows of table txt (or bin) with the given values (SQL
 * literals). */
static void fill(mg_odbc *c, const char *table, const char *values)
{
    mg_error err;
    char sql[1024];
    snprintf(sql, sizeof sql, "DELETE FROM %s", table);
    bool ok = mg_odbc_exec(c, sql, &err);
    snprintf(sql, sizeof sql, "INSERT INTO %s (v) VALUES %s", table, values);
    ok = ok && mg_odbc_exec(c, sql, &err);
    if (!ok)
        printf("# fill %s failed: %s\n", table, err.msg);
}

/* Read `SELECT v FROM table ORDER BY id` with spec on column 1, block
 * fetch and row by row (SQLGetData): both must give `want`. */
static void tx_case(mg_odbc *c, const char *table, const char *spec,
                    const char *want, const char *label)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT v FROM %s ORDER BY id", table);
    const char *specs[] = {spec};
    mg_odbc_reader_opts block = {.transforms = specs, .ntransforms = 1};
    mg_odbc_reader_opts rowwise = {.max_bind_bytes = 1, .transforms = specs,
                                   .ntransforms = 1};
    mg_buf out = MG_BUF_INIT;
    mg_error err;
    mg_error_clear(&err);
    long long n = copy_sql(c, sql, &block, &out, &err);
    if (n < 0)
        printf("# %s: %s\n", label, err.msg);
    CHECK_STR(n < 0 ? "(failed)" : out.data ? out.data : "", want,
              "%s: %s (block fetch)", spec, label);
    n = copy_sql(c, sql, &rowwise, &out, &err);
    if (n < 0)
        printf("# %s: %s\n", label, err.msg);
    CHECK_STR(n < 0 ? "(failed)" : out.data ? out.data : "", want,
              "%s: %s (SQLGetData)", spec, label);
    mg_buf_free(&out);
}

/* The same read must fail with MG_ERR_COPY and exactly `want` as message
 * (block fetch and SQLGetData alike). */
static void tx_fails(mg_odbc *c, const char *table, const char *spec,
                     const char *want, const char *label)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT v FROM %s ORDER BY id", table);
    const char *specs[] = {spec};
    for (int mode = 0; mode < 2; mode++) {
        mg_odbc_reader_opts o = {.max_bind_bytes = mode ? 1 : 0,
                                 .transforms = specs, .ntransforms = 1};
        mg_buf out = MG_BUF_INIT;
        mg_error err;
        mg_error_clear(&err);
        long long n = copy_sql(c, sql, &o, &out, &err);
        CHECK(n < 0 && err.code == MG_ERR_COPY && err.side == MG_SIDE_SOURCE &&
                  strcmp(err.sqlstate, "22018") == 0,
              "%s: %s fails (MG_ERR_COPY, source, 22018; %s)", spec, label,
              mode ? "SQLGetData" : "block fetch");
        CHECK_STR(err.msg, want, "%s: %s: the message", spec, label);
        mg_buf_free(&out);
    }
}

/* One transform case: `SELECT v FROM table` (refilled with `values`
 * unless NULL) read with `spec` gives `want`, or fails with `want` as the
 * message. */
typedef struct tx_case_def {
    const char *table, *values, *spec;
    bool fails;
    const char *want, *label;
} tx_case_def;

static const tx_case_def tx_cases[] = {
    {"zd", NULL, "zero_dates_to_null", false,
     "\\N\n\\N\n\\N\n2021-03-04\n\\N\n\\N\n2020-01-02 03:04:05\n10:00:00\n\n",
     "zero year, month or day"},
    {"txt", "(''), ('x'), (NULL), (' ')", "empty_to_null", false,
     "\\N\nx\n\\N\n \n", "'' only"},
    {"chars", NULL, "trim_right", false, "ab\n\na b\n\\N\nx\\t\n",
     "trailing spaces only"},
    {"txt", "('0x00FF'), ('\\xAbCd'), ('deadBEEF'), (''), (NULL), ('0X5c')",
     "hex_to_bytea", false,
     "\\\\x00ff\n\\\\xabcd\n\\\\xdeadbeef\n\\\\x\n\\N\n\\\\x5c\n",
     "0x, \\x, any case"},
    {"txt", "('00112233445566778899AABBCCDDEEFF'),"
            " ('123E4567-E89B-12D3-A456-426614174000'), (NULL),"
            " ('{123e4567-e89b-12d3-a456-426614174000}')",
     "binary_to_uuid", false,
     "00112233-4455-6677-8899-aabbccddeeff\n"
     "123e4567-e89b-12d3-a456-426614174000\n\\N\n"
     "123e4567-e89b-12d3-a456-426614174000\n", "uuid text"},
    {"bin", "(x'00112233445566778899aabbccddeeff'), (NULL)", "binary_to_uuid",
     false, "00112233-4455-6677-8899-aabbccddeeff\n\\N\n", "16 raw bytes"},
    {"txt", "('a,b,c'), (''), ('x'), ('q\"uote,back\\slash'), (NULL),"
            " ('a b,,c')",
     "set_to_array", false,
     "{\"a\",\"b\",\"c\"}\n{}\n{\"x\"}\n"
     "{\"q\\\\\"uote\",\"back\\\\\\\\slash\"}\n\\N\n{\"a b\",\"\",\"c\"}\n",
     "quoted and escaped elements"},
    {"ints", NULL, "int_to_boolean", false, "f\nt\nt\n\\N\nt\nf\n",
     "0 -> f, other -> t"},
    {"bits", NULL, "bit_to_boolean", false, "t\nf\n\\N\nt\nf\nt\nf\n",
     "digits and words"},
    {"bin", "(x'00'), (x'0001'), (NULL), (x'80')", "bit_to_boolean", false,
     "f\nt\n\\N\nt\n", "raw bytes"},
    {"bin", "(x'02ab'), (x'00'), (NULL), (x''), (x'000003ff')",
     "bit_to_bitstring(10)", false,
     "1010101011\n0000000000\n\\N\n0000000000\n1111111111\n",
     "big-endian bytes"},
    {"txt", "('101'), ('0001010101011'), (NULL), ('1111111111')",
     "bit_to_bitstring( 10 )", false,
     "0000000101\n1010101011\n\\N\n1111111111\n", "text of 0 and 1"},
    {"years", NULL, "year_to_integer", false,
     "2021\n0\n2021\n\\N\n1999\n999\n", "text, 0000 and a date"},

    {"txt", "('00'), ('abc')", "hex_to_bytea", true,
     "row 2, column \"v\" (1): hex_to_bytea cannot convert 'abc': an odd "
     "number of hex digits", "odd length"},
    {"txt", "('zz')", "hex_to_bytea", true,
     "row 1, column \"v\" (1): hex_to_bytea cannot convert 'zz': not hex "
     "digits", "not hex"},
    {"txt", "('0011223344556677889900112233445566778899aabbccddeeff"
            "0011223344')",
     "binary_to_uuid", true,
     "row 1, column \"v\" (1): binary_to_uuid cannot convert "
     "'0011223344556677889900112233445566778899'... (62 bytes): not 16 "
     "bytes, 32 hex digits or a uuid", "a long value, cut"},
    {"bin", "(x'0011'), (x'00ff')", "binary_to_uuid", true,
     "row 1, column \"v\" (1): binary_to_uuid cannot convert \\x0011: not "
     "16 bytes, 32 hex digits or a uuid", "2 bytes"},
    {"txt", "('1'), ('yes')", "int_to_boolean", true,
     "row 2, column \"v\" (1): int_to_boolean cannot convert 'yes': not an "
     "integer", "a word"},
    {"txt", "('maybe')", "bit_to_boolean", true,
     "row 1, column \"v\" (1): bit_to_boolean cannot convert 'maybe': not a "
     "bit value", "a word"},
    {"bin", "(x'0400')", "bit_to_bitstring(10)", true,
     "row 1, column \"v\" (1): bit_to_bitstring(10) cannot convert "
     "\\x0400: more bits set than the column has", "bit 10 set"},
    {"txt", "('12')", "bit_to_bitstring(10)", true,
     "row 1, column \"v\" (1): bit_to_bitstring(10) cannot convert '12': "
     "not raw bytes or a string of 0 and 1", "a digit 2"},
    {"txt", "('20211')", "year_to_integer", true,
     "row 1, column \"v\" (1): year_to_integer cannot convert '20211': not "
     "a year", "five digits"},
    {"txt", "('2021'), ('é' || char(9) || '\\''')", "year_to_integer", true,
     "row 2, column \"v\" (1): year_to_integer cannot convert "
     "'é\\x09\\x5c\\x27': not a year", "UTF-8 kept, controls shown"},
};

static void test_transforms(mg_odbc *c)
{
    mg_error err;
    mg_error_clear(&err);
    bool made = true;
    for (size_t i = 0; i < sizeof tx_schema / sizeof tx_schema[0]; i++)
        if (!mg_odbc_exec(c, tx_schema[i], &err)) {
            printf("# %s: %s\n", tx_schema[i], err.msg);
            made = false;
        }
    CHECK(made, "transform tables made in SQLite");

    /* Every transform, NULL included, block fetch and SQLGetData; then
     * values they cannot convert: row, column, spec, value, reason. */
    for (size_t i = 0; i < sizeof tx_cases / sizeof tx_cases[0]; i++) {
        const tx_case_def *k = &tx_cases[i];
        if (k->values)
            fill(c, k->table, k->values);
        if (k->fails)
            tx_fails(c, k->table, k->spec, k->want, k->label);
        else
            tx_case(c, k->table, k->spec, k->want, k->label);
    }

    /* Specs: checked, parsed once, named in errors. */
    const char *const *names = mg_odbc_transform_names();
    char list[400] = "";
    for (size_t i = 0; names[i]; i++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s",
                 i ? "," : "", names[i]);
    CHECK_STR(list, "binary_to_uuid,bit_to_bitstring,bit_to_boolean,"
                    "empty_to_null,hex_to_bytea,int_to_boolean,set_to_array,"
                    "trim_right,year_to_integer,zero_dates_to_null",
              "mg_odbc_transform_names: every transform, sorted");
    CHECK(mg_odbc_transform_check("bit_to_bitstring(64)", &err) &&
              mg_odbc_transform_check(" trim_right ", &err),
          "transform_check: good specs");
    CHECK(!mg_odbc_transform_check("zero_date_to_null", &err) &&
              err.code == MG_ERR_USAGE,
          "transform_check: an unknown name is MG_ERR_USAGE");
    CHECK_STR(err.msg, "unknown value transform 'zero_date_to_null' (known: "
                       "binary_to_uuid, bit_to_bitstring(N), bit_to_boolean, "
                       "empty_to_null, hex_to_bytea, int_to_boolean, "
                       "set_to_array, trim_right, year_to_integer, "
                       "zero_dates_to_null)",
              "transform_check: the message lists the known ones");
    CHECK(!mg_odbc_transform_check("bit_to_bitstring", &err) &&
              strstr(err.msg, "needs a length from 1 to") != NULL,
          "transform_check: bit_to_bitstring needs N: %s", err.msg);
    CHECK(!mg_odbc_transform_check("bit_to_bitstring(0)", &err) &&
              !mg_odbc_transform_check("bit_to_bitstring(x)", &err) &&
              !mg_odbc_transform_check("bit_to_bitstring(3", &err),
          "transform_check: N 0, not a number, no ')': refused");
    CHECK(!mg_odbc_transform_check("trim_right(2)", &err) &&
              strstr(err.msg, "trim_right takes no argument") != NULL,
          "transform_check: an argument where none is taken: %s", err.msg);
    CHECK(!mg_odbc_transform_check("trim_right x", &err) &&
              strstr(err.msg, "expected a name or name(N)") != NULL,
          "transform_check: trailing text: %s", err.msg);

    mg_reader r;
    const char *bad[] = {NULL, "no_such_thing"};
    mg_odbc_reader_opts o = {.transforms = bad, .ntransforms = 2};
    CHECK(!mg_odbc_copy_reader(c, "SELECT id, v FROM txt", &o, &r, &err) &&
              err.code == MG_ERR_USAGE &&
              strstr(err.msg, "column 2: unknown value transform "
                              "'no_such_thing' (known: binary_to_uuid, ") ==
                  err.msg,
          "reader: an unknown transform fails, naming the column: %s",
          err.msg);
    const char *far[] = {NULL, NULL, "trim_right"};
    o.transforms = far;
    o.ntransforms = 3;
    CHECK(!mg_odbc_copy_reader(c, "SELECT id, v FROM txt", &o, &r, &err) &&
              err.code == MG_ERR_USAGE,
          "reader: a transform past the last column fails");
    CHECK_STR(err.msg, "a value transform (trim_right) for column 3, but the "
                       "select has 2 columns", "  and says so");
    const char *holes[] = {NULL, "", NULL};
    o.transforms = holes;
    mg_buf out = MG_BUF_INIT;
    long long n = copy_sql(c, "SELECT id, v FROM zd WHERE id < 3 ORDER BY id",
                           &o, &out, &err);
    CHECK(n == 2 && strcmp(out.data, "1\t0000-00-00\n2\t2020-00-10\n") == 0,
          "reader: NULL and \"\" specs are no transform");
    const char *zd[] = {"zero_dates_to_null"};
    mg_odbc_reader_opts one = {.transforms = zd, .ntransforms = 1};
    const char *mode = reader_mode(c, "SELECT v FROM zd", &one);
    CHECK(strstr(mode, "1 value transforms") != NULL,
          "the debug line counts the transforms: %s", mode);
    mg_buf_free(&out);
}

/* ---- source encodings (SQLite holding latin1, GBK, CP1252 bytes) ------- */

static void enc_case(mg_odbc *c, const char *sql, const char *encoding,
                     const char *want, const char *label)
{
    for (int mode = 0; mode < 2; mode++) {
        mg_odbc_reader_opts o = {.max_bind_bytes = mode ? 1 : 0,
                                 .encoding = encoding};
        mg_buf out = MG_BUF_INIT;
        mg_error err;
        mg_error_clear(&err);
        long long n = copy_sql(c, sql, &o, &out, &err);
        if (n < 0)
            printf("# %s\n", err.msg);
        CHECK_STR(n < 0 ? "(failed)" : out.data, want, "encoding %s: %s (%s)",
                  encoding ? encoding : "NULL", label,
                  mode ? "SQLGetData" : "block fetch");
        mg_buf_free(&out);
    }
}

static void enc_fails(mg_odbc *c, const char *sql, const char *encoding,
                      const char *want, const char *label)
{
    mg_buf out = MG_BUF_INIT;
    mg_error err;
    mg_error_clear(&err);
    mg_odbc_reader_opts o = {.encoding = encoding};
    long long n = copy_sql(c, sql, &o, &out, &err);
    CHECK(n < 0 && err.code == MG_ERR_COPY &&
              strcmp(err.sqlstate, "22021") == 0,
          "encoding %s: %s fails (MG_ERR_COPY, 22021)", encoding, label);
    CHECK_STR(err.msg, want, "encoding %s: %s: the message", encoding, label);
    mg_buf_free(&out);
}

static void test_encodings(mg_odbc *c)
{
    const char *row1 = "SELECT l, g, w, b FROM enc WHERE id = 1";
    enc_case(c, "SELECT l, b FROM enc WHERE id <= 2 ORDER BY id", "latin1",
             "café\t\\\\xe9ff\nplain\t\\N\n",
             "latin1 text to UTF-8, bytea never converted");
    enc_case(c, "SELECT l FROM enc WHERE id = 1", "ISO-8859-1", "café\n",
             "another spelling");
    enc_case(c, "SELECT g FROM enc WHERE id <= 2 ORDER BY id", "GBK",
             "你好\nascii\n", "GBK to UTF-8");
    enc_case(c, "SELECT w FROM enc WHERE id = 1", "CP1252", "€\n",
             "CP1252 0x80 is the euro sign");
    enc_case(c, row1, "UTF-8", "caf\xe9\t\xc4\xe3\xba\xc3\t\x80\t\\\\xe9ff\n",
             "UTF-8: bytes as they come");
    enc_case(c, row1, "utf8mb4", "caf\xe9\t\xc4\xe3\xba\xc3\t\x80\t\\\\xe9ff\n",
             "MySQL's name for UTF-8: none");
    enc_case(c, row1, "", "caf\xe9\t\xc4\xe3\xba\xc3\t\x80\t\\\\xe9ff\n",
             "\"\": none");
    /* 10000 latin1 bytes, read in pieces by SQLGetData, converted whole. */
    mg_buf want = MG_BUF_INIT;
    for (int i = 0; i < 10000; i++)
        mg_buf_append_str(&want, "é");
    mg_buf_append_str(&want, "\n");
    enc_case(c, "SELECT long FROM enc WHERE id = 2", "latin1", want.data,
             "a 10000-byte TEXT value");
    mg_buf_free(&want);

    /* With a transform: converted first, then transformed. */
    const char *specs[] = {"trim_right", "set_to_array"};
    mg_odbc_reader_opts o = {.transforms = specs, .ntransforms = 2,
                             .encoding = "latin1"};
    mg_buf out = MG_BUF_INIT;
    mg_error err;
    mg_error_clear(&err);
    long long n = copy_sql(c, "SELECT l || '  ', l FROM enc WHERE id = 1", &o,
                           &out, &err);
    CHECK_STR(n == 1 ? out.data : err.msg, "café\t{\"café\"}\n",
              "latin1 and transforms: converted, then transformed");
    mg_buf_free(&out);

    enc_fails(c, "SELECT id, g FROM enc WHERE id >= 3 ORDER BY id", "GBK",
              "row 1, column \"g\" (2): the value is not valid GBK (an "
              "invalid byte sequence at byte 3): '\\xc4\\xe3\\xffA'",
              "an invalid byte");
    enc_fails(c, "SELECT g FROM enc WHERE id = 4", "GBK",
              "row 1, column \"g\" (1): the value is not valid GBK (an "
              "incomplete character at byte 2): 'A\\xc4'",
              "a cut character");
    enc_fails(c, "SELECT w FROM enc ORDER BY id", "CP1252",
              "row 3, column \"w\" (1): the value is not valid CP1252 (an "
              "invalid byte sequence at byte 1): '\\x81'",
              "a byte CP1252 leaves undefined");

    mg_reader r;
    o = (mg_odbc_reader_opts){.encoding = "KLINGON-8"};
    CHECK(!mg_odbc_copy_reader(c, "SELECT l FROM enc", &o, &r, &err) &&
              err.code == MG_ERR_USAGE &&
              strstr(err.msg, "unknown source encoding 'KLINGON-8'") != NULL,
          "an unknown encoding fails the reader: %s", err.msg);
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

/* ---- MariaDB: every MySQL type through the reader ---------------------- */

#define MT_COLS 34
#define MT_JSON 32 /* the index of js (a LOB: its select reads row by row) */

static const char *const mt_schema[] = {
    "SET SESSION sql_mode = ''",
    "DROP TEMPORARY TABLE IF EXISTS mt",
    "CREATE TEMPORARY TABLE mt (id INT PRIMARY KEY,"
    " ti TINYINT, tb TINYINT(1), uti TINYINT UNSIGNED, si SMALLINT,"
    " usi SMALLINT UNSIGNED, mi MEDIUMINT, umi MEDIUMINT UNSIGNED, i INT,"
    " ui INT UNSIGNED, bi BIGINT, ubi BIGINT UNSIGNED, dec65 DECIMAL(65,30),"
    " dec12 DECIMAL(12,2), f FLOAT, dbl DOUBLE, b1 BIT(1), b10 BIT(10),"
    " b64 BIT(64), d DATE, dt DATETIME, dt6 DATETIME(6), ts TIMESTAMP NULL,"
    " tm TIME, tm3 TIME(3), y YEAR, ch CHAR(10), vc VARCHAR(100),"
    " bin16 BINARY(16), vb VARBINARY(100), en ENUM('a','b','c d'),"
    " st SET('x','y','z'), js JSON, lat VARCHAR(20) CHARACTER SET latin1)"
    " CHARACTER SET utf8mb4",
    "INSERT INTO mt VALUES (1, -128, 1, 255, -32768, 65535, -8388608,"
    " 16777215, -2147483648, 4294967295, -9223372036854775808,"
    " 18446744073709551615,"
    " '-12345678901234567890123456789012345.123456789012345678901234567890',"
    " 1234567890.12, 3.14159, 0.1, b'1', b'1010101011', b'"
    "1111111111111111111111111111111111111111111111111111111111111111',"
    " '0000-00-00', '0000-00-00 00:00:00', '2020-01-02 03:04:05.123456',"
    " '2021-06-01 12:00:00', '838:59:59', '-12:00:00.500', 2021, 'ab',"
    " 'h\xc3\xa9llo \xf0\x9f\x99\x82\\t\\\\',"
    " UNHEX('00112233445566778899aabbccddeeff'), UNHEX('00006100'), 'c d',"
    " 'x,z', '{\"a\": [1, 2.5, \"\xc3\xbc\"]}', 'caf\xc3\xa9')",
    "INSERT INTO mt (id, ti, tb, bi, f, dbl, b1, b10, d, dt, dt6, y, ch, vb,"
    " en, st, js, lat) VALUES (2, 127, 0, 9223372036854775807, 1e38,"
    " 1.7976931348623157e308, b'0', b'0', '2020-00-10',"
    " '0000-00-00 00:00:00', '2020-05-00 10:00:00.5', 0, '', '', 'a', '',"
    " '[]', 'x')",
    "INSERT INTO mt (id) VALUES (3)",
    "DROP TEMPORARY TABLE IF EXISTS lob",
    "CREATE TEMPORARY TABLE lob (id INT PRIMARY KEY, lt LONGTEXT, lb LONGBLOB,"
    " tt TINYTEXT) CHARACTER SET utf8mb4",
    "INSERT INTO lob VALUES (1, REPEAT('ab\xf0\x9f\x99\x82', 174763),"
    " REPEAT(UNHEX('00FF105C'), 262144), 'tiny'), (2, '', '', NULL)",
};

/* The COPY text of each row of mt, column by column. */
static const char *const mt_want[3][MT_COLS] = {
    {"1", "-128", "1", "255", "-32768", "65535", "-8388608", "16777215",
     "-2147483648", "4294967295", "-9223372036854775808",
     "18446744073709551615",
     "-12345678901234567890123456789012345.123456789012345678901234567890",
     "1234567890.12", "3.14159", "0.1", "1", "\\\\x02ab",
     "\\\\xffffffffffffffff", "0000-00-00", "0000-00-00 00:00:00",
     "2020-01-02 03:04:05.123456", "2021-06-01 12:00:00", "838:59:59",
     "-12:00:00.500", "2021", "ab", "héllo 🙂\\t\\\\",
     "\\\\x00112233445566778899aabbccddeeff", "\\\\x00006100", "c d", "x,z",
     "{\"a\": [1, 2.5, \"ü\"]}", "café"},
    {"2", "127", "0", "\\N", "\\N", "\\N", "\\N", "\\N", "\\N", "\\N",
     "9223372036854775807", "\\N", "\\N", "\\N", "1e+38",
     "1.7976931348623157e+308", "0", "\\\\x0000", "\\N", "2020-00-10",
     "0000-00-00 00:00:00", "2020-05-00 10:00:00.500000", "\\N", "\\N", "\\N",
     "0000", "", "\\N", "\\N", "\\\\x", "a", "", "[]", "x"},
    {"3", "\\N", "\\N", "\\N", "\\N", "\\N", "\\N", "\\N", "\\N", "\\N", "\\N",
     "\\N", "\\N", "\\N", "\\N", "\\N", "\\N", "\\N", "\\N", "\\N", "\\N",
     "\\N", "\\N", "\\N", "\\N", "\\N", "\\N", "\\N", "\\N", "\\N", "\\N",
     "\\N", "\\N", "\\N"},
};

/* The expected stream of mt's rows, every column or all but json. */
static void mt_expect(mg_buf *out, bool with_json)
{
    mg_buf_reset(out);
    for (int r = 0; r < 3; r++) {
        for (int i = 0; i < MT_COLS; i++) {
            if (i == MT_JSON && !with_json)
                continue;
            if (i > 0)
                mg_buf_append_str(out, "\t");
            mg_buf_append_str(out, mt_want[r][i]);
        }
        mg_buf_append_str(out, "\n");
    }
}


static void test_mariadb_reader(mg_odbc *c)
{
    mg_error err;
    mg_error_clear(&err);
    bool made = true;
    for (size_t i = 0; i < sizeof mt_schema / sizeof mt_schema[0]; i++)
        if (!mg_odbc_exec(c, mt_schema[i], &err)) {
            printf("# %.80s: %s\n", mt_schema[i], err.msg);
            made = false;
        }
    CHECK(made, "MariaDB: a temporary table of every MySQL type");

    mg_buf got = MG_BUF_INIT, want = MG_BUF_INIT;
    long long n = copy_sql(c, "SELECT * FROM mt ORDER BY id", NULL, &got, &err);
    mt_expect(&want, true);
    CHECK(n == 3 && same_stream(&got, &want),
          "MariaDB: every type, row by row (JSON is a LOB): exact COPY "
          "text%s%s", n < 0 ? ": " : "", n < 0 ? err.msg : "");
    const char *cols = "id, ti, tb, uti, si, usi, mi, umi, i, ui, bi, ubi, "
                       "dec65, dec12, f, dbl, b1, b10, b64, d, dt, dt6, ts, "
                       "tm, tm3, y, ch, vc, bin16, vb, en, st, lat";
    char sql[400];
    snprintf(sql, sizeof sql, "SELECT %s FROM mt ORDER BY id", cols);
    const char *mode = reader_mode(c, sql, NULL);
    CHECK(strstr(mode, "block fetch") != NULL,
          "MariaDB: every type but JSON is block-fetched: %s", mode);
    n = copy_sql(c, sql, NULL, &got, &err);
    mt_expect(&want, false);
    CHECK(n == 3 && same_stream(&got, &want),
          "MariaDB: every type but JSON, block fetch: exact COPY text "
          "(zero dates arrive, unsigned bigint whole)%s%s", n < 0 ? ": " : "",
          n < 0 ? err.msg : "");

    /* The transforms a MySQL source needs, on the driver's own values. */
    const char *specs[] = {"int_to_boolean", "bit_to_boolean",
                           "bit_to_bitstring(10)", "binary_to_uuid",
                           "zero_dates_to_null", "zero_dates_to_null",
                           "zero_dates_to_null", "set_to_array",
                           "year_to_integer", "bit_to_bitstring(64)",
                           "bit_to_boolean"};
    mg_odbc_reader_opts o = {.transforms = specs, .ntransforms = 11};
    const char *txsql = "SELECT tb, b1, b10, bin16, d, dt, dt6, st, y, b64, "
                        "b10 FROM mt ORDER BY id";
    const char *txwant =
        "t\tt\t1010101011\t00112233-4455-6677-8899-aabbccddeeff\t\\N\t\\N\t"
        "2020-01-02 03:04:05.123456\t{\"x\",\"z\"}\t2021\t"
        "1111111111111111111111111111111111111111111111111111111111111111\tt\n"
        "f\tf\t0000000000\t\\N\t\\N\t\\N\t\\N\t{}\t0\t\\N\tf\n"
        "\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\n";
    n = copy_sql(c, txsql, &o, &got, &err);
    CHECK_STR(n == 3 ? got.data : err.msg, txwant,
              "MariaDB: tinyint(1), bit, binary(16), zero dates, set, year "
              "transformed (block fetch)");
    o.max_bind_bytes = 1;
    n = copy_sql(c, txsql, &o, &got, &err);
    CHECK_STR(n == 3 ? got.data : err.msg, txwant,
              "MariaDB: the same with SQLGetData");
    o.max_bind_bytes = 0;
    const char *narrow[] = {"bit_to_bitstring(8)"};
    o = (mg_odbc_reader_opts){.transforms = narrow, .ntransforms = 1};
    n = copy_sql(c, "SELECT b10 FROM mt ORDER BY id", &o, &got, &err);
    CHECK(n < 0 && err.code == MG_ERR_COPY,
          "MariaDB: BIT(10) into bit(8) fails");
    CHECK_STR(err.msg, "row 1, column \"b10\" (1): bit_to_bitstring(8) "
                       "cannot convert \\x02ab: more bits set than the "
                       "column has", "  naming row, column and value");

    /* Long values in pieces: 1 MB of text with 4-byte characters, 1 MiB of
     * bytes with zeros. */
    n = copy_sql(c, "SELECT * FROM lob ORDER BY id", NULL, &got, &err);
    mg_buf_reset(&want);
    mg_buf_append_str(&want, "1\t");
    for (int i = 0; i < 174763; i++)
        mg_buf_append_str(&want, "ab🙂");
    mg_buf_append_str(&want, "\t\\\\x");
    for (int i = 0; i < 262144; i++)
        mg_buf_append_str(&want, "00ff105c");
    mg_buf_append_str(&want, "\ttiny\n2\t\t\\\\x\t\\N\n");
    CHECK(n == 2 && same_stream(&got, &want),
          "MariaDB: 1 MB LONGTEXT (emoji) and 1 MiB LONGBLOB whole "
          "(%zu bytes, want %zu)%s%s", got.len, want.len, n < 0 ? ": " : "",
          n < 0 ? err.msg : "");
    mg_buf_free(&got);
    mg_buf_free(&want);
}

/* The transformed MariaDB values go into PostgreSQL columns of the types
 * the mapping picks, and read back as a user checks them. */
static void test_mariadb_to_pg(mg_odbc *c)
{
    mg_error err;
    mg_error_clear(&err);
    mg_pg_conn *pg = mg_pg_open(NULL, MG_SIDE_TARGET, &err);
    if (pg == NULL) {
        CHECK(false, "connect to the test PostgreSQL: %s", err.msg);
        return;
    }
    CHECK(mg_pg_exec(pg, "CREATE TEMP TABLE mt (id int, tb boolean,"
                         " b1 boolean, b10 bit(10), bin16 uuid, d date,"
                         " dt timestamp, st text[], y int, ubi numeric(20),"
                         " f real, tm interval, vb bytea, lat text)", &err),
          "pg: target table for MariaDB values");
    const char *specs[] = {NULL, "int_to_boolean", "bit_to_boolean",
                           "bit_to_bitstring(10)", "binary_to_uuid",
                           "zero_dates_to_null", "zero_dates_to_null",
                           "set_to_array", "year_to_integer"};
    mg_odbc_reader_opts o = {.transforms = specs, .ntransforms = 9};
    mg_reader r;
    mg_writer w;
    mg_copy_stats st;
    memset(&r, 0, sizeof r);
    bool ok = mg_odbc_copy_reader(c, "SELECT id, tb, b1, b10, bin16, d, dt6,"
                                     " st, y, ubi, f, tm, vb, lat FROM mt",
                                  &o, &r, &err) &&
              mg_pg_copy_writer(pg, "COPY mt FROM STDIN (FORMAT text)",
                                MG_STREAM_PG_TEXT, &w, &err) &&
              mg_copy_run(&r, &w, NULL, &st, &err);
    if (r.close)
        r.close(&r);
    CHECK(ok && st.rows == 3, "pg: MariaDB rows copied with transforms%s%s",
          ok ? "" : ": ", ok ? "" : err.msg);
    CHECK_STR(pg_scalar(pg, "SELECT concat_ws('|', tb, b1, b10, bin16, d, dt,"
                            " st[2], y, ubi, f, tm, vb, lat) FROM mt"
                            " WHERE id = 1"),
              "t|t|1010101011|00112233-4455-6677-8899-aabbccddeeff|"
              "2020-01-02 03:04:05.123456|z|2021|18446744073709551615|"
              "3.14159|838:59:59|\\x00006100|café",
              "pg: row 1 as a user reads it");
    CHECK_STR(pg_scalar(pg, "SELECT concat_ws('|', tb, b1, b10, d IS NULL,"
                            " dt IS NULL, cardinality(st), y, f, vb = '') FROM mt"
                            " WHERE id = 2"),
              "f|f|0000000000|t|t|0|0|1e+38|t", "pg: row 2 (zero dates NULL)");
    CHECK_STR(pg_scalar(pg, "SELECT num_nulls(tb, b1, b10, bin16, d, dt, st,"
                            " y, ubi, f, tm, vb, lat) FROM mt WHERE id = 3"),
              "13", "pg: row 3 all NULL");
    mg_pg_close(pg);
}

static void test_mariadb(void)
{
    mg_error err;
    mg_error_clear(&err);
    mg_odbc *c = mg_odbc_open("DSN=migrate_mariadb", MG_SIDE_SOURCE, &err);
    CHECK(c != NULL, "connect to MariaDB (DSN=migrate_mariadb, ODBCINI %s)%s%s",
          getenv("ODBCINI") ? getenv("ODBCINI") : "unset", c ? "" : ": ",
          c ? "" : err.msg);
    if (c == NULL)
        return;
    test_mariadb_reader(c);
    test_cancel(c, "SELECT SLEEP(30)");
    edge_case(c, "MariaDB", "CREATE TEMPORARY TABLE edge (id INT PRIMARY KEY, "
                            "t TEXT, b BLOB)");
    test_mariadb_to_pg(c);
    mg_odbc_close(c);
}

int main(void)
{
    if (!make_db()) {
        CHECK(false, "create the SQLite database with the sqlite3 CLI");
        drop_db();
        return check_done();
    }
    test_open();
    test_escape();
    mg_odbc *c = connect_db();
    CHECK(c != NULL, "connect to %s", connstr);
    if (c != NULL) {
        test_query(c);
        test_catalog(c);
        test_reader(c);
        edge_case(c, "SQLite", "CREATE TABLE edge (id INTEGER PRIMARY KEY, "
                               "t TEXT, b BLOB)");
        test_transforms(c);
        test_encodings(c);
        test_to_pg(c);
    }
    mg_odbc_close(c);
    test_mariadb();
    drop_db();
    return check_done();
}
