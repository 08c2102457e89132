#include "copy/engine.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/interrupt.h"
#include "core/log.h"

#define DEFAULT_BATCH (256 * 1024)
#define DEFAULT_INTERVAL 0.5
#define NBATCH 4 /* batches in flight: memory is NBATCH * batch_bytes */

/*
 * The reader runs in its own thread and fills batches; the caller's thread
 * writes them.  So the source keeps producing while the target is busy
 * parsing, as in `psql COPY TO | psql COPY FROM`.  The two threads share
 * only the ring below, under one mutex.
 */
typedef struct ring {
    pthread_mutex_t mu;
    pthread_cond_t changed;
    mg_buf bufs[NBATCH];
    int full[NBATCH]; /* FIFO of filled batch indexes */
    int full_head, nfull;
    int free_list[NBATCH]; /* stack of empty batch indexes */
    int nfree;
    bool done;   /* the reader reached the end and pushed everything */
    bool failed; /* the reader failed: rerr */
    bool stop;   /* the writer side gave up: the reader must stop */
    mg_error rerr;
    long long pieces; /* published by the reader with each batch */
} ring;

typedef struct run_state {
    mg_reader *r;
    mg_writer *w;
    mg_copy_opts opts;
    mg_copy_stats st;
    ring q;
    double start, last_progress;
} run_state;

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- the ring (callers hold q->mu) ------------------------------------ */

/* An empty batch for the reader, or -1 when the writer gave up. */
static int take_free(ring *q)
{
    while (q->nfree == 0 && !q->stop)
        pthread_cond_wait(&q->changed, &q->mu);
    return q->stop ? -1 : q->free_list[--q->nfree];
}

static void push_full(ring *q, int idx)
{
    q->full[(q->full_head + q->nfull) % NBATCH] = idx;
    q->nfull++;
    pthread_cond_broadcast(&q->changed);
}

/* ---- the reader thread ------------------------------------------------ */

/* Hand batch *cur to the writer and take the next empty one.  False when
 * the writer gave up. */
static bool hand_over(run_state *s, int *cur, long long pieces)
{
    ring *q = &s->q;
    pthread_mutex_lock(&q->mu);
    q->pieces = pieces;
    push_full(q, *cur);
    *cur = take_free(q);
    pthread_mutex_unlock(&q->mu);
    return *cur >= 0;
}

static void reader_fail(run_state *s, int cur, long long pieces, const mg_error *err)
{
    ring *q = &s->q;
    pthread_mutex_lock(&q->mu);
    q->pieces = pieces;
    q->rerr = *err;
    q->failed = true;
    if (cur >= 0)
        q->free_list[q->nfree++] = cur;
    pthread_cond_broadcast(&q->changed);
    pthread_mutex_unlock(&q->mu);
}

static void *reader_main(void *arg)
{
    run_state *s = arg;
    ring *q = &s->q;
    size_t batch = s->opts.batch_bytes;
    long long pieces = 0;
    mg_error err;
    mg_error_clear(&err);

    pthread_mutex_lock(&q->mu);
    int cur = take_free(q);
    pthread_mutex_unlock(&q->mu);
    while (cur >= 0) {
        if (mg_interrupted()) {
            mg_error_set(&err, MG_ERR_INTERRUPTED, MG_SIDE_NONE, NULL,
                         "interrupted by the user");
            reader_fail(s, cur, pieces, &err);
            return NULL;
        }
        const char *data = NULL;
        long n = s->r->read(s->r, &data, &err);
        if (n < 0) {
            reader_fail(s, cur, pieces, &err);
            return NULL;
        }
        if (n == 0)
            break;
        pieces++;
        mg_buf *b = &q->bufs[cur];
        /* A full batch goes first; a piece larger than a batch travels
         * alone in a batch of its own. */
        if (b->len > 0 && b->len + (size_t)n > batch && !hand_over(s, &cur, pieces))
            return NULL;
        b = &q->bufs[cur];
        if (!mg_buf_append(b, data, (size_t)n)) {
            mg_error_set(&err, MG_ERR_MEMORY, MG_SIDE_NONE, NULL, "out of memory");
            reader_fail(s, cur, pieces, &err);
            return NULL;
        }
        if (b->len >= batch && !hand_over(s, &cur, pieces))
            return NULL;
    }
    pthread_mutex_lock(&q->mu);
    if (cur >= 0) {
        q->pieces = pieces;
        if (q->bufs[cur].len > 0)
            push_full(q, cur);
        else
            q->free_list[q->nfree++] = cur;
    }
    q->done = true;
    pthread_cond_broadcast(&q->changed);
    pthread_mutex_unlock(&q->mu);
    return NULL;
}

/* ---- the writer side (caller's thread) -------------------------------- */

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

/* Write batches until the reader is done.  False with *err on failure
 * (the reader's error, the writer's, or Ctrl-C). */
static bool write_batches(run_state *s, mg_error *err)
{
    ring *q = &s->q;
    for (;;) {
        pthread_mutex_lock(&q->mu);
        while (q->nfull == 0 && !q->done && !q->failed)
            pthread_cond_wait(&q->changed, &q->mu);
        s->st.pieces = q->pieces;
        if (q->failed) {
            if (err)
                *err = q->rerr;
            pthread_mutex_unlock(&q->mu);
            return false;
        }
        if (q->nfull == 0) { /* done, and everything written */
            pthread_mutex_unlock(&q->mu);
            return true;
        }
        int idx = q->full[q->full_head];
        q->full_head = (q->full_head + 1) % NBATCH;
        q->nfull--;
        pthread_mutex_unlock(&q->mu);

        mg_buf *b = &q->bufs[idx];
        if (mg_interrupted()) {
            mg_error_set(err, MG_ERR_INTERRUPTED, MG_SIDE_NONE, NULL,
                         "interrupted after %lld bytes", s->st.bytes);
            return false;
        }
        if (!s->w->write(s->w, b->data, b->len, err))
            return false;
        s->st.bytes += (long long)b->len;
        s->st.batches++;
        mg_buf_reset(b);

        pthread_mutex_lock(&q->mu);
        q->free_list[q->nfree++] = idx;
        pthread_cond_broadcast(&q->changed);
        pthread_mutex_unlock(&q->mu);
        maybe_progress(s, false);
    }
}

/* Tell the reader thread to stop and wait for it. */
static void stop_reader(run_state *s, pthread_t tid, bool cancel_source)
{
    ring *q = &s->q;
    pthread_mutex_lock(&q->mu);
    bool running = !q->done && !q->failed;
    q->stop = true;
    pthread_cond_broadcast(&q->changed);
    pthread_mutex_unlock(&q->mu);
    /* It may be blocked reading from the source: make that read return. */
    if (running && cancel_source && s->r->cancel)
        s->r->cancel(s->r);
    pthread_join(tid, NULL);
}

static bool ring_init(ring *q, size_t batch)
{
    memset(q, 0, sizeof *q);
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->changed, NULL);
    for (int i = 0; i < NBATCH; i++) {
        if (!mg_buf_reserve(&q->bufs[i], batch))
            return false;
        q->free_list[q->nfree++] = i;
    }
    return true;
}

static void ring_free(ring *q)
{
    for (int i = 0; i < NBATCH; i++)
        mg_buf_free(&q->bufs[i]);
    pthread_cond_destroy(&q->changed);
    pthread_mutex_destroy(&q->mu);
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
    bool ring_ready = ring_init(&s.q, s.opts.batch_bytes);
    if (r->format != w->format) {
        mg_error_set(err, MG_ERR_USAGE, MG_SIDE_NONE, NULL,
                     "reader and writer disagree on the stream format");
        w->abort(w, "stream format mismatch");
        goto out;
    }
    if (!ring_ready) {
        mg_error_set(err, MG_ERR_MEMORY, MG_SIDE_NONE, NULL, "out of memory");
        w->abort(w, "out of memory");
        goto out;
    }
    pthread_t tid;
    if (pthread_create(&tid, NULL, reader_main, &s) != 0) {
        mg_error_set(err, MG_ERR_MEMORY, MG_SIDE_NONE, NULL, "cannot start the reader thread");
        w->abort(w, "cannot start the reader thread");
        goto out;
    }
    bool written = write_batches(&s, err);
    stop_reader(&s, tid, !written);
    if (!written) {
        /* A statement cancelled by Ctrl-C fails as an interruption. */
        if (mg_interrupted() && err)
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
    ring_free(&s.q);
    if (stats)
        *stats = s.st;
    return ok;
}
