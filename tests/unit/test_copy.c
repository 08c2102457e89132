/*
 * test_copy.c - the copy engine (runtime/copy/engine.c) alone, with an
 * in-memory reader and writer written here: no database.
 *
 * The reader yields a deterministic byte stream in pieces whose sizes follow
 * a pattern; the writer keeps what it receives (or only a checksum, for the
 * 200 MB run) and counts every call.  The tests check what a user of the
 * engine relies on: the target gets the stream whole and in order, batches
 * stay within their bound, stats are right, failures on either side keep
 * their error and leave the writer aborted, Ctrl-C stops the copy, and
 * memory stays at the batch size whatever the stream size.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "check.h"
#include "copy/engine.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/interrupt.h"
#include "core/stream.h"

/* Byte number `off` of every test stream. */
static char stream_byte(unsigned long long off)
{
    return (char)((off * 131u + (off >> 9)) & 0xff);
}

/* ---- the in-memory reader ------------------------------------------- */

typedef struct mem_reader {
    mg_reader r;
    const size_t *sizes; /* piece i has sizes[i % nsizes] bytes */
    size_t nsizes;
    long long npieces;   /* pieces before the end */
    long long fail_at;   /* read number (1-based) that fails; 0 = never */
    long long raise_at;  /* read number that raises Ctrl-C; 0 = never */
    bool fast;           /* fill only the first byte of each piece */
    long long reads;     /* calls to read */
    long long given;     /* pieces given */
    unsigned long long off;
    char *buf;           /* owned; the current piece */
    size_t cap;
    int closes;
} mem_reader;

static long mem_read(mg_reader *r, const char **data, mg_error *err)
{
    mem_reader *m = r->self;
    m->reads++;
    if (m->raise_at && m->reads == m->raise_at)
        mg_interrupt_raise();
    if (m->fail_at && m->reads == m->fail_at) {
        mg_error_set(err, MG_ERR_COPY, MG_SIDE_SOURCE, "57014",
                     "canceling statement due to user request (piece %lld)",
                     m->given + 1);
        return -1;
    }
    if (m->given == m->npieces)
        return 0;
    size_t n = m->sizes[(size_t)m->given % m->nsizes];
    if (n > m->cap) {
        free(m->buf);
        m->buf = malloc(n);
        m->cap = n;
    }
    if (m->fast) {
        /* The 200 MB run: cheap to produce, still different each piece. */
        memset(m->buf, 'x', n);
        memcpy(m->buf, &m->given, sizeof m->given < n ? sizeof m->given : n);
    } else {
        for (size_t i = 0; i < n; i++)
            m->buf[i] = stream_byte(m->off + i);
    }
    m->off += n;
    m->given++;
    *data = m->buf;
    return (long)n;
}

static void mem_close(mg_reader *r)
{
    mem_reader *m = r->self;
    m->closes++;
    free(m->buf);
    m->buf = NULL;
    m->cap = 0;
}

static void reader_init(mem_reader *m, const size_t *sizes, size_t nsizes,
                        long long npieces)
{
    memset(m, 0, sizeof *m);
    m->sizes = sizes;
    m->nsizes = nsizes;
    m->npieces = npieces;
    m->r.read = mem_read;
    m->r.close = mem_close;
    m->r.format = MG_STREAM_PG_BINARY;
    m->r.self = m;
}

/* Total bytes of the first npieces pieces. */
static unsigned long long reader_total(const mem_reader *m)
{
    unsigned long long t = 0;
    for (long long i = 0; i < m->npieces; i++)
        t += m->sizes[(size_t)i % m->nsizes];
    return t;
}

/* ---- the in-memory writer ------------------------------------------- */

typedef struct mem_writer {
    mg_writer w;
    const mem_reader *src; /* to recognise a piece passed straight through */
    size_t batch_bytes;    /* the bound the engine was given */
    bool keep;             /* keep the bytes in got, else only a checksum */
    mg_buf got;
    uint64_t sum;
    unsigned long long bytes;
    long long writes, oversize, oversize_not_piece, max_write;
    long long fail_write;  /* write number (1-based) that fails; 0 = never */
    bool fail_finish;
    long long report_rows; /* what finish reports */
    int finishes, aborts;
    char abort_reason[128];
} mem_writer;

static bool mem_write(mg_writer *w, const char *data, size_t len,
                      mg_error *err)
{
    mem_writer *m = w->self;
    m->writes++;
    if (m->fail_write && m->writes == m->fail_write) {
        mg_error_set(err, MG_ERR_COPY, MG_SIDE_TARGET, "23514",
                     "new row violates check constraint \"qty_positive\"");
        return false;
    }
    if ((long long)len > m->max_write)
        m->max_write = (long long)len;
    if (len > m->batch_bytes) {
        m->oversize++;
        /* Only a single piece of the reader may exceed a batch: its size
         * is one of the reader's piece sizes (the reader runs in its own
         * thread, so which piece it is now is not known here). */
        const mem_reader *r = m->src;
        bool one_piece = false;
        for (size_t i = 0; i < r->nsizes; i++)
            one_piece = one_piece || len == r->sizes[i];
        if (!one_piece)
            m->oversize_not_piece++;
    }
    m->bytes += len;
    if (m->keep) {
        mg_buf_append(&m->got, data, len);
    } else {
        size_t i = 0;
        for (; i + 8 <= len; i += 8) {
            uint64_t v;
            memcpy(&v, data + i, 8);
            m->sum = m->sum * 31 + v;
        }
        for (; i < len; i++)
            m->sum = m->sum * 31 + (unsigned char)data[i];
    }
    return true;
}

static bool mem_finish(mg_writer *w, long long *rows, mg_error *err)
{
    mem_writer *m = w->self;
    m->finishes++;
    if (m->fail_finish) {
        mg_error_set(err, MG_ERR_COPY, MG_SIDE_TARGET, "23505",
                     "duplicate key value violates unique constraint");
        return false;
    }
    if (rows)
        *rows = m->report_rows;
    return true;
}

static void mem_abort(mg_writer *w, const char *reason)
{
    mem_writer *m = w->self;
    m->aborts++;
    snprintf(m->abort_reason, sizeof m->abort_reason, "%s",
             reason ? reason : "(null)");
}

static void writer_init(mem_writer *m, const mem_reader *src,
                        size_t batch_bytes, bool keep)
{
    memset(m, 0, sizeof *m);
    m->src = src;
    m->batch_bytes = batch_bytes;
    m->keep = keep;
    m->report_rows = -1;
    m->w.write = mem_write;
    m->w.finish = mem_finish;
    m->w.abort = mem_abort;
    m->w.format = MG_STREAM_PG_BINARY;
    m->w.self = m;
}

/* True when got holds exactly the first `len` bytes of the test stream. */
static bool stream_intact(const mg_buf *got, unsigned long long len)
{
    if (got->len != len)
        return false;
    for (size_t i = 0; i < got->len; i++)
        if (got->data[i] != stream_byte(i))
            return false;
    return true;
}

/* ---- tests ----------------------------------------------------------- */

static void test_order_and_batches(void)
{
    /* Tiny, medium, exactly one batch, one byte over, large: a piece
     * larger than the batch (4096) must pass straight through. */
    static const size_t sizes[] = {1, 7, 300, 4096, 2, 4097, 1000, 50000,
                                   3, 4095, 17, 123457, 64};
    const size_t batch = 4096;
    mem_reader rd;
    mem_writer wr;
    reader_init(&rd, sizes, sizeof sizes / sizeof sizes[0], 260);
    writer_init(&wr, &rd, batch, true);
    wr.report_rows = 260;
    mg_copy_opts opts = {.batch_bytes = batch};
    mg_copy_stats st;
    mg_error err;
    mg_error_clear(&err);

    bool ok = mg_copy_run(&rd.r, &wr.w, &opts, &st, &err);
    unsigned long long total = reader_total(&rd);
    CHECK(ok, "varied pieces: copy succeeds%s%s", ok ? "" : ": ", err.msg);
    CHECK(stream_intact(&wr.got, total),
          "varied pieces: the writer got the %llu bytes whole and in order "
          "(got %zu)", total, wr.got.len);
    CHECK(wr.oversize > 0 && wr.oversize_not_piece == 0,
          "varied pieces: only single pieces exceed the batch (%lld such "
          "writes, %lld not a piece)", wr.oversize, wr.oversize_not_piece);
    /* 4097, 50000 and 123457 are over the bound: 20 of each in 260. */
    CHECK(wr.oversize == 60, "varied pieces: each oversized piece written "
          "alone (%lld)", wr.oversize);
    CHECK(st.bytes == (long long)total && st.pieces == 260,
          "varied pieces: stats bytes %lld pieces %lld", st.bytes, st.pieces);
    CHECK(st.batches == wr.writes, "varied pieces: stats batches %lld = "
          "writes %lld", st.batches, wr.writes);
    CHECK(st.rows == 260, "varied pieces: rows from finish (%lld)", st.rows);
    CHECK(wr.finishes == 1 && wr.aborts == 0,
          "varied pieces: finished once, never aborted");
    CHECK(err.code == MG_OK, "varied pieces: no error left behind");
    rd.r.close(&rd.r);
    mg_buf_free(&wr.got);
}

static void test_batches_fill(void)
{
    /* 100 pieces of 10 bytes through 64-byte batches: 6 pieces a batch,
     * never split, so 16 full batches of 60 and one of 40. */
    static const size_t ten[] = {10};
    mem_reader rd;
    mem_writer wr;
    reader_init(&rd, ten, 1, 100);
    writer_init(&wr, &rd, 64, true);
    mg_copy_opts opts = {.batch_bytes = 64};
    mg_copy_stats st;
    mg_error err;
    mg_error_clear(&err);
    bool ok = mg_copy_run(&rd.r, &wr.w, &opts, &st, &err);
    CHECK(ok, "small pieces: copy succeeds");
    CHECK(stream_intact(&wr.got, 1000), "small pieces: 1000 bytes intact");
    CHECK(wr.writes == 17 && st.batches == 17,
          "small pieces: gathered into 17 batches (writes %lld, stats %lld)",
          wr.writes, st.batches);
    CHECK(wr.max_write == 60, "small pieces: the largest batch is 60 bytes "
          "(%lld)", wr.max_write);
    CHECK(st.rows == -1, "small pieces: rows -1 when the target reports "
          "none (%lld)", st.rows);
    rd.r.close(&rd.r);
    mg_buf_free(&wr.got);

    /* Pieces of exactly the batch size, and the default batch size. */
    static const size_t exact[] = {64};
    reader_init(&rd, exact, 1, 5);
    writer_init(&wr, &rd, 64, true);
    ok = mg_copy_run(&rd.r, &wr.w, &opts, &st, &err);
    CHECK(ok && wr.writes == 5 && wr.max_write == 64 &&
              stream_intact(&wr.got, 320),
          "batch-sized pieces: one write each, intact (%lld writes)",
          wr.writes);
    rd.r.close(&rd.r);
    mg_buf_free(&wr.got);

    static const size_t kb[] = {1024};
    reader_init(&rd, kb, 1, 1000);
    writer_init(&wr, &rd, 256 * 1024, true);
    ok = mg_copy_run(&rd.r, &wr.w, NULL, &st, &err);
    CHECK(ok && stream_intact(&wr.got, 1024000) && wr.writes == 4 &&
              wr.max_write == 256 * 1024,
          "no options: 256 KiB batches (%lld writes, largest %lld)",
          wr.writes, wr.max_write);
    rd.r.close(&rd.r);
    mg_buf_free(&wr.got);
}

static void test_empty_stream(void)
{
    static const size_t one[] = {1};
    mem_reader rd;
    mem_writer wr;
    reader_init(&rd, one, 1, 0);
    writer_init(&wr, &rd, 64, true);
    wr.report_rows = 0;
    mg_copy_stats st;
    mg_error err;
    mg_error_clear(&err);
    bool ok = mg_copy_run(&rd.r, &wr.w, NULL, &st, &err);
    CHECK(ok && wr.writes == 0 && wr.finishes == 1 && st.bytes == 0 &&
              st.pieces == 0 && st.batches == 0 && st.rows == 0,
          "empty stream: no write, finished, zero stats");
    rd.r.close(&rd.r);
}

static void test_format_mismatch(void)
{
    static const size_t one[] = {10};
    mem_reader rd;
    mem_writer wr;
    reader_init(&rd, one, 1, 10);
    writer_init(&wr, &rd, 64, true);
    rd.r.format = MG_STREAM_PG_TEXT;
    mg_copy_stats st;
    mg_error err;
    mg_error_clear(&err);
    bool ok = mg_copy_run(&rd.r, &wr.w, NULL, &st, &err);
    CHECK(!ok, "format mismatch: fails");
    CHECK(err.code == MG_ERR_USAGE, "format mismatch: MG_ERR_USAGE (%s)",
          mg_errcode_name(err.code));
    CHECK(strstr(err.msg, "format") != NULL, "format mismatch: message "
          "says so: %s", err.msg);
    CHECK(wr.aborts == 1 && wr.finishes == 0 && wr.writes == 0 &&
              rd.reads == 0,
          "format mismatch: writer aborted, nothing read, written or "
          "finished");
    CHECK(st.bytes == 0 && st.rows == -1, "format mismatch: empty stats");

    /* err NULL: the engine still fails cleanly. */
    ok = mg_copy_run(&rd.r, &wr.w, NULL, NULL, NULL);
    CHECK(!ok && wr.aborts == 2, "format mismatch without err or stats");
    rd.r.close(&rd.r);
    mg_buf_free(&wr.got);
}

static void test_reader_error(void)
{
    static const size_t sizes[] = {30};
    mem_reader rd;
    mem_writer wr;
    reader_init(&rd, sizes, 1, 100);
    rd.fail_at = 8;
    writer_init(&wr, &rd, 64, true);
    mg_copy_opts opts = {.batch_bytes = 64};
    mg_copy_stats st;
    mg_error err;
    mg_error_clear(&err);
    bool ok = mg_copy_run(&rd.r, &wr.w, &opts, &st, &err);
    CHECK(!ok, "reader error: fails");
    CHECK(err.code == MG_ERR_COPY && err.side == MG_SIDE_SOURCE &&
              strcmp(err.sqlstate, "57014") == 0,
          "reader error: its code, side and SQLSTATE kept (%s %s %s)",
          mg_errcode_name(err.code), mg_side_name(err.side), err.sqlstate);
    CHECK_STR(err.msg, "canceling statement due to user request (piece 8)",
              "reader error: its message kept");
    CHECK(wr.aborts == 1 && wr.finishes == 0,
          "reader error: writer aborted, not finished (aborts %d, finishes "
          "%d)", wr.aborts, wr.finishes);
    CHECK(strstr(wr.abort_reason, "source") != NULL,
          "reader error: abort reason names the source: %s",
          wr.abort_reason);
    CHECK(st.pieces == 7 && st.bytes == (long long)wr.bytes,
          "reader error: stats hold what was read and written (%lld pieces, "
          "%lld bytes)", st.pieces, st.bytes);
    CHECK(wr.bytes <= 210 && stream_intact(&wr.got, wr.got.len),
          "reader error: what was written is a prefix of the stream");
    rd.r.close(&rd.r);
    mg_buf_free(&wr.got);

    /* With err NULL, nothing crashes. */
    reader_init(&rd, sizes, 1, 100);
    rd.fail_at = 2;
    writer_init(&wr, &rd, 64, true);
    ok = mg_copy_run(&rd.r, &wr.w, &opts, NULL, NULL);
    CHECK(!ok && wr.aborts == 1, "reader error without err or stats");
    rd.r.close(&rd.r);
    mg_buf_free(&wr.got);
}

static void test_writer_error(void)
{
    static const size_t sizes[] = {30};
    mem_reader rd;
    mem_writer wr;
    reader_init(&rd, sizes, 1, 100);
    writer_init(&wr, &rd, 64, true);
    wr.fail_write = 3;
    mg_copy_opts opts = {.batch_bytes = 64};
    mg_copy_stats st;
    mg_error err;
    mg_error_clear(&err);
    bool ok = mg_copy_run(&rd.r, &wr.w, &opts, &st, &err);
    CHECK(!ok, "writer error: fails");
    CHECK(err.code == MG_ERR_COPY && err.side == MG_SIDE_TARGET &&
              strcmp(err.sqlstate, "23514") == 0 &&
              strstr(err.msg, "qty_positive") != NULL,
          "writer error: the writer's error kept (%s %s %s: %s)",
          mg_errcode_name(err.code), mg_side_name(err.side), err.sqlstate,
          err.msg);
    CHECK(wr.finishes == 0, "writer error: not finished");
    CHECK(wr.aborts == 1, "writer error: writer aborted (%d)", wr.aborts);
    CHECK(st.batches == 2, "writer error: stats count the 2 good batches "
          "(%lld)", st.batches);
    CHECK(rd.given < 100, "writer error: reading stopped (%lld of 100)",
          rd.given);
    rd.r.close(&rd.r);
    mg_buf_free(&wr.got);

    /* A failing piece that passes straight through. */
    static const size_t big[] = {10, 100};
    reader_init(&rd, big, 2, 10);
    writer_init(&wr, &rd, 64, true);
    wr.fail_write = 2;
    ok = mg_copy_run(&rd.r, &wr.w, &opts, &st, &err);
    CHECK(!ok && err.side == MG_SIDE_TARGET && wr.finishes == 0,
          "writer error on an oversized piece: fails with the target's "
          "error");
    rd.r.close(&rd.r);
    mg_buf_free(&wr.got);
}

static void test_finish_error(void)
{
    static const size_t sizes[] = {30};
    mem_reader rd;
    mem_writer wr;
    reader_init(&rd, sizes, 1, 20);
    writer_init(&wr, &rd, 64, true);
    wr.fail_finish = true;
    mg_copy_opts opts = {.batch_bytes = 64};
    mg_copy_stats st;
    mg_error err;
    mg_error_clear(&err);
    bool ok = mg_copy_run(&rd.r, &wr.w, &opts, &st, &err);
    CHECK(!ok, "finish error: fails");
    CHECK(err.code == MG_ERR_COPY && err.side == MG_SIDE_TARGET &&
              strcmp(err.sqlstate, "23505") == 0 &&
              strstr(err.msg, "duplicate key") != NULL,
          "finish error: the writer's error kept (%s %s %s: %s)",
          mg_errcode_name(err.code), mg_side_name(err.side), err.sqlstate,
          err.msg);
    CHECK(wr.finishes == 1 && stream_intact(&wr.got, 600) && st.bytes == 600,
          "finish error: the whole stream was sent first");
    CHECK(st.rows == -1, "finish error: rows unknown (%lld)", st.rows);
    rd.r.close(&rd.r);
    mg_buf_free(&wr.got);
}

typedef struct progress_log {
    int calls;
    mg_copy_stats last;
    bool monotonic;
    long long raise_after_batches; /* raise Ctrl-C once batches >= this */
} progress_log;

static void on_progress(void *ud, const mg_copy_stats *st)
{
    progress_log *p = ud;
    if (p->calls > 0 && (st->bytes < p->last.bytes ||
                         st->pieces < p->last.pieces ||
                         st->seconds < p->last.seconds))
        p->monotonic = false;
    p->calls++;
    p->last = *st;
    if (p->raise_after_batches && st->batches >= p->raise_after_batches)
        mg_interrupt_raise();
}

static void test_progress(void)
{
    static const size_t sizes[] = {10, 20, 30};
    mem_reader rd;
    mem_writer wr;
    reader_init(&rd, sizes, 3, 1000);
    writer_init(&wr, &rd, 256, true);
    wr.report_rows = 999;
    progress_log log = {.monotonic = true};
    mg_copy_opts opts = {.batch_bytes = 256,
                         .progress_interval = 1e-9,
                         .progress = on_progress,
                         .progress_ud = &log};
    mg_copy_stats st;
    mg_error err;
    mg_error_clear(&err);
    bool ok = mg_copy_run(&rd.r, &wr.w, &opts, &st, &err);
    CHECK(ok, "progress: copy succeeds");
    CHECK(log.calls >= 2, "progress: called during the copy and at the end "
          "(%d calls)", log.calls);
    CHECK(log.monotonic, "progress: bytes, pieces and time never go back");
    CHECK(log.last.bytes == st.bytes && log.last.pieces == 1000 &&
              log.last.rows == 999 && log.last.batches == st.batches &&
              log.last.bytes == (long long)reader_total(&rd),
          "progress: the final stats reach the callback (bytes %lld, pieces "
          "%lld, rows %lld, batches %lld)", log.last.bytes, log.last.pieces,
          log.last.rows, log.last.batches);
    CHECK(log.last.seconds >= 0 && log.last.seconds <= st.seconds + 1e-6,
          "progress: elapsed seconds %.6f", log.last.seconds);
    rd.r.close(&rd.r);
    mg_buf_free(&wr.got);

    /* A long interval: only the final call. */
    reader_init(&rd, sizes, 3, 1000);
    writer_init(&wr, &rd, 256, true);
    progress_log once = {.monotonic = true};
    opts.progress_interval = 3600;
    opts.progress_ud = &once;
    ok = mg_copy_run(&rd.r, &wr.w, &opts, &st, &err);
    CHECK(ok && once.calls == 1 && once.last.pieces == 1000,
          "progress: an hour's interval gives only the final call (%d)",
          once.calls);
    rd.r.close(&rd.r);
    mg_buf_free(&wr.got);
}

static void test_interrupt(void)
{
    static const size_t sizes[] = {10};
    mem_reader rd;
    mem_writer wr;
    mg_copy_opts opts = {.batch_bytes = 64};
    mg_copy_stats st;
    mg_error err;

    /* Before the copy: nothing is read. */
    reader_init(&rd, sizes, 1, 100);
    writer_init(&wr, &rd, 64, true);
    mg_error_clear(&err);
    mg_interrupt_raise();
    bool ok = mg_copy_run(&rd.r, &wr.w, &opts, &st, &err);
    mg_interrupt_clear();
    CHECK(!ok && err.code == MG_ERR_INTERRUPTED,
          "interrupt before: MG_ERR_INTERRUPTED (%s)",
          mg_errcode_name(err.code));
    CHECK(wr.aborts == 1 && wr.finishes == 0 && wr.writes == 0 &&
              st.bytes == 0,
          "interrupt before: writer aborted, nothing written");
    CHECK(strstr(wr.abort_reason, "interrupt") != NULL,
          "interrupt before: abort reason: %s", wr.abort_reason);
    rd.r.close(&rd.r);
    mg_buf_free(&wr.got);

    /* During: Ctrl-C arrives while the reader works. */
    reader_init(&rd, sizes, 1, 100);
    rd.raise_at = 20;
    writer_init(&wr, &rd, 64, true);
    mg_error_clear(&err);
    ok = mg_copy_run(&rd.r, &wr.w, &opts, &st, &err);
    mg_interrupt_clear();
    CHECK(!ok && err.code == MG_ERR_INTERRUPTED,
          "interrupt during: MG_ERR_INTERRUPTED (%s: %s)",
          mg_errcode_name(err.code), err.msg);
    CHECK(wr.aborts == 1 && wr.finishes == 0,
          "interrupt during: writer aborted, not finished");
    CHECK(st.pieces == 20 && rd.given == 20,
          "interrupt during: stopped at the next piece (%lld pieces)",
          st.pieces);
    rd.r.close(&rd.r);
    mg_buf_free(&wr.got);

    /* During: from the progress callback. */
    reader_init(&rd, sizes, 1, 5000);
    writer_init(&wr, &rd, 64, true);
    progress_log log = {.monotonic = true, .raise_after_batches = 1};
    mg_copy_opts popts = {.batch_bytes = 64,
                          .progress_interval = 1e-9,
                          .progress = on_progress,
                          .progress_ud = &log};
    mg_error_clear(&err);
    ok = mg_copy_run(&rd.r, &wr.w, &popts, &st, &err);
    mg_interrupt_clear();
    CHECK(!ok && err.code == MG_ERR_INTERRUPTED && wr.aborts == 1 &&
              wr.finishes == 0 && rd.given < 5000,
          "interrupt from progress: stops, writer aborted (%lld pieces "
          "read)", rd.given);
    rd.r.close(&rd.r);
    mg_buf_free(&wr.got);

    /* A source statement cancelled by Ctrl-C fails as an interruption. */
    reader_init(&rd, sizes, 1, 100);
    rd.raise_at = 5;
    rd.fail_at = 5;
    writer_init(&wr, &rd, 64, true);
    mg_error_clear(&err);
    ok = mg_copy_run(&rd.r, &wr.w, &opts, &st, &err);
    mg_interrupt_clear();
    CHECK(!ok && err.code == MG_ERR_INTERRUPTED && wr.aborts == 1,
          "cancelled source: reported as MG_ERR_INTERRUPTED (%s)",
          mg_errcode_name(err.code));
    CHECK(!mg_interrupted(), "interrupt flag cleared");
    rd.r.close(&rd.r);
    mg_buf_free(&wr.got);
}

static long maxrss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static void test_memory_bound(void)
{
    /* 200 MB in 1 KB pieces through a 64 KB batch. */
    static const size_t kb[] = {1024};
    const long long npieces = 200LL * 1024;
    mem_reader rd;
    mem_writer wr;
    reader_init(&rd, kb, 1, npieces);
    rd.fast = true;
    writer_init(&wr, &rd, 64 * 1024, false);
    wr.report_rows = npieces;
    mg_copy_opts opts = {.batch_bytes = 64 * 1024};
    mg_copy_stats st;
    mg_error err;
    mg_error_clear(&err);
    long before = maxrss_kb();
    bool ok = mg_copy_run(&rd.r, &wr.w, &opts, &st, &err);
    long grown = maxrss_kb() - before;
    CHECK(ok && st.bytes == npieces * 1024 && wr.bytes == 200ULL << 20 &&
              st.rows == npieces,
          "200 MB: copied (%lld bytes, %lld rows)", st.bytes, st.rows);
    CHECK(st.batches == 3200 && wr.max_write == 64 * 1024,
          "200 MB: 3200 batches of 64 KB (%lld, largest %lld)", st.batches,
          wr.max_write);
    CHECK(grown < 32 * 1024, "200 MB: peak memory grew by %ld KB (< 32 MB)",
          grown);
    rd.r.close(&rd.r);
}

int main(void)
{
    test_order_and_batches();
    test_batches_fill();
    test_empty_stream();
    test_format_mismatch();
    test_reader_error();
    test_writer_error();
    test_finish_error();
    test_progress();
    test_interrupt();
    test_memory_bound();
    return check_done();
}
