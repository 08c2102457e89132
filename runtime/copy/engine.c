#include "copy/engine.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/interrupt.h"
#include "core/log.h"

#define DEFAULT_BATCH (256 * 1024)
#define DEFAULT_INTERVAL 0.5

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct run_state {
    mg_reader *r;
    mg_writer *w;
    mg_copy_opts opts;
    mg_copy_stats st;
    mg_buf batch;
    double start, last_progress;
} run_state;

static bool flush_batch(run_state *s, mg_error *err)
{
    if (s->batch.len == 0)
        return true;
    if (!s->w->write(s->w, s->batch.data, s->batch.len, err))
        return false;
    s->st.batches++;
    mg_buf_reset(&s->batch);
    return true;
}

static void maybe_progress(run_state *s, bool force)
{
    if (s->opts.progress == NULL)
        return;
    double t = now_seconds();
    if (!force && t - s->last_progress < s->opts.progress_interval)
        return;
    s->last_progress = t;
    s->st.seconds = t - s->start;
    s->opts.progress(s->opts.progress_ud, &s->st);
}

/* The copy loop proper: read pieces, batch them, write batches. */
static bool pump(run_state *s, mg_error *err)
{
    for (;;) {
        if (mg_interrupted()) {
            mg_error_set(err, MG_ERR_INTERRUPTED, MG_SIDE_NONE, NULL,
                         "interrupted after %lld bytes", s->st.bytes);
            return false;
        }
        const char *data = NULL;
        long n = s->r->read(s->r, &data, err);
        if (n < 0)
            return false;
        if (n == 0)
            return flush_batch(s, err);
        s->st.pieces++;
        s->st.bytes += n;
        if ((size_t)n >= s->opts.batch_bytes) {
            /* A piece larger than a batch goes straight through. */
            if (!flush_batch(s, err) || !s->w->write(s->w, data, (size_t)n, err))
                return false;
            s->st.batches++;
        } else {
            if (s->batch.len + (size_t)n > s->opts.batch_bytes && !flush_batch(s, err))
                return false;
            if (!mg_buf_append(&s->batch, data, (size_t)n)) {
                mg_error_set(err, MG_ERR_MEMORY, MG_SIDE_NONE, NULL, "out of memory");
                return false;
            }
        }
        if ((s->st.pieces & 255) == 0)
            maybe_progress(s, false);
    }
}

bool mg_copy_run(mg_reader *r, mg_writer *w, const mg_copy_opts *opts,
                 mg_copy_stats *stats, mg_error *err)
{
    run_state s;
    memset(&s, 0, sizeof s);
    s.r = r;
    s.w = w;
    if (opts)
        s.opts = *opts;
    if (s.opts.batch_bytes == 0)
        s.opts.batch_bytes = DEFAULT_BATCH;
    if (s.opts.progress_interval <= 0)
        s.opts.progress_interval = DEFAULT_INTERVAL;
    s.st.rows = -1;
    s.start = s.last_progress = now_seconds();

    bool ok = false;
    if (r->format != w->format) {
        mg_error_set(err, MG_ERR_USAGE, MG_SIDE_NONE, NULL,
                     "reader and writer disagree on the stream format");
        w->abort(w, "stream format mismatch");
        goto out;
    }
    if (!mg_buf_reserve(&s.batch, s.opts.batch_bytes)) {
        mg_error_set(err, MG_ERR_MEMORY, MG_SIDE_NONE, NULL, "out of memory");
        w->abort(w, "out of memory");
        goto out;
    }
    if (!pump(&s, err)) {
        /* A statement cancelled by Ctrl-C fails as an interruption. */
        if (mg_interrupted() && err && err->code != MG_ERR_INTERRUPTED)
            err->code = MG_ERR_INTERRUPTED;
        const char *why = "the source failed";
        if (err && err->code == MG_ERR_INTERRUPTED)
            why = "interrupted by the user";
        else if (err && err->side == MG_SIDE_TARGET)
            why = "the target failed";
        w->abort(w, why);
        goto out;
    }
    ok = w->finish(w, &s.st.rows, err);
    if (!ok && mg_interrupted() && err)
        err->code = MG_ERR_INTERRUPTED;
out:
    s.st.seconds = now_seconds() - s.start;
    if (ok)
        maybe_progress(&s, true);
    mg_buf_free(&s.batch);
    if (stats)
        *stats = s.st;
    return ok;
}
