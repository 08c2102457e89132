/*
 * stream.h - the operations table between connectors and the copy engine.
 *
 * A connector that can produce rows fills an mg_reader; one that can take
 * rows fills an mg_writer.  The engine (copy/engine.h) moves a stream from
 * any reader to any writer of the same format without knowing which
 * databases they are.  The stream is bytes in a declared format, so
 * PostgreSQL -> PostgreSQL passes COPY data through unparsed.
 *
 * The engine calls read() from its own reader thread and write(), finish()
 * and abort() from the caller's thread: a reader and a writer must not
 * share a connection.
 */
#ifndef MG_CORE_STREAM_H
#define MG_CORE_STREAM_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

typedef enum mg_stream_format {
    MG_STREAM_PG_BINARY = 0, /* PostgreSQL COPY (FORMAT binary) */
    MG_STREAM_PG_TEXT,       /* PostgreSQL COPY (FORMAT text) */
} mg_stream_format;

typedef struct mg_reader mg_reader;
typedef struct mg_writer mg_writer;

struct mg_reader {
    /* The next piece of the stream.  *data is borrowed until the next call.
     * Returns the number of bytes (> 0), 0 at the end, -1 on error. */
    long (*read)(mg_reader *r, const char **data, mg_error *err);
    /* Release the reader; safe to call twice.  After an early stop it also
     * cancels what the source is still sending. */
    void (*close)(mg_reader *r);
    /* Optional (may be NULL): ask the source to stop sending, from another
     * thread while read() may be blocked; read() then fails soon. */
    void (*cancel)(mg_reader *r);
    mg_stream_format format;
    void *self; /* owned by the connector */
};

struct mg_writer {
    /* Send len bytes of the stream.  False on error. */
    bool (*write)(mg_writer *w, const char *data, size_t len, mg_error *err);
    /* End of stream: the target accepts what was sent.  *rows (may be NULL)
     * gets the row count the target reports.  False on error. */
    bool (*finish)(mg_writer *w, long long *rows, mg_error *err);
    /* Give up: the target discards the stream (reason is logged by it). */
    void (*abort)(mg_writer *w, const char *reason);
    mg_stream_format format;
    void *self; /* owned by the connector */
};

#endif
