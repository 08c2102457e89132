/*
 * buf.h - a growable byte buffer.
 *
 * The buffer owns its memory; mg_buf_free releases it.  Appends grow the
 * capacity geometrically; mg_buf_reset keeps the capacity so a loop that
 * refills one buffer allocates only while it is still growing.
 */
#ifndef MG_CORE_BUF_H
#define MG_CORE_BUF_H

#include <stdbool.h>
#include <stddef.h>

typedef struct mg_buf {
    char *data; /* owned; NUL-terminated after every append */
    size_t len;
    size_t cap;
} mg_buf;

#define MG_BUF_INIT {NULL, 0, 0}

/* Make room for at least `extra` more bytes.  False on allocation failure. */
bool mg_buf_reserve(mg_buf *b, size_t extra);
bool mg_buf_append(mg_buf *b, const void *data, size_t len);
bool mg_buf_append_str(mg_buf *b, const char *s);
bool mg_buf_printf(mg_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void mg_buf_reset(mg_buf *b);
void mg_buf_free(mg_buf *b);

#endif
