/*
 * engine.h - the bulk-copy engine: reader -> batch -> writer, in C.
 *
 * mg_copy_run moves one stream from any mg_reader to any mg_writer of the
 * same format (core/stream.h).  Pieces from the reader are gathered into one
 * batch buffer of bounded size and handed to the writer, so memory stays at
 * the batch size whatever the table size.  The Ctrl-C flag is checked at
 * every piece; a progress callback runs at most every `progress_interval`
 * seconds.  Rows never pass through Lua here.
 */
#ifndef MG_COPY_ENGINE_H
#define MG_COPY_ENGINE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"
#include "core/stream.h"

typedef struct mg_copy_stats {
    long long bytes;   /* stream bytes moved so far */
    long long pieces;  /* reader pieces (one per row for PostgreSQL COPY) */
    long long rows;    /* rows the target reported at the end (-1 unknown) */
    long long batches; /* writes to the target */
    double seconds;    /* wall time since the start */
} mg_copy_stats;

typedef void (*mg_copy_progress_fn)(void *ud, const mg_copy_stats *stats);

typedef struct mg_copy_opts {
    size_t batch_bytes;         /* batch buffer size; 0 = 256 KiB */
    double progress_interval;   /* seconds; 0 = 0.5 */
    mg_copy_progress_fn progress; /* may be NULL */
    void *progress_ud;
} mg_copy_opts;

/*
 * Move everything r yields into w, then finish w.  The caller owns r and w
 * and closes r afterwards.  On failure (either side, or MG_ERR_INTERRUPTED
 * after Ctrl-C) w has been aborted, *err names the side, and false is
 * returned; *stats (may be NULL) holds what was moved either way.
 * A progress callback may not call back into the engine.
 */
bool mg_copy_run(mg_reader *r, mg_writer *w, const mg_copy_opts *opts,
                 mg_copy_stats *stats, mg_error *err);

#endif
