/*
 * pg.c - the PostgreSQL connector: connections, statements, COPY streams.
 */
#include "conn/pg.h"

#include <libpq-fe.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/interrupt.h"
#include "core/log.h"
#include "core/secret.h"

struct mg_pg_conn {
    PGconn *pg;
    PGcancel *cancel;
    mg_side side;
    int cancel_slot; /* in the Ctrl-C canceller registry, or -1 */
    char display[512]; /* masked connection string */
};

/* ---- errors ---------------------------------------------------------- */

/* libpq's messages span lines ("...failed: X\n\tIs the server running"):
 * make msg one line, each line break (and the indent after it) one space,
 * with no trailing blank. */
static void one_line(char *msg)
{
    char *out = msg;
    for (const char *p = msg; *p; p++) {
        if (*p == '\n') {
            while (p[1] == '\t' || p[1] == ' ')
                p++;
            *out++ = ' ';
        } else {
            *out++ = *p;
        }
    }
    while (out > msg && out[-1] == ' ')
        out--;
    *out = '\0';
}

/* Length of the longest prefix of s (n bytes) found anywhere in hay. */
static size_t longest_in(const char *s, size_t n, const char *hay)
{
    size_t best = 0;
    for (const char *h = hay; *h; h++) {
        size_t k = 0;
        while (k < n && h[k] == s[k])
            k++;
        if (k > best)
            best = k;
    }
    return best;
}

/* libpq quotes the connection string, or a piece of it, when it cannot
 * parse it (invalid percent-encoded token: "s3cret%zz").  Copy msg to out
 * with every run of conninfo text that the masked display hides replaced
 * by "***": what masking keeps out of the display stays out of messages.
 * A run counts when it is 4 bytes or more, or a whole quoted token; shorter
 * runs are letters of the message's own words. */
static void mask_echo(const char *msg, const char *conninfo,
                      const char *display, char *out, size_t outsz)
{
    size_t o = 0, len = strlen(msg), dlen = strlen(display);
    for (size_t i = 0; i < len && o + 1 < outsz;) {
        size_t run = conninfo ? longest_in(msg + i, len - i, conninfo) : 0;
        if (run == 0) {
            out[o++] = msg[i++];
            continue;
        }
        bool quoted = i > 0 && msg[i - 1] == '"' && msg[i + run] == '"';
        bool hidden = (run >= 4 || quoted) &&
                      memmem(display, dlen, msg + i, run) == NULL;
        size_t n = hidden ? 3 : run;
        if (n > outsz - 1 - o)
            n = outsz - 1 - o;
        memcpy(out + o, hidden ? "***" : msg + i, n);
        o += n;
        i += run;
    }
    out[o] = '\0';
}

/* Fill *err from a failed PGresult (or the connection when res is NULL). */
static void set_result_error(mg_pg_conn *c, const PGresult *res,
                             mg_errcode code, mg_error *err)
{
    const char *state = NULL, *primary = NULL, *detail = NULL, *context = NULL;
    if (res != NULL) {
        state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
        primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
        detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
        context = PQresultErrorField(res, PG_DIAG_CONTEXT);
    }
    if (primary == NULL)
        primary = PQerrorMessage(c->pg);
    if (PQstatus(c->pg) == CONNECTION_BAD) {
        code = MG_ERR_CONNECT;
        if (state == NULL)
            state = "08006";
    }
    mg_error_set(err, code, c->side, state, "%s", primary);
    if (err == NULL)
        return;
    size_t len = strlen(err->msg);
    if (detail && len < sizeof err->msg)
        len += (size_t)snprintf(err->msg + len, sizeof err->msg - len, " (%s)", detail);
    /* COPY errors name the line and column in CONTEXT: keep that. */
    if (context && strstr(context, "COPY") != NULL && len < sizeof err->msg)
        snprintf(err->msg + len, sizeof err->msg - len, "; %s", context);
    one_line(err->msg);
}

static void on_notice(void *arg, const PGresult *res)
{
    mg_pg_conn *c = arg;
    const char *severity = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
    const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
    mg_log_level level = MG_LOG_DEBUG;
    if (severity && strcmp(severity, "WARNING") == 0)
        level = MG_LOG_WARN;
    mg_log(level, "pg", "[%s] %s: %s", mg_side_name(c->side),
           severity ? severity : "NOTICE", msg ? msg : "");
}

/* ---- connections ----------------------------------------------------- */

/* Ctrl-C: ask the server to stop what it runs for us (signal-safe). */
static void cancel_from_signal(void *ud)
{
    mg_pg_conn *c = ud;
    char errbuf[64];
    if (c->cancel)
        PQcancel(c->cancel, errbuf, sizeof errbuf);
}

mg_pg_conn *mg_pg_open(const char *conninfo, mg_side side, mg_error *err)
{
    mg_pg_conn *c = calloc(1, sizeof *c);
    if (c == NULL) {
        mg_error_set(err, MG_ERR_MEMORY, side, NULL, "out of memory");
        return NULL;
    }
    c->side = side;
    c->cancel_slot = -1;
    mg_mask_secrets(conninfo, c->display, sizeof c->display);

    /* The recipe's string wins over our application_name; UTF8 is forced
     * because COPY data is passed between servers unconverted. */
    const char *keys[] = {"application_name", "dbname", "client_encoding", NULL};
    const char *vals[] = {"migrate", conninfo, "UTF8", NULL};
    c->pg = PQconnectdbParams(keys, vals, 1);
    if (c->pg == NULL || PQstatus(c->pg) != CONNECTION_OK) {
        char why[MG_ERROR_MSG_MAX];
        mask_echo(c->pg ? PQerrorMessage(c->pg) : "out of memory", conninfo,
                  c->display, why, sizeof why);
        mg_error_set(err, MG_ERR_CONNECT, side, "08001",
                     "cannot connect to %s (%s): %s", mg_side_name(side),
                     c->display[0] ? c->display : "default connection", why);
        if (err)
            one_line(err->msg);
        mg_pg_close(c);
        return NULL;
    }
    PQsetNoticeReceiver(c->pg, on_notice, c);
    c->cancel = PQgetCancel(c->pg);
    c->cancel_slot = mg_interrupt_on(cancel_from_signal, c);
    if (!mg_pg_exec(c, "SET datestyle = ISO; SET intervalstyle = postgres; "
                       "SET extra_float_digits = 3",
                    err)) {
        mg_pg_close(c);
        return NULL;
    }
    mg_log(MG_LOG_DEBUG, "pg", "[%s] connected to %s (server %d)",
           mg_side_name(side), c->display, PQserverVersion(c->pg));
    return c;
}

void mg_pg_close(mg_pg_conn *c)
{
    if (c == NULL)
        return;
    mg_interrupt_forget(c->cancel_slot);
    if (c->cancel)
        PQfreeCancel(c->cancel);
    if (c->pg)
        PQfinish(c->pg);
    free(c);
}

const char *mg_pg_display(const mg_pg_conn *c) { return c->display; }

mg_side mg_pg_side(const mg_pg_conn *c) { return c->side; }

int mg_pg_server_version(const mg_pg_conn *c) { return PQserverVersion(c->pg); }

bool mg_pg_alive(const mg_pg_conn *c)
{
    return c->pg != NULL && PQstatus(c->pg) == CONNECTION_OK;
}

bool mg_pg_cancel(mg_pg_conn *c)
{
    char errbuf[256];
    return c->cancel != NULL && PQcancel(c->cancel, errbuf, sizeof errbuf) == 1;
}

/* ---- statements ------------------------------------------------------ */

/* Drain the results left on the connection (after COPY or a failure).
 * A statement that entered a COPY nobody reads or feeds (a COPY given to
 * mg_pg_exec, or the wrong way round to a copy function) is ended first:
 * in COPY state PQgetResult hands back the COPY result forever. */
static void drain(mg_pg_conn *c)
{
    PGresult *res;
    while ((res = PQgetResult(c->pg)) != NULL) {
        ExecStatusType st = PQresultStatus(res);
        PQclear(res);
        if (PQstatus(c->pg) == CONNECTION_BAD || st == PGRES_COPY_BOTH)
            break;
        if (st == PGRES_COPY_IN &&
            PQputCopyEnd(c->pg, "COPY FROM STDIN not expected here") != 1)
            break;
        if (st == PGRES_COPY_OUT) {
            mg_pg_cancel(c);
            char *row;
            while (PQgetCopyData(c->pg, &row, 0) > 0)
                PQfreemem(row);
        }
    }
}

static bool is_copy(ExecStatusType st)
{
    return st == PGRES_COPY_IN || st == PGRES_COPY_OUT || st == PGRES_COPY_BOTH;
}

/* A plain statement entered COPY: refuse it, end the COPY and leave the
 * connection ready for the next statement. */
static void refuse_copy(mg_pg_conn *c, const char *sql, mg_error *err)
{
    mg_error_set(err, MG_ERR_USAGE, c->side, NULL,
                 "a COPY needs the copy functions, not a plain statement: %s",
                 sql);
    drain(c);
}

bool mg_pg_exec(mg_pg_conn *c, const char *sql, mg_error *err)
{
    PGresult *res = PQexec(c->pg, sql);
    ExecStatusType st = PQresultStatus(res);
    bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ||
              st == PGRES_EMPTY_QUERY;
    if (!ok && !is_copy(st))
        set_result_error(c, res, MG_ERR_QUERY, err);
    PQclear(res);
    if (!ok && is_copy(st))
        refuse_copy(c, sql, err);
    return ok;
}

static mg_valkind kind_of(Oid type)
{
    switch (type) {
    case 20: case 21: case 23: case 26: /* int8 int2 int4 oid */
        return MG_VAL_INT;
    case 700: case 701: /* float4 float8 */
        return MG_VAL_FLOAT;
    case 16: /* bool */
        return MG_VAL_BOOL;
    default:
        return MG_VAL_TEXT;
    }
}

/* Copy a PGresult into an owned mg_result. */
static mg_result *result_from_pg(const PGresult *res)
{
    int ncols = PQnfields(res);
    mg_result *r = mg_result_new(ncols);
    if (r == NULL)
        return NULL;
    for (int i = 0; i < ncols; i++)
        if (!mg_result_set_column(r, i, PQfname(res, i), kind_of(PQftype(res, i))))
            goto fail;
    const char **vals = calloc((size_t)(ncols ? ncols : 1), sizeof *vals);
    size_t *lens = calloc((size_t)(ncols ? ncols : 1), sizeof *lens);
    bool ok = vals != NULL && lens != NULL;
    int nrows = PQntuples(res);
    for (int row = 0; ok && row < nrows; row++) {
        for (int i = 0; i < ncols; i++) {
            vals[i] = PQgetisnull(res, row, i) ? NULL : PQgetvalue(res, row, i);
            lens[i] = (size_t)PQgetlength(res, row, i);
        }
        ok = mg_result_add_row(r, vals, lens);
    }
    free(vals);
    free(lens);
    const char *tag = PQcmdStatus((PGresult *)res);
    if (ok && tag && *tag)
        ok = (r->command_tag = strdup(tag)) != NULL;
    if (ok)
        return r;
fail:
    mg_result_free(r);
    return NULL;
}

bool mg_pg_query(mg_pg_conn *c, const char *sql, int nparams,
                 const char *const *params, mg_result **out, mg_error *err)
{
    *out = NULL;
    PGresult *res = PQexecParams(c->pg, sql, nparams, NULL, params, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        if (!is_copy(st))
            set_result_error(c, res, MG_ERR_QUERY, err);
        PQclear(res);
        if (is_copy(st))
            refuse_copy(c, sql, err);
        return false;
    }
    *out = result_from_pg(res);
    PQclear(res);
    if (*out == NULL) {
        mg_error_set(err, MG_ERR_MEMORY, c->side, NULL, "out of memory reading a result");
        return false;
    }
    return true;
}

/* ---- quoting --------------------------------------------------------- */

bool mg_pg_quote_ident(mg_buf *out, const char *name)
{
    if (!mg_buf_reserve(out, strlen(name) * 2 + 2))
        return false;
    mg_buf_append(out, "\"", 1);
    for (const char *p = name; *p; p++) {
        if (*p == '"')
            mg_buf_append(out, "\"", 1);
        mg_buf_append(out, p, 1);
    }
    return mg_buf_append(out, "\"", 1);
}

bool mg_pg_quote_literal(mg_buf *out, const char *s)
{
    bool backslash = strchr(s, '\\') != NULL;
    if (!mg_buf_reserve(out, strlen(s) * 2 + 3))
        return false;
    if (backslash)
        mg_buf_append(out, "E", 1);
    mg_buf_append(out, "'", 1);
    for (const char *p = s; *p; p++) {
        if (*p == '\'' || (*p == '\\' && backslash))
            mg_buf_append(out, p, 1);
        mg_buf_append(out, p, 1);
    }
    return mg_buf_append(out, "'", 1);
}

/* ---- COPY streams ---------------------------------------------------- */

typedef struct copy_out {
    mg_pg_conn *c;
    char *row;    /* the last piece from PQgetCopyData, owned */
    bool active;  /* still in COPY OUT */
} copy_out;

static long copy_out_read(mg_reader *r, const char **data, mg_error *err)
{
    copy_out *co = r->self;
    if (co->row) {
        PQfreemem(co->row);
        co->row = NULL;
    }
    if (!co->active)
        return 0;
    int n = PQgetCopyData(co->c->pg, &co->row, 0);
    if (n > 0) {
        *data = co->row;
        return n;
    }
    co->active = false;
    PGresult *res = PQgetResult(co->c->pg);
    bool ok = n == -1 && PQresultStatus(res) == PGRES_COMMAND_OK;
    if (!ok)
        set_result_error(co->c, res, MG_ERR_COPY, err);
    PQclear(res);
    drain(co->c);
    return ok ? 0 : -1;
}

static void copy_out_close(mg_reader *r)
{
    copy_out *co = r->self;
    if (co == NULL)
        return;
    if (co->row)
        PQfreemem(co->row);
    if (co->active) {
        /* Stopped early: cancel the server's COPY and swallow the rest. */
        mg_pg_cancel(co->c);
        char *row;
        int n;
        while ((n = PQgetCopyData(co->c->pg, &row, 0)) > 0)
            PQfreemem(row);
        drain(co->c);
    }
    free(co);
    r->self = NULL;
}

static void copy_out_cancel(mg_reader *r)
{
    copy_out *co = r->self;
    if (co != NULL)
        mg_pg_cancel(co->c);
}

static const char *format_word(mg_stream_format f)
{
    return f == MG_STREAM_PG_BINARY ? "binary" : "text";
}

/* Run a COPY statement and check it entered the expected copy state. */
static bool start_copy(mg_pg_conn *c, const char *sql, ExecStatusType want,
                       mg_error *err)
{
    PGresult *res = PQexec(c->pg, sql);
    bool ok = PQresultStatus(res) == want;
    if (!ok) {
        if (PQresultStatus(res) == PGRES_FATAL_ERROR || res == NULL)
            set_result_error(c, res, MG_ERR_COPY, err);
        else
            mg_error_set(err, MG_ERR_USAGE, c->side, NULL,
                         "statement is not a COPY %s: %s",
                         want == PGRES_COPY_OUT ? "TO STDOUT" : "FROM STDIN", sql);
    }
    PQclear(res);
    if (!ok)
        drain(c);
    return ok;
}

bool mg_pg_copy_reader(mg_pg_conn *c, const char *copy_sql,
                       mg_stream_format format, mg_reader *r, mg_error *err)
{
    copy_out *co = calloc(1, sizeof *co);
    if (co == NULL) {
        mg_error_set(err, MG_ERR_MEMORY, c->side, NULL, "out of memory");
        return false;
    }
    if (!start_copy(c, copy_sql, PGRES_COPY_OUT, err)) {
        free(co);
        return false;
    }
    co->c = c;
    co->active = true;
    r->read = copy_out_read;
    r->close = copy_out_close;
    r->cancel = copy_out_cancel;
    r->format = format;
    r->self = co;
    mg_log(MG_LOG_DEBUG, "pg", "[%s] copy out (%s): %s", mg_side_name(c->side),
           format_word(format), copy_sql);
    return true;
}

static bool copy_in_write(mg_writer *w, const char *data, size_t len,
                          mg_error *err)
{
    mg_pg_conn *c = w->self;
    /* libpq takes an int length: send a huge buffer in pieces. */
    while (len > 0) {
        int n = len > (size_t)INT_MAX ? INT_MAX : (int)len;
        if (PQputCopyData(c->pg, data, n) != 1)
            break;
        data += n;
        len -= (size_t)n;
    }
    if (len == 0)
        return true;
    /* The server stopped the COPY: its error is in the next result. */
    PGresult *res = PQgetResult(c->pg);
    set_result_error(c, res, MG_ERR_COPY, err);
    PQclear(res);
    drain(c);
    return false;
}

static bool copy_in_finish(mg_writer *w, long long *rows, mg_error *err)
{
    mg_pg_conn *c = w->self;
    if (PQputCopyEnd(c->pg, NULL) != 1) {
        set_result_error(c, NULL, MG_ERR_COPY, err);
        drain(c);
        return false;
    }
    PGresult *res = PQgetResult(c->pg);
    bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    if (ok && rows)
        *rows = strtoll(PQcmdTuples(res), NULL, 10);
    if (!ok)
        set_result_error(c, res, MG_ERR_COPY, err);
    PQclear(res);
    drain(c);
    return ok;
}

static void copy_in_abort(mg_writer *w, const char *reason)
{
    mg_pg_conn *c = w->self;
    if (PQputCopyEnd(c->pg, reason ? reason : "aborted by migrate") == 1)
        drain(c);
}

bool mg_pg_copy_writer(mg_pg_conn *c, const char *copy_sql,
                       mg_stream_format format, mg_writer *w, mg_error *err)
{
    if (!start_copy(c, copy_sql, PGRES_COPY_IN, err))
        return false;
    w->write = copy_in_write;
    w->finish = copy_in_finish;
    w->abort = copy_in_abort;
    w->format = format;
    w->self = c;
    mg_log(MG_LOG_DEBUG, "pg", "[%s] copy in (%s): %s", mg_side_name(c->side),
           format_word(format), copy_sql);
    return true;
}
