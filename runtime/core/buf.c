#include "core/buf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool mg_buf_reserve(mg_buf *b, size_t extra)
{
    if (extra > SIZE_MAX - b->len - 1)
        return false; /* the size itself would overflow */
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    char *data = realloc(b->data, cap);
    if (data == NULL)
        return false;
    b->data = data;
    b->cap = cap;
    return true;
}

bool mg_buf_append(mg_buf *b, const void *data, size_t len)
{
    if (!mg_buf_reserve(b, len))
        return false;
    if (len > 0)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    return true;
}

bool mg_buf_append_str(mg_buf *b, const char *s)
{
    return mg_buf_append(b, s, strlen(s));
}

bool mg_buf_printf(mg_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !mg_buf_reserve(b, (size_t)n))
        return false;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return true;
}

void mg_buf_reset(mg_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

void mg_buf_free(mg_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
