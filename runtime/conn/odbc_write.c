/*
 * odbc_write.c - ODBC as a target: transactions, and a writer that takes
 * PostgreSQL COPY text and sends it as parameter arrays.
 *
 * The writer parses the stream row by row into a batch (decoded values in
 * one arena), and sends the batch when it holds batch_rows rows or when
 * its bound buffers would pass batch_bytes: each column becomes one array
 * of fixed-width elements (the widest value of the column in the batch),
 * bound column-wise, and the prepared statement runs once per batch.
 */
#include "conn/odbc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/log.h"
#include "conn/odbc_internal.h"

#define DEFAULT_BATCH_ROWS 1000
#define DEFAULT_BATCH_BYTES (4u << 20)
#define MAX_BATCH_ROWS 65536
#define LONG_VALUE 8000 /* wider values are bound as SQL_LONGVAR* */
#define STATUS_UNSET 0xffff /* no SQL_PARAM_* value: "the driver left it" */
#define PROCESSED_UNSET ((SQLULEN)-1)

/* ---- transactions ---------------------------------------------------- */

bool mg_odbc_set_autocommit(mg_odbc *c, bool on, mg_error *err)
{
    SQLULEN v = on ? SQL_AUTOCOMMIT_ON : SQL_AUTOCOMMIT_OFF;
    if (SQL_SUCCEEDED(SQLSetConnectAttr(c->dbc, SQL_ATTR_AUTOCOMMIT,
                                        (SQLPOINTER)v, 0)))
        return true;
    mg_odbc_diag(c, SQL_HANDLE_DBC, c->dbc, MG_ERR_QUERY, err,
                 on ? "cannot turn autocommit on"
                    : "cannot turn autocommit off");
    return false;
}

static bool end_tran(mg_odbc *c, SQLSMALLINT how, mg_error *err)
{
    if (SQL_SUCCEEDED(SQLEndTran(SQL_HANDLE_DBC, c->dbc, how)))
        return true;
    mg_odbc_diag(c, SQL_HANDLE_DBC, c->dbc, MG_ERR_QUERY, err,
                 how == SQL_COMMIT ? "commit failed" : "rollback failed");
    return false;
}

bool mg_odbc_commit(mg_odbc *c, mg_error *err)
{
    return end_tran(c, SQL_COMMIT, err);
}

bool mg_odbc_rollback(mg_odbc *c, mg_error *err)
{
    return end_tran(c, SQL_ROLLBACK, err);
}

/* ---- parameter kinds ------------------------------------------------- */

static const char *const kind_names[] = {"text", "binary", "boolean"};

int mg_odbc_param_kind_parse(const char *name)
{
    for (size_t i = 0; i < sizeof kind_names / sizeof kind_names[0]; i++)
        if (name && strcmp(name, kind_names[i]) == 0)
            return (int)i;
    return -1;
}

/* ---- COPY text values ------------------------------------------------ */

/* Undo the COPY text escapes of the field s[0..n) into out (room for n
 * bytes): \b \f \n \r \t \v, \NNN octal (1-3 digits), \xHH hex (1-2
 * digits), and a backslash before any other byte stands for that byte
 * (as PostgreSQL reads it).  Returns the decoded length. */
static size_t copy_unescape(const char *s, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (ch != '\\' || i + 1 == n) {
            out[o++] = ch;
            continue;
        }
        ch = s[++i];
        switch (ch) {
        case 'b': out[o++] = '\b'; break;
        case 'f': out[o++] = '\f'; break;
        case 'n': out[o++] = '\n'; break;
        case 'r': out[o++] = '\r'; break;
        case 't': out[o++] = '\t'; break;
        case 'v': out[o++] = '\v'; break;
        case 'x': {
            int d = i + 1 < n ? mg_odbc_hex_digit((unsigned char)s[i + 1])
                              : -1;
            if (d < 0) {
                out[o++] = 'x';
                break;
            }
            int v = d;
            i++;
            d = i + 1 < n ? mg_odbc_hex_digit((unsigned char)s[i + 1])
                          : -1;
            if (d >= 0) {
                v = v * 16 + d;
                i++;
            }
            out[o++] = (char)v;
            break;
        }
        default:
            if (ch >= '0' && ch <= '7') {
                int v = ch - '0';
                for (int k = 0; k < 2 && i + 1 < n && s[i + 1] >= '0' &&
                                s[i + 1] <= '7'; k++)
                    v = v * 8 + (s[++i] - '0');
                out[o++] = (char)v;
            } else {
                out[o++] = ch;
            }
            break;
        }
    }
    return o;
}

/* Decode bytea text (already unescaped from COPY) in place: "\x" + hex,
 * or the escape format (\\ and \NNN).  Returns the byte count, or -1 when
 * it is not valid bytea text. */
static long bytea_decode(char *p, size_t n)
{
    size_t o = 0;
    if (n >= 2 && p[0] == '\\' && p[1] == 'x') {
        if ((n - 2) % 2 != 0)
            return -1;
        for (size_t i = 2; i < n; i += 2) {
            int hi = mg_odbc_hex_digit((unsigned char)p[i]);
            int lo = mg_odbc_hex_digit((unsigned char)p[i + 1]);
            if (hi < 0 || lo < 0)
                return -1;
            p[o++] = (char)(hi * 16 + lo);
        }
        return (long)o;
    }
    for (size_t i = 0; i < n; i++) {
        if (p[i] != '\\') {
            p[o++] = p[i];
        } else if (i + 1 < n && p[i + 1] == '\\') {
            p[o++] = '\\';
            i++;
        } else if (i + 3 < n && p[i + 1] >= '0' && p[i + 1] <= '3' &&
                   p[i + 2] >= '0' && p[i + 2] <= '7' && p[i + 3] >= '0' &&
                   p[i + 3] <= '7') {
            p[o++] = (char)((p[i + 1] - '0') * 64 + (p[i + 2] - '0') * 8 +
                            (p[i + 3] - '0'));
            i += 3;
        } else {
            return -1;
        }
    }
    return (long)o;
}

/* 1 for true, 0 for false, -1 for anything else ("t"/"f" as COPY writes
 * booleans; "true"/"false" and "1"/"0" are accepted too). */
static int bool_value(const char *p, size_t n)
{
    static const char *const yes[] = {"t", "true", "1"};
    static const char *const no[] = {"f", "false", "0"};
    for (int i = 0; i < 3; i++) {
        if (n == strlen(yes[i]) && strncasecmp(p, yes[i], n) == 0)
            return 1;
        if (n == strlen(no[i]) && strncasecmp(p, no[i], n) == 0)
            return 0;
    }
    return -1;
}

/* ---- the writer ------------------------------------------------------ */

typedef struct cell {
    size_t off; /* into the arena */
    SQLLEN len; /* SQL_NULL_DATA for NULL */
} cell;

typedef struct wcol {
    mg_odbc_param_kind kind;
    size_t maxlen; /* widest value of the column in the batch */
    size_t width;  /* element size of data for the batch being sent */
    char *data;    /* owned: the column's array */
    size_t cap;
    SQLLEN *ind;   /* owned: batch_rows indicators */
} wcol;

typedef struct odbc_writer {
    mg_odbc *c;
    char *sql;         /* owned, for messages */
    SQLHSTMT h;
    int ncols;
    wcol *cols;        /* owned, ncols */
    size_t batch_rows, batch_bytes;
    bool arrays;       /* parameter arrays; else one row per execute */
    bool ended;        /* saw the "\." end marker */
    mg_buf line;       /* a row split across write() calls */
    mg_buf arena;      /* decoded values of the rows in the batch */
    cell *cells;       /* owned: batch_rows * ncols */
    size_t nrows;      /* rows in the batch */
    long long sent;    /* rows sent before the batch */
    SQLUSMALLINT *status; /* owned: batch_rows */
    SQLULEN processed;
    SQLULEN paramset;  /* the SQL_ATTR_PARAMSET_SIZE set last */
} odbc_writer;

static void writer_free(odbc_writer *wr)
{
    if (wr == NULL)
        return;
    mg_odbc_free_stmt(wr->h);
    for (int i = 0; wr->cols && i < wr->ncols; i++) {
        free(wr->cols[i].data);
        free(wr->cols[i].ind);
    }
    free(wr->cols);
    free(wr->cells);
    free(wr->status);
    free(wr->sql);
    mg_buf_free(&wr->line);
    mg_buf_free(&wr->arena);
    free(wr);
}

/* Element size of a column's array for values up to maxlen bytes: text
 * gets room for a NUL (some drivers look for one), and no element is
 * empty (the size is also the array's stride). */
static size_t elem_width(const wcol *col, size_t maxlen)
{
    switch (col->kind) {
    case MG_ODBC_PARAM_BOOLEAN:
        return 1;
    case MG_ODBC_PARAM_BINARY:
        return maxlen > 0 ? maxlen : 1;
    default:
        return maxlen + 1;
    }
}

/* Fail row `row` of the stream (1-based) for what its text holds. */
static void row_error(mg_error *err, const char *sqlstate, long long row,
                      const char *detail)
{
    mg_error_set(err, MG_ERR_COPY, MG_SIDE_TARGET, sqlstate, "row %lld %s",
                 row, detail);
}

/* Bind every column to the arrays of the batch, from element `first` on
 * (one row per execute binds each row's elements in turn). */
static bool bind_columns(odbc_writer *wr, size_t first, mg_error *err)
{
    for (int i = 0; i < wr->ncols; i++) {
        wcol *col = &wr->cols[i];
        SQLSMALLINT ctype, stype;
        SQLULEN size = col->maxlen > 0 ? col->maxlen : 1;
        switch (col->kind) {
        case MG_ODBC_PARAM_BOOLEAN:
            ctype = SQL_C_BIT;
            stype = SQL_BIT;
            size = 1;
            break;
        case MG_ODBC_PARAM_BINARY:
            ctype = SQL_C_BINARY;
            stype = size > LONG_VALUE ? SQL_LONGVARBINARY : SQL_VARBINARY;
            break;
        default:
            ctype = SQL_C_CHAR;
            stype = size > LONG_VALUE ? SQL_LONGVARCHAR : SQL_VARCHAR;
            break;
        }
        SQLRETURN rc = SQLBindParameter(
            wr->h, (SQLUSMALLINT)(i + 1), SQL_PARAM_INPUT, ctype, stype, size,
            0, col->data + first * col->width, (SQLLEN)col->width,
            col->ind + first);
        if (!SQL_SUCCEEDED(rc)) {
            char what[64];
            snprintf(what, sizeof what, "cannot bind parameter %d", i + 1);
            mg_odbc_diag(wr->c, SQL_HANDLE_STMT, wr->h, MG_ERR_COPY, err, what);
            err->side = MG_SIDE_TARGET;
            return false;
        }
    }
    return true;
}

/* Copy the first n rows of the batch into the column arrays. */
static bool fill_arrays(odbc_writer *wr, size_t n, mg_error *err)
{
    for (int i = 0; i < wr->ncols; i++) {
        wcol *col = &wr->cols[i];
        col->width = elem_width(col, col->maxlen);
        size_t need = n * col->width;
        if (need > col->cap) {
            char *data = realloc(col->data, need);
            if (data == NULL) {
                mg_odbc_oom(wr->c, err);
                return false;
            }
            col->data = data;
            col->cap = need;
        }
        for (size_t r = 0; r < n; r++) {
            const cell *v = &wr->cells[r * (size_t)wr->ncols + (size_t)i];
            char *elem = col->data + r * col->width;
            col->ind[r] = v->len;
            if (v->len == SQL_NULL_DATA)
                continue;
            memcpy(elem, wr->arena.data + v->off, (size_t)v->len);
            if (col->kind == MG_ODBC_PARAM_TEXT)
                elem[v->len] = '\0';
        }
    }
    return true;
}

static bool set_paramset(odbc_writer *wr, SQLULEN n, mg_error *err)
{
    if (wr->paramset == n)
        return true;
    if (!SQL_SUCCEEDED(SQLSetStmtAttr(wr->h, SQL_ATTR_PARAMSET_SIZE,
                                      (SQLPOINTER)n, 0))) {
        mg_odbc_diag(wr->c, SQL_HANDLE_STMT, wr->h, MG_ERR_COPY, err,
                     "cannot set the parameter array size");
        err->side = MG_SIDE_TARGET;
        return false;
    }
    wr->paramset = n;
    return true;
}

/* Run the statement for rows [from, n) of the filled arrays one at a
 * time.  False at the first row that fails, with *err naming it. */
static bool exec_rows(odbc_writer *wr, size_t from, size_t n, mg_error *err)
{
    if (wr->arrays && !set_paramset(wr, 1, err))
        return false;
    for (size_t r = from; r < n; r++) {
        if (!bind_columns(wr, r, err))
            return false;
        SQLRETURN rc = SQLExecute(wr->h);
        if (!SQL_SUCCEEDED(rc) && rc != SQL_NO_DATA) {
            char what[64];
            snprintf(what, sizeof what, "insert failed at row %lld",
                     wr->sent + (long long)r + 1);
            mg_odbc_diag(wr->c, SQL_HANDLE_STMT, wr->h, MG_ERR_COPY, err, what);
            err->side = MG_SIDE_TARGET;
            return false;
        }
    }
    return true;
}

/* The row of a failed array execute the driver's statuses name for sure,
 * or -1, and in *resume the first row that may not have been applied. */
static long failed_row(const odbc_writer *wr, size_t n, size_t *resume)
{
    size_t k = 0;
    while (k < n && (wr->status[k] == SQL_PARAM_SUCCESS ||
                     wr->status[k] == SQL_PARAM_SUCCESS_WITH_INFO))
        k++;
    *resume = k;
    if (k < n && wr->status[k] == SQL_PARAM_ERROR) {
        /* A driver that runs the batch as one statement marks every row
         * failed (psqlODBC): that names no row. */
        bool all_error = true;
        for (size_t j = k + 1; j < n && all_error; j++)
            all_error = wr->status[j] == SQL_PARAM_ERROR;
        if (k > 0 || n == 1 || !all_error)
            return (long)k;
    }
    /* The SQLite driver leaves the statuses and counts in `processed`
     * the rows it applied before the failing one. */
    if (k == 0 && n > 0 && wr->status[0] == STATUS_UNSET &&
        wr->processed != PROCESSED_UNSET && wr->processed > 0 &&
        wr->processed < n)
        *resume = wr->processed;
    return -1;
}

/* After a failed array execute of n rows: name the failing row.  When the
 * driver's statuses do not, the rows it may not have applied are sent
 * again one at a time up to the one that fails (drivers that run a batch
 * as one statement applied none of it). */
static bool locate_failure(odbc_writer *wr, size_t n, mg_error *err)
{
    mg_error first;
    mg_error_clear(&first);
    mg_odbc_diag(wr->c, SQL_HANDLE_STMT, wr->h, MG_ERR_COPY, &first,
                 "insert failed");
    size_t resume = 0;
    long row = failed_row(wr, n, &resume);
    if (row >= 0) {
        char what[64];
        snprintf(what, sizeof what, "insert failed at row %lld",
                 wr->sent + row + 1);
        mg_odbc_diag(wr->c, SQL_HANDLE_STMT, wr->h, MG_ERR_COPY, err, what);
        err->side = MG_SIDE_TARGET;
        return false;
    }
    if (strncmp(first.sqlstate, "08", 2) != 0) {
        mg_error again;
        mg_error_clear(&again);
        bool ok = exec_rows(wr, resume, n, &again);
        if (ok) {
            mg_log(MG_LOG_WARN, "odbc", "[target] [%s] a batch of %zu rows "
                   "failed, then went through row by row: %s",
                   first.sqlstate, n, first.msg);
            return true;
        }
        /* An aborted transaction (PostgreSQL 25P02) hides the cause. */
        if (strcmp(again.sqlstate, "25P02") != 0) {
            *err = again;
            return false;
        }
    }
    mg_error_set(err, first.code, MG_SIDE_TARGET, first.sqlstate,
                 "insert failed in rows %lld to %lld: %s", wr->sent + 1,
                 wr->sent + (long long)n, first.msg);
    return false;
}

/* Send the first n rows of the batch. */
static bool send_rows(odbc_writer *wr, size_t n, mg_error *err)
{
    if (n == 0)
        return true;
    if (!fill_arrays(wr, n, err))
        return false;
    if (!wr->arrays || n == 1) {
        if (!exec_rows(wr, 0, n, err))
            return false;
    } else {
        if (!set_paramset(wr, n, err) || !bind_columns(wr, 0, err))
            return false;
        for (size_t r = 0; r < n; r++)
            wr->status[r] = STATUS_UNSET;
        wr->processed = PROCESSED_UNSET;
        SQLRETURN rc = SQLExecute(wr->h);
        bool failed = !SQL_SUCCEEDED(rc) && rc != SQL_NO_DATA;
        /* Some rows may fail while others pass: SQL_SUCCESS_WITH_INFO. */
        for (size_t r = 0; !failed && rc == SQL_SUCCESS_WITH_INFO && r < n; r++)
            failed = wr->status[r] == SQL_PARAM_ERROR;
        if (failed && !locate_failure(wr, n, err))
            return false;
    }
    wr->sent += (long long)n;
    return true;
}

/* Start a new batch holding only what was row `keep` of the batch just
 * sent (its values sit at the end of the arena), or nothing. */
static void restart_batch(odbc_writer *wr, size_t keep, bool has_keep)
{
    for (int i = 0; i < wr->ncols; i++)
        wr->cols[i].maxlen = 0;
    wr->nrows = 0;
    if (!has_keep) {
        mg_buf_reset(&wr->arena);
        return;
    }
    cell *src = &wr->cells[keep * (size_t)wr->ncols];
    size_t start = wr->arena.len;
    for (int i = 0; i < wr->ncols; i++)
        if (src[i].len != SQL_NULL_DATA && src[i].off < start)
            start = src[i].off;
    memmove(wr->arena.data, wr->arena.data + start, wr->arena.len - start);
    wr->arena.len -= start;
    for (int i = 0; i < wr->ncols; i++) {
        wr->cells[i] = src[i];
        if (src[i].len != SQL_NULL_DATA) {
            wr->cells[i].off -= start;
            if ((size_t)src[i].len > wr->cols[i].maxlen)
                wr->cols[i].maxlen = (size_t)src[i].len;
        }
    }
    wr->nrows = 1;
}

/* Bytes the bound arrays of the batch take with one more row whose
 * values are cells `row`. */
static size_t bound_bytes_with(const odbc_writer *wr, const cell *row)
{
    size_t per_row = 0;
    for (int i = 0; i < wr->ncols; i++) {
        size_t m = wr->cols[i].maxlen;
        if (row[i].len != SQL_NULL_DATA && (size_t)row[i].len > m)
            m = (size_t)row[i].len;
        per_row += elem_width(&wr->cols[i], m) + sizeof(SQLLEN);
    }
    return per_row * (wr->nrows + 1);
}

/* Decode field i of a row (s[0..n), raw COPY text) into the arena and
 * cell *v.  False with *err filled for a value its kind refuses. */
static bool decode_field(odbc_writer *wr, int i, const char *s, size_t n,
                         cell *v, long long rowno, mg_error *err)
{
    if (n == 2 && s[0] == '\\' && s[1] == 'N') {
        v->off = 0;
        v->len = SQL_NULL_DATA;
        return true;
    }
    char *out = wr->arena.data + wr->arena.len;
    size_t len = copy_unescape(s, n, out);
    char detail[96];
    switch (wr->cols[i].kind) {
    case MG_ODBC_PARAM_BINARY: {
        long got = bytea_decode(out, len);
        if (got < 0) {
            snprintf(detail, sizeof detail, "column %d: not bytea text "
                     "(\\x and hex digits)", i + 1);
            row_error(err, "22P02", rowno, detail);
            return false;
        }
        len = (size_t)got;
        break;
    }
    case MG_ODBC_PARAM_BOOLEAN: {
        int b = bool_value(out, len);
        if (b < 0) {
            snprintf(detail, sizeof detail, "column %d: '%.*s' is not a "
                     "boolean (t or f)", i + 1, (int)(len < 40 ? len : 40),
                     out);
            row_error(err, "22P02", rowno, detail);
            return false;
        }
        out[0] = (char)b;
        len = 1;
        break;
    }
    default:
        break;
    }
    v->off = wr->arena.len;
    v->len = (SQLLEN)len;
    wr->arena.len += len;
    return true;
}

/* One complete row of COPY text (without its newline). */
static bool add_row(odbc_writer *wr, const char *p, size_t n, mg_error *err)
{
    if (wr->ended)
        return true;
    if (n == 2 && p[0] == '\\' && p[1] == '.') {
        wr->ended = true; /* the end marker; nothing follows */
        return true;
    }
    long long rowno = wr->sent + (long long)wr->nrows + 1;
    /* Decoded values are never longer than the text. */
    if (!mg_buf_reserve(&wr->arena, n + 1)) {
        mg_odbc_oom(wr->c, err);
        return false;
    }
    cell *row = &wr->cells[wr->nrows * (size_t)wr->ncols];
    int nf = 0;
    const char *end = p + n;
    for (const char *f = p;; nf++) {
        const char *tab = memchr(f, '\t', (size_t)(end - f));
        const char *fend = tab ? tab : end;
        if (nf < wr->ncols &&
            !decode_field(wr, nf, f, (size_t)(fend - f), &row[nf], rowno, err))
            return false;
        if (tab == NULL)
            break;
        f = tab + 1;
    }
    nf++;
    if (nf != wr->ncols) {
        char detail[128];
        snprintf(detail, sizeof detail, "has %d field%s, the statement takes "
                 "%d parameter%s (column count mismatch)", nf,
                 nf == 1 ? "" : "s", wr->ncols, wr->ncols == 1 ? "" : "s");
        row_error(err, "22P04", rowno, detail);
        return false;
    }
    /* Send the batch first if this row would take it past batch_bytes. */
    if (wr->nrows > 0 && bound_bytes_with(wr, row) > wr->batch_bytes) {
        size_t keep = wr->nrows;
        if (!send_rows(wr, keep, err))
            return false;
        restart_batch(wr, keep, true);
    } else {
        for (int i = 0; i < wr->ncols; i++)
            if (row[i].len != SQL_NULL_DATA &&
                (size_t)row[i].len > wr->cols[i].maxlen)
                wr->cols[i].maxlen = (size_t)row[i].len;
        wr->nrows++;
    }
    if (wr->nrows == wr->batch_rows) {
        if (!send_rows(wr, wr->nrows, err))
            return false;
        restart_batch(wr, 0, false);
    }
    return true;
}

/* Arrays and arena that grew past twice the batch budget (a huge value)
 * are let go between batches, so memory follows the batch size. */
static void trim_buffers(odbc_writer *wr)
{
    size_t limit = 2 * wr->batch_bytes;
    for (int i = 0; i < wr->ncols; i++) {
        if (wr->cols[i].cap > limit) {
            free(wr->cols[i].data);
            wr->cols[i].data = NULL;
            wr->cols[i].cap = 0;
        }
    }
    if (wr->nrows == 0 && wr->arena.cap > limit)
        mg_buf_free(&wr->arena);
    if (wr->line.len == 0 && wr->line.cap > limit)
        mg_buf_free(&wr->line);
}

static bool odbc_write(mg_writer *w, const char *data, size_t len,
                       mg_error *err)
{
    odbc_writer *wr = w->self;
    const char *p = data, *end = data + len;
    long long before = wr->sent;
    if (wr->line.len > 0) {
        const char *nl = memchr(p, '\n', len);
        if (!mg_buf_append(&wr->line, p, (size_t)((nl ? nl : end) - p))) {
            mg_odbc_oom(wr->c, err);
            return false;
        }
        if (nl == NULL)
            return true;
        if (!add_row(wr, wr->line.data, wr->line.len, err))
            return false;
        mg_buf_reset(&wr->line);
        p = nl + 1;
    }
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (nl == NULL) {
            if (!mg_buf_append(&wr->line, p, (size_t)(end - p))) {
                mg_odbc_oom(wr->c, err);
                return false;
            }
            break;
        }
        if (!add_row(wr, p, (size_t)(nl - p), err))
            return false;
        p = nl + 1;
    }
    if (wr->sent != before)
        trim_buffers(wr);
    return true;
}

static bool odbc_finish(mg_writer *w, long long *rows, mg_error *err)
{
    odbc_writer *wr = w->self;
    bool ok = true;
    /* A last row without its newline still counts. */
    if (wr->line.len > 0)
        ok = add_row(wr, wr->line.data, wr->line.len, err);
    if (ok)
        ok = send_rows(wr, wr->nrows, err);
    if (ok) {
        mg_log(MG_LOG_DEBUG, "odbc", "[target] insert of %lld rows done",
               wr->sent);
        if (rows)
            *rows = wr->sent;
    }
    writer_free(wr);
    w->self = NULL;
    return ok;
}

static void odbc_abort(mg_writer *w, const char *reason)
{
    odbc_writer *wr = w->self;
    if (wr == NULL)
        return;
    mg_log(MG_LOG_DEBUG, "odbc", "[target] insert stopped after %lld rows "
           "(%s); rows already sent stay in the caller's transaction",
           wr->sent, reason ? reason : "no reason given");
    writer_free(wr);
    w->self = NULL;
}

/* Whether the driver takes parameter arrays: it knows the parameter array
 * info types and accepts (and keeps) an array size above 1. */
static bool probe_arrays(odbc_writer *wr)
{
    SQLUINTEGER counts = 0;
    if (!SQL_SUCCEEDED(SQLGetInfo(wr->c->dbc, SQL_PARAM_ARRAY_ROW_COUNTS,
                                  &counts, sizeof counts, NULL)))
        return false;
    SQLULEN want = wr->batch_rows, got = 0;
    if (!SQL_SUCCEEDED(SQLSetStmtAttr(wr->h, SQL_ATTR_PARAMSET_SIZE,
                                      (SQLPOINTER)want, 0)) ||
        !SQL_SUCCEEDED(SQLGetStmtAttr(wr->h, SQL_ATTR_PARAMSET_SIZE, &got, 0,
                                      NULL)) ||
        got < 2)
        return false;
    wr->paramset = got;
    /* A driver may lower the size (01S02): batches follow it. */
    if (got < want)
        wr->batch_rows = got;
    return SQL_SUCCEEDED(SQLSetStmtAttr(wr->h, SQL_ATTR_PARAM_BIND_TYPE,
                                        (SQLPOINTER)SQL_PARAM_BIND_BY_COLUMN,
                                        0)) &&
           SQL_SUCCEEDED(SQLSetStmtAttr(wr->h, SQL_ATTR_PARAM_STATUS_PTR,
                                        wr->status, 0)) &&
           SQL_SUCCEEDED(SQLSetStmtAttr(wr->h, SQL_ATTR_PARAMS_PROCESSED_PTR,
                                        &wr->processed, 0));
}

/* The SQLite driver (sqliteodbc 0.9998) takes the length indicator of an
 * array's first row for every SQL_C_BINARY value of the array (text is
 * read up to its NUL, so text arrays are fine). */
static bool binary_arrays_broken(const odbc_writer *wr)
{
    if (strcasecmp(wr->c->dbms, "SQLite") != 0)
        return false;
    for (int i = 0; i < wr->ncols; i++)
        if (wr->cols[i].kind == MG_ODBC_PARAM_BINARY)
            return true;
    return false;
}

/* Prepare the statement, count its parameters, set the kinds. */
static bool prepare(odbc_writer *wr, const mg_odbc_writer_opts *opts,
                    mg_error *err)
{
    mg_odbc *c = wr->c;
    if (!SQL_SUCCEEDED(SQLPrepare(wr->h, (SQLCHAR *)wr->sql, SQL_NTS))) {
        mg_odbc_diag(c, SQL_HANDLE_STMT, wr->h, MG_ERR_QUERY, err,
                     "cannot prepare the insert statement");
        return false;
    }
    SQLSMALLINT np = 0;
    if (!SQL_SUCCEEDED(SQLNumParams(wr->h, &np))) {
        mg_odbc_diag(c, SQL_HANDLE_STMT, wr->h, MG_ERR_QUERY, err,
                     "cannot count the parameters of the insert statement");
        return false;
    }
    int nkinds = opts && opts->kinds ? opts->nkinds : 0;
    if (np <= 0 || nkinds > np) {
        mg_error_set(err, MG_ERR_USAGE, MG_SIDE_TARGET, NULL,
                     "the insert statement takes %d parameter%s, %s", (int)np,
                     np == 1 ? "" : "s",
                     np <= 0 ? "it needs one ? per column"
                             : "fewer than the parameter kinds given");
        return false;
    }
    wr->ncols = np;
    wr->cols = calloc((size_t)np, sizeof *wr->cols);
    wr->cells = calloc(wr->batch_rows * (size_t)np, sizeof *wr->cells);
    wr->status = calloc(wr->batch_rows, sizeof *wr->status);
    if (wr->cols == NULL || wr->cells == NULL || wr->status == NULL) {
        mg_odbc_oom(c, err);
        return false;
    }
    for (int i = 0; i < np; i++) {
        wr->cols[i].kind = i < nkinds ? opts->kinds[i] : MG_ODBC_PARAM_TEXT;
        wr->cols[i].ind = calloc(wr->batch_rows, sizeof(SQLLEN));
        if (wr->cols[i].ind == NULL) {
            mg_odbc_oom(c, err);
            return false;
        }
    }
    return true;
}

bool mg_odbc_copy_writer(mg_odbc *c, const char *insert_sql,
                         const mg_odbc_writer_opts *opts, mg_writer *w,
                         mg_error *err)
{
    odbc_writer *wr = calloc(1, sizeof *wr);
    if (wr == NULL || (wr->sql = strdup(insert_sql)) == NULL) {
        free(wr);
        mg_odbc_oom(c, err);
        return false;
    }
    wr->c = c;
    wr->batch_rows = opts && opts->batch_rows ? opts->batch_rows
                                              : DEFAULT_BATCH_ROWS;
    if (wr->batch_rows > MAX_BATCH_ROWS)
        wr->batch_rows = MAX_BATCH_ROWS;
    wr->batch_bytes = opts && opts->batch_bytes ? opts->batch_bytes
                                                : DEFAULT_BATCH_BYTES;
    for (int i = 0; opts && opts->kinds && i < opts->nkinds; i++) {
        if (opts->kinds[i] < MG_ODBC_PARAM_TEXT ||
            opts->kinds[i] > MG_ODBC_PARAM_BOOLEAN) {
            mg_error_set(err, MG_ERR_USAGE, MG_SIDE_TARGET, NULL,
                         "parameter %d: unknown kind %d", i + 1,
                         (int)opts->kinds[i]);
            goto fail;
        }
    }
    wr->h = mg_odbc_new_stmt(c, err);
    if (wr->h == SQL_NULL_HSTMT || !prepare(wr, opts, err))
        goto fail;
    bool single = (opts && opts->row_by_row) || wr->batch_rows == 1;
    if (!single && binary_arrays_broken(wr)) {
        single = true;
        mg_log(MG_LOG_DEBUG, "odbc", "[target] the SQLite driver gives every "
               "binary value of a parameter array the first one's length: "
               "one row per execute");
    }
    wr->arrays = !single && probe_arrays(wr);
    if (!wr->arrays) {
        /* Whatever the probe left: one row per execute. */
        SQLSetStmtAttr(wr->h, SQL_ATTR_PARAMSET_SIZE, (SQLPOINTER)1, 0);
        wr->paramset = 1;
        if (!single)
            mg_log(MG_LOG_DEBUG, "odbc", "[target] the driver %s takes no "
                   "parameter arrays: one row per execute", c->driver);
    }
    w->write = odbc_write;
    w->finish = odbc_finish;
    w->abort = odbc_abort;
    w->format = MG_STREAM_PG_TEXT;
    w->self = wr;
    mg_log(MG_LOG_DEBUG, "odbc", "[target] insert (COPY text in) %s of up "
           "to %zu rows or %zu bytes: %s",
           wr->arrays ? "with parameter arrays" : "row by row in batches",
           wr->batch_rows, wr->batch_bytes, insert_sql);
    return true;
fail:
    if (err)
        err->side = MG_SIDE_TARGET;
    writer_free(wr);
    return false;
}
