/*
 * test_odbc_write.c - ODBC as a target (runtime/conn/odbc_write.c): the
 * COPY text writer with parameter arrays, and transactions, against the
 * throwaway MariaDB of the CTest fixture (DSN migrate_mariadb, ODBCINI set
 * by CTest) through the MariaDB ODBC driver, and against SQLite through
 * libsqliteodbc (a file in a temp dir).
 *
 * Checked by reading the rows back (HEX() of every value, so bytes are
 * exact): every COPY text escape, NULL vs '', tabs, newlines and
 * backslashes, non-ASCII and 4-byte UTF-8, bytea with zero bytes into
 * VARBINARY and BLOB, booleans into TINYINT(1); a stream split at every
 * byte position; several batches by rows and by bytes, and that MariaDB
 * runs a batch as one execute (its COM_STMT_EXECUTE counter); a failing
 * row named by its number in the stream with the driver's SQLSTATE (with
 * parameter arrays and row by row); a wrong field count; commit and
 * rollback as a second connection sees them; an upsert with ON DUPLICATE
 * KEY UPDATE.
 * Table names carry the pid: the plain, ASan and valgrind runs share the
 * server.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "conn/odbc.h"
#include "core/buf.h"
#include "core/log.h"

static char sqlite_dir[300];
static char sqlite_cs[600];
static char tbl[64]; /* the table of the current test, with the pid */

/* ---- helpers ------------------------------------------------------------ */

static mg_odbc *connect(const char *cs)
{
    mg_error err;
    mg_error_clear(&err);
    mg_odbc *c = mg_odbc_open(cs, MG_SIDE_TARGET, &err);
    if (c == NULL)
        printf("# connect %s failed: %s %s\n", cs, err.sqlstate, err.msg);
    return c;
}

/* tmpl with every "%s" replaced by the table name. */
static void fill(char *out, size_t size, const char *tmpl)
{
    size_t o = 0;
    for (const char *p = tmpl; *p && o + 1 < size; p++) {
        if (p[0] == '%' && p[1] == 's') {
            for (const char *t = tbl; *t && o + 1 < size; t++)
                out[o++] = *t;
            p++;
        } else {
            out[o++] = *p;
        }
    }
    out[o] = '\0';
}

/* Run tmpl (%s = the table). */
static bool exec(mg_odbc *c, const char *tmpl)
{
    char sql[1024];
    fill(sql, sizeof sql, tmpl);
    mg_error err;
    mg_error_clear(&err);
    bool ok = mg_odbc_exec(c, sql, &err);
    if (!ok)
        printf("# %s: %s %s\n", sql, err.sqlstate, err.msg);
    return ok;
}

/* The rows of `sql` (%s = the table) as one string: values joined by
 * ",", rows by ";", NULL as "N". */
static char *rows_of(mg_odbc *c, const char *tmpl)
{
    char sql[1024];
    fill(sql, sizeof sql, tmpl);
    mg_error err;
    mg_error_clear(&err);
    mg_result *r = NULL;
    if (!mg_odbc_query(c, sql, 0, NULL, &r, &err)) {
        printf("# %s: %s %s\n", sql, err.sqlstate, err.msg);
        return strdup("(query failed)");
    }
    mg_buf b = MG_BUF_INIT;
    mg_buf_append(&b, "", 0);
    for (size_t i = 0; i < r->nrows; i++) {
        for (int j = 0; j < r->ncols; j++) {
            const char *v = mg_result_value(r, i, j);
            mg_buf_append_str(&b, j ? "," : i ? ";" : "");
            mg_buf_append_str(&b, v ? v : "N");
        }
    }
    mg_result_free(r);
    return b.data;
}

static void check_rows(mg_odbc *c, const char *tmpl, const char *want,
                       const char *what)
{
    char *got = rows_of(c, tmpl);
    CHECK_STR(got, want, "%s", what);
    free(got);
}

/* Run the writer over stream[0..len), written in pieces of `piece` bytes
 * (0: whole), or in two pieces split at `split` when piece is 1 and split
 * >= 0.  Returns finish()'s result; *rows and *err as it leaves them. */
static bool copy_in(mg_odbc *c, const char *sql, const mg_odbc_writer_opts *o,
                    const char *stream, size_t len, size_t piece, long split,
                    long long *rows, mg_error *err)
{
    mg_writer w;
    mg_error_clear(err);
    *rows = -1;
    if (!mg_odbc_copy_writer(c, sql, o, &w, err))
        return false;
    if (w.format != MG_STREAM_PG_TEXT) {
        w.abort(&w, "format");
        return false;
    }
    bool ok = true;
    if (split >= 0) {
        ok = w.write(&w, stream, (size_t)split, err) &&
             w.write(&w, stream + split, len - (size_t)split, err);
    } else {
        size_t step = piece ? piece : len;
        for (size_t off = 0; ok && off < len; off += step)
            ok = w.write(&w, stream + off, off + step > len ? len - off : step,
                         err);
    }
    if (!ok) {
        w.abort(&w, "test: write failed");
        return false;
    }
    return w.finish(&w, rows, err);
}

/* ---- values ------------------------------------------------------------ */

/* COPY text as PostgreSQL writes it for (id, txt, bin, blb, flag). */
static const char values_stream[] =
    /* every escape; octal and hex forms; a backslash before 'z' is 'z' */
    "1\ta\\\\b\\tc\\nd\\re\\bf\\fg\\vh\\101\\x41\\x4\\7\\z\t\\\\x00ff00\t"
    "\\\\x0000\tt\n"
    /* NULL everywhere */
    "2\t\\N\t\\N\t\\N\t\\N\n"
    /* '' (not NULL), empty bytea, false */
    "3\t\t\\\\x\t\\\\x\tf\n"
    /* non-ASCII and 4-byte UTF-8, bytea in escape format, true */
    "4\t\xc3\xa9\xe6\xbc\xa2\xe5\xad\x97\xf0\x9f\x99\x82 na\xc3\xafve\t"
    "a\\\\\\\\b\\\\000\t\\\\x5c0a09\ttrue\n";

/* HEX() of the values above, as MariaDB and SQLite show them. */
static const char values_want[] =
    "1,615C6209630A640D6508660C670B6841410407"
    "7A,00FF00,0000,1;"
    "2,N,N,N,N;"
    "3,,,,0;"
    "4,C3A9E6BCA2E5AD97F09F9982206E61C3AF7665,615C6200,5C0A09,1";

static const mg_odbc_param_kind values_kinds[] = {
    MG_ODBC_PARAM_TEXT, MG_ODBC_PARAM_TEXT, MG_ODBC_PARAM_BINARY,
    MG_ODBC_PARAM_BINARY, MG_ODBC_PARAM_BOOLEAN};

/* HEX(NULL) is '' in SQLite: keep NULL apart. */
static const char values_select[] =
    "SELECT id, CASE WHEN txt IS NULL THEN NULL ELSE HEX(txt) END,"
    " CASE WHEN bin IS NULL THEN NULL ELSE HEX(bin) END,"
    " CASE WHEN blb IS NULL THEN NULL ELSE HEX(blb) END, flag"
    " FROM %s ORDER BY id";

static void test_values(mg_odbc *c, const char *dbname, const char *create,
                        bool row_by_row)
{
    const char *mode = row_by_row ? "row by row" : "arrays";
    if (!exec(c, "DROP TABLE IF EXISTS %s") || !exec(c, create)) {
        CHECK(false, "%s: create the table", dbname);
        return;
    }
    char sql[256];
    snprintf(sql, sizeof sql, "INSERT INTO %s VALUES (?, ?, ?, ?, ?)", tbl);
    mg_odbc_writer_opts o = {0, 0, values_kinds, 5, row_by_row};
    mg_error err;
    long long rows;
    bool ok = copy_in(c, sql, &o, values_stream, sizeof values_stream - 1, 0,
                      -1, &rows, &err);
    CHECK(ok && rows == 4, "%s (%s): 4 rows of every kind of value%s%s",
          dbname, mode, ok ? "" : ": ", ok ? "" : err.msg);
    check_rows(c, values_select, values_want,
               "escapes, NULL vs '', UTF-8, bytea with zero bytes, booleans "
               "read back byte for byte");
    char *nulls = rows_of(c, "SELECT COUNT(*) FROM %s WHERE txt IS NULL");
    CHECK_STR(nulls, "1", "%s (%s): \\N is NULL, an empty field is ''",
              dbname, mode);
    free(nulls);
}

/* Every split of a small stream into two write() calls. */
static void test_splits(mg_odbc *c, const char *dbname)
{
    static const char stream[] =
        "10\tx\\ty\t\\\\x01ff\t\\N\tt\n"
        "11\t\\N\t\\N\t\\\\x\tf\n"
        "12\t\xf0\x9f\x99\x82\\\\\t\\\\x00\t\\N\t\\N\n";
    const char *want = "10,780979,01FF,N,1;11,N,N,,0;12,F09F99825C,00,N,N";
    char sql[256];
    snprintf(sql, sizeof sql, "INSERT INTO %s VALUES (?, ?, ?, ?, ?)", tbl);
    mg_odbc_writer_opts o = {2, 0, values_kinds, 5, false};
    size_t len = sizeof stream - 1;
    int good = 0;
    for (size_t k = 0; k <= len; k++) {
        mg_error err;
        long long rows;
        exec(c, "DELETE FROM %s");
        bool ok = copy_in(c, sql, &o, stream, len, 1, (long)k, &rows, &err);
        char *got = rows_of(c, values_select);
        if (ok && rows == 3 && strcmp(got, want) == 0)
            good++;
        else
            printf("# split at %zu: %s rows %lld: %s\n", k,
                   ok ? "ok" : err.msg, rows, got);
        free(got);
    }
    CHECK(good == (int)len + 1, "%s: a stream split at each of its %zu byte "
          "positions gives the same 3 rows (%d did)", dbname, len + 1, good);
    mg_error err;
    long long rows;
    exec(c, "DELETE FROM %s");
    bool ok = copy_in(c, sql, &o, stream, len, 1, -1, &rows, &err);
    char *got = rows_of(c, values_select);
    CHECK(ok && rows == 3 && strcmp(got, want) == 0,
          "%s: one byte per write() gives the same rows (%s)", dbname, got);
    free(got);
    /* The last row without its newline, and the "\." end marker. */
    exec(c, "DELETE FROM %s");
    ok = copy_in(c, sql, &o, stream, len - 1, 0, -1, &rows, &err);
    check_rows(c, "SELECT COUNT(*) FROM %s", ok && rows == 3 ? "3" : "fail",
               "a last row without its newline is a row");
    static const char marked[] = "20\ta\t\\N\t\\N\tt\n\\.\n";
    exec(c, "DELETE FROM %s");
    ok = copy_in(c, sql, &o, marked, sizeof marked - 1, 0, -1, &rows, &err);
    CHECK(ok && rows == 1, "the \\. end marker is not a row (rows %lld)", rows);
}

/* 100 rows "i\tname i\tdecimal\tdate". */
static void hundred_rows(mg_buf *b, int dup_at, int dup_of)
{
    mg_buf_reset(b);
    for (int i = 1; i <= 100; i++)
        mg_buf_printf(b, "%d\tname %d\t%d.%02d\t2024-01-%02d 10:00:00\n",
                      i == dup_at ? dup_of : i, i, i * 3, i % 100, 1 + i % 28);
}

/* The statements MariaDB executed in c's session so far, counting the
 * query that asks (a parameter array executes once). */
static long executes(mg_odbc *c)
{
    char *v = rows_of(c, "SELECT VARIABLE_VALUE FROM information_schema."
                         "SESSION_STATUS WHERE VARIABLE_NAME = "
                         "'COM_STMT_EXECUTE'");
    long n = atol(v);
    free(v);
    return n;
}

static void test_batches(mg_odbc *c, const char *dbname, bool row_by_row)
{
    const char *mode = row_by_row ? "row by row" : "arrays";
    char sql[256];
    snprintf(sql, sizeof sql, "INSERT INTO %s VALUES (?, ?, ?, ?)", tbl);
    mg_buf b = MG_BUF_INIT;
    mg_error err;
    long long rows;

    hundred_rows(&b, 0, 0);
    mg_odbc_writer_opts o = {7, 0, NULL, 0, row_by_row};
    exec(c, "DELETE FROM %s");
    bool maria = strcmp(dbname, "MariaDB") == 0;
    long before = maria ? executes(c) : 0;
    bool ok = copy_in(c, sql, &o, b.data, b.len, 100, -1, &rows, &err);
    CHECK(ok && rows == 100, "%s (%s): 100 rows in batches of 7 (rows %lld)%s",
          dbname, mode, rows, ok ? "" : err.msg);
    if (maria) {
        long n = executes(c) - before - 1;
        CHECK(n == (row_by_row ? 100 : 15), "%s (%s): %ld executes for 100 "
              "rows (parameter arrays of 7: 15)", dbname, mode, n);
    }
    check_rows(c, "SELECT COUNT(*), SUM(id), MIN(name), MAX(name) FROM %s",
               "100,5050,name 1,name 99", "every row arrived");
    check_rows(c, "SELECT name, amount, at FROM %s WHERE id = 57",
               "name 57,171.57,2024-01-02 10:00:00",
               "row 57 read back value by value");

    /* By bytes: a 20-row budget of the widest row, and one 30 KB value
     * past the budget that travels alone. */
    mg_buf_printf(&b, "101\t");
    for (int i = 0; i < 3000; i++)
        mg_buf_append_str(&b, "0123456789");
    mg_buf_printf(&b, "\t1.00\t2024-02-01 00:00:00\n");
    mg_odbc_writer_opts ob = {0, 20 * (4 + 10 + 7 + 21 + 4 * sizeof(long)),
                              NULL, 0, row_by_row};
    exec(c, "DELETE FROM %s");
    ok = copy_in(c, sql, &ob, b.data, b.len, 0, -1, &rows, &err);
    CHECK(ok && rows == 101, "%s (%s): 101 rows in batches bounded by "
          "batch_bytes (rows %lld)%s", dbname, mode, rows, ok ? "" : err.msg);
    check_rows(c, "SELECT COUNT(*), SUM(id), MAX(LENGTH(name)) FROM %s",
               "101,5151,30000",
               "a value wider than batch_bytes arrives whole");

    /* A duplicate key: row 52 repeats id 3.  Batches of 7: rows 50..56
     * are one batch; the rows before 52 are applied (autocommit). */
    hundred_rows(&b, 52, 3);
    exec(c, "DELETE FROM %s");
    ok = copy_in(c, sql, &o, b.data, b.len, 0, -1, &rows, &err);
    CHECK(!ok && err.side == MG_SIDE_TARGET &&
              strstr(err.msg, "row 52:") != NULL,
          "%s (%s): a duplicate key fails naming row 52 of the stream: %s",
          dbname, mode, err.msg);
    CHECK(strcmp(err.sqlstate, strcmp(dbname, "SQLite") == 0 ? "HY000"
                                                              : "23000") == 0,
          "%s (%s): the driver's SQLSTATE (%s) and message kept", dbname, mode,
          err.sqlstate);
    check_rows(c, "SELECT COUNT(*) FROM %s", "51",
               "the 51 rows before it were applied");

    /* NOT NULL: row 9 has no name. */
    hundred_rows(&b, 0, 0);
    char *p = strstr(b.data, "\n9\tname 9\t");
    if (p) { /* "name 9\t" -> "\N\t" */
        memcpy(p + 3, "\\N\t", 3);
        memmove(p + 6, p + 10, strlen(p + 10) + 1);
        b.len -= 4;
    }
    exec(c, "DELETE FROM %s");
    ok = copy_in(c, sql, &o, b.data, b.len, 0, -1, &rows, &err);
    CHECK(!ok && strstr(err.msg, "row 9:") != NULL && err.sqlstate[0] != '\0' &&
              strncmp(err.sqlstate, "01", 2) != 0,
          "%s (%s): a NULL into NOT NULL fails naming row 9 [%s]: %s", dbname,
          mode, err.sqlstate, err.msg);

    /* A wrong field count. */
    static const char short_row[] = "1\ta\t1.5\t2024-01-01\n2\tb\t2.5\n";
    ok = copy_in(c, sql, &o, short_row, sizeof short_row - 1, 0, -1, &rows,
                 &err);
    CHECK(!ok && err.side == MG_SIDE_TARGET &&
              strstr(err.msg, "row 2 has 3 fields, the statement takes 4 "
                              "parameters (column count mismatch)") != NULL,
          "%s (%s): a row with 3 fields of 4 is named: %s", dbname, mode,
          err.msg);
    mg_buf_free(&b);
}

static void test_bad_values(mg_odbc *c)
{
    char sql[256];
    snprintf(sql, sizeof sql, "INSERT INTO %s VALUES (?, ?, ?, ?, ?)", tbl);
    mg_odbc_writer_opts o = {0, 0, values_kinds, 5, false};
    mg_error err;
    long long rows;
    static const char badbool[] = "1\ta\t\\N\t\\N\tt\n2\ta\t\\N\t\\N\tmaybe\n";
    bool ok = copy_in(c, sql, &o, badbool, sizeof badbool - 1, 0, -1, &rows,
                      &err);
    CHECK(!ok && strcmp(err.sqlstate, "22P02") == 0 &&
              strstr(err.msg, "row 2 column 5: 'maybe' is not a boolean"),
          "a value that is no boolean is named: %s", err.msg);
    static const char badhex[] = "1\ta\t\\\\x0g\t\\N\tt\n";
    ok = copy_in(c, sql, &o, badhex, sizeof badhex - 1, 0, -1, &rows, &err);
    CHECK(!ok && strcmp(err.sqlstate, "22P02") == 0 &&
              strstr(err.msg, "row 1 column 3: not bytea") != NULL,
          "bytea text with a bad hex digit is named: %s", err.msg);
    mg_writer w;
    mg_odbc_param_kind six[6] = {0};
    mg_odbc_writer_opts o6 = {0, 0, six, 6, false};
    ok = mg_odbc_copy_writer(c, sql, &o6, &w, &err);
    CHECK(!ok && err.code == MG_ERR_USAGE && err.side == MG_SIDE_TARGET,
          "more kinds than parameters is refused: %s", err.msg);
    snprintf(sql, sizeof sql, "DELETE FROM %s", tbl);
    ok = mg_odbc_copy_writer(c, sql, NULL, &w, &err);
    CHECK(!ok && strstr(err.msg, "takes 0 parameters") != NULL,
          "a statement without parameters is refused: %s", err.msg);
    ok = mg_odbc_copy_writer(c, "INSERT INTO no_such_table_x VALUES (?)", NULL,
                             &w, &err);
    CHECK(!ok && err.side == MG_SIDE_TARGET && err.sqlstate[0] != '\0',
          "a statement the server refuses fails at once [%s]: %s",
          err.sqlstate, err.msg);
}

/* Rows written in a transaction are seen by a second connection only
 * after commit, never after rollback. */
static void test_transactions(mg_odbc *c, const char *cs, const char *dbname)
{
    mg_odbc *other = connect(cs);
    if (other == NULL) {
        CHECK(false, "%s: a second connection", dbname);
        return;
    }
    char sql[256];
    snprintf(sql, sizeof sql, "INSERT INTO %s VALUES (?, ?, ?, ?)", tbl);
    mg_buf b = MG_BUF_INIT;
    hundred_rows(&b, 0, 0);
    mg_error err;
    mg_error_clear(&err);
    long long rows;
    exec(c, "DELETE FROM %s");
    bool ok = mg_odbc_set_autocommit(c, false, &err);
    CHECK(ok, "%s: autocommit off%s", dbname, err.msg);
    mg_odbc_writer_opts o = {30, 0, NULL, 0, false};
    ok = copy_in(c, sql, &o, b.data, b.len, 0, -1, &rows, &err);
    CHECK(ok && rows == 100, "%s: 100 rows written in a transaction", dbname);
    check_rows(other, "SELECT COUNT(*) FROM %s", "0",
               "not seen by a second connection before commit");
    ok = mg_odbc_commit(c, &err);
    CHECK(ok, "%s: commit%s", dbname, err.msg);
    check_rows(other, "SELECT COUNT(*), SUM(id) FROM %s", "100,5050",
               "seen by the second connection after commit");

    exec(c, "DELETE FROM %s WHERE id > 50");
    ok = mg_odbc_rollback(c, &err);
    CHECK(ok, "%s: rollback%s", dbname, err.msg);
    check_rows(other, "SELECT COUNT(*) FROM %s", "100",
               "a rolled back delete leaves the rows");
    exec(c, "DELETE FROM %s");
    mg_odbc_commit(c, &err);
    ok = copy_in(c, sql, &o, b.data, b.len, 0, -1, &rows, &err);
    ok = ok && mg_odbc_rollback(c, &err);
    CHECK(ok, "%s: copy then rollback%s", dbname, err.msg);
    check_rows(other, "SELECT COUNT(*) FROM %s", "0",
               "rows of a rolled back copy are never seen");
    check_rows(c, "SELECT COUNT(*) FROM %s", "0",
               "nor by the writing connection");
    ok = mg_odbc_set_autocommit(c, true, &err);
    CHECK(ok, "%s: autocommit back on", dbname);
    mg_buf_free(&b);
    mg_odbc_close(other);
}

static void test_upsert(mg_odbc *c)
{
    char sql[256];
    snprintf(sql, sizeof sql, "INSERT INTO %s VALUES (?, ?, ?, ?) ON DUPLICATE "
             "KEY UPDATE name = VALUES(name), amount = VALUES(amount)", tbl);
    static const char first[] = "1\ta\t1.00\t2024-01-01\n"
                                "2\tb\t2.00\t2024-01-01\n"
                                "3\tc\t3.00\t2024-01-01\n";
    static const char second[] = "2\tB\t20.00\t2024-01-01\n"
                                 "3\tC\t30.00\t2024-01-01\n"
                                 "4\tD\t40.00\t2024-01-01\n";
    mg_odbc_writer_opts o = {2, 0, NULL, 0, false};
    mg_error err;
    long long rows;
    exec(c, "DELETE FROM %s");
    bool ok =
        copy_in(c, sql, &o, first, sizeof first - 1, 0, -1, &rows, &err) &&
        copy_in(c, sql, &o, second, sizeof second - 1, 0, -1, &rows, &err);
    CHECK(ok && rows == 3, "upsert twice%s", ok ? "" : err.msg);
    check_rows(c, "SELECT id, name, amount FROM %s ORDER BY id",
               "1,a,1.00;2,B,20.00;3,C,30.00;4,D,40.00",
               "ON DUPLICATE KEY UPDATE: 2 and 3 updated, 4 inserted");
}

/* ---- the two servers ---------------------------------------------------- */

static void run_mariadb(void)
{
    const char *cs = "DSN=migrate_mariadb";
    mg_odbc *c = connect(cs);
    CHECK(c != NULL, "connect to MariaDB (%s, ODBCINI=%s)", cs,
          getenv("ODBCINI") ? getenv("ODBCINI") : "(unset)");
    if (c == NULL)
        return;
    snprintf(tbl, sizeof tbl, "w_vals_%ld", (long)getpid());
    const char *create = "CREATE TABLE %s (id INT PRIMARY KEY, txt TEXT, "
                         "bin VARBINARY(64), blb BLOB, flag TINYINT(1))";
    test_values(c, "MariaDB", create, false);
    test_values(c, "MariaDB", create, true);
    test_splits(c, "MariaDB");
    test_bad_values(c);
    exec(c, "DROP TABLE IF EXISTS %s");

    snprintf(tbl, sizeof tbl, "w_rows_%ld", (long)getpid());
    exec(c, "DROP TABLE IF EXISTS %s");
    exec(c, "CREATE TABLE %s (id INT PRIMARY KEY, name TEXT NOT NULL,"
            " amount DECIMAL(12,2), at DATETIME) ENGINE=InnoDB");
    test_batches(c, "MariaDB", false);
    test_batches(c, "MariaDB", true);
    test_transactions(c, cs, "MariaDB");
    test_upsert(c);
    exec(c, "DROP TABLE IF EXISTS %s");
    mg_odbc_close(c);
}

static void run_sqlite(void)
{
    const char *tmp = getenv("MG_TEST_TMP");
    snprintf(sqlite_dir, sizeof sqlite_dir, "%s/odbc_write_%ld",
             tmp && *tmp ? tmp : "/tmp", (long)getpid());
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", sqlite_dir,
             sqlite_dir);
    if (system(cmd) != 0) {
        CHECK(false, "make %s", sqlite_dir);
        return;
    }
    /* No fsync per statement: the test makes ~300 small commits. */
    snprintf(sqlite_cs, sizeof sqlite_cs,
             "Driver=SQLite3;Database=%s/w.db;SyncPragma=OFF", sqlite_dir);
    mg_odbc *c = connect(sqlite_cs);
    CHECK(c != NULL, "connect to SQLite (%s)", sqlite_cs);
    if (c != NULL) {
        snprintf(tbl, sizeof tbl, "w_vals");
        test_values(c, "SQLite", "CREATE TABLE %s (id INTEGER PRIMARY KEY, "
                    "txt TEXT, bin BLOB, blb BLOB, flag INTEGER)", false);
        test_splits(c, "SQLite");
        snprintf(tbl, sizeof tbl, "w_rows");
        exec(c, "CREATE TABLE %s (id INTEGER PRIMARY KEY, name TEXT NOT NULL,"
                " amount TEXT, at TEXT)");
        test_batches(c, "SQLite", false);
        test_batches(c, "SQLite", true);
        test_transactions(c, sqlite_cs, "SQLite");
        mg_odbc_close(c);
    }
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", sqlite_dir);
    if (system(cmd) != 0)
        printf("# could not remove %s\n", sqlite_dir);
}

int main(void)
{
    mg_log_set_level(MG_LOG_WARN);
    run_mariadb();
    run_sqlite();
    return check_done();
}
