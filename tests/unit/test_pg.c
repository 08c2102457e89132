/*
 * test_pg.c - the PostgreSQL connector (runtime/conn/pg.c) against a real
 * server, with the copy engine for COPY streams.
 *
 * Connection failures (side, SQLSTATE, no password in any message), queries
 * with parameters and value kinds, server errors with their SQLSTATE and a
 * connection that stays usable, several statements in one exec, quoting
 * round-tripped through the server, COPY between two databases in binary and
 * text (rows, bytes, checksums), COPY failures on either side, a reader
 * closed early, cancel, and Ctrl-C during a copy.
 *
 * Creates two databases (mg_pg_src_<pid>, mg_pg_dst_<pid>) through
 * dbname=postgres and drops them WITH (FORCE) at the end.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "pg_check.h"
#include "conn/pg.h"
#include "copy/engine.h"
#include "core/buf.h"
#include "core/interrupt.h"
#include "core/log.h"

#define SECRET "SuperSecret1"

/* ---- helpers --------------------------------------------------------- */


/* True when c answers a new query. */
static bool usable(mg_pg_conn *c)
{
    return mg_pg_alive(c) && strcmp(scalar(c, "SELECT 41 + 1"), "42") == 0;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* "count|md5" over every row of table, in id order: equal on both sides
 * when the data is. */
static void table_digest(mg_pg_conn *c, const char *table, char *out,
                         size_t outsz)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT count(*) || '|' || md5(coalesce(string_agg(t::text, "
             "E'\\n' ORDER BY id), '')) FROM %s t",
             table);
    snprintf(out, outsz, "%s", scalar(c, sql));
}

/* ---- connecting ------------------------------------------------------ */

static void open_fails(const char *conninfo, mg_side side, const char *what)
{
    mg_error err;
    mg_error_clear(&err);
    mg_pg_conn *c = mg_pg_open(conninfo, side, &err);
    CHECK(c == NULL, "open %s: fails", what);
    mg_pg_close(c);
    CHECK(err.code == MG_ERR_CONNECT && err.side == side &&
              strcmp(err.sqlstate, "08001") == 0,
          "open %s: MG_ERR_CONNECT, side %s, 08001 (got %s %s %s)", what,
          mg_side_name(side), mg_errcode_name(err.code),
          mg_side_name(err.side), err.sqlstate);
    CHECK(strstr(err.msg, mg_side_name(side)) != NULL,
          "open %s: message names the %s: %s", what, mg_side_name(side),
          err.msg);
    CHECK(strstr(err.msg, SECRET) == NULL, "open %s: no password in the "
          "message", what);
    CHECK(strpbrk(err.msg, "\n\t") == NULL &&
              err.msg[strlen(err.msg) - 1] != ' ',
          "open %s: message on one line", what);
}

static void test_open(void)
{
    open_fails("host=/nonexistent/mg_socket_dir", MG_SIDE_SOURCE,
               "unreachable socket dir");
    open_fails("host=127.0.0.1 port=1 connect_timeout=5", MG_SIDE_TARGET,
               "bad TCP port");
    open_fails("host=127.0.0.1 port=1 user=u password=" SECRET " dbname=db",
               MG_SIDE_TARGET, "conninfo with a password");
    open_fails("postgresql://u:" SECRET "@127.0.0.1:1/db", MG_SIDE_SOURCE,
               "URL with a password");
    open_fails("postgresql://u@127.0.0.1:1/db?password=" SECRET
               "&connect_timeout=5",
               MG_SIDE_SOURCE, "URL with ?password=");

    /* Strings libpq cannot parse: its message quotes them, or the piece
     * it choked on, which may be the password. */
    open_fails("postgresql://u:" SECRET "@[::1/db", MG_SIDE_SOURCE,
               "URL with an unclosed [");
    open_fails("postgresql://u:" SECRET "%zz@127.0.0.1:1/db", MG_SIDE_SOURCE,
               "URL password with a bad %-escape");
    open_fails("postgresql://u@127.0.0.1:1/db?password=x%zz" SECRET,
               MG_SIDE_TARGET, "URL ?password= with a bad %-escape");

    mg_error err;
    mg_error_clear(&err);
    mg_pg_conn *c = mg_pg_open("postgresql://u:" SECRET "@127.0.0.1:1/db",
                               MG_SIDE_TARGET, &err);
    CHECK(strstr(err.msg, "postgresql://u:***@127.0.0.1:1/db") != NULL,
          "open URL: the message shows the masked URL: %s", err.msg);
    mg_pg_close(c);
    c = mg_pg_open("postgresql://u:" SECRET "%zz@127.0.0.1:1/db",
                   MG_SIDE_TARGET, &err);
    CHECK(strstr(err.msg, "invalid percent-encoded token") != NULL,
          "open URL with a bad %%-escape: libpq's reason kept: %s", err.msg);
    mg_pg_close(c);
    c = mg_pg_open("host=127.0.0.1 port=1 sslmode=bogus password=" SECRET,
                   MG_SIDE_TARGET, &err);
    CHECK(strstr(err.msg, "invalid sslmode value: \"bogus\"") != NULL,
          "open with a bad option: libpq's reason kept: %s", err.msg);
    mg_pg_close(c);

    /* NULL or "": the PG* environment, as psql. */
    c = mg_pg_open(NULL, MG_SIDE_SOURCE, &err);
    CHECK(c != NULL && usable(c), "open NULL: the PG* defaults%s%s",
          c ? "" : ": ", c ? "" : err.msg);
    mg_pg_close(c);
    c = mg_pg_open("", MG_SIDE_SOURCE, &err);
    CHECK(c != NULL && usable(c), "open \"\": the PG* defaults%s%s",
          c ? "" : ": ", c ? "" : err.msg);
    mg_pg_close(c);

    /* The server trusts us, so a password in the string is accepted but
     * must never be shown. */
    c = mg_pg_open("dbname=postgres password=" SECRET, MG_SIDE_SOURCE, &err);
    CHECK(c != NULL, "open with an unused password succeeds%s%s",
          c ? "" : ": ", c ? "" : err.msg);
    if (c) {
        CHECK_STR(mg_pg_display(c), "dbname=postgres password=***",
                  "display masks the conninfo password");
        CHECK(mg_pg_side(c) == MG_SIDE_SOURCE, "side kept");
        CHECK(mg_pg_server_version(c) >= 150000,
              "server version %d", mg_pg_server_version(c));
        CHECK(usable(c), "connection works");
        CHECK_STR(scalar(c, "SELECT current_setting('application_name')"),
                  "migrate", "application_name is migrate");
        CHECK_STR(scalar(c, "SELECT current_setting('client_encoding')"),
                  "UTF8", "client_encoding is UTF8");
    }
    mg_pg_close(c);
    c = mg_pg_open("postgresql://postgres:" SECRET "@/postgres",
                   MG_SIDE_TARGET, &err);
    CHECK(c != NULL, "open URL with an unused password succeeds%s%s",
          c ? "" : ": ", c ? "" : err.msg);
    if (c)
        CHECK_STR(mg_pg_display(c), "postgresql://postgres:***@/postgres",
                  "display masks the URL password");
    mg_pg_close(c);
    mg_pg_close(NULL);
}

/* ---- queries --------------------------------------------------------- */

static void test_query_values(mg_pg_conn *c)
{
    static const char kinds[] = "TIFB";
    const char *params[] = {"-32768", "2147483647", "9223372036854775807",
                            "1.5e300", "true", "12345678901234567890.000000001",
                            NULL, "it's \"q\" \\ \xc3\xbc", "0.1"};
    mg_result *r = NULL;
    mg_error err;
    mg_error_clear(&err);
    bool ok = mg_pg_query(
        c,
        "SELECT $1::int2 AS i2, $2::int4 AS i4, $3::int8 AS i8, "
        "$4::float8 AS f8, $5::bool AS b, $6::numeric AS n, $7::text AS "
        "null_text, $8::text AS t, ''::text AS empty, $9::float4 AS f4, "
        "false AS f, 7::oid AS o",
        9, params, &r, &err);
    CHECK(ok, "query with 9 parameters%s%s", ok ? "" : ": ", err.msg);
    if (!ok)
        return;
    char got[64] = "";
    for (int i = 0; i < r->ncols && i < 60; i++)
        got[i] = kinds[r->kinds[i]];
    CHECK_STR(got, "IIIFBTTTTFBI", "value kinds follow the column types");
    CHECK(r->ncols == 12 && r->nrows == 1, "one row of 12 columns");
    CHECK_STR(r->colnames[0], "i2", "column names kept");
    CHECK_STR(mg_result_value(r, 0, 0), "-32768", "int2");
    CHECK_STR(mg_result_value(r, 0, 1), "2147483647", "int4");
    CHECK_STR(mg_result_value(r, 0, 2), "9223372036854775807", "int8");
    CHECK_STR(mg_result_value(r, 0, 3), "1.5e+300", "float8");
    CHECK_STR(mg_result_value(r, 0, 4), "t", "bool true");
    CHECK_STR(mg_result_value(r, 0, 10), "f", "bool false");
    CHECK_STR(mg_result_value(r, 0, 5), "12345678901234567890.000000001",
              "numeric exact, as text");
    CHECK(mg_result_value(r, 0, 6) == NULL, "NULL parameter gives NULL");
    CHECK_STR(mg_result_value(r, 0, 7), params[7],
              "text parameter with quotes, backslash, unicode");
    CHECK(mg_result_value(r, 0, 8) != NULL &&
              strcmp(mg_result_value(r, 0, 8), "") == 0,
          "empty string is not NULL");
    CHECK_STR(mg_result_value(r, 0, 9), "0.1", "float4 shortest exact");
    CHECK_STR(mg_result_value(r, 0, 11), "7", "oid");
    CHECK_STR(r->command_tag, "SELECT 1", "command tag of a SELECT");
    mg_result_free(r);

    const char *n[] = {"1000"};
    ok = mg_pg_query(c, "SELECT g, g % 2 = 0 AS even FROM "
                        "generate_series(1, $1::int) g",
                     1, n, &r, &err);
    CHECK(ok && r->nrows == 1000, "1000 rows");
    if (ok) {
        CHECK_STR(mg_result_value(r, 999, 0), "1000", "last row value");
        CHECK_STR(mg_result_value(r, 999, 1), "t", "last row bool");
        CHECK_STR(r->command_tag, "SELECT 1000", "command tag counts rows");
    }
    mg_result_free(r);

    ok = mg_pg_query(c, "SELECT 1 AS a, 'x' AS b WHERE false", 0, NULL, &r,
                     &err);
    CHECK(ok && r->nrows == 0 && r->ncols == 2 &&
              strcmp(r->colnames[1], "b") == 0,
          "no rows: the columns are still there");
    mg_result_free(r);

    /* DML with parameters, NULL and '' stored apart. */
    ok = mg_pg_exec(c, "CREATE TABLE q (id int PRIMARY KEY, v text)", &err);
    CHECK(ok, "create table q%s%s", ok ? "" : ": ", err.msg);
    const char *ins[] = {"1", "one", "2", NULL, "3", ""};
    ok = mg_pg_query(c, "INSERT INTO q VALUES ($1, $2), ($3, $4), ($5, $6)",
                     6, ins, &r, &err);
    CHECK(ok && r->command_tag && strcmp(r->command_tag, "INSERT 0 3") == 0,
          "insert: command tag INSERT 0 3 (%s)",
          ok && r->command_tag ? r->command_tag : err.msg);
    CHECK(ok && r->ncols == 0 && r->nrows == 0, "insert: no columns");
    mg_result_free(r);
    CHECK_STR(scalar(c, "SELECT count(*) FILTER (WHERE v IS NULL) || '/' || "
                        "count(*) FILTER (WHERE v = '') FROM q"),
              "1/1", "NULL and empty string stored apart");
    const char *upd[] = {"uno", "1"};
    ok = mg_pg_query(c, "UPDATE q SET v = $1 WHERE id = $2::int "
                        "RETURNING id, v",
                     2, upd, &r, &err);
    CHECK(ok && r->nrows == 1 && strcmp(r->command_tag, "UPDATE 1") == 0 &&
              strcmp(mg_result_value(r, 0, 1), "uno") == 0,
          "update ... returning: row and tag");
    mg_result_free(r);
    ok = mg_pg_query(c, "DELETE FROM q WHERE id > 1", 0, NULL, &r, &err);
    CHECK(ok && strcmp(r->command_tag, "DELETE 2") == 0, "delete: tag");
    mg_result_free(r);
}

/* q must fail with sqlstate; the message must contain want. */
static void query_fails(mg_pg_conn *c, const char *sql, const char *sqlstate,
                        const char *want, const char *what)
{
    mg_result *r = NULL;
    mg_error err;
    mg_error_clear(&err);
    bool ok = mg_pg_query(c, sql, 0, NULL, &r, &err);
    CHECK(!ok && r == NULL, "%s: fails", what);
    mg_result_free(r);
    CHECK(err.code == MG_ERR_QUERY && strcmp(err.sqlstate, sqlstate) == 0 &&
              err.side == mg_pg_side(c),
          "%s: MG_ERR_QUERY %s on the %s (got %s %s %s)", what, sqlstate,
          mg_side_name(mg_pg_side(c)), mg_errcode_name(err.code),
          err.sqlstate, mg_side_name(err.side));
    CHECK(strstr(err.msg, want) != NULL, "%s: message has \"%s\": %s", what,
          want, err.msg);
    CHECK(strchr(err.msg, '\n') == NULL, "%s: message on one line", what);
    CHECK(usable(c), "%s: the connection stays usable", what);
}

static void test_query_errors(mg_pg_conn *c)
{
    mg_error err;
    mg_error_clear(&err);
    CHECK(mg_pg_exec(c, "CREATE TABLE IF NOT EXISTS uq (id int PRIMARY KEY);"
                        "INSERT INTO uq VALUES (1) ON CONFLICT DO NOTHING",
                     &err),
          "table uq");
    query_fails(c, "SELECT * FROM no_such_table", "42P01",
                "relation \"no_such_table\" does not exist", "undefined table");
    query_fails(c, "SELECT 1 / 0", "22012", "division by zero",
                "division by zero");
    query_fails(c, "INSERT INTO uq VALUES (1)", "23505",
                "duplicate key value violates unique constraint \"uq_pkey\" "
                "(Key (id)=(1) already exists.)",
                "unique violation with DETAIL");
    query_fails(c, "SELEC 1", "42601", "syntax error", "syntax error");

    /* An error inside a transaction: aborted until ROLLBACK. */
    bool ok = mg_pg_exec(c, "BEGIN", &err) &&
              !mg_pg_exec(c, "SELECT 1 / 0", &err);
    CHECK(ok && strcmp(err.sqlstate, "22012") == 0,
          "exec error in a transaction: 22012 (%s)", err.sqlstate);
    CHECK(strncmp(scalar(c, "SELECT 1"), "ERROR 25P02", 11) == 0,
          "then the transaction is aborted: %s", scalar(c, "SELECT 1"));
    CHECK(mg_pg_exec(c, "ROLLBACK", &err) && usable(c),
          "ROLLBACK, and the connection works again");

    const char *bad[] = {"abc"};
    mg_result *r = NULL;
    ok = mg_pg_query(c, "SELECT $1::int", 1, bad, &r, &err);
    CHECK(!ok && r == NULL && strcmp(err.sqlstate, "22P02") == 0 &&
              strstr(err.msg, "\"abc\"") != NULL,
          "bad parameter value: 22P02: %s", err.msg);
}

static void test_exec(mg_pg_conn *c)
{
    mg_error err;
    mg_error_clear(&err);
    bool ok = mg_pg_exec(c,
                         "CREATE TABLE e1 (x int);"
                         "INSERT INTO e1 VALUES (1), (2);"
                         "INSERT INTO e1 SELECT x + 10 FROM e1;"
                         "SELECT * FROM e1;"
                         "UPDATE e1 SET x = x * 2 WHERE x > 10",
                         &err);
    CHECK(ok, "exec: five statements%s%s", ok ? "" : ": ", err.msg);
    CHECK_STR(scalar(c, "SELECT string_agg(x::text, ',' ORDER BY x) FROM e1"),
              "1,2,22,24", "exec: every statement ran, in order");
    CHECK(mg_pg_exec(c, "", &err), "exec: an empty string is fine");
    CHECK(mg_pg_exec(c, " ; ; ", &err), "exec: empty statements are fine");

    /* The statements of one exec run in one implicit transaction: a
     * failure in the middle undoes the ones before it. */
    ok = mg_pg_exec(c,
                    "CREATE TABLE e2 (x int); SELECT 1 / 0; "
                    "CREATE TABLE e3 (x int)",
                    &err);
    CHECK(!ok && err.code == MG_ERR_QUERY &&
              strcmp(err.sqlstate, "22012") == 0 &&
              err.side == mg_pg_side(c),
          "exec: the failing statement's error (%s %s)",
          mg_errcode_name(err.code), err.sqlstate);
    CHECK_STR(scalar(c, "SELECT coalesce(to_regclass('e2')::text, 'none') "
                        "|| ',' || coalesce(to_regclass('e3')::text, "
                        "'none')"),
              "none,none", "exec: nothing of the failed batch remains");
    CHECK(usable(c), "exec: connection usable after the error");
}

/* ---- quoting --------------------------------------------------------- */

static void test_quote(mg_pg_conn *c)
{
    static const char *lits[] = {
        "plain", "it's", "''", "'", "back\\slash", "\\", "trailing\\",
        "quote'and\\back\\'", "\\'; DROP TABLE q; --",
        "\xc3\xbcn\xc3\xaf" "c\xc3\xb6" "d\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac "
        "\xf0\x9f\x90\x98",
        "tab\tnew\nline\rcr", "$$dollar$$", "\"double\"", "", "--comment",
        "E'x'", "\\x41", "%s %n",
    };
    mg_buf b = MG_BUF_INIT;
    mg_buf sql = MG_BUF_INIT;
    mg_error err;
    mg_error_clear(&err);

    mg_pg_quote_literal(&b, "it's");
    CHECK_STR(b.data, "'it''s'", "literal: quotes doubled");
    mg_buf_reset(&b);
    mg_pg_quote_literal(&b, "a\\b'c");
    CHECK_STR(b.data, "E'a\\\\b''c'", "literal: E'' with a backslash");
    mg_buf_reset(&b);
    mg_pg_quote_ident(&b, "we\"ird");
    CHECK_STR(b.data, "\"we\"\"ird\"", "ident: quotes doubled");

    for (int pass = 0; pass < 2; pass++) {
        /* Also with standard_conforming_strings off, as old servers and
         * some poolers have it. */
        if (pass == 1)
            mg_pg_exec(c, "SET standard_conforming_strings = off", &err);
        int bad = 0;
        for (size_t i = 0; i < sizeof lits / sizeof lits[0]; i++) {
            mg_buf_reset(&b);
            mg_buf_reset(&sql);
            mg_pg_quote_literal(&b, lits[i]);
            mg_buf_printf(&sql, "SELECT %s::text", b.data);
            const char *got = scalar(c, sql.data);
            if (strcmp(got, lits[i]) != 0) {
                bad++;
                printf("#   literal %s came back as %s\n", b.data, got);
            }
        }
        CHECK(bad == 0, "literal: %zu hostile strings round-trip through "
              "SELECT (standard_conforming_strings %s)",
              sizeof lits / sizeof lits[0], pass ? "off" : "on");
    }
    mg_pg_exec(c, "RESET standard_conforming_strings", &err);

    static const char *idents[] = {
        "plain", "Mixed Case", "with \"quotes\"", "\"", "\"\"",
        "semi;colon\"; DROP TABLE q; --", "space s", "a.b",
        "\xc3\xbcn\xc3\xaf" "c\xc3\xb6" "d\xc3\xa9", "select", "'single'",
        "back\\slash",
    };
    size_t nidents = sizeof idents / sizeof idents[0];
    int bad = 0;
    for (size_t i = 0; i < nidents; i++) {
        mg_buf_reset(&b);
        mg_buf_reset(&sql);
        mg_pg_quote_ident(&b, idents[i]);
        mg_buf_printf(&sql, "CREATE SCHEMA IF NOT EXISTS qi; "
                            "CREATE TABLE qi.%s (%s int)",
                      b.data, b.data);
        if (!mg_pg_exec(c, sql.data, &err)) {
            bad++;
            printf("#   CREATE TABLE %s: %s\n", b.data, err.msg);
            continue;
        }
        mg_result *r = NULL;
        const char *p[] = {idents[i]};
        bool ok = mg_pg_query(c,
                              "SELECT a.attname FROM pg_class t "
                              "JOIN pg_attribute a ON a.attrelid = t.oid "
                              "AND a.attnum = 1 "
                              "WHERE t.relnamespace = 'qi'::regnamespace "
                              "AND t.relname = $1",
                              1, p, &r, &err);
        if (!ok || r->nrows != 1 ||
            strcmp(mg_result_value(r, 0, 0), idents[i]) != 0) {
            bad++;
            printf("#   table %s not found by its exact name\n", b.data);
        }
        mg_result_free(r);
    }
    CHECK(bad == 0, "ident: %zu hostile names create exactly those tables "
          "and columns", nidents);
    char count[32];
    snprintf(count, sizeof count, "%zu", nidents);
    CHECK_STR(scalar(c, "SELECT count(*) FROM pg_class "
                        "WHERE relnamespace = 'qi'::regnamespace"),
              count, "ident: nothing else was created");
    CHECK_STR(scalar(c, "SELECT to_regclass('q') IS NOT NULL"), "t",
              "ident: injection attempts dropped nothing");
    mg_pg_exec(c, "DROP SCHEMA qi CASCADE", &err);
    mg_buf_free(&b);
    mg_buf_free(&sql);
}

/* ---- COPY ------------------------------------------------------------ */

static const char items_ddl[] =
    "CREATE TABLE items (id int PRIMARY KEY, name text, price numeric(12,2),"
    " qty int, at timestamptz, tags text[], data bytea, doc jsonb,"
    " flag bool, note text)";

/* 5000 rows with NULLs, tabs, newlines, backslashes, quotes, unicode;
 * row 3000 has qty -1 (rejected by the CHECK target). */
static const char items_fill[] =
    "INSERT INTO items SELECT g, 'item ' || g || CASE g % 7"
    "  WHEN 0 THEN E'\\ttab' WHEN 1 THEN E'\\nnewline' WHEN 2 THEN"
    "  E'back\\\\slash' WHEN 3 THEN '''quote\"' WHEN 4 THEN"
    "  ' \xc3\xbc\xe6\x97\xa5\xf0\x9f\x90\x98' ELSE '' END,"
    "  CASE WHEN g % 11 = 0 THEN NULL ELSE g * 1.25 END,"
    "  CASE WHEN g = 3000 THEN -1 ELSE g % 100 END,"
    "  timestamptz '2024-01-01 00:00:00+00' + g * interval '1 minute',"
    "  ARRAY['a' || g, NULL, 'c,d'], decode(md5(g::text), 'hex'),"
    "  jsonb_build_object('g', g, 's', E'x\\ny'), g % 3 = 0,"
    "  CASE WHEN g % 5 = 0 THEN NULL WHEN g % 5 = 1 THEN '' ELSE 'n' END"
    "  FROM generate_series(1, 5000) g";

typedef struct copy_case {
    const char *what;
    const char *out_sql;
    const char *in_sql;
    mg_stream_format format;
} copy_case;

static void test_copy_between(mg_pg_conn *src, mg_pg_conn *dst)
{
    static const copy_case cases[] = {
        {"binary", "COPY items TO STDOUT (FORMAT binary)",
         "COPY items FROM STDIN (FORMAT binary)", MG_STREAM_PG_BINARY},
        {"text", "COPY items TO STDOUT", "COPY items FROM STDIN",
         MG_STREAM_PG_TEXT},
    };
    char want[128], got[128];
    table_digest(src, "items", want, sizeof want);
    CHECK(strncmp(want, "5000|", 5) == 0, "source has 5000 rows (%s)", want);

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const copy_case *k = &cases[i];
        mg_error err;
        mg_error_clear(&err);
        mg_pg_exec(dst, "TRUNCATE items", &err);
        mg_reader r;
        mg_writer w;
        bool ok = mg_pg_copy_reader(src, k->out_sql, k->format, &r, &err);
        CHECK(ok, "%s: reader starts%s%s", k->what, ok ? "" : ": ", err.msg);
        if (!ok)
            continue;
        ok = mg_pg_copy_writer(dst, k->in_sql, k->format, &w, &err);
        CHECK(ok, "%s: writer starts%s%s", k->what, ok ? "" : ": ", err.msg);
        if (!ok) {
            r.close(&r);
            continue;
        }
        mg_copy_opts opts = {.batch_bytes = 16 * 1024};
        mg_copy_stats st;
        ok = mg_copy_run(&r, &w, &opts, &st, &err);
        r.close(&r);
        r.close(&r); /* twice is safe */
        CHECK(ok, "%s: copy succeeds%s%s", k->what, ok ? "" : ": ", err.msg);
        CHECK(st.rows == 5000, "%s: the target reports 5000 rows (%lld)",
              k->what, st.rows);
        CHECK(st.bytes > 5000 * 50 && st.pieces >= 5000 && st.batches > 10,
              "%s: stats: %lld bytes, %lld pieces, %lld batches", k->what,
              st.bytes, st.pieces, st.batches);
        table_digest(dst, "items", got, sizeof got);
        CHECK_STR(got, want, "%s: target rows equal the source's (count|md5)",
                  k->what);
        CHECK(usable(src) && usable(dst), "%s: both connections usable",
              k->what);
    }

    /* A query as the source, into a column list. */
    mg_error err;
    mg_error_clear(&err);
    mg_pg_exec(dst, "TRUNCATE items", &err);
    mg_reader r;
    mg_writer w;
    mg_copy_stats st;
    bool ok = mg_pg_copy_reader(src,
                                "COPY (SELECT id, name FROM items WHERE id "
                                "<= 10) TO STDOUT",
                                MG_STREAM_PG_TEXT, &r, &err) &&
              mg_pg_copy_writer(dst, "COPY items (id, name) FROM STDIN",
                                MG_STREAM_PG_TEXT, &w, &err) &&
              mg_copy_run(&r, &w, NULL, &st, &err);
    if (r.self)
        r.close(&r);
    CHECK(ok && st.rows == 10, "COPY (query): 10 rows (%lld)%s",
          ok ? st.rows : -1, ok ? "" : err.msg);
    CHECK_STR(scalar(dst, "SELECT count(*) FILTER (WHERE price IS NULL) "
                          "FROM items"),
              "10", "COPY (query): other columns NULL");
    mg_pg_exec(dst, "TRUNCATE items", &err);
}

static void test_copy_not_copy(mg_pg_conn *src, mg_pg_conn *dst)
{
    mg_error err;
    mg_reader r;
    mg_writer w;
    memset(&r, 0, sizeof r);
    memset(&w, 0, sizeof w);

    mg_error_clear(&err);
    bool ok = mg_pg_copy_reader(src, "SELECT 1", MG_STREAM_PG_TEXT, &r, &err);
    CHECK(!ok && err.code == MG_ERR_USAGE && err.side == MG_SIDE_SOURCE &&
              strstr(err.msg, "not a COPY") != NULL,
          "reader on a SELECT: usage error on the source: %s", err.msg);
    CHECK(usable(src), "reader on a SELECT: source usable");

    mg_error_clear(&err);
    ok = mg_pg_copy_writer(dst, "SELECT 1", MG_STREAM_PG_TEXT, &w, &err);
    CHECK(!ok && err.code == MG_ERR_USAGE && err.side == MG_SIDE_TARGET &&
              strstr(err.msg, "not a COPY") != NULL,
          "writer on a SELECT: usage error on the target: %s", err.msg);
    CHECK(usable(dst), "writer on a SELECT: target usable");

    mg_error_clear(&err);
    ok = mg_pg_copy_reader(src, "COPY no_such_table TO STDOUT",
                           MG_STREAM_PG_TEXT, &r, &err);
    CHECK(!ok && err.side == MG_SIDE_SOURCE &&
              strcmp(err.sqlstate, "42P01") == 0,
          "reader on a missing table: 42P01 on the source (%s)", err.msg);
    CHECK(usable(src), "reader on a missing table: source usable");

    mg_error_clear(&err);
    ok = mg_pg_copy_writer(dst, "COPY no_such_table FROM STDIN",
                           MG_STREAM_PG_TEXT, &w, &err);
    CHECK(!ok && err.side == MG_SIDE_TARGET &&
              strcmp(err.sqlstate, "42P01") == 0,
          "writer on a missing table: 42P01 on the target (%s)", err.msg);
    CHECK(usable(dst), "writer on a missing table: target usable");

    /* A COPY the wrong way round. */
    mg_error_clear(&err);
    ok = mg_pg_copy_reader(src, "COPY items FROM STDIN", MG_STREAM_PG_TEXT,
                           &r, &err);
    CHECK(!ok && err.code == MG_ERR_USAGE && err.side == MG_SIDE_SOURCE,
          "reader on COPY FROM STDIN: usage error (%s)", err.msg);
    CHECK(usable(src), "reader on COPY FROM STDIN: source usable");
    CHECK_STR(scalar(src, "SELECT count(*) FROM items"), "5000",
              "reader on COPY FROM STDIN: source table untouched");

    mg_error_clear(&err);
    ok = mg_pg_copy_writer(dst, "COPY items TO STDOUT", MG_STREAM_PG_TEXT,
                           &w, &err);
    CHECK(!ok && err.code == MG_ERR_USAGE && err.side == MG_SIDE_TARGET,
          "writer on COPY TO STDOUT: usage error (%s)", err.msg);
    CHECK(usable(dst), "writer on COPY TO STDOUT: target usable");

    /* A COPY run as a plain statement. */
    mg_error_clear(&err);
    ok = mg_pg_exec(src, "COPY items TO STDOUT", &err);
    CHECK(!ok && err.code == MG_ERR_USAGE && err.side == MG_SIDE_SOURCE &&
              strstr(err.msg, "COPY") != NULL,
          "exec on COPY TO STDOUT: usage error (%s)", err.msg);
    CHECK(usable(src), "exec on COPY TO STDOUT: source usable");
    mg_result *res = NULL;
    mg_error_clear(&err);
    ok = mg_pg_query(dst, "COPY items FROM STDIN", 0, NULL, &res, &err);
    CHECK(!ok && res == NULL && err.code == MG_ERR_USAGE &&
              err.side == MG_SIDE_TARGET,
          "query on COPY FROM STDIN: usage error (%s)", err.msg);
    CHECK(usable(dst), "query on COPY FROM STDIN: target usable");

    /* Reader and writer disagree on the format. */
    mg_error_clear(&err);
    mg_copy_stats st;
    ok = mg_pg_copy_reader(src, "COPY items TO STDOUT", MG_STREAM_PG_TEXT, &r,
                           &err) &&
         mg_pg_copy_writer(dst, "COPY items FROM STDIN (FORMAT binary)",
                           MG_STREAM_PG_BINARY, &w, &err);
    CHECK(ok, "format mismatch: both sides start");
    if (ok) {
        ok = mg_copy_run(&r, &w, NULL, &st, &err);
        r.close(&r);
        CHECK(!ok && err.code == MG_ERR_USAGE,
              "format mismatch: usage error (%s)", err.msg);
        CHECK(usable(src) && usable(dst),
              "format mismatch: writer aborted, reader closed, both usable");
        CHECK_STR(scalar(dst, "SELECT count(*) FROM items"), "0",
                  "format mismatch: nothing written");
    }
}

/* Copy items into target_table (made by ddl) and expect a rejection. */
static void copy_rejected(mg_pg_conn *src, mg_pg_conn *dst, const char *ddl,
                          const char *out_sql, const char *in_sql,
                          mg_stream_format format, bool in_tx,
                          const char *sqlstate, const char *want,
                          const char *what)
{
    mg_error err;
    mg_error_clear(&err);
    bool ok = mg_pg_exec(dst, ddl, &err);
    CHECK(ok, "%s: target table%s%s", what, ok ? "" : ": ", err.msg);
    if (in_tx)
        mg_pg_exec(dst, "BEGIN", &err);
    mg_reader r;
    mg_writer w;
    mg_copy_stats st;
    ok = mg_pg_copy_reader(src, out_sql, format, &r, &err);
    CHECK(ok, "%s: reader starts%s%s", what, ok ? "" : ": ", err.msg);
    if (!ok)
        return;
    ok = mg_pg_copy_writer(dst, in_sql, format, &w, &err);
    CHECK(ok, "%s: writer starts%s%s", what, ok ? "" : ": ", err.msg);
    if (!ok) {
        r.close(&r);
        return;
    }
    mg_copy_opts opts = {.batch_bytes = 8192};
    ok = mg_copy_run(&r, &w, &opts, &st, &err);
    double t0 = now_seconds();
    r.close(&r);
    double closing = now_seconds() - t0;
    CHECK(!ok, "%s: the copy fails", what);
    CHECK(err.code == MG_ERR_COPY && err.side == MG_SIDE_TARGET &&
              strcmp(err.sqlstate, sqlstate) == 0,
          "%s: MG_ERR_COPY %s on the target (got %s %s %s)", what, sqlstate,
          mg_errcode_name(err.code), err.sqlstate, mg_side_name(err.side));
    CHECK(strstr(err.msg, want) != NULL, "%s: message has \"%s\": %s", what,
          want, err.msg);
    CHECK(st.bytes > 0 && st.batches > 0, "%s: data was sent (%lld bytes)",
          what, st.bytes);
    if (in_tx) {
        CHECK(strncmp(scalar(dst, "SELECT 1"), "ERROR 25P02", 11) == 0,
              "%s: target transaction aborted", what);
        CHECK(mg_pg_exec(dst, "ROLLBACK", &err), "%s: ROLLBACK works", what);
    }
    CHECK(usable(dst), "%s: target usable", what);
    CHECK(usable(src) && closing < 10,
          "%s: source reader closed cleanly (%.2f s), source usable", what,
          closing);
}

static void test_copy_rejected(mg_pg_conn *src, mg_pg_conn *dst)
{
    copy_rejected(src, dst,
                  "CREATE TABLE items_checked (LIKE items,"
                  " CHECK (qty >= 0))",
                  "COPY items TO STDOUT (FORMAT binary)",
                  "COPY items_checked FROM STDIN (FORMAT binary)",
                  MG_STREAM_PG_BINARY, true, "23514",
                  "COPY items_checked, line 3000", "CHECK constraint");
    CHECK_STR(scalar(dst, "SELECT count(*) FROM items_checked"), "0",
              "CHECK constraint: no row kept");
    copy_rejected(src, dst,
                  "CREATE TABLE items_int (id int, name int)",
                  "COPY (SELECT id, CASE WHEN id = 2500 THEN 'x' || name "
                  "ELSE id::text END AS name FROM items ORDER BY 1) TO STDOUT",
                  "COPY items_int FROM STDIN", MG_STREAM_PG_TEXT, false,
                  "22P02", "COPY items_int, line 2500, column name",
                  "text that does not parse");
    CHECK_STR(scalar(dst, "SELECT count(*) FROM items_int"), "0",
              "text that does not parse: no row kept");
    copy_rejected(src, dst,
                  "CREATE TABLE items_dup (id int PRIMARY KEY)",
                  "COPY (SELECT g % 4000 + 1 FROM generate_series(1, 5000) "
                  "g) TO STDOUT (FORMAT binary)",
                  "COPY items_dup FROM STDIN (FORMAT binary)",
                  MG_STREAM_PG_BINARY, false, "23505",
                  "(Key (id)=(2) already exists.); COPY items_dup, line 4001",
                  "duplicate key");
}

static void test_close_early(mg_pg_conn *src)
{
    /* A stream that would take minutes to drain: closing must cancel. */
    mg_error err;
    mg_error_clear(&err);
    mg_reader r;
    bool ok = mg_pg_copy_reader(src,
                                "COPY (SELECT generate_series(1, 1000000000),"
                                " repeat('x', 100)) TO STDOUT",
                                MG_STREAM_PG_TEXT, &r, &err);
    CHECK(ok, "early close: reader starts%s%s", ok ? "" : ": ", err.msg);
    if (!ok)
        return;
    const char *data = NULL;
    long n = 0;
    bool read_ok = true;
    for (int i = 0; i < 10 && read_ok; i++) {
        n = r.read(&r, &data, &err);
        read_ok = n > 0;
    }
    CHECK(read_ok && n > 100 && strncmp(data, "10\t", 3) == 0,
          "early close: read 10 rows (%ld bytes, row 10 \"%.3s\")", n,
          read_ok ? data : "");
    double t0 = now_seconds();
    r.close(&r);
    double took = now_seconds() - t0;
    CHECK(took < 10, "early close: cancelled, not drained (%.2f s)", took);
    CHECK(usable(src), "early close: source usable");
    r.close(&r);
    CHECK(usable(src), "early close: closing twice is harmless");

    /* Read to the end: read keeps returning 0 and close is quiet. */
    ok = mg_pg_copy_reader(src, "COPY (SELECT 1 UNION ALL SELECT 2) TO STDOUT",
                           MG_STREAM_PG_TEXT, &r, &err);
    mg_buf got = MG_BUF_INIT;
    while (ok && (n = r.read(&r, &data, &err)) > 0)
        mg_buf_append(&got, data, (size_t)n);
    CHECK(ok && n == 0 && r.read(&r, &data, &err) == 0,
          "read to the end: 0, then 0 again");
    CHECK_STR(got.data, "1\n2\n", "read to the end: the text rows");
    if (ok)
        r.close(&r);
    CHECK(usable(src), "read to the end: source usable");
    mg_buf_free(&got);

    /* A source failing mid-stream: the reader reports it. */
    ok = mg_pg_copy_reader(src,
                           "COPY (SELECT 10 / (5000 - g) FROM "
                           "generate_series(1, 10000) g) TO STDOUT",
                           MG_STREAM_PG_TEXT, &r, &err);
    long rows = 0;
    while (ok && (n = r.read(&r, &data, &err)) > 0)
        rows++;
    CHECK(ok && n == -1 && err.code == MG_ERR_COPY &&
              err.side == MG_SIDE_SOURCE &&
              strcmp(err.sqlstate, "22012") == 0,
          "source error mid-stream: -1 with 22012 on the source after %ld "
          "rows (%s)", rows, err.msg);
    if (ok)
        r.close(&r);
    CHECK(usable(src), "source error mid-stream: source usable");
}

/* ---- cancel and Ctrl-C ----------------------------------------------- */

static void on_alarm(int sig)
{
    (void)sig;
    raise(SIGINT);
}

static void test_cancel(mg_pg_conn *src, mg_pg_conn *dst)
{
    CHECK(mg_pg_cancel(src), "cancel on an idle connection is sent");
    CHECK(mg_pg_cancel(src), "and again");
    CHECK(usable(src), "cancel on an idle connection: no harm");
    CHECK(usable(src), "cancel on an idle connection: still no harm");

    /* Ctrl-C while a statement runs: the registered canceller stops it. */
    mg_interrupt_install();
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = {.it_value = {.tv_sec = 0, .tv_usec = 300000}};
    setitimer(ITIMER_REAL, &it, NULL);
    double t0 = now_seconds();
    const char *got = scalar(src, "SELECT pg_sleep(60)");
    double took = now_seconds() - t0;
    CHECK(strncmp(got, "ERROR 57014", 11) == 0 && took < 30,
          "Ctrl-C cancels a running statement (%.2f s): %s", took, got);
    CHECK(mg_interrupted(), "Ctrl-C sets the flag");
    mg_interrupt_clear();
    signal(SIGINT, SIG_DFL);
    signal(SIGALRM, SIG_DFL);
    CHECK(usable(src) && usable(dst), "after Ctrl-C: both connections usable");
}

typedef struct raise_on_batch {
    int calls;
    long long batches_at_raise;
} raise_on_batch;

static void raise_after_first_batch(void *ud, const mg_copy_stats *st)
{
    raise_on_batch *p = ud;
    p->calls++;
    if (st->batches >= 1 && !mg_interrupted()) {
        p->batches_at_raise = st->batches;
        mg_interrupt_raise();
    }
}

static void test_interrupted_copy(mg_pg_conn *src, mg_pg_conn *dst)
{
    mg_error err;
    mg_error_clear(&err);
    mg_pg_exec(dst, "TRUNCATE items", &err);
    mg_reader r;
    mg_writer w;
    bool ok = mg_pg_copy_reader(src, "COPY items TO STDOUT (FORMAT binary)",
                                MG_STREAM_PG_BINARY, &r, &err) &&
              mg_pg_copy_writer(dst, "COPY items FROM STDIN (FORMAT binary)",
                                MG_STREAM_PG_BINARY, &w, &err);
    CHECK(ok, "interrupted copy: both sides start%s%s", ok ? "" : ": ",
          err.msg);
    if (!ok)
        return;
    raise_on_batch p = {0, 0};
    mg_copy_opts opts = {.batch_bytes = 4096,
                         .progress_interval = 1e-9,
                         .progress = raise_after_first_batch,
                         .progress_ud = &p};
    mg_copy_stats st;
    ok = mg_copy_run(&r, &w, &opts, &st, &err);
    r.close(&r);
    bool flagged = mg_interrupted();
    mg_interrupt_clear();
    CHECK(!ok && err.code == MG_ERR_INTERRUPTED,
          "interrupted copy: MG_ERR_INTERRUPTED (%s: %s)",
          mg_errcode_name(err.code), err.msg);
    CHECK(flagged && p.batches_at_raise >= 1 && st.batches >= 1 &&
              st.pieces < 5000,
          "interrupted copy: stopped after %lld batches, %lld of 5000 rows",
          st.batches, st.pieces);
    CHECK_STR(scalar(dst, "SELECT count(*) FROM items"), "0",
              "interrupted copy: the target kept no rows");
    CHECK(usable(src) && usable(dst),
          "interrupted copy: both connections usable");
}

/* ---- main ------------------------------------------------------------ */

static bool make_db(mg_pg_conn *admin, const char *name, mg_error *err)
{
    mg_buf sql = MG_BUF_INIT;
    mg_buf_printf(&sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", name);
    bool ok = mg_pg_exec(admin, sql.data, err);
    mg_buf_reset(&sql);
    mg_buf_printf(&sql, "CREATE DATABASE %s", name);
    ok = ok && mg_pg_exec(admin, sql.data, err);
    mg_buf_free(&sql);
    CHECK(ok, "create database %s%s%s", name, ok ? "" : ": ",
          ok ? "" : err->msg);
    return ok;
}

static void drop_db(mg_pg_conn *admin, const char *name)
{
    mg_error err;
    mg_buf sql = MG_BUF_INIT;
    mg_buf_printf(&sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", name);
    bool ok = mg_pg_exec(admin, sql.data, &err);
    CHECK(ok, "drop database %s%s%s", name, ok ? "" : ": ",
          ok ? "" : err.msg);
    mg_buf_free(&sql);
}

int main(void)
{
    mg_log_set_level(MG_LOG_WARN);
    mg_error err;
    mg_error_clear(&err);
    mg_pg_conn *admin = NULL, *src = NULL, *dst = NULL;
    bool src_made = false, dst_made = false;
    char src_db[64], dst_db[64], conninfo[128];
    snprintf(src_db, sizeof src_db, "mg_pg_src_%ld", (long)getpid());
    snprintf(dst_db, sizeof dst_db, "mg_pg_dst_%ld", (long)getpid());

    test_open();

    admin = mg_pg_open("dbname=postgres", MG_SIDE_NONE, &err);
    CHECK(admin != NULL, "connect to dbname=postgres%s%s",
          admin ? "" : ": ", admin ? "" : err.msg);
    if (admin == NULL)
        goto out;
    src_made = make_db(admin, src_db, &err);
    dst_made = make_db(admin, dst_db, &err);
    if (!src_made || !dst_made)
        goto out;
    snprintf(conninfo, sizeof conninfo, "dbname=%s", src_db);
    src = mg_pg_open(conninfo, MG_SIDE_SOURCE, &err);
    snprintf(conninfo, sizeof conninfo, "dbname=%s", dst_db);
    dst = mg_pg_open(conninfo, MG_SIDE_TARGET, &err);
    CHECK(src && dst, "connect to both test databases%s%s",
          src && dst ? "" : ": ", src && dst ? "" : err.msg);
    if (!src || !dst)
        goto out;

    test_query_values(src);
    test_query_errors(src);
    test_query_errors(dst);
    test_exec(dst);
    test_quote(src);

    bool built = mg_pg_exec(src, items_ddl, &err) &&
                 mg_pg_exec(src, items_fill, &err) &&
                 mg_pg_exec(dst, items_ddl, &err);
    CHECK(built, "items on both sides%s%s", built ? "" : ": ",
          built ? "" : err.msg);
    if (!built)
        goto out;
    test_copy_between(src, dst);
    test_copy_not_copy(src, dst);
    test_copy_rejected(src, dst);
    test_close_early(src);
    test_cancel(src, dst);
    test_interrupted_copy(src, dst);

out:
    mg_pg_close(src);
    mg_pg_close(dst);
    if (src_made)
        drop_db(admin, src_db);
    if (dst_made)
        drop_db(admin, dst_db);
    mg_pg_close(admin);
    return check_done();
}
