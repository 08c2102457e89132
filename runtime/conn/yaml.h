/*
 * yaml.h - YAML for plans and configuration files (libyaml), plain C.
 *
 * The parser turns the one document of a YAML text into a small owned tree
 * of mg_yaml_node: maps, sequences, scalars (with their style, so a quoted
 * "007" stays text while a plain 007 may be read as a number) and nulls.
 * Every node carries its 1-based source line and column, so callers can
 * say "plan.yaml:12:5: ...".  Plans must stay plain: anchors, aliases,
 * custom tags, complex keys, duplicate keys and a second document are
 * refused with a message that names the place.
 *
 * The emitter writes YAML into an mg_buf through libyaml's emitter, block
 * style, two-space indent, no line folding, UTF-8 unescaped.  Scalars are
 * quoted only when a plain scalar would be misread (mg_yaml_needs_quotes);
 * multi-line text becomes a literal block (|).  Same calls, same bytes.
 */
#ifndef MG_CONN_YAML_H
#define MG_CONN_YAML_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/error.h"

/* ---- parsing ----------------------------------------------------------- */

typedef enum mg_yaml_kind {
    MG_YAML_NULL = 0, /* ~, null, Null, NULL or an empty plain scalar */
    MG_YAML_SCALAR,
    MG_YAML_SEQ,
    MG_YAML_MAP,
} mg_yaml_kind;

typedef struct mg_yaml_node mg_yaml_node;

struct mg_yaml_node {
    mg_yaml_kind kind;
    int line; /* 1-based line of the node's first character */
    int col;  /* 1-based column */
    /* SCALAR (and NULL, whose text is what was written, e.g. "~"): */
    char *str;   /* owned by the tree, NUL-terminated (may hold NULs) */
    size_t len;  /* bytes in str */
    bool quoted; /* not plain: quoted, literal (|), folded (>) or !!str */
    /* SEQ: items[0..count-1].  MAP: count pairs, items[2i] is a key (always
     * a SCALAR, keys are unique by text) and items[2i+1] its value. */
    size_t count;
    mg_yaml_node **items; /* owned by the tree */
};

/* Where a parse failed (1-based; 0 when unknown). */
typedef struct mg_yaml_mark {
    int line;
    int col;
} mg_yaml_mark;

/* Parse the YAML document in text[0..len-1].  `name` (borrowed; NULL means
 * "<yaml>") prefixes error messages.  On success *out is an owned tree
 * (free with mg_yaml_free); an empty text gives a NULL node.  On failure
 * returns false, *out is NULL, *at (may be NULL) holds the position and
 * *err is MG_ERR_USAGE with "NAME:LINE:COL: problem (context)", or
 * MG_ERR_MEMORY. */
bool mg_yaml_parse(const char *text, size_t len, const char *name,
                   mg_yaml_node **out, mg_yaml_mark *at, mg_error *err);

/* Read and parse the file at path (named in messages).  As mg_yaml_parse;
 * a file that cannot be read fails with MG_ERR_IO naming the path. */
bool mg_yaml_parse_file(const char *path, mg_yaml_node **out,
                        mg_yaml_mark *at, mg_error *err);

/* Free a tree from mg_yaml_parse*; NULL is fine. */
void mg_yaml_free(mg_yaml_node *root);

/* The value of key in map (borrowed from the tree), or NULL when map is not
 * a map or has no such key. */
const mg_yaml_node *mg_yaml_get(const mg_yaml_node *map, const char *key);

/* "null", "scalar", "sequence", "map" (static). */
const char *mg_yaml_kind_name(mg_yaml_kind kind);

/* ---- reading plain scalars -------------------------------------------- */

/* What a plain scalar means under the rules plans use (the YAML 1.2 core
 * schema, minus octal/hex): */
typedef enum mg_yaml_plain {
    MG_YAML_PLAIN_TEXT = 0, /* anything else: a string */
    MG_YAML_PLAIN_NULL,     /* "", ~, null, Null, NULL */
    MG_YAML_PLAIN_BOOL,     /* true/True/TRUE, false/False/FALSE */
    MG_YAML_PLAIN_INT,      /* [-+]?[0-9]+ (leading zeros are decimal) */
    MG_YAML_PLAIN_FLOAT,    /* 1.5, .5, 1e20, -2.5E-3, .inf, -.inf, .nan */
} mg_yaml_plain;

/* Classify s[0..len-1] as if it were a plain scalar. */
mg_yaml_plain mg_yaml_plain_kind(const char *s, size_t len);

/* The value of a plain BOOL/INT/FLOAT scalar.  *exact (may be NULL) is
 * false when the text has no faithful double: an integer beyond 2^53 that
 * no double equals, or a float that overflows or underflows (1e400).
 * The caller should then keep the text. */
bool mg_yaml_plain_bool(const char *s, size_t len);
double mg_yaml_plain_number(const char *s, size_t len, bool *exact);

/* ---- emitting ---------------------------------------------------------- */

typedef struct mg_yaml_emitter mg_yaml_emitter;

/* Start emitting one document into out (borrowed; appended to, must
 * outlive the emitter).  Returns an owned emitter (free with
 * mg_yaml_emitter_free) or NULL with *err (MG_ERR_MEMORY). */
mg_yaml_emitter *mg_yaml_emitter_new(mg_buf *out, mg_error *err);

/* Free the emitter; NULL is fine.  Does not touch out's data. */
void mg_yaml_emitter_free(mg_yaml_emitter *e);

/* The events of the document, in order.  In a map, each key is emitted
 * with mg_yaml_emit_str/int, then its value.  Each returns false with *err
 * (MG_ERR_USAGE: out of order, or text that is not valid UTF-8;
 * MG_ERR_MEMORY) and the emitter is then unusable. */
bool mg_yaml_emit_map_begin(mg_yaml_emitter *e, mg_error *err);
bool mg_yaml_emit_map_end(mg_yaml_emitter *e, mg_error *err);
bool mg_yaml_emit_seq_begin(mg_yaml_emitter *e, mg_error *err);
bool mg_yaml_emit_seq_end(mg_yaml_emitter *e, mg_error *err);
bool mg_yaml_emit_str(mg_yaml_emitter *e, const char *s, size_t len,
                      mg_error *err);
bool mg_yaml_emit_int(mg_yaml_emitter *e, long long v, mg_error *err);
/* Integral values below 2^53 print as integers (no ".0"), others in the
 * shortest form that reads back as the same double; .inf, -.inf, .nan. */
bool mg_yaml_emit_double(mg_yaml_emitter *e, double v, mg_error *err);
bool mg_yaml_emit_bool(mg_yaml_emitter *e, bool v, mg_error *err);
bool mg_yaml_emit_null(mg_yaml_emitter *e, mg_error *err);

/* End the document (after its one root node) and flush everything into
 * out.  False with *err if the document is not complete. */
bool mg_yaml_emitter_finish(mg_yaml_emitter *e, mg_error *err);

/* True when s[0..len-1], written plain, would not read back as the same
 * string: empty, null/bool words (also YAML 1.1 yes/no/on/off/y/n),
 * number-like (starts with a digit, or [-+.] and a digit), leading or
 * trailing space, ':' or '#' anywhere, a leading indicator character,
 * line breaks or control characters. */
bool mg_yaml_needs_quotes(const char *s, size_t len);

#endif
