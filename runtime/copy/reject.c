/*
 * reject.c - the reject loader: COPY text in batches under a savepoint,
 * bad rows to reject files (see reject.h).
 *
 * The stream is kept in one buffer from the first row not yet loaded:
 * whole rows (their end offsets in `ends`), then the start of the next.
 * A text COPY row ends with a newline byte, and a newline in a value is
 * escaped as "\n", so cutting on newline bytes is exact whatever the
 * pieces the engine hands over.
 */
#include "copy/reject.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/interrupt.h"
#include "core/log.h"

#define DEFAULT_BATCH_ROWS 1000
#define DEFAULT_BATCH_BYTES (1024 * 1024)
#define SAVEPOINT "migrate_reject"

/* Where the savepoint stands between two COPY statements. */
typedef enum sp_state {
    SP_NONE,   /* none open (before open, after finish) */
    SP_CLEAN,  /* open, nothing loaded since */
    SP_LOADED, /* open, and rows loaded since: a new one before a new try */
} sp_state;

typedef enum try_result { TRY_OK, TRY_ROW_ERROR, TRY_FATAL } try_result;

struct mg_reject_loader {
    mg_pg_conn *c; /* borrowed */
    char *copy_sql, *data_path, *log_path; /* owned */
    char *next_sql; /* owned: a new savepoint, then copy_sql */
    size_t batch_rows, batch_bytes;
    long long max_rejects;
    mg_buf pending;     /* from the first row not yet loaded or rejected */
    size_t *ends;       /* ends[i]: offset just past row i's newline */
    size_t nrows, cap_rows;
    size_t scanned;     /* bytes of pending already searched for newlines */
    long long row_base; /* rows of the stream before pending's first */
    sp_state sp;
    FILE *data, *log;   /* NULL until the first row is rejected */
    mg_reject_counts n;
};

/* ---- the error's context --------------------------------------------- */

/* If s starts with digits then ',', ':' or the end, their value (else 0)
 * and *after the first byte past them. */
static long long line_digits(const char *s, const char **after)
{
    long long v = 0;
    const char *p = s;
    while (*p >= '0' && *p <= '9' && v < (1LL << 50))
        v = v * 10 + (*p++ - '0');
    if (p == s || (*p != ',' && *p != ':' && *p != '\0'))
        return 0;
    *after = p;
    return v;
}

long long mg_reject_parse_context(const char *msg, char *column,
                                  size_t column_size, size_t *ctx_at)
{
    /* PostgreSQL's context reads `COPY rel, line N[, column c]: value`,
     * last among the context lines (pg.c joins them with spaces) and
     * after the message and its detail.  Those may quote row data, so the
     * last place that fits wins; reject.c confirms a row alone anyway. */
    long long line = 0;
    const char *col = NULL;
    if (column && column_size)
        column[0] = '\0';
    for (const char *p = strstr(msg, "COPY "); p; p = strstr(p + 1, "COPY ")) {
        if (p != msg && p[-1] != ' ')
            continue;
        const char *after = NULL;
        long long v = 0;
        for (const char *l = strstr(p, ", line "); l && v <= 0; l = strstr(l + 1, ", line "))
            v = line_digits(l + 7, &after);
        if (v <= 0)
            continue;
        line = v;
        col = strncmp(after, ", column ", 9) == 0 ? after + 9 : NULL;
        if (ctx_at)
            *ctx_at = (size_t)(p - msg);
    }
    if (line > 0 && col && column && column_size) {
        const char *end = strstr(col, ": ");
        size_t n = end ? (size_t)(end - col) : strlen(col);
        if (n >= column_size)
            n = column_size - 1;
        memcpy(column, col, n);
        column[n] = '\0';
    }
    return line;
}

/* An error about one row: the row goes to the reject file.  Anything else
 * would be the same for every row and must fail the copy. */
static bool is_row_error(mg_pg_conn *c, const mg_error *e)
{
    if (e->code != MG_ERR_COPY || !mg_pg_alive(c))
        return false;
    const char *s = e->sqlstate;
    return strncmp(s, "22", 2) == 0 || strncmp(s, "23", 2) == 0 ||
           strncmp(s, "44", 2) == 0 || strncmp(s, "P0", 2) == 0 ||
           strcmp(s, "54000") == 0;
}

/* ---- the reject files ------------------------------------------------ */

static bool io_error(mg_error *err, const char *what, const char *path)
{
    mg_error_set(err, MG_ERR_IO, MG_SIDE_NONE, NULL, "cannot %s the reject file %s: %s",
                 what, path, strerror(errno));
    return false;
}

/* The "#" line that starts this run's entries in the log: the time and
 * the COPY statement (on one line). */
static void write_log_header(mg_reject_loader *l)
{
    char when[32] = "";
    time_t t = time(NULL);
    struct tm tm;
    if (gmtime_r(&t, &tm))
        strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm);
    fprintf(l->log, "# %s rows rejected by: ", when);
    for (const char *p = l->copy_sql; *p; p++)
        fputc(*p == '\n' || *p == '\r' ? ' ' : *p, l->log);
    fputc('\n', l->log);
}

static bool open_files(mg_reject_loader *l, mg_error *err)
{
    if (l->data == NULL && (l->data = fopen(l->data_path, "ab")) == NULL)
        return io_error(err, "open", l->data_path);
    if (l->log == NULL) {
        if ((l->log = fopen(l->log_path, "ab")) == NULL)
            return io_error(err, "open", l->log_path);
        write_log_header(l);
    }
    return true;
}

static bool flush_files(mg_reject_loader *l, mg_error *err)
{
    if (l->data && fflush(l->data) != 0)
        return io_error(err, "write", l->data_path);
    if (l->log && fflush(l->log) != 0)
        return io_error(err, "write", l->log_path);
    return true;
}

/* ---- rows in the buffer ---------------------------------------------- */

static size_t row_start(const mg_reject_loader *l, size_t i)
{
    return i == 0 ? 0 : l->ends[i - 1];
}

static bool push_end(mg_reject_loader *l, size_t end)
{
    if (l->nrows == l->cap_rows) {
        size_t cap = l->cap_rows ? l->cap_rows * 2 : 1024;
        size_t *e = realloc(l->ends, cap * sizeof *e);
        if (e == NULL)
            return false;
        l->ends = e;
        l->cap_rows = cap;
    }
    l->ends[l->nrows++] = end;
    return true;
}

/* Record the rows completed by bytes not yet searched. */
static bool scan_rows(mg_reject_loader *l)
{
    const char *d = l->pending.data;
    while (l->scanned < l->pending.len) {
        const char *nl = memchr(d + l->scanned, '\n', l->pending.len - l->scanned);
        if (nl == NULL) {
            l->scanned = l->pending.len;
            break;
        }
        l->scanned = (size_t)(nl - d) + 1;
        if (!push_end(l, l->scanned))
            return false;
    }
    return true;
}

/* Drop rows [0, done) from the buffer: they are loaded or rejected. */
static void drop_rows(mg_reject_loader *l, size_t done)
{
    if (done == 0)
        return;
    size_t off = l->ends[done - 1];
    memmove(l->pending.data, l->pending.data + off, l->pending.len - off);
    l->pending.len -= off;
    l->pending.data[l->pending.len] = '\0';
    l->scanned -= off;
    for (size_t i = done; i < l->nrows; i++)
        l->ends[i - done] = l->ends[i] - off;
    l->nrows -= done;
    l->row_base += (long long)done;
}

/* ---- one COPY under the savepoint ------------------------------------ */

/* The statements that start the next COPY: with a fresh savepoint first
 * when rows were loaded since the current one, in the same round trip. */
static const char *next_copy(mg_reject_loader *l)
{
    return l->sp == SP_LOADED ? l->next_sql : l->copy_sql;
}

/* COPY rows [lo, lo + n).  TRY_ROW_ERROR with *rowerr when the server
 * refused a row (rolled back to the savepoint); TRY_FATAL with *err for
 * anything else. */
static try_result try_rows(mg_reject_loader *l, size_t lo, size_t n,
                           mg_error *rowerr, mg_error *err)
{
    if (mg_interrupted()) {
        mg_error_set(err, MG_ERR_INTERRUPTED, MG_SIDE_NONE, NULL,
                     "interrupted after %lld rows", l->n.loaded);
        return TRY_FATAL;
    }
    /* A COPY that does not start (the table dropped, no privilege) is not
     * about a row. */
    mg_writer cw;
    if (!mg_pg_copy_writer(l->c, next_copy(l), MG_STREAM_PG_TEXT, &cw, err))
        return TRY_FATAL;
    l->sp = SP_CLEAN;
    l->n.copies++;
    size_t from = row_start(l, lo);
    long long rows = 0;
    mg_error_clear(rowerr);
    if (cw.write(&cw, l->pending.data + from, l->ends[lo + n - 1] - from, rowerr) &&
        cw.finish(&cw, &rows, rowerr)) {
        l->n.loaded += rows;
        l->sp = SP_LOADED;
        return TRY_OK;
    }
    if (!is_row_error(l->c, rowerr)) {
        *err = *rowerr;
        return TRY_FATAL;
    }
    if (!mg_pg_exec(l->c, "ROLLBACK TO SAVEPOINT " SAVEPOINT, err))
        return TRY_FATAL;
    l->sp = SP_CLEAN;
    return TRY_ROW_ERROR;
}

/* Write row i and why to the reject files; fail past max_rejects. */
static bool reject_row(mg_reject_loader *l, size_t i, const mg_error *why,
                       mg_error *err)
{
    if (!open_files(l, err))
        return false;
    size_t from = row_start(l, i), len = l->ends[i] - from;
    if (fwrite(l->pending.data + from, 1, len, l->data) != len)
        return io_error(err, "write", l->data_path);
    char column[128];
    size_t ctx_at = strlen(why->msg);
    /* The context only repeats the row ("COPY t, line 1 ..."): keep the
     * column it names. */
    if (mg_reject_parse_context(why->msg, column, sizeof column, &ctx_at) == 0)
        ctx_at = strlen(why->msg);
    while (ctx_at > 0 && (why->msg[ctx_at - 1] == ' ' || why->msg[ctx_at - 1] == ';'))
        ctx_at--;
    long long row = l->row_base + (long long)i + 1;
    int rc = column[0]
                 ? fprintf(l->log, "row %lld [%s] column \"%s\": %.*s\n", row,
                           why->sqlstate, column, (int)ctx_at, why->msg)
                 : fprintf(l->log, "row %lld [%s] %.*s\n", row, why->sqlstate,
                           (int)ctx_at, why->msg);
    if (rc < 0)
        return io_error(err, "write", l->log_path);
    l->n.rejected++;
    mg_log(MG_LOG_DEBUG, "copy", "[target] [%s] row %lld rejected: %s",
           why->sqlstate, row, why->msg);
    if (l->max_rejects > 0 && l->n.rejected > l->max_rejects) {
        flush_files(l, NULL);
        mg_error_set(err, MG_ERR_COPY, MG_SIDE_TARGET, NULL,
                     "%lld rows rejected, more than max_rejects (%lld); the "
                     "rows are in %s, the reasons in %s",
                     l->n.rejected, l->max_rejects, l->data_path, l->log_path);
        return false;
    }
    return true;
}

/*
 * Load rows [lo, hi): each either loaded once or rejected.  Try them in
 * one COPY; when the server refuses a row and names its line, load the
 * rows before it (they passed), try it alone (the line read from the
 * message is confirmed, and the reason is that row's own), and go on with
 * the rest: all of it after a lone bad row, so a scattered one costs four
 * COPY statements; one row at a time, doubling while they load, when the
 * bad row came first, so a run of bad rows costs one COPY each, not one
 * resend of the rest of the batch each.
 * Without a line (an error after the data: a foreign key, a message in
 * another language) the range is halved until the bad rows stand alone.
 */
static bool load_range(mg_reject_loader *l, size_t lo, size_t hi, mg_error *err)
{
    size_t window = hi - lo;
    while (lo < hi) {
        size_t n = window < hi - lo ? window : hi - lo;
        mg_error rowerr;
        try_result t = try_rows(l, lo, n, &rowerr, err);
        if (t == TRY_FATAL)
            return false;
        if (t == TRY_OK) {
            lo += n;
            if (window < hi - lo)
                window *= 2;
            continue;
        }
        if (n == 1) {
            if (!reject_row(l, lo, &rowerr, err))
                return false;
            lo++;
            window = 1;
            continue;
        }
        long long line = mg_reject_parse_context(rowerr.msg, NULL, 0, NULL);
        if (line < 1 || (unsigned long long)line > n) {
            size_t half = n / 2;
            if (!load_range(l, lo, lo + half, err) ||
                !load_range(l, lo + half, lo + n, err))
                return false;
            lo += n;
            continue;
        }
        size_t bad = lo + (size_t)line - 1;
        if (!load_range(l, lo, bad, err) || !load_range(l, bad, bad + 1, err))
            return false;
        lo = bad + 1;
        window = line == 1 ? 1 : hi - lo;
    }
    return true;
}

/* Load the whole rows buffered, a batch at a time; unless `last`, keep a
 * batch that is not full yet for the next write. */
static bool load_ready(mg_reject_loader *l, bool last, mg_error *err)
{
    size_t i = 0;
    bool ok = true;
    while (ok && i < l->nrows) {
        size_t from = row_start(l, i), j = i + 1;
        while (j < l->nrows && j - i < l->batch_rows &&
               l->ends[j] - from <= l->batch_bytes)
            j++;
        bool full = j < l->nrows || j - i >= l->batch_rows ||
                    l->ends[j - 1] - from >= l->batch_bytes;
        if (!last && !full)
            break;
        ok = load_range(l, i, j, err);
        i = j;
    }
    l->n.rows = l->row_base + (long long)l->nrows;
    drop_rows(l, ok ? i : l->nrows);
    return ok;
}

/* ---- the writer ------------------------------------------------------ */

static bool rj_write(mg_writer *w, const char *data, size_t len, mg_error *err)
{
    mg_reject_loader *l = w->self;
    if (!mg_buf_append(&l->pending, data, len) || !scan_rows(l)) {
        mg_error_set(err, MG_ERR_MEMORY, MG_SIDE_TARGET, NULL, "out of memory");
        return false;
    }
    return load_ready(l, false, err);
}

static bool rj_finish(mg_writer *w, long long *rows, mg_error *err)
{
    mg_reject_loader *l = w->self;
    /* A last row without its newline is still a row. */
    if (l->pending.len > row_start(l, l->nrows) &&
        (!mg_buf_append(&l->pending, "\n", 1) || !scan_rows(l))) {
        mg_error_set(err, MG_ERR_MEMORY, MG_SIDE_TARGET, NULL, "out of memory");
        return false;
    }
    if (!load_ready(l, true, err))
        return false;
    if (l->sp != SP_NONE && !mg_pg_exec(l->c, "RELEASE SAVEPOINT " SAVEPOINT, err))
        return false;
    l->sp = SP_NONE;
    if (!flush_files(l, err))
        return false;
    if (l->n.rejected > 0)
        mg_log(MG_LOG_INFO, "copy", "[target] %lld of %lld rows rejected, "
               "into %s (reasons in %s)", l->n.rejected, l->n.rows,
               l->data_path, l->log_path);
    if (rows)
        *rows = l->n.loaded;
    return true;
}

static void rj_abort(mg_writer *w, const char *reason)
{
    mg_reject_loader *l = w->self;
    /* No COPY is open between writes; the caller rolls the transaction
     * back.  What was rejected so far stays in the files. */
    flush_files(l, NULL);
    mg_log(MG_LOG_DEBUG, "copy", "[target] copy with rejects aborted: %s",
           reason ? reason : "");
}

mg_reject_loader *mg_reject_open(mg_pg_conn *c, const char *copy_sql,
                                 const mg_reject_opts *opts, mg_writer *w,
                                 mg_error *err)
{
    if (opts == NULL || copy_sql == NULL || opts->data_path == NULL ||
        opts->log_path == NULL || !opts->data_path[0] || !opts->log_path[0] ||
        opts->max_rejects < 0) {
        mg_error_set(err, MG_ERR_USAGE, MG_SIDE_TARGET, NULL,
                     "loading with rejects needs a COPY statement, a data "
                     "and a log file, and max_rejects >= 0");
        return NULL;
    }
    mg_reject_loader *l = calloc(1, sizeof *l);
    mg_buf next = MG_BUF_INIT;
    if (l == NULL || (l->copy_sql = strdup(copy_sql)) == NULL ||
        (l->data_path = strdup(opts->data_path)) == NULL ||
        (l->log_path = strdup(opts->log_path)) == NULL ||
        !mg_buf_printf(&next, "RELEASE SAVEPOINT %s; SAVEPOINT %s; %s",
                       SAVEPOINT, SAVEPOINT, copy_sql)) {
        mg_buf_free(&next);
        mg_error_set(err, MG_ERR_MEMORY, MG_SIDE_TARGET, NULL, "out of memory");
        mg_reject_close(l);
        return NULL;
    }
    l->next_sql = next.data; /* owned now */
    l->c = c;
    l->batch_rows = opts->batch_rows ? opts->batch_rows : DEFAULT_BATCH_ROWS;
    l->batch_bytes = opts->batch_bytes ? opts->batch_bytes : DEFAULT_BATCH_BYTES;
    l->max_rejects = opts->max_rejects;
    mg_error e;
    if (!mg_pg_exec(c, "SAVEPOINT " SAVEPOINT, &e)) {
        mg_error_set(err, e.code, e.side, e.sqlstate[0] ? e.sqlstate : NULL,
                     "cannot open the savepoint for loading with rejects "
                     "(the target must be in a transaction): %s", e.msg);
        mg_reject_close(l);
        return NULL;
    }
    l->sp = SP_CLEAN;
    w->write = rj_write;
    w->finish = rj_finish;
    w->abort = rj_abort;
    w->format = MG_STREAM_PG_TEXT;
    w->self = l;
    mg_log(MG_LOG_DEBUG, "copy", "[target] copy in with rejects to %s: %s",
           l->data_path, copy_sql);
    return l;
}

void mg_reject_get_counts(const mg_reject_loader *l, mg_reject_counts *out)
{
    *out = l->n;
}

void mg_reject_close(mg_reject_loader *l)
{
    if (l == NULL)
        return;
    if (l->data)
        fclose(l->data);
    if (l->log)
        fclose(l->log);
    mg_buf_free(&l->pending);
    free(l->ends);
    free(l->copy_sql);
    free(l->next_sql);
    free(l->data_path);
    free(l->log_path);
    free(l);
}
