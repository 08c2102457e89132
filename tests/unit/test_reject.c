/*
 * test_reject.c - the reject loader (runtime/copy/reject.c) against a real
 * PostgreSQL.
 *
 * Streams of COPY text rows, some of them bad in every way a server
 * refuses a row (a bad integer, NULL into NOT NULL, a CHECK, a duplicate
 * key, a value too long, bad UTF-8, a missing column, a foreign key that
 * is only checked after the data), fed in pieces that cut rows anywhere,
 * through batches of several sizes.  Checked: the table holds exactly the
 * good rows (byte-exact, escapes included), the data file exactly the bad
 * ones in stream order, and loads back with COPY once the table is fixed;
 * the log names each row, SQLSTATE and column; max_rejects; errors that
 * are not about a row (table dropped, backend terminated, no transaction)
 * fail the copy and reject nothing; the copy engine with a PostgreSQL
 * reader through the loader; a rerun appends to the files.
 *
 * Creates the database mg_rej_<pid> and files under $MG_TEST_TMP, drops
 * and removes them at the end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "pg_check.h"
#include "conn/pg.h"
#include "copy/engine.h"
#include "copy/reject.h"
#include "core/buf.h"
#include "core/log.h"

#define COPY_T "COPY t (id, qty, code, note) FROM STDIN (FORMAT text)"
#define T_DDL                                                              \
    "DROP TABLE IF EXISTS t; CREATE TABLE t (id int PRIMARY KEY, qty int " \
    "NOT NULL CHECK (qty >= 0), code varchar(5), note text)"

static char tmpdir[512];

/* ---- helpers --------------------------------------------------------- */


static bool exec_ok(mg_pg_conn *c, const char *sql)
{
    mg_error err;
    bool ok = mg_pg_exec(c, sql, &err);
    if (!ok)
        printf("# %s: %s\n", sql, err.msg);
    return ok;
}

/* A file under the test directory (static buffer per slot). */
static const char *tmp_path(int slot, const char *name)
{
    static char paths[8][600];
    snprintf(paths[slot], sizeof paths[slot], "%s/%s", tmpdir, name);
    return paths[slot];
}

/* The whole file in an owned buffer ("" when missing: *exists false). */
static char *slurp(const char *path, size_t *len, bool *exists)
{
    mg_buf b = MG_BUF_INIT;
    mg_buf_append(&b, "", 0);
    FILE *f = fopen(path, "rb");
    if (exists)
        *exists = f != NULL;
    if (f) {
        char chunk[4096];
        size_t n;
        while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
            mg_buf_append(&b, chunk, n);
        fclose(f);
    }
    if (len)
        *len = b.len;
    return b.data;
}

static int count_char_lines(const char *s, char first)
{
    int n = 0;
    for (const char *p = s; *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : p + strlen(p))
        n += *p == first;
    return n;
}

/* Line k (0-based) of s, copied into out. */
static const char *nth_line(const char *s, int k, char *out, size_t outsz)
{
    const char *p = s;
    for (int i = 0; i < k && p; i++) {
        p = strchr(p, '\n');
        p = p ? p + 1 : NULL;
    }
    if (p == NULL || *p == '\0')
        return "";
    const char *e = strchr(p, '\n');
    size_t n = e ? (size_t)(e - p) : strlen(p);
    if (n >= outsz)
        n = outsz - 1;
    memcpy(out, p, n);
    out[n] = '\0';
    return out;
}

/* In a transaction of its own on c: open a loader on copy_sql, write the
 * stream in pieces of `piece` bytes (0: whole), finish, commit (or roll
 * back on failure).  *counts and *err get what happened. */
static bool load(mg_pg_conn *c, const char *copy_sql, const char *stream,
                 size_t len, size_t piece, const mg_reject_opts *o,
                 mg_reject_counts *counts, mg_error *err)
{
    memset(counts, 0, sizeof *counts);
    mg_error_clear(err);
    if (!mg_pg_exec(c, "BEGIN", err))
        return false;
    mg_writer w;
    mg_reject_loader *l = mg_reject_open(c, copy_sql, o, &w, err);
    bool ok = l != NULL;
    for (size_t off = 0; ok && off < len;) {
        size_t n = piece && piece < len - off ? piece : len - off;
        ok = w.write(&w, stream + off, n, err);
        off += n;
    }
    long long rows = -1;
    if (ok)
        ok = w.finish(&w, &rows, err);
    else if (l)
        w.abort(&w, "test");
    if (l) {
        mg_reject_get_counts(l, counts);
        mg_reject_close(l);
        if (ok && rows != counts->loaded)
            printf("# finish said %lld rows, counts %lld\n", rows, counts->loaded);
    }
    mg_error e2;
    mg_pg_exec(c, ok ? "COMMIT" : "ROLLBACK", &e2);
    return ok;
}

/* ---- the mixed stream ------------------------------------------------ */

/* Twelve rows: every kind of bad row once, a good row with an escaped tab,
 * newline and backslash, and a last row without its newline. */
static const char *const mixed_rows[] = {
    "1\t10\tab\tfirst\n",
    "2\tabc\tab\tbad int\n",           /* 22P02, column qty */
    "3\t\\N\tab\tnull qty\n",          /* 23502 */
    "4\t-1\tab\tcheck\n",              /* 23514 */
    "5\t5\tab\tgood\n",
    "1\t6\tab\tdup of 1\n",            /* 23505 */
    "7\t7\ttoolong\tlong code\n",      /* 22001, column code */
    "8\t8\tok\ta\\tb\\nc\\\\d\n",      /* good: a<TAB>b<LF>c\d */
    "9\t9\tab\tbad \xff\xfe utf8\n",   /* 22021 */
    "10\t10\tab\tlast good\n",
    "11\t11\n",                        /* 22P04, missing data */
    "12\t12\t\\N\tno newline",         /* good, the stream's end */
};
static const int mixed_bad[] = {2, 3, 4, 6, 7, 9, 11};
static const char *const mixed_states[] = {"22P02", "23502", "23514", "23505",
                                           "22001", "22021", "22P04"};
#define NMIXED (sizeof mixed_rows / sizeof mixed_rows[0])
#define NMIXED_BAD (sizeof mixed_bad / sizeof mixed_bad[0])

static void mixed_stream(mg_buf *b, mg_buf *bad)
{
    for (size_t i = 0; i < NMIXED; i++)
        mg_buf_append_str(b, mixed_rows[i]);
    for (size_t i = 0; i < NMIXED_BAD; i++)
        mg_buf_append_str(bad, mixed_rows[mixed_bad[i] - 1]);
}

static void test_mixed(mg_pg_conn *c)
{
    static const struct {
        size_t batch_rows, piece;
    } runs[] = {{4, 7}, {1, 1}, {1000, 0}, {3, 5}, {2, 64}};
    mg_buf stream = MG_BUF_INIT, bad = MG_BUF_INIT;
    mixed_stream(&stream, &bad);
    for (size_t r = 0; r < sizeof runs / sizeof runs[0]; r++) {
        char dname[64], lname[64];
        snprintf(dname, sizeof dname, "mixed%zu.dat", r);
        snprintf(lname, sizeof lname, "mixed%zu.log", r);
        mg_reject_opts o = {.data_path = tmp_path(0, dname),
                            .log_path = tmp_path(1, lname),
                            .batch_rows = runs[r].batch_rows};
        exec_ok(c, T_DDL);
        mg_reject_counts n;
        mg_error err;
        bool ok = load(c, COPY_T, stream.data, stream.len, runs[r].piece, &o, &n, &err);
        const char *tag = dname;
        CHECK(ok, "%s (batch %zu rows, pieces of %zu bytes): the copy "
              "succeeds%s%s", tag, runs[r].batch_rows, runs[r].piece,
              ok ? "" : ": ", ok ? "" : err.msg);
        CHECK(n.rows == 12 && n.loaded == 5 && n.rejected == 7,
              "%s: 12 rows, 5 loaded, 7 rejected (%lld, %lld, %lld; %lld "
              "COPY statements)", tag, n.rows, n.loaded, n.rejected, n.copies);
        CHECK_STR(scalar(c, "SELECT string_agg(id || ':' || qty || ':' || "
                            "coalesce(code, 'NULL'), ',' ORDER BY id) FROM t"),
                  "1:10:ab,5:5:ab,8:8:ok,10:10:ab,12:12:NULL",
                  "%s: the table holds the good rows", tag);
        CHECK_STR(scalar(c, "SELECT note = E'a\\tb\\nc\\\\d' FROM t WHERE id = 8"),
                  "t", "%s: escaped tab, newline and backslash loaded "
                  "byte-exact", tag);
        CHECK_STR(scalar(c, "SELECT note FROM t WHERE id = 12"), "no newline",
                  "%s: a last row without its newline is loaded", tag);

        size_t dlen;
        char *data = slurp(o.data_path, &dlen, NULL);
        CHECK(dlen == bad.len && memcmp(data, bad.data, dlen) == 0,
              "%s: the data file holds exactly the 7 bad rows, in order, "
              "byte for byte (%zu bytes, want %zu)", tag, dlen, bad.len);
        free(data);

        char *log = slurp(o.log_path, NULL, NULL);
        bool seven = count_char_lines(log, '#') == 1 && count_char_lines(log, 'r') == 7;
        CHECK(seven, "%s: the log has a header and 7 entries", tag);
        if (!seven)
            printf("# the log:\n%s", log);
        bool all = true;
        for (size_t i = 0; i < NMIXED_BAD; i++) {
            char line[2048], want[64];
            nth_line(log, (int)i + 1, line, sizeof line);
            snprintf(want, sizeof want, "row %d [%s] ", mixed_bad[i], mixed_states[i]);
            if (strncmp(line, want, strlen(want)) != 0) {
                all = false;
                printf("# want %s... got %s\n", want, line);
            }
        }
        CHECK(all, "%s: each entry names the row and its SQLSTATE", tag);
        char line[2048];
        CHECK(strstr(nth_line(log, 1, line, sizeof line), "column \"qty\": "
                     "invalid input syntax for type integer: \"abc\"") != NULL,
              "%s: the bad integer's entry names column and message: %s", tag, line);
        CHECK(strstr(nth_line(log, 5, line, sizeof line), "column \"code\": "
                     "value too long for type character varying(5)") != NULL,
              "%s: the long value's entry: %s", tag, line);
        CHECK(strstr(nth_line(log, 4, line, sizeof line),
                     "duplicate key value violates unique constraint \"t_pkey\" "
                     "(Key (id)=(1) already exists.)") != NULL &&
                  strstr(line, "COPY t") == NULL,
              "%s: the duplicate's entry has message and detail, not the "
              "COPY context: %s", tag, line);
        free(log);
    }
    mg_buf_free(&stream);
    mg_buf_free(&bad);
}

/* ---- batch edges ----------------------------------------------------- */

static bool in_list(int v, const int *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (list[i] == v)
            return true;
    return false;
}

static void test_batch_edges(mg_pg_conn *c)
{
    /* Batches of 10: the first and last row of batches 1 and 2 bad, every
     * row of batch 3 bad, batch 4 ends with the stream's last row, bad. */
    static const int bad[] = {1, 10, 11, 20, 21, 22, 23, 24, 25, 26, 27, 28,
                              29, 30, 40};
    const size_t nbad = sizeof bad / sizeof bad[0];
    mg_buf stream = MG_BUF_INIT, want_data = MG_BUF_INIT, want_ids = MG_BUF_INIT;
    for (int i = 1; i <= 40; i++) {
        bool b = in_list(i, bad, nbad);
        mg_buf row = MG_BUF_INIT;
        mg_buf_printf(&row, "%d\t%s\tc%d\trow %d\n", i, b ? "x" : "1", i % 10, i);
        mg_buf_append(&stream, row.data, row.len);
        if (b)
            mg_buf_append(&want_data, row.data, row.len);
        else
            mg_buf_printf(&want_ids, "%s%d", want_ids.len ? "," : "", i);
        mg_buf_free(&row);
    }
    mg_reject_opts o = {.data_path = tmp_path(0, "edges.dat"),
                        .log_path = tmp_path(1, "edges.log"),
                        .batch_rows = 10};
    exec_ok(c, T_DDL);
    mg_reject_counts n;
    mg_error err;
    bool ok = load(c, COPY_T, stream.data, stream.len, 33, &o, &n, &err);
    CHECK(ok && n.loaded == 25 && n.rejected == 15,
          "batch edges: 25 loaded, 15 rejected (%lld, %lld; %lld COPY "
          "statements for 4 batches)%s%s", n.loaded, n.rejected, n.copies,
          ok ? "" : ": ", ok ? "" : err.msg);
    CHECK_STR(scalar(c, "SELECT string_agg(id::text, ',' ORDER BY id) FROM t"),
              want_ids.data, "batch edges: the table holds the good rows");
    size_t dlen;
    char *data = slurp(o.data_path, &dlen, NULL);
    CHECK(dlen == want_data.len && memcmp(data, want_data.data, dlen) == 0,
          "batch edges: the data file holds the 15 bad rows in order");
    free(data);
    /* A batch of only bad rows: one COPY each, not one per row and
     * remaining row (that would be 55 for batch 3 alone). */
    CHECK(n.copies <= 60, "batch edges: %lld COPY statements in all", n.copies);
    mg_buf_free(&stream);
    mg_buf_free(&want_data);
    mg_buf_free(&want_ids);
}

/* ---- no line in the error: bisection --------------------------------- */

static void test_foreign_key(mg_pg_conn *c)
{
    /* The foreign key is checked after the last row: no line to go by. */
    exec_ok(c, "DROP TABLE IF EXISTS child; DROP TABLE IF EXISTS parent; "
               "CREATE TABLE parent (id int PRIMARY KEY); "
               "INSERT INTO parent SELECT generate_series(1, 5); "
               "CREATE TABLE child (id int PRIMARY KEY, parent int "
               "REFERENCES parent (id))");
    mg_buf stream = MG_BUF_INIT;
    for (int i = 1; i <= 50; i++)
        mg_buf_printf(&stream, "%d\t%d\n", i, i == 3 || i == 37 || i == 38 ? 99 : i % 5 + 1);
    mg_reject_opts o = {.data_path = tmp_path(0, "fk.dat"),
                        .log_path = tmp_path(1, "fk.log"),
                        .batch_rows = 20};
    mg_reject_counts n;
    mg_error err;
    bool ok = load(c, "COPY child (id, parent) FROM STDIN", stream.data,
                   stream.len, 0, &o, &n, &err);
    CHECK(ok && n.loaded == 47 && n.rejected == 3,
          "foreign key: 47 loaded, 3 rejected by bisection (%lld, %lld; %lld "
          "COPY statements)%s%s", n.loaded, n.rejected, n.copies,
          ok ? "" : ": ", ok ? "" : err.msg);
    CHECK_STR(scalar(c, "SELECT count(*) || ' ' || sum(id) FROM child"),
              "47 1197", "foreign key: the good rows are in (ids sum 1275 - 78)");
    char *data = slurp(o.data_path, NULL, NULL);
    CHECK_STR(data, "3\t99\n37\t99\n38\t99\n", "foreign key: the bad rows in the file");
    free(data);
    char *log = slurp(o.log_path, NULL, NULL);
    char line[2048];
    CHECK(strncmp(nth_line(log, 1, line, sizeof line), "row 3 [23503] ", 14) == 0 &&
              strstr(line, "violates foreign key constraint") != NULL,
          "foreign key: the entry says why: %s", line);
    free(log);
    mg_buf_free(&stream);
}

/* ---- max_rejects ----------------------------------------------------- */

static void test_max_rejects(mg_pg_conn *c)
{
    const char *stream = "1\t1\ta\t\n2\tx\ta\t\n3\tx\ta\t\n4\t4\ta\t\n5\tx\ta\t\n6\t6\ta\t\n";
    mg_reject_opts o = {.data_path = tmp_path(0, "max.dat"),
                        .log_path = tmp_path(1, "max.log"),
                        .batch_rows = 2, .max_rejects = 2};
    exec_ok(c, T_DDL);
    mg_reject_counts n;
    mg_error err;
    bool ok = load(c, COPY_T, stream, strlen(stream), 0, &o, &n, &err);
    CHECK(!ok && err.code == MG_ERR_COPY && err.side == MG_SIDE_TARGET,
          "max_rejects 2, 3 bad rows: the copy fails (%s %s)",
          mg_errcode_name(err.code), mg_side_name(err.side));
    CHECK(strstr(err.msg, "3 rows rejected, more than max_rejects (2)") &&
              strstr(err.msg, o.data_path) && strstr(err.msg, o.log_path),
          "max_rejects: the message says how many and where: %s", err.msg);
    char *data = slurp(o.data_path, NULL, NULL);
    CHECK_STR(data, "2\tx\ta\t\n3\tx\ta\t\n5\tx\ta\t\n",
              "max_rejects: every rejected row is in the file, the last too");
    free(data);
    CHECK_STR(scalar(c, "SELECT count(*) FROM t"), "0",
              "max_rejects: rolled back, nothing loaded");

    /* Exactly at the limit: fine. */
    o.data_path = tmp_path(0, "max3.dat");
    o.log_path = tmp_path(1, "max3.log");
    o.max_rejects = 3;
    ok = load(c, COPY_T, stream, strlen(stream), 0, &o, &n, &err);
    CHECK(ok && n.loaded == 3 && n.rejected == 3,
          "max_rejects 3, 3 bad rows: loads (%lld loaded)%s%s", n.loaded,
          ok ? "" : ": ", ok ? "" : err.msg);
}

/* ---- errors that are not about a row --------------------------------- */

static void test_not_row_errors(mg_pg_conn *admin, mg_pg_conn *c,
                                const char *conninfo)
{
    mg_error err;
    mg_writer w;
    mg_reject_opts o = {.data_path = tmp_path(0, "fatal.dat"),
                        .log_path = tmp_path(1, "fatal.log"),
                        .batch_rows = 2};
    unlink(o.data_path);
    unlink(o.log_path);

    /* Outside a transaction: refused at once. */
    mg_reject_loader *l = mg_reject_open(c, COPY_T, &o, &w, &err);
    CHECK(l == NULL && strcmp(err.sqlstate, "25P01") == 0 &&
              strstr(err.msg, "transaction") != NULL,
          "no transaction: refused (%s: %s)", err.sqlstate, err.msg);
    mg_reject_close(l);
    mg_reject_opts none = {.data_path = "", .log_path = "x"};
    exec_ok(c, "BEGIN");
    l = mg_reject_open(c, COPY_T, &none, &w, &err);
    CHECK(l == NULL && err.code == MG_ERR_USAGE, "an empty path: refused (%s)",
          err.msg);
    exec_ok(c, "ROLLBACK");

    /* The table dropped between two batches (a bad row in the second). */
    exec_ok(c, T_DDL);
    exec_ok(c, "BEGIN");
    l = mg_reject_open(c, COPY_T, &o, &w, &err);
    const char *first = "1\t1\ta\t\n2\t2\ta\t\n";
    const char *second = "3\tx\ta\t\n4\t4\ta\t\n";
    bool ok = l && w.write(&w, first, strlen(first), &err);
    CHECK(ok && exec_ok(c, "DROP TABLE t"), "dropped table: first batch in, "
          "then the table dropped%s%s", ok ? "" : ": ", ok ? "" : err.msg);
    ok = w.write(&w, second, strlen(second), &err) && w.finish(&w, NULL, &err);
    mg_reject_counts n;
    mg_reject_get_counts(l, &n);
    CHECK(!ok && strcmp(err.sqlstate, "42P01") == 0 && n.rejected == 0,
          "dropped table: the copy fails with the server's error, no row "
          "rejected (%s: %s; %lld rejected)", err.sqlstate, err.msg, n.rejected);
    if (!ok)
        w.abort(&w, "test");
    mg_reject_close(l);
    exec_ok(c, "ROLLBACK");
    bool exists;
    free(slurp(o.data_path, NULL, &exists));
    CHECK(!exists, "dropped table: no reject file created");

    /* The backend terminated between two batches. */
    mg_pg_conn *victim = mg_pg_open(conninfo, MG_SIDE_TARGET, &err);
    if (victim == NULL) {
        CHECK(false, "terminated backend: connect: %s", err.msg);
        return;
    }
    char pid[32];
    snprintf(pid, sizeof pid, "%s", scalar(victim, "SELECT pg_backend_pid()"));
    exec_ok(victim, "BEGIN");
    l = mg_reject_open(victim, COPY_T, &o, &w, &err);
    ok = l && w.write(&w, first, strlen(first), &err);
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT pg_terminate_backend(%s, 10000)", pid);
    CHECK(ok && strcmp(scalar(admin, sql), "t") == 0,
          "terminated backend: first batch in, then pg_terminate_backend");
    ok = w.write(&w, second, strlen(second), &err) && w.finish(&w, NULL, &err);
    mg_reject_get_counts(l, &n);
    CHECK(!ok && err.code == MG_ERR_CONNECT && n.rejected == 0,
          "terminated backend: the copy fails as a lost connection, no row "
          "rejected (%s %s: %s; %lld rejected)", mg_errcode_name(err.code),
          err.sqlstate, err.msg, n.rejected);
    if (!ok)
        w.abort(&w, "test");
    mg_reject_close(l);
    mg_pg_close(victim);
    free(slurp(o.data_path, NULL, &exists));
    CHECK(!exists, "terminated backend: no reject file created");
}

/* ---- the rejected rows load back ------------------------------------- */

static void test_load_back(mg_pg_conn *c)
{
    /* Rejected for a bad integer, a NULL, a CHECK, a duplicate and a long
     * value; one with escapes that must survive the round trip. */
    const char *stream =
        "1\t1\tab\tgood\n"
        "2\tbad\tab\tx\\ty\\\\z\\n\n"
        "3\t\\N\tab\tnull\n"
        "4\t-4\tab\tcheck\n"
        "1\t5\tab\tdup\n"
        "6\t6\ttoo long\tlong\n";
    mg_reject_opts o = {.data_path = tmp_path(0, "back.dat"),
                        .log_path = tmp_path(1, "back.log")};
    exec_ok(c, T_DDL);
    mg_reject_counts n;
    mg_error err;
    bool ok = load(c, COPY_T, stream, strlen(stream), 0, &o, &n, &err);
    CHECK(ok && n.loaded == 1 && n.rejected == 5, "load back: 5 rejected "
          "(%lld)%s%s", n.rejected, ok ? "" : ": ", ok ? "" : err.msg);

    /* Fix the table, then COPY the file as \copy would. */
    exec_ok(c, "ALTER TABLE t DROP CONSTRAINT t_pkey, DROP CONSTRAINT "
               "t_qty_check, ALTER qty DROP NOT NULL, ALTER qty TYPE text, "
               "ALTER code TYPE text");
    size_t len;
    char *data = slurp(o.data_path, &len, NULL);
    mg_writer w;
    long long rows = -1;
    ok = mg_pg_copy_writer(c, COPY_T, MG_STREAM_PG_TEXT, &w, &err) &&
         w.write(&w, data, len, &err) && w.finish(&w, &rows, &err);
    free(data);
    CHECK(ok && rows == 5, "load back: the data file loads with COPY after "
          "the fix (%lld rows)%s%s", rows, ok ? "" : ": ", ok ? "" : err.msg);
    CHECK_STR(scalar(c, "SELECT string_agg(id || ':' || coalesce(qty, 'NULL') "
                        "|| ':' || code, ',' ORDER BY id, qty) FROM t"),
              "1:1:ab,1:5:ab,2:bad:ab,3:NULL:ab,4:-4:ab,6:6:too long",
              "load back: every rejected row is there");
    CHECK_STR(scalar(c, "SELECT note = E'x\\ty\\\\z\\n' FROM t WHERE id = 2"),
              "t", "load back: escapes survived the reject file");
}

/* ---- through the copy engine ----------------------------------------- */

static void test_engine(mg_pg_conn *src, mg_pg_conn *dst)
{
    /* 20000 rows, every 997th with a bad qty, every 7th with escapes. */
    exec_ok(src, "DROP TABLE IF EXISTS s; CREATE TABLE s AS SELECT g AS id, "
                 "CASE WHEN g % 997 = 0 THEN 'x' || g ELSE g::text END AS qty, "
                 "'c' || g % 100 AS code, CASE WHEN g % 7 = 0 THEN "
                 "E'tab\\there\\nnl\\\\bs ' || g ELSE 'n' || g END AS note "
                 "FROM generate_series(1, 20000) g");
#define DIGEST "SELECT count(*) || '|' || md5(string_agg(id || ':' || qty " \
               "|| ':' || code || ':' || note, ',' ORDER BY id)) FROM %s"
    char want[128], sql[256];
    snprintf(sql, sizeof sql, DIGEST, "s WHERE id % 997 <> 0");
    snprintf(want, sizeof want, "%s", scalar(src, sql));
    mg_reject_opts o = {.data_path = tmp_path(0, "engine.dat"),
                        .log_path = tmp_path(1, "engine.log")};
    for (int run = 1; run <= 2; run++) {
        exec_ok(dst, T_DDL);
        exec_ok(dst, "BEGIN");
        mg_error err;
        mg_reader r;
        mg_writer w;
        mg_copy_stats st;
        mg_reject_counts n = {0};
        bool reading = mg_pg_copy_reader(src, "COPY s TO STDOUT", MG_STREAM_PG_TEXT, &r, &err);
        mg_reject_loader *l = reading ? mg_reject_open(dst, COPY_T, &o, &w, &err) : NULL;
        bool ok = false;
        if (l) {
            mg_copy_opts co = {.batch_bytes = 10000};
            ok = mg_copy_run(&r, &w, &co, &st, &err);
            mg_reject_get_counts(l, &n);
            mg_reject_close(l);
        }
        if (reading)
            r.close(&r);
        exec_ok(dst, ok ? "COMMIT" : "ROLLBACK");
        CHECK(ok && st.rows == 19980 && n.loaded == 19980 && n.rejected == 20 &&
                  n.rows == 20000,
              "engine run %d: 19980 rows loaded, 20 rejected (%lld, %lld, "
              "%lld COPY statements)%s%s", run, st.rows, n.rejected, n.copies,
              ok ? "" : ": ", ok ? "" : err.msg);
        snprintf(sql, sizeof sql, DIGEST, "t");
        CHECK_STR(scalar(dst, sql), want, "engine run %d: the target holds the "
                  "good rows, byte-exact", run);
    }
    char *data = slurp(o.data_path, NULL, NULL);
    char *log = slurp(o.log_path, NULL, NULL);
    int nl = 0;
    for (const char *q = data; *q; q++)
        nl += *q == '\n';
    CHECK(nl == 40 && strncmp(data, "997\tx997\tc97\tn997\n", 18) == 0,
          "a rerun appends: 40 rows in the data file");
    CHECK(count_char_lines(log, '#') == 2 && count_char_lines(log, 'r') == 40,
          "a rerun appends: two runs' headers and 40 entries in the log");
    free(data);
    free(log);
}

/* ---- the context parser ---------------------------------------------- */

static void test_parse(void)
{
    char col[64];
    size_t at = 0;
    const char *m1 = "invalid input syntax for type integer: \"abc\"; COPY t, "
                     "line 17, column qty: \"abc\"";
    CHECK(mg_reject_parse_context(m1, col, sizeof col, &at) == 17 &&
              strcmp(col, "qty") == 0 && at == (size_t)(strstr(m1, "COPY") - m1),
          "parse: line 17, column qty, where the context starts (%zu, %s)", at, col);
    const char *m2 = "duplicate key value violates unique constraint \"p\" "
                     "(Key (id)=(1) already exists.); COPY weird, line name, "
                     "line 3";
    CHECK(mg_reject_parse_context(m2, col, sizeof col, NULL) == 3 && col[0] == 0,
          "parse: line at the end, no column");
    const char *m3 = "boom; PL/pgSQL function f() line 3 at RAISE COPY t, "
                     "line 2: \"2\tx\"";
    CHECK(mg_reject_parse_context(m3, col, sizeof col, NULL) == 2,
          "parse: a trigger's context lines before the COPY one");
    CHECK(mg_reject_parse_context("ungültige Eingabesyntax; COPY t, Zeile 5",
                                  col, sizeof col, NULL) == 0 &&
              mg_reject_parse_context("insert or update on table \"child\" "
                                      "violates foreign key constraint", col,
                                      sizeof col, NULL) == 0,
          "parse: no line in another language or without a COPY context");
}

/* ---- setup ----------------------------------------------------------- */

int main(void)
{
    mg_log_set_level(MG_LOG_WARN);
    mg_error err;
    const char *base = getenv("MG_TEST_TMP");
    snprintf(tmpdir, sizeof tmpdir, "%s/reject_%ld", base && *base ? base : "/tmp",
             (long)getpid());
    if (base && *base)
        mkdir(base, 0700);
    CHECK(mkdir(tmpdir, 0700) == 0, "test directory %s", tmpdir);

    test_parse();

    char db[64], sql[128], conninfo[128];
    snprintf(db, sizeof db, "mg_rej_%ld", (long)getpid());
    snprintf(conninfo, sizeof conninfo, "dbname=%s", db);
    mg_pg_conn *admin = mg_pg_open("dbname=postgres", MG_SIDE_NONE, &err);
    mg_pg_conn *src = NULL, *dst = NULL;
    CHECK(admin != NULL, "connect%s%s", admin ? "" : ": ", admin ? "" : err.msg);
    if (admin == NULL)
        return check_done();
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", db);
    exec_ok(admin, sql);
    snprintf(sql, sizeof sql, "CREATE DATABASE %s ENCODING 'UTF8' TEMPLATE template0", db);
    bool made = exec_ok(admin, sql);
    src = made ? mg_pg_open(conninfo, MG_SIDE_SOURCE, &err) : NULL;
    dst = made ? mg_pg_open(conninfo, MG_SIDE_TARGET, &err) : NULL;
    CHECK(src && dst, "test database %s", db);
    if (src && dst) {
        test_mixed(dst);
        test_batch_edges(dst);
        test_foreign_key(dst);
        test_max_rejects(dst);
        test_not_row_errors(admin, dst, conninfo);
        test_load_back(dst);
        test_engine(src, dst);
    }
    mg_pg_close(src);
    mg_pg_close(dst);
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", db);
    if (made)
        CHECK(exec_ok(admin, sql), "drop database %s", db);
    mg_pg_close(admin);
    char rm[600];
    snprintf(rm, sizeof rm, "rm -rf '%s'", tmpdir);
    if (system(rm) != 0)
        printf("# could not remove %s\n", tmpdir);
    return check_done();
}
