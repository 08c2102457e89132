/*
 * test_core.c - units for runtime/core: password masking, buffers, results,
 * error records.  No database needed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/result.h"
#include "core/secret.h"

/* Mask `in` and compare the result with want. */
static void mask_is(const char *in, const char *want, const char *what)
{
    char out[512];
    mg_mask_secrets(in, out, sizeof out);
    CHECK_STR(out, want, "mask: %s", what);
}

/* True when out contains no byte sequence of the secret. */
static int leaks(const char *out, const char *secret)
{
    return strstr(out, secret) != NULL;
}

static void test_mask_forms(void)
{
    mask_is("postgresql://alice:s3cret@db.example.com:5432/app",
            "postgresql://alice:***@db.example.com:5432/app", "URL userinfo");
    mask_is("postgres://alice:s3cret@db/app?sslmode=require",
            "postgres://alice:***@db/app?sslmode=require",
            "URL userinfo with query");
    mask_is("postgresql://alice@db/app?sslmode=require&password=s3cret"
            "&application_name=mg",
            "postgresql://alice@db/app?sslmode=require&password=***"
            "&application_name=mg",
            "URL ?password= in the middle of the query");
    mask_is("postgresql://db/app?password=s3cret",
            "postgresql://db/app?password=***", "URL ?password= alone");
    mask_is("postgresql://alice:p@ss@db/app",
            "postgresql://alice:***@db/app", "URL: @ inside the password");
    mask_is("postgresql://alice:p:a:ss@db/app",
            "postgresql://alice:***@db/app", "URL: : inside the password");
    mask_is("host=db user=alice password=s3cret dbname=app",
            "host=db user=alice password=*** dbname=app", "conninfo");
    mask_is("host=db password='a b' dbname=app",
            "host=db password=*** dbname=app", "conninfo quoted with space");
    mask_is("host=db password='it\\'s x' dbname=app",
            "host=db password=*** dbname=app",
            "conninfo quoted with escaped quote");
    mask_is("password=s3cret", "password=***", "conninfo password only");
    mask_is("host=db PassWord=s3cret", "host=db PassWord=***",
            "conninfo keyword in any case");
    mask_is("host=db sslpassword=s3cret sslmode=verify-full",
            "host=db sslpassword=*** sslmode=verify-full",
            "conninfo sslpassword");
    mask_is("DSN=legacy;UID=sa;PWD=s3cret;",
            "DSN=legacy;UID=sa;PWD=***;", "ODBC PWD=");
    mask_is("odbc:DSN=legacy;UID=sa;Pwd=s3cret",
            "odbc:DSN=legacy;UID=sa;Pwd=***", "odbc: prefix, last pair");
    mask_is("Driver={ODBC Driver 18 for SQL Server};Server=x;PWD={a;b}}c};"
            "Database=d",
            "Driver={ODBC Driver 18 for SQL Server};Server=x;PWD=***;"
            "Database=d",
            "ODBC braced PWD with ; and }}");
    mask_is("DSN=x;PWD={a;b}};Database=d", "DSN=x;PWD=***",
            "ODBC unclosed brace masks to the end");
    mask_is("Driver=MariaDB;Server=m;User=u;Password=s3cret;Database=d",
            "Driver=MariaDB;Server=m;User=u;Password=***;Database=d",
            "ODBC Password=");

    /* Forms that leaked a piece of the password before the fix. */
    mask_is("DSN=legacy;UID=sa;PWD=top secret;Database=d",
            "DSN=legacy;UID=sa;PWD=***;Database=d",
            "ODBC unbraced PWD with a space");
    mask_is("host=db password=a;b dbname=app",
            "host=db password=*** dbname=app", "conninfo password with ;");
    mask_is("host=db password=a\\ b dbname=app",
            "host=db password=*** dbname=app",
            "conninfo unquoted password with an escaped space");
    mask_is("host=db password = s3cret dbname=app",
            "host=db password = *** dbname=app",
            "conninfo spaces around =");
    mask_is("UID='x;PWD=s3cret;", "UID='x;PWD=***;",
            "ODBC: a quote is not quoting");
    mask_is("host=db\tpassword=s3cret\tdbname=app",
            "host=db\tpassword=***\tdbname=app", "conninfo tab separated");
    mask_is("host=db passwd=s3cret user=pwd", "host=db passwd=*** user=pwd",
            "conninfo passwd=, and pwd as a value");
    mask_is("source=postgresql://alice:s3cret@db/app",
            "source=postgresql://alice:***@db/app", "URL inside a string");
    mask_is("password=s3cret url=postgresql://alice:pw2@db/app",
            "password=*** url=postgresql://alice:***@db/app",
            "a password before a URL");
    mask_is("postgresql://alice:@db/app", "postgresql://alice:***@db/app",
            "URL with an empty password");
    mask_is("Driver=Rest;Server=https://api.example.com/v1;PWD=top secret;"
            "UID=u",
            "Driver=Rest;Server=https://api.example.com/v1;PWD=***;UID=u",
            "ODBC holding a URL");
    mask_is("Driver=Rest;Server=https://bob:s3cret@api.example.com;UID=u",
            "Driver=Rest;Server=https://bob:***@api.example.com;UID=u",
            "ODBC holding a URL with a password");
    mask_is("dbname=postgresql://alice:s3cret@db/app?password=pw2 user=x",
            "dbname=postgresql://alice:***@db/app?password=*** user=x",
            "conninfo holding a URL");

    /* Nothing to mask: the string comes back as it was. */
    mask_is("host=db user=alice dbname=app", "host=db user=alice dbname=app",
            "conninfo without password");
    mask_is("postgresql://alice@db:5432/app", "postgresql://alice@db:5432/app",
            "URL without password");
    mask_is("postgresql://db:5432/app?sslmode=require",
            "postgresql://db:5432/app?sslmode=require",
            "URL host:port, no userinfo");
    mask_is("DSN=legacy;UID=sa", "DSN=legacy;UID=sa", "ODBC without PWD");
    mask_is("", "", "empty string");
    mask_is("host=db password= user=x", "host=db password= ***",
            "conninfo empty-looking password takes the next word, as libpq");

    char out[32];
    mg_mask_secrets(NULL, out, sizeof out);
    CHECK_STR(out, "", "mask: NULL input gives an empty string");
}

static void test_mask_truncated(void)
{
    const char *in = "host=db password=s3cret dbname=app";
    char *out = malloc(20);
    mg_mask_secrets(in, out, 20);
    CHECK_STR(out, "host=db password=**", "truncated: cut at the buffer");
    free(out);

    /* Every size from 1 up: always terminated, never the secret. */
    const char *ins[] = {in, "postgresql://alice:s3cret@db/app",
                         "DSN=x;PWD={s3cret};UID=u"};
    int bad = 0;
    for (size_t k = 0; k < sizeof ins / sizeof ins[0]; k++) {
        size_t n = strlen(ins[k]) + 4;
        for (size_t sz = 1; sz <= n; sz++) {
            char *o = malloc(sz);
            mg_mask_secrets(ins[k], o, sz);
            if (strlen(o) >= sz || leaks(o, "s3") || leaks(o, "cret"))
                bad++;
            free(o);
        }
    }
    CHECK(bad == 0, "truncated: every buffer size is terminated and masked "
                    "(%d bad)", bad);

    char one = 'x';
    mg_mask_secrets(in, &one, 1);
    CHECK(one == '\0', "truncated: a 1-byte buffer gets an empty string");
    char zero = 'x';
    mg_mask_secrets(in, &zero, 0);
    CHECK(zero == 'x', "truncated: a 0-byte buffer is not touched");
}

static void test_buf(void)
{
    mg_buf b = MG_BUF_INIT;
    CHECK(b.data == NULL && b.len == 0 && b.cap == 0, "buf: starts empty");
    CHECK(mg_buf_append_str(&b, "abc"), "buf: append");
    CHECK_STR(b.data, "abc", "buf: content after append");
    CHECK(b.len == 3 && b.cap >= 4, "buf: len 3, room for NUL");
    CHECK(mg_buf_append(&b, "", 0), "buf: append nothing");
    CHECK(b.len == 3 && b.data[3] == '\0', "buf: still terminated");

    /* Growth: 10000 appends of 7 bytes each. */
    int ok = 1;
    for (int i = 0; i < 10000; i++)
        ok &= mg_buf_append(&b, "0123456", 7);
    CHECK(ok && b.len == 3 + 70000, "buf: grows to %zu bytes", b.len);
    CHECK(b.cap > b.len && b.data[b.len] == '\0', "buf: terminated after "
                                                  "growth");
    CHECK(memcmp(b.data + 3 + 7 * 9999, "0123456", 7) == 0,
          "buf: last piece intact");

    size_t cap = b.cap;
    mg_buf_reset(&b);
    CHECK(b.len == 0 && b.cap == cap && b.data[0] == '\0',
          "buf: reset keeps the capacity");
    CHECK(mg_buf_printf(&b, "%s=%d;%05.1f", "n", 42, 3.14159),
          "buf: printf");
    CHECK_STR(b.data, "n=42;003.1", "buf: printf content");
    CHECK(mg_buf_printf(&b, "%s", ""), "buf: printf of nothing");
    CHECK_STR(b.data, "n=42;003.1", "buf: printf of nothing changes nothing");

    /* printf longer than the initial capacity, on a fresh buffer. */
    mg_buf c = MG_BUF_INIT;
    char big[1000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    CHECK(mg_buf_printf(&c, "[%s]", big) && c.len == 1001,
          "buf: printf grows a fresh buffer (len %zu)", c.len);
    CHECK(c.data[0] == '[' && c.data[1000] == ']' && c.data[1001] == '\0',
          "buf: printf content at both ends");

    /* Binary data with NULs. */
    mg_buf_reset(&c);
    CHECK(mg_buf_append(&c, "a\0b", 3) && c.len == 3 &&
              memcmp(c.data, "a\0b", 3) == 0,
          "buf: binary append keeps NUL bytes");

    CHECK(!mg_buf_reserve(&c, SIZE_MAX) && !mg_buf_reserve(&c, SIZE_MAX - 2) &&
              c.len == 3,
          "buf: an impossible size is refused, the buffer kept");

    mg_buf_free(&b);
    mg_buf_free(&c);
    CHECK(b.data == NULL && b.len == 0 && b.cap == 0, "buf: free resets");
    mg_buf_free(&b); /* twice is fine */
    mg_buf_reset(&b); /* reset of an empty buffer is fine */
    CHECK(b.data == NULL, "buf: reset of a freed buffer");
}

static void test_result(void)
{
    mg_result *r = mg_result_new(3);
    CHECK(r != NULL && r->ncols == 3 && r->nrows == 0, "result: new");
    CHECK(mg_result_set_column(r, 0, "id", MG_VAL_INT) &&
              mg_result_set_column(r, 1, "name", MG_VAL_TEXT) &&
              mg_result_set_column(r, 2, "ok", MG_VAL_BOOL),
          "result: name the columns");
    CHECK(!mg_result_set_column(r, 3, "x", MG_VAL_TEXT) &&
              !mg_result_set_column(r, -1, "x", MG_VAL_TEXT),
          "result: a column out of range is refused");
    CHECK(mg_result_set_column(r, 1, "label", MG_VAL_TEXT),
          "result: rename a column");
    CHECK(mg_result_column(r, "id") == 0 && mg_result_column(r, "label") == 1 &&
              mg_result_column(r, "ok") == 2,
          "result: column index by name");
    CHECK(mg_result_column(r, "name") == -1 &&
              mg_result_column(r, "missing") == -1,
          "result: unknown column is -1");
    CHECK(r->kinds[0] == MG_VAL_INT && r->kinds[2] == MG_VAL_BOOL,
          "result: kinds kept");

    /* 1000 rows, every third name NULL: enough to grow offsets and arena. */
    int ok = 1;
    for (int i = 0; i < 1000; i++) {
        char id[16], name[32];
        int idn = snprintf(id, sizeof id, "%d", i);
        int nn = snprintf(name, sizeof name, "row %d", i);
        const char *vals[3] = {id, i % 3 == 0 ? NULL : name,
                               i % 2 ? "t" : "f"};
        size_t lens[3] = {(size_t)idn, (size_t)nn, 1};
        ok &= mg_result_add_row(r, vals, lens);
    }
    CHECK(ok && r->nrows == 1000, "result: 1000 rows added");
    CHECK_STR(mg_result_value(r, 0, 0), "0", "result: (0, id)");
    CHECK(mg_result_value(r, 0, 1) == NULL, "result: (0, label) is NULL");
    CHECK_STR(mg_result_value(r, 1, 1), "row 1", "result: (1, label)");
    CHECK_STR(mg_result_value(r, 999, 0), "999", "result: (999, id)");
    CHECK(mg_result_value(r, 999, 1) == NULL, "result: (999, label) NULL");
    CHECK_STR(mg_result_value(r, 998, 1), "row 998", "result: (998, label)");
    CHECK_STR(mg_result_value(r, 997, 2), "t", "result: (997, ok)");
    CHECK(mg_result_value(r, 1000, 0) == NULL &&
              mg_result_value(r, 0, 3) == NULL &&
              mg_result_value(r, 0, -1) == NULL,
          "result: out of range is NULL");

    /* Empty string is not NULL; a value with a NUL inside is kept whole. */
    const char *vals[3] = {"", "a\0b", NULL};
    size_t lens[3] = {0, 3, 0};
    CHECK(mg_result_add_row(r, vals, lens), "result: add empty/NUL row");
    const char *e = mg_result_value(r, 1000, 0);
    CHECK(e != NULL && e[0] == '\0', "result: empty string is not NULL");
    const char *ab = mg_result_value(r, 1000, 1);
    CHECK(ab != NULL && memcmp(ab, "a\0b", 4) == 0,
          "result: value keeps its bytes and a final NUL");
    CHECK(mg_result_value(r, 1000, 2) == NULL, "result: NULL bool");
    mg_result_free(r);

    mg_result *z = mg_result_new(0);
    CHECK(z != NULL && mg_result_column(z, "x") == -1,
          "result: zero columns");
    CHECK(mg_result_add_row(z, NULL, NULL) && z->nrows == 1,
          "result: a zero-column row");
    mg_result_free(z);
    mg_result_free(NULL);
}

static void test_error(void)
{
    mg_error err;
    mg_error_clear(&err);
    CHECK(err.code == MG_OK && err.side == MG_SIDE_NONE &&
              err.sqlstate[0] == '\0' && err.msg[0] == '\0',
          "error: clear");

    mg_error_set(&err, MG_ERR_QUERY, MG_SIDE_TARGET, "23505",
                 "duplicate key on %s\n", "t");
    CHECK(err.code == MG_ERR_QUERY && err.side == MG_SIDE_TARGET,
          "error: code and side");
    CHECK_STR(err.sqlstate, "23505", "error: SQLSTATE copied");
    CHECK_STR(err.msg, "duplicate key on t", "error: trailing newline trimmed");

    mg_error_set(&err, MG_ERR_CONNECT, MG_SIDE_SOURCE, "08006XYZ",
                 "gone \n \n");
    CHECK_STR(err.sqlstate, "08006", "error: SQLSTATE cut to 5 characters");
    CHECK_STR(err.msg, "gone", "error: all trailing newlines/spaces trimmed");

    mg_error_set(&err, MG_ERR_IO, MG_SIDE_NONE, "080", "short");
    CHECK_STR(err.sqlstate, "080", "error: short SQLSTATE kept as is");
    mg_error_set(&err, MG_ERR_IO, MG_SIDE_NONE, NULL, "%s", "x\ny");
    CHECK_STR(err.sqlstate, "", "error: NULL SQLSTATE is empty");
    CHECK_STR(err.msg, "x\ny", "error: inner newline kept");

    char big[3000];
    memset(big, 'm', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    mg_error_set(&err, MG_ERR_QUERY, MG_SIDE_SOURCE, NULL, "%s", big);
    CHECK(strlen(err.msg) == MG_ERROR_MSG_MAX - 1,
          "error: long message cut to the buffer");
    mg_error_set(NULL, MG_ERR_QUERY, MG_SIDE_SOURCE, NULL, "ignored");
    mg_error_clear(NULL);
    CHECK(1, "error: NULL record is ignored");

    CHECK_STR(mg_side_name(MG_SIDE_SOURCE), "source", "error: side source");
    CHECK_STR(mg_side_name(MG_SIDE_TARGET), "target", "error: side target");
    CHECK_STR(mg_side_name(MG_SIDE_NONE), "", "error: side none");
    CHECK_STR(mg_errcode_name(MG_ERR_CONNECT), "connect", "error: connect");
    CHECK_STR(mg_errcode_name(MG_ERR_INTERRUPTED), "interrupted",
              "error: interrupted");
    CHECK_STR(mg_errcode_name(MG_ERR_IO), "io", "error: io");

    CHECK(mg_sqlstate_retryable("08006") && mg_sqlstate_retryable("08001") &&
              mg_sqlstate_retryable("08P01"),
          "retryable: class 08");
    CHECK(mg_sqlstate_retryable("40001"), "retryable: serialization");
    CHECK(mg_sqlstate_retryable("40P01"), "retryable: deadlock");
    CHECK(!mg_sqlstate_retryable("40002") && !mg_sqlstate_retryable("23505") &&
              !mg_sqlstate_retryable("42P01") &&
              !mg_sqlstate_retryable("57014"),
          "retryable: not constraint, undefined table, cancel");
    CHECK(!mg_sqlstate_retryable(NULL) && !mg_sqlstate_retryable("") &&
              !mg_sqlstate_retryable("0"),
          "retryable: none, empty, short");
}

int main(void)
{
    test_mask_forms();
    test_mask_truncated();
    test_buf();
    test_result();
    test_error();
    return check_done();
}
