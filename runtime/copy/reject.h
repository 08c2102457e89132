/*
 * reject.h - load a COPY text stream into PostgreSQL, rejecting bad rows.
 *
 * A plain COPY fails whole on its first bad row.  The reject loader is an
 * mg_writer (text format) that cuts the stream into rows, sends them in
 * batches, each its own `COPY ... FROM STDIN` inside a savepoint, and when
 * the server refuses a row (a bad value, NOT NULL, CHECK, a duplicate key,
 * a value too long, bad UTF-8 ...) rolls the batch back, finds the row from
 * the error's context ("COPY t, line 17", else by bisection), writes it to
 * a reject file with the server's reason, and sends the others again.
 * Every row of the stream is either loaded exactly once or rejected.
 *
 * Rows rejected go to two files, opened for append when the first row is
 * rejected (a rerun appends):
 *   data  the rows exactly as COPY text lines: after fixing the table,
 *         `\copy t (cols) FROM 'data'` loads them;
 *   log   one line per rejected row: its number in this stream (1-based),
 *         SQLSTATE, column when the server names one, and the server's
 *         message and detail; a "#" line before the first one of a run
 *         says when and which COPY.
 *
 * Only errors about a row (SQLSTATE classes 22 data exception, 23
 * integrity constraint, 44 check option, P0 raised by a trigger, and
 * 54000 row or index entry too big) reject a row.  Anything else (the
 * connection lost, a cancel, the table dropped, out of disk, a
 * serialization failure ...) fails the copy as a plain COPY would:
 * rejecting rows for it would empty the table into the reject file.
 *
 * The connection must be inside a transaction (the loader opens the
 * savepoint "migrate_reject" in it) and is borrowed; the caller commits.
 * copy_sql must take text format (not CSV: a quoted newline is not a row
 * end).  This path is for a chunk that failed on a data error and is
 * rerun: each batch costs a subtransaction and a COPY statement of its
 * own (measured on 1M rows, 1000-row batches: 0.6x the rows/s of one
 * COPY with no bad row, 0.5x with 100 scattered), and a bad row about
 * four more statements and a batch of rows sent again.
 */
#ifndef MG_COPY_REJECT_H
#define MG_COPY_REJECT_H

#include <stdbool.h>
#include <stddef.h>

#include "conn/pg.h"
#include "core/error.h"
#include "core/stream.h"

typedef struct mg_reject_opts {
    const char *data_path; /* rejected rows (required; copied) */
    const char *log_path;  /* their reasons (required; copied) */
    size_t batch_rows;     /* rows per COPY; 0 = 1000 */
    size_t batch_bytes;    /* bytes per COPY (a longer row goes alone);
                            * 0 = 1 MiB */
    long long max_rejects; /* more rejected rows fail the copy; 0 = no limit */
} mg_reject_opts;

typedef struct mg_reject_counts {
    long long rows;     /* rows seen in the stream so far */
    long long loaded;   /* rows the target took (COPY row counts) */
    long long rejected; /* rows written to the reject files */
    long long copies;   /* COPY statements sent, the failed ones included */
} mg_reject_counts;

typedef struct mg_reject_loader mg_reject_loader;

/*
 * Open the savepoint on c, which must be in a transaction, and fill *w to
 * load through `copy_sql` (a "COPY ... FROM STDIN (FORMAT text)"; run once
 * per batch).  Returns an owned loader (free with mg_reject_close, after
 * the writer's finish or abort) or NULL with *err filled: MG_ERR_USAGE for
 * bad options, the server's error when c is not in a transaction.
 * w->finish reports the rows loaded; it and w->write fail on a non-row
 * error, an I/O error on the reject files, or when more than max_rejects
 * rows are rejected (MG_ERR_COPY, saying how many and where they are).
 */
mg_reject_loader *mg_reject_open(mg_pg_conn *c, const char *copy_sql,
                                 const mg_reject_opts *opts, mg_writer *w,
                                 mg_error *err);

/* The loader's counters (valid before and after finish). */
void mg_reject_get_counts(const mg_reject_loader *l, mg_reject_counts *out);

/* Close the reject files and free the loader; NULL is fine.  Does not touch
 * the connection. */
void mg_reject_close(mg_reject_loader *l);

/*
 * From a COPY error message as the connector reports it ("... ; COPY t,
 * line 17, column qty: ..."), the line number (> 0) and, when named, the
 * column (copied into column, "" when none); 0 when the message names no
 * line (another language, a message cut short, an error after the data).
 * *ctx_at (may be NULL) gets the offset where the context starts.
 * Exposed for the tests.
 */
long long mg_reject_parse_context(const char *msg, char *column,
                                  size_t column_size, size_t *ctx_at);

#endif
