/*
 * yaml.c - YAML for plans and configuration files: a parser into an owned
 * tree and an emitter into an mg_buf, both on libyaml.  See yaml.h.
 */
#include "conn/yaml.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <yaml.h>

/* Deeper nesting than this is refused (the tree and its users recurse). */
#define MG_YAML_MAX_DEPTH 256

/* ---- the tree ---------------------------------------------------------- */

void mg_yaml_free(mg_yaml_node *n)
{
    if (n == NULL)
        return;
    size_t nitems = n->kind == MG_YAML_MAP ? 2 * n->count : n->count;
    for (size_t i = 0; i < nitems; i++)
        mg_yaml_free(n->items[i]);
    free(n->items);
    free(n->str);
    free(n);
}

const char *mg_yaml_kind_name(mg_yaml_kind kind)
{
    switch (kind) {
    case MG_YAML_NULL: return "null";
    case MG_YAML_SCALAR: return "scalar";
    case MG_YAML_SEQ: return "sequence";
    case MG_YAML_MAP: return "map";
    }
    return "?";
}

const mg_yaml_node *mg_yaml_get(const mg_yaml_node *map, const char *key)
{
    if (map == NULL || map->kind != MG_YAML_MAP || key == NULL)
        return NULL;
    size_t klen = strlen(key);
    for (size_t i = 0; i < map->count; i++) {
        const mg_yaml_node *k = map->items[2 * i];
        if (k->len == klen && memcmp(k->str, key, klen) == 0)
            return map->items[2 * i + 1];
    }
    return NULL;
}

/* ---- plain scalars ----------------------------------------------------- */

static bool word_is(const char *s, size_t len, const char *w)
{
    return strlen(w) == len && memcmp(s, w, len) == 0;
}

static bool word_in(const char *s, size_t len, const char *const *words)
{
    for (; *words != NULL; words++)
        if (word_is(s, len, *words))
            return true;
    return false;
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

static const char *const null_words[] = {"~", "null", "Null", "NULL", NULL};
static const char *const true_words[] = {"true", "True", "TRUE", NULL};
static const char *const false_words[] = {"false", "False", "FALSE", NULL};
static const char *const inf_words[] = {".inf", ".Inf", ".INF", NULL};
static const char *const nan_words[] = {".nan", ".NaN", ".NAN", NULL};

/* [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? ; *is_float when it
 * has a fraction or an exponent. */
static bool scan_number(const char *s, size_t len, bool *is_float)
{
    size_t i = 0, digits = 0;
    *is_float = false;
    if (i < len && (s[i] == '-' || s[i] == '+'))
        i++;
    while (i < len && is_digit(s[i]))
        i++, digits++;
    if (i < len && s[i] == '.') {
        *is_float = true;
        i++;
        size_t frac = 0;
        while (i < len && is_digit(s[i]))
            i++, frac++;
        if (digits == 0 && frac == 0)
            return false;
        digits += frac;
    }
    if (digits == 0)
        return false;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        *is_float = true;
        i++;
        if (i < len && (s[i] == '-' || s[i] == '+'))
            i++;
        size_t exp = 0;
        while (i < len && is_digit(s[i]))
            i++, exp++;
        if (exp == 0)
            return false;
    }
    return i == len;
}

mg_yaml_plain mg_yaml_plain_kind(const char *s, size_t len)
{
    if (len == 0 || word_in(s, len, null_words))
        return MG_YAML_PLAIN_NULL;
    if (word_in(s, len, true_words) || word_in(s, len, false_words))
        return MG_YAML_PLAIN_BOOL;
    bool is_float;
    if (scan_number(s, len, &is_float))
        return is_float ? MG_YAML_PLAIN_FLOAT : MG_YAML_PLAIN_INT;
    const char *t = s;
    size_t tlen = len;
    if (tlen > 0 && (t[0] == '-' || t[0] == '+'))
        t++, tlen--;
    if (word_in(t, tlen, inf_words) || word_in(s, len, nan_words))
        return MG_YAML_PLAIN_FLOAT;
    return MG_YAML_PLAIN_TEXT;
}

bool mg_yaml_plain_bool(const char *s, size_t len)
{
    return word_in(s, len, true_words);
}

double mg_yaml_plain_number(const char *s, size_t len, bool *exact)
{
    if (exact)
        *exact = true;
    if (word_in(s, len, nan_words))
        return NAN;
    bool neg = len > 0 && s[0] == '-';
    size_t skip = len > 0 && (s[0] == '-' || s[0] == '+');
    if (word_in(s + skip, len - skip, inf_words))
        return neg ? -INFINITY : INFINITY;

    char small[128];
    char *copy = len < sizeof small ? small : malloc(len + 1);
    if (copy == NULL) {
        if (exact)
            *exact = false;
        return 0;
    }
    memcpy(copy, s, len);
    copy[len] = '\0';
    errno = 0;
    double d = strtod(copy, NULL);
    if (exact && errno == ERANGE)
        *exact = false; /* overflow to inf, or underflow */
    bool is_float;
    if (exact && scan_number(s, len, &is_float) && !is_float &&
        fabs(d) >= 9007199254740992.0) {
        /* Compare the digits with the double's exact decimal form. */
        const char *digits = copy + skip;
        while (digits[0] == '0' && digits[1] != '\0')
            digits++;
        char back[400];
        snprintf(back, sizeof back, "%.0f", fabs(d));
        *exact = strcmp(back, digits) == 0;
    }
    if (copy != small)
        free(copy);
    return d;
}

/* ---- parsing ----------------------------------------------------------- */

typedef struct parser {
    yaml_parser_t y;
    const char *name;
    const char *text;
    size_t len;
    mg_yaml_mark *at;
    mg_error *err;
    int depth;
} parser;

/* Fill the error at a 0-based libyaml mark. */
static bool fail_at(parser *ps, mg_errcode code, size_t line0, size_t col0,
                    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static bool fail_at(parser *ps, mg_errcode code, size_t line0, size_t col0,
                    const char *fmt, ...)
{
    char what[MG_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    int line = (int)line0 + 1, col = (int)col0 + 1;
    if (ps->at) {
        ps->at->line = line;
        ps->at->col = col;
    }
    mg_error_set(ps->err, code, MG_SIDE_NONE, NULL, "%s:%d:%d: %s", ps->name,
                 line, col, what);
    return false;
}

/* Report libyaml's own error (reader, scanner or parser). */
static bool fail_libyaml(parser *ps)
{
    yaml_parser_t *y = &ps->y;
    const char *problem = y->problem ? y->problem : "invalid YAML";
    if (y->error == YAML_MEMORY_ERROR) {
        mg_error_set(ps->err, MG_ERR_MEMORY, MG_SIDE_NONE, NULL,
                     "%s: out of memory while parsing YAML", ps->name);
        return false;
    }
    if (y->error == YAML_READER_ERROR) {
        /* Only a byte offset is known: turn it into line and column. */
        size_t off = y->problem_offset < ps->len ? y->problem_offset : ps->len;
        size_t line = 0, col = 0;
        for (size_t i = 0; i < off; i++) {
            if (ps->text[i] == '\n')
                line++, col = 0;
            else if (((unsigned char)ps->text[i] & 0xC0) != 0x80)
                col++;
        }
        if (y->problem_value != -1)
            return fail_at(ps, MG_ERR_USAGE, line, col, "%s (byte 0x%02X)",
                           problem, (unsigned)y->problem_value & 0xFFu);
        return fail_at(ps, MG_ERR_USAGE, line, col, "%s", problem);
    }
    if (y->context)
        return fail_at(ps, MG_ERR_USAGE, y->problem_mark.line,
                       y->problem_mark.column,
                       "%s (%s that starts at line %zu, column %zu)", problem,
                       y->context, y->context_mark.line + 1,
                       y->context_mark.column + 1);
    return fail_at(ps, MG_ERR_USAGE, y->problem_mark.line,
                   y->problem_mark.column, "%s", problem);
}

static bool next_event(parser *ps, yaml_event_t *ev)
{
    if (!yaml_parser_parse(&ps->y, ev))
        return fail_libyaml(ps);
    return true;
}

static mg_yaml_node *new_node(parser *ps, mg_yaml_kind kind, const yaml_event_t *ev)
{
    mg_yaml_node *n = calloc(1, sizeof *n);
    if (n == NULL) {
        mg_error_set(ps->err, MG_ERR_MEMORY, MG_SIDE_NONE, NULL,
                     "%s: out of memory while parsing YAML", ps->name);
        return NULL;
    }
    n->kind = kind;
    n->line = (int)ev->start_mark.line + 1;
    n->col = (int)ev->start_mark.column + 1;
    return n;
}

/* Append child to the items of sequence n, growing them; frees child on
 * failure. */
static bool push_item(parser *ps, mg_yaml_node *n, size_t *cap, mg_yaml_node *child)
{
    size_t used = n->count;
    if (used + 1 > *cap) {
        size_t ncap = *cap ? 2 * *cap : 8;
        mg_yaml_node **items = realloc(n->items, ncap * sizeof *items);
        if (items == NULL) {
            mg_yaml_free(child);
            mg_error_set(ps->err, MG_ERR_MEMORY, MG_SIDE_NONE, NULL,
                         "%s: out of memory while parsing YAML", ps->name);
            return false;
        }
        n->items = items;
        *cap = ncap;
    }
    n->items[used] = child;
    return true;
}

/* Anchors, aliases and tags other than !!str keep a plan from being plain. */
static bool check_props(parser *ps, const yaml_event_t *ev,
                        const yaml_char_t *anchor, const yaml_char_t *tag,
                        bool *is_str)
{
    if (anchor != NULL)
        return fail_at(ps, MG_ERR_USAGE, ev->start_mark.line, ev->start_mark.column,
                       "anchors (&%s) are not allowed: plans and configuration "
                       "files must stay plain, write the value out",
                       (const char *)anchor);
    if (tag != NULL) {
        if (is_str && strcmp((const char *)tag, YAML_STR_TAG) == 0) {
            *is_str = true;
            return true;
        }
        return fail_at(ps, MG_ERR_USAGE, ev->start_mark.line, ev->start_mark.column,
                       "tags (%s) are not allowed: plans and configuration "
                       "files must stay plain (only !!str is accepted)",
                       (const char *)tag);
    }
    return true;
}

static bool parse_node(parser *ps, yaml_event_t *ev, mg_yaml_node **out);

static mg_yaml_node *parse_scalar(parser *ps, yaml_event_t *ev)
{
    bool is_str = false;
    if (!check_props(ps, ev, ev->data.scalar.anchor, ev->data.scalar.tag, &is_str))
        return NULL;
    const char *v = (const char *)ev->data.scalar.value;
    size_t len = ev->data.scalar.length;
    bool quoted = is_str || ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
    mg_yaml_kind kind = !quoted && mg_yaml_plain_kind(v, len) == MG_YAML_PLAIN_NULL
                            ? MG_YAML_NULL : MG_YAML_SCALAR;
    mg_yaml_node *n = new_node(ps, kind, ev);
    if (n == NULL)
        return NULL;
    n->quoted = quoted;
    n->len = len;
    n->str = malloc(len + 1);
    if (n->str == NULL) {
        mg_yaml_free(n);
        mg_error_set(ps->err, MG_ERR_MEMORY, MG_SIDE_NONE, NULL,
                     "%s: out of memory while parsing YAML", ps->name);
        return NULL;
    }
    memcpy(n->str, v, len);
    n->str[len] = '\0';
    return n;
}

static bool parse_seq(parser *ps, mg_yaml_node *n)
{
    size_t cap = 0;
    for (;;) {
        yaml_event_t ev;
        if (!next_event(ps, &ev))
            return false;
        if (ev.type == YAML_SEQUENCE_END_EVENT) {
            yaml_event_delete(&ev);
            return true;
        }
        mg_yaml_node *child;
        if (!parse_node(ps, &ev, &child) || !push_item(ps, n, &cap, child))
            return false;
        n->count++;
    }
}

/* Keys are scalars, unique by their text. */
static bool parse_key(parser *ps, const mg_yaml_node *map, yaml_event_t *ev,
                      mg_yaml_node **out)
{
    if (ev->type == YAML_ALIAS_EVENT) {
        parse_node(ps, ev, out); /* refuses the alias */
        return false;
    }
    if (ev->type != YAML_SCALAR_EVENT) {
        fail_at(ps, MG_ERR_USAGE, ev->start_mark.line, ev->start_mark.column,
                "a map key must be plain text, not %s",
                ev->type == YAML_SEQUENCE_START_EVENT ? "a sequence" : "a map");
        yaml_event_delete(ev);
        return false;
    }
    mg_yaml_node *key = parse_scalar(ps, ev);
    yaml_event_delete(ev);
    if (key == NULL)
        return false;
    key->kind = MG_YAML_SCALAR;
    for (size_t i = 0; i < map->count; i++) {
        const mg_yaml_node *k = map->items[2 * i];
        if (k->len == key->len && memcmp(k->str, key->str, key->len) == 0) {
            fail_at(ps, MG_ERR_USAGE, (size_t)key->line - 1, (size_t)key->col - 1,
                    "duplicate key '%.*s' (first at line %d, again at line %d)",
                    key->len > 80 ? 80 : (int)key->len, key->str, k->line,
                    key->line);
            mg_yaml_free(key);
            return false;
        }
    }
    *out = key;
    return true;
}

static bool parse_map(parser *ps, mg_yaml_node *n)
{
    size_t cap = 0;
    for (;;) {
        yaml_event_t ev;
        if (!next_event(ps, &ev))
            return false;
        if (ev.type == YAML_MAPPING_END_EVENT) {
            yaml_event_delete(&ev);
            return true;
        }
        mg_yaml_node *key, *value;
        if (!parse_key(ps, n, &ev, &key))
            return false;
        size_t used = 2 * n->count;
        if (used + 2 > cap) {
            size_t ncap = cap ? 2 * cap : 16;
            mg_yaml_node **items = realloc(n->items, ncap * sizeof *items);
            if (items == NULL) {
                mg_yaml_free(key);
                mg_error_set(ps->err, MG_ERR_MEMORY, MG_SIDE_NONE, NULL,
                             "%s: out of memory while parsing YAML", ps->name);
                return false;
            }
            n->items = items;
            cap = ncap;
        }
        if (!next_event(ps, &ev)) {
            mg_yaml_free(key);
            return false;
        }
        if (!parse_node(ps, &ev, &value)) {
            mg_yaml_free(key);
            return false;
        }
        n->items[used] = key;
        n->items[used + 1] = value;
        n->count++;
    }
}

/* Build the node that starts with *ev (consumed) and everything under it.
 * On failure *out is NULL and nothing is leaked. */
static bool parse_node(parser *ps, yaml_event_t *ev, mg_yaml_node **out)
{
    *out = NULL;
    mg_yaml_node *n = NULL;
    bool ok = false;
    switch (ev->type) {
    case YAML_ALIAS_EVENT:
        fail_at(ps, MG_ERR_USAGE, ev->start_mark.line, ev->start_mark.column,
                "aliases (*%s) are not allowed: plans and configuration files "
                "must stay plain, write the value out",
                (const char *)ev->data.alias.anchor);
        goto out;
    case YAML_SCALAR_EVENT:
        n = parse_scalar(ps, ev);
        ok = n != NULL;
        goto out;
    case YAML_SEQUENCE_START_EVENT:
        if (!check_props(ps, ev, ev->data.sequence_start.anchor,
                         ev->data.sequence_start.tag, NULL))
            goto out;
        n = new_node(ps, MG_YAML_SEQ, ev);
        break;
    case YAML_MAPPING_START_EVENT:
        if (!check_props(ps, ev, ev->data.mapping_start.anchor,
                         ev->data.mapping_start.tag, NULL))
            goto out;
        n = new_node(ps, MG_YAML_MAP, ev);
        break;
    default:
        fail_at(ps, MG_ERR_USAGE, ev->start_mark.line, ev->start_mark.column,
                "unexpected YAML event %d", (int)ev->type);
        goto out;
    }
    if (n == NULL)
        goto out;
    if (++ps->depth > MG_YAML_MAX_DEPTH) {
        fail_at(ps, MG_ERR_USAGE, ev->start_mark.line, ev->start_mark.column,
                "nested deeper than %d levels", MG_YAML_MAX_DEPTH);
        goto out;
    }
    yaml_event_delete(ev);
    ev = NULL;
    ok = n->kind == MG_YAML_SEQ ? parse_seq(ps, n) : parse_map(ps, n);
    ps->depth--;
out:
    if (ev != NULL)
        yaml_event_delete(ev);
    if (!ok) {
        mg_yaml_free(n);
        return false;
    }
    *out = n;
    return true;
}

/* Expect an event of the given type (the stream/document frame). */
static bool expect(parser *ps, yaml_event_type_t type, yaml_event_t *ev)
{
    if (!next_event(ps, ev))
        return false;
    if (ev->type == type)
        return true;
    fail_at(ps, MG_ERR_USAGE, ev->start_mark.line, ev->start_mark.column,
            "unexpected YAML event %d", (int)ev->type);
    yaml_event_delete(ev);
    return false;
}

/* The document frame: stream start, one document, stream end. */
static bool parse_document(parser *ps, mg_yaml_node **out)
{
    yaml_event_t ev;
    mg_yaml_node *root = NULL;
    if (!expect(ps, YAML_STREAM_START_EVENT, &ev))
        return false;
    yaml_event_delete(&ev);
    if (!next_event(ps, &ev))
        return false;
    if (ev.type == YAML_STREAM_END_EVENT) { /* no document at all */
        root = new_node(ps, MG_YAML_NULL, &ev);
        yaml_event_delete(&ev);
        if (root == NULL || (root->str = calloc(1, 1)) == NULL) {
            mg_yaml_free(root);
            mg_error_set(ps->err, MG_ERR_MEMORY, MG_SIDE_NONE, NULL,
                         "%s: out of memory while parsing YAML", ps->name);
            return false;
        }
        root->line = root->col = 1;
        *out = root;
        return true;
    }
    yaml_event_delete(&ev); /* DOCUMENT-START */
    if (!next_event(ps, &ev) || !parse_node(ps, &ev, &root))
        return false;
    if (!expect(ps, YAML_DOCUMENT_END_EVENT, &ev))
        goto fail;
    yaml_event_delete(&ev);
    if (!next_event(ps, &ev))
        goto fail;
    if (ev.type == YAML_DOCUMENT_START_EVENT) {
        fail_at(ps, MG_ERR_USAGE, ev.start_mark.line, ev.start_mark.column,
                "a second YAML document starts here; a plan or configuration "
                "file holds one document");
        yaml_event_delete(&ev);
        goto fail;
    }
    yaml_event_delete(&ev); /* STREAM-END */
    *out = root;
    return true;
fail:
    mg_yaml_free(root);
    return false;
}

bool mg_yaml_parse(const char *text, size_t len, const char *name,
                   mg_yaml_node **out, mg_yaml_mark *at, mg_error *err)
{
    parser ps = {.name = name ? name : "<yaml>", .text = text, .len = len,
                 .at = at, .err = err};
    *out = NULL;
    if (at)
        at->line = at->col = 0;
    if (!yaml_parser_initialize(&ps.y)) {
        mg_error_set(err, MG_ERR_MEMORY, MG_SIDE_NONE, NULL,
                     "%s: out of memory while parsing YAML", ps.name);
        return false;
    }
    yaml_parser_set_input_string(&ps.y, (const unsigned char *)(text ? text : ""), len);
    bool ok = parse_document(&ps, out);
    yaml_parser_delete(&ps.y);
    return ok;
}

/* Read the whole file into *b. */
static bool read_file(const char *path, mg_buf *b, mg_error *err)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        mg_error_set(err, MG_ERR_IO, MG_SIDE_NONE, NULL, "cannot open %s: %s",
                     path, strerror(errno));
        return false;
    }
    bool ok = true;
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (!mg_buf_append(b, chunk, n)) {
            mg_error_set(err, MG_ERR_MEMORY, MG_SIDE_NONE, NULL,
                         "out of memory reading %s", path);
            ok = false;
            break;
        }
    }
    if (ok && ferror(f)) {
        mg_error_set(err, MG_ERR_IO, MG_SIDE_NONE, NULL, "cannot read %s: %s",
                     path, strerror(errno));
        ok = false;
    }
    fclose(f);
    return ok;
}

bool mg_yaml_parse_file(const char *path, mg_yaml_node **out,
                        mg_yaml_mark *at, mg_error *err)
{
    mg_buf b = MG_BUF_INIT;
    *out = NULL;
    if (at)
        at->line = at->col = 0;
    bool ok = read_file(path, &b, err) &&
              mg_yaml_parse(b.data, b.len, path, out, at, err);
    mg_buf_free(&b);
    return ok;
}

/* ---- emitting ---------------------------------------------------------- */

struct mg_yaml_emitter {
    yaml_emitter_t y;
    mg_buf *out;   /* borrowed */
    bool started;  /* STREAM-START and DOCUMENT-START sent */
    bool oom;      /* the write handler could not grow out */
};

static int write_handler(void *data, unsigned char *buffer, size_t size)
{
    mg_yaml_emitter *e = data;
    if (!mg_buf_append(e->out, buffer, size)) {
        e->oom = true;
        return 0;
    }
    return 1;
}

mg_yaml_emitter *mg_yaml_emitter_new(mg_buf *out, mg_error *err)
{
    mg_yaml_emitter *e = calloc(1, sizeof *e);
    if (e == NULL || !yaml_emitter_initialize(&e->y)) {
        free(e);
        mg_error_set(err, MG_ERR_MEMORY, MG_SIDE_NONE, NULL,
                     "out of memory starting the YAML emitter");
        return NULL;
    }
    e->out = out;
    yaml_emitter_set_output(&e->y, write_handler, e);
    yaml_emitter_set_unicode(&e->y, 1);
    yaml_emitter_set_indent(&e->y, 2);
    yaml_emitter_set_width(&e->y, -1); /* never fold long lines */
    yaml_emitter_set_break(&e->y, YAML_LN_BREAK);
    return e;
}

void mg_yaml_emitter_free(mg_yaml_emitter *e)
{
    if (e == NULL)
        return;
    yaml_emitter_delete(&e->y);
    free(e);
}

static bool emit_failed(mg_yaml_emitter *e, mg_error *err)
{
    if (e->oom || e->y.error == YAML_MEMORY_ERROR)
        mg_error_set(err, MG_ERR_MEMORY, MG_SIDE_NONE, NULL,
                     "out of memory while writing YAML");
    else
        mg_error_set(err, MG_ERR_USAGE, MG_SIDE_NONE, NULL,
                     "cannot write YAML: %s",
                     e->y.problem ? e->y.problem : "emitter error");
    return false;
}

/* Send one event (initialized by the caller; consumed). */
static bool emit(mg_yaml_emitter *e, yaml_event_t *ev, mg_error *err)
{
    if (!e->started) {
        yaml_event_t s;
        yaml_stream_start_event_initialize(&s, YAML_UTF8_ENCODING);
        if (!yaml_emitter_emit(&e->y, &s)) {
            yaml_event_delete(ev);
            return emit_failed(e, err);
        }
        yaml_document_start_event_initialize(&s, NULL, NULL, NULL, 1);
        if (!yaml_emitter_emit(&e->y, &s)) {
            yaml_event_delete(ev);
            return emit_failed(e, err);
        }
        e->started = true;
    }
    if (!yaml_emitter_emit(&e->y, ev))
        return emit_failed(e, err);
    return true;
}

bool mg_yaml_emit_map_begin(mg_yaml_emitter *e, mg_error *err)
{
    yaml_event_t ev;
    yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE);
    return emit(e, &ev, err);
}

bool mg_yaml_emit_map_end(mg_yaml_emitter *e, mg_error *err)
{
    yaml_event_t ev;
    yaml_mapping_end_event_initialize(&ev);
    return emit(e, &ev, err);
}

bool mg_yaml_emit_seq_begin(mg_yaml_emitter *e, mg_error *err)
{
    yaml_event_t ev;
    yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_SEQUENCE_STYLE);
    return emit(e, &ev, err);
}

bool mg_yaml_emit_seq_end(mg_yaml_emitter *e, mg_error *err)
{
    yaml_event_t ev;
    yaml_sequence_end_event_initialize(&ev);
    return emit(e, &ev, err);
}

static bool emit_scalar(mg_yaml_emitter *e, const char *s, size_t len,
                        yaml_scalar_style_t style, mg_error *err)
{
    if (len > INT_MAX) {
        mg_error_set(err, MG_ERR_USAGE, MG_SIDE_NONE, NULL,
                     "cannot write YAML: a string of %zu bytes is too long", len);
        return false;
    }
    yaml_event_t ev;
    if (!yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)(s ? s : ""),
                                      (int)len, 1, 1, style)) {
        mg_error_set(err, MG_ERR_USAGE, MG_SIDE_NONE, NULL,
                     "cannot write YAML: the text is not valid UTF-8");
        return false;
    }
    return emit(e, &ev, err);
}

/* Characters that would change on the way back through a literal block or
 * a single-quoted scalar: controls other than \n, CR, NEL, LS, PS, BOM. */
static bool needs_escapes(const unsigned char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = s[i];
        if ((c < 0x20 && c != '\n') || c == 0x7F)
            return true;
        if (c == 0xC2 && i + 1 < len && s[i + 1] == 0x85)
            return true;
        if (c == 0xE2 && i + 2 < len && s[i + 1] == 0x80 &&
            (s[i + 2] == 0xA8 || s[i + 2] == 0xA9))
            return true;
        if (c == 0xEF && i + 2 < len && s[i + 1] == 0xBB && s[i + 2] == 0xBF)
            return true;
    }
    return false;
}

bool mg_yaml_needs_quotes(const char *s, size_t len)
{
    static const char *const words[] = {
        "true", "false", "yes", "no", "on", "off", "y", "n", "null", "~", NULL};
    if (len == 0)
        return true;
    for (const char *const *w = words; *w; w++)
        if (strlen(*w) == len && strncasecmp(s, *w, len) == 0)
            return true;
    if (mg_yaml_plain_kind(s, len) != MG_YAML_PLAIN_TEXT)
        return true;
    size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
    if (i < len && s[i] == '.')
        i++;
    if (i < len && is_digit(s[i]))
        return true; /* number-like: 007, 1_000, 2020-01-01, 1:20, .5x */
    if (len >= 4 && (strncasecmp(s + len - 4, ".inf", 4) == 0 ||
                     strncasecmp(s + len - 4, ".nan", 4) == 0))
        return true;
    if (strchr("-?:,[]{}#&*!|>'\"%@` \t", s[0]) != NULL)
        return true;
    if (s[len - 1] == ' ' || s[len - 1] == '\t')
        return true;
    if (len >= 3 && (memcmp(s, "...", 3) == 0 || memcmp(s, "---", 3) == 0))
        return true;
    for (size_t k = 0; k < len; k++) {
        unsigned char c = (unsigned char)s[k];
        if (c == ':' || c == '#' || c < 0x20 || c == 0x7F)
            return true;
    }
    return needs_escapes((const unsigned char *)s, len);
}

bool mg_yaml_emit_str(mg_yaml_emitter *e, const char *s, size_t len, mg_error *err)
{
    yaml_scalar_style_t style = YAML_PLAIN_SCALAR_STYLE;
    if (needs_escapes((const unsigned char *)s, len))
        style = YAML_DOUBLE_QUOTED_SCALAR_STYLE;
    else if (len > 0 && memchr(s, '\n', len) != NULL)
        style = YAML_LITERAL_SCALAR_STYLE; /* libyaml falls back to "" */
    else if (mg_yaml_needs_quotes(s, len))
        style = YAML_SINGLE_QUOTED_SCALAR_STYLE;
    return emit_scalar(e, s, len, style, err);
}

bool mg_yaml_emit_int(mg_yaml_emitter *e, long long v, mg_error *err)
{
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%lld", v);
    return emit_scalar(e, buf, (size_t)n, YAML_PLAIN_SCALAR_STYLE, err);
}

bool mg_yaml_emit_double(mg_yaml_emitter *e, double v, mg_error *err)
{
    char buf[64];
    if (isnan(v))
        snprintf(buf, sizeof buf, ".nan");
    else if (isinf(v))
        snprintf(buf, sizeof buf, v < 0 ? "-.inf" : ".inf");
    else if (v == floor(v) && fabs(v) <= 9007199254740992.0)
        snprintf(buf, sizeof buf, "%.0f", v);
    else {
        for (int prec = 15; prec <= 17; prec++) {
            snprintf(buf, sizeof buf, "%.*g", prec, v);
            if (strtod(buf, NULL) == v)
                break;
        }
    }
    return emit_scalar(e, buf, strlen(buf), YAML_PLAIN_SCALAR_STYLE, err);
}

bool mg_yaml_emit_bool(mg_yaml_emitter *e, bool v, mg_error *err)
{
    return emit_scalar(e, v ? "true" : "false", v ? 4 : 5,
                       YAML_PLAIN_SCALAR_STYLE, err);
}

bool mg_yaml_emit_null(mg_yaml_emitter *e, mg_error *err)
{
    return emit_scalar(e, "null", 4, YAML_PLAIN_SCALAR_STYLE, err);
}

bool mg_yaml_emitter_finish(mg_yaml_emitter *e, mg_error *err)
{
    if (!e->started) {
        mg_error_set(err, MG_ERR_USAGE, MG_SIDE_NONE, NULL,
                     "cannot write YAML: the document has no value");
        return false;
    }
    yaml_event_t ev;
    yaml_document_end_event_initialize(&ev, 1);
    if (!emit(e, &ev, err))
        return false;
    yaml_stream_end_event_initialize(&ev);
    if (!emit(e, &ev, err))
        return false;
    if (!yaml_emitter_flush(&e->y))
        return emit_failed(e, err);
    return true;
}
