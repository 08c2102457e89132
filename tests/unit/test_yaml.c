/*
 * test_yaml.c - units for runtime/conn/yaml: the parser's tree, lines and
 * columns, every error path, the emitter's quoting rules (each tricky
 * string reads back as the same string) and stable output.  No database.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "conn/yaml.h"

/* Parse text (NUL-terminated) or return NULL, printing the error. */
static mg_yaml_node *parse(const char *text)
{
    mg_yaml_node *root = NULL;
    mg_error err;
    mg_error_clear(&err);
    if (!mg_yaml_parse(text, strlen(text), "t.yaml", &root, NULL, &err))
        printf("# parse failed: %s\n", err.msg);
    return root;
}

/* Parse text expecting failure; check the message and position. */
static void parse_fails(const char *text, const char *want_msg, int line,
                        int col, const char *what)
{
    mg_yaml_node *root = (mg_yaml_node *)1;
    mg_yaml_mark at;
    mg_error err;
    mg_error_clear(&err);
    bool ok = mg_yaml_parse(text, strlen(text), "plan.yaml", &root, &at, &err);
    CHECK(!ok && root == NULL && err.code == MG_ERR_USAGE, "%s: fails", what);
    CHECK(strstr(err.msg, want_msg) != NULL, "%s: message has '%s' (got: %s)",
          what, want_msg, err.msg);
    CHECK(at.line == line && at.col == col, "%s: at %d:%d (got %d:%d)", what,
          line, col, at.line, at.col);
    char prefix[64];
    snprintf(prefix, sizeof prefix, "plan.yaml:%d:%d: ", line, col);
    CHECK(strncmp(err.msg, prefix, strlen(prefix)) == 0,
          "%s: message starts with %s", what, prefix);
}

static void test_scalars(void)
{
    mg_yaml_node *r = parse("a: hello\n"
                            "b: '007'\n"
                            "c: 007\n"
                            "d: \"x\\ty\"\n"
                            "e: ~\n"
                            "f: null\n"
                            "g:\n"
                            "h: ''\n"
                            "i: !!str 12\n"
                            "j: true\n");
    CHECK(r && r->kind == MG_YAML_MAP && r->count == 10, "map of 10 pairs");
    if (!r)
        return;
    const mg_yaml_node *n = mg_yaml_get(r, "a");
    CHECK(n && n->kind == MG_YAML_SCALAR && !n->quoted && strcmp(n->str, "hello") == 0,
          "plain scalar");
    n = mg_yaml_get(r, "b");
    CHECK(n && n->kind == MG_YAML_SCALAR && n->quoted && strcmp(n->str, "007") == 0,
          "quoted '007' is quoted text");
    n = mg_yaml_get(r, "c");
    CHECK(n && n->kind == MG_YAML_SCALAR && !n->quoted && strcmp(n->str, "007") == 0,
          "plain 007 is plain");
    n = mg_yaml_get(r, "d");
    CHECK(n && n->quoted && strcmp(n->str, "x\ty") == 0, "double-quoted escapes");
    CHECK(mg_yaml_get(r, "e")->kind == MG_YAML_NULL, "~ is null");
    CHECK(mg_yaml_get(r, "f")->kind == MG_YAML_NULL, "null is null");
    n = mg_yaml_get(r, "g");
    CHECK(n->kind == MG_YAML_NULL && n->len == 0, "empty value is null");
    n = mg_yaml_get(r, "h");
    CHECK(n->kind == MG_YAML_SCALAR && n->quoted && n->len == 0, "'' is an empty string");
    n = mg_yaml_get(r, "i");
    CHECK(n->kind == MG_YAML_SCALAR && n->quoted && strcmp(n->str, "12") == 0,
          "!!str makes a plain scalar text");
    CHECK(mg_yaml_get(r, "j")->kind == MG_YAML_SCALAR, "true stays a scalar in C");
    CHECK(mg_yaml_get(r, "zz") == NULL && mg_yaml_get(n, "a") == NULL,
          "get: missing key, or not a map");
    mg_yaml_free(r);
}

static void test_nesting_and_marks(void)
{
    const char *text = "name: shop\n"
                       "tasks:\n"
                       "  - name: orders\n"
                       "    columns: [id, total]\n"
                       "  - name: lines\n"
                       "    columns: []\n"
                       "    opts: {}\n"
                       "empty_seq: []\n";
    mg_yaml_node *r = parse(text);
    CHECK(r && r->kind == MG_YAML_MAP && r->line == 1 && r->col == 1, "root map at 1:1");
    if (!r)
        return;
    CHECK_STR(mg_yaml_kind_name(r->kind), "map", "kind name");
    CHECK(r->items[0]->line == 1 && r->items[2]->line == 2, "keys carry their lines");
    const mg_yaml_node *tasks = mg_yaml_get(r, "tasks");
    CHECK(tasks && tasks->kind == MG_YAML_SEQ && tasks->count == 2, "sequence of 2");
    CHECK(tasks->line == 3 && tasks->col == 3, "sequence at 3:3 (got %d:%d)",
          tasks->line, tasks->col);
    const mg_yaml_node *t2 = tasks->items[1];
    CHECK(t2->kind == MG_YAML_MAP && t2->line == 5 && t2->col == 5,
          "second task at 5:5 (got %d:%d)", t2->line, t2->col);
    const mg_yaml_node *cols = mg_yaml_get(tasks->items[0], "columns");
    CHECK(cols && cols->kind == MG_YAML_SEQ && cols->count == 2 &&
              strcmp(cols->items[1]->str, "total") == 0,
          "flow sequence");
    CHECK(cols->items[1]->line == 4 && cols->items[1]->col == 19,
          "flow item at 4:19 (got %d:%d)", cols->items[1]->line, cols->items[1]->col);
    const mg_yaml_node *e = mg_yaml_get(t2, "columns");
    CHECK(e->kind == MG_YAML_SEQ && e->count == 0, "empty sequence");
    e = mg_yaml_get(t2, "opts");
    CHECK(e->kind == MG_YAML_MAP && e->count == 0, "empty map");
    mg_yaml_free(r);

    r = parse("");
    CHECK(r && r->kind == MG_YAML_NULL, "empty text is a null document");
    mg_yaml_free(r);
    r = parse("# only a comment\n");
    CHECK(r && r->kind == MG_YAML_NULL, "comment-only text is a null document");
    mg_yaml_free(r);
    r = parse("--- 42\n...\n");
    CHECK(r && r->kind == MG_YAML_SCALAR && strcmp(r->str, "42") == 0,
          "explicit document markers");
    mg_yaml_free(r);
}

static void test_multiline_unicode(void)
{
    mg_yaml_node *r = parse("sql: |\n"
                            "  SELECT 1\n"
                            "  FROM t\n"
                            "folded: >\n"
                            "  a\n"
                            "  b\n"
                            "keep: |-\n"
                            "  no newline\n"
                            "name: Zürich 東京 🚀\n"
                            "\"quoted key\": 1\n");
    CHECK(r != NULL, "multi-line document parses");
    if (!r)
        return;
    const mg_yaml_node *n = mg_yaml_get(r, "sql");
    CHECK(n && n->quoted && strcmp(n->str, "SELECT 1\nFROM t\n") == 0, "literal block");
    CHECK_STR(mg_yaml_get(r, "folded")->str, "a b\n", "folded block");
    CHECK_STR(mg_yaml_get(r, "keep")->str, "no newline", "strip chomping");
    CHECK_STR(mg_yaml_get(r, "name")->str, "Zürich 東京 🚀", "UTF-8 as is");
    CHECK(mg_yaml_get(r, "quoted key") != NULL, "quoted key found by its text");
    mg_yaml_free(r);
}

static void test_errors(void)
{
    parse_fails("a: b\n  c: d\n", "mapping values are not allowed", 2, 4,
                "syntax error");
    parse_fails("a: [1, 2\nb: 3\n", "while parsing a flow sequence that starts at line 1, column 4",
                2, 2, "unclosed flow sequence names its start");
    parse_fails("key: \"unterminated\n", "found unexpected end of stream", 2, 1,
                "unterminated quote");
    parse_fails("base: &b {x: 1}\nother: 2\n", "anchors (&b) are not allowed", 1, 7,
                "anchor refused");
    parse_fails("a: 1\nb: *a\n", "aliases (*a) are not allowed", 2, 4,
                "alias refused");
    parse_fails("- &x 1\n", "anchors (&x) are not allowed", 1, 3, "anchor on scalar");
    parse_fails("- a\n- *x\n", "aliases (*x) are not allowed", 2, 3, "alias in a sequence");
    parse_fails("*x : 1\n", "aliases (*x) are not allowed", 1, 1, "alias as a key");
    parse_fails("name: a\ntarget: b\nname: c\n",
                "duplicate key 'name' (first at line 1, again at line 3)", 3, 1,
                "duplicate key names both lines");
    parse_fails("x:\n  k: 1\n  k: 2\n", "duplicate key 'k'", 3, 3, "nested duplicate key");
    parse_fails("? [a, b]\n: c\n", "a map key must be plain text, not a sequence", 1, 3,
                "complex key refused");
    parse_fails("a: !custom 1\n", "tags (!custom) are not allowed", 1, 4, "custom tag");
    parse_fails("a: 1\n---\nb: 2\n", "a second YAML document starts here", 2, 1,
                "second document refused");
    parse_fails("a: \"\xff\"\n", "invalid", 1, 5, "invalid UTF-8 (reader error)");
    parse_fails("a:\n\tb: 1\n", "found character that cannot start any token", 2, 1,
                "tab indentation");

    /* Deep nesting is refused, not a stack overflow. */
    mg_buf deep = MG_BUF_INIT;
    for (int i = 0; i < 300; i++)
        mg_buf_append_str(&deep, "[");
    for (int i = 0; i < 300; i++)
        mg_buf_append_str(&deep, "]");
    mg_yaml_node *r = NULL;
    mg_error err;
    bool ok = mg_yaml_parse(deep.data, deep.len, "deep.yaml", &r, NULL, &err);
    CHECK(!ok && strstr(err.msg, "nested deeper than 256 levels"), "depth limit: %s",
          err.msg);
    mg_buf_free(&deep);

    /* Aliases used as a map key are refused too. */
    ok = mg_yaml_parse("a: &x 1\n", 8, NULL, &r, NULL, &err);
    CHECK(!ok && strncmp(err.msg, "<yaml>:1:4: ", 12) == 0, "default name <yaml>: %s",
          err.msg);
}

static void test_files(void)
{
    char path[] = "/tmp/mg_test_yaml_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0, "temp file");
    const char *text = "a: 1\nb:\n  - x\n  - x: 1\n    x: 2\n";
    CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text), "write temp file");
    close(fd);
    mg_yaml_node *r = (mg_yaml_node *)1;
    mg_yaml_mark at;
    mg_error err;
    bool ok = mg_yaml_parse_file(path, &r, &at, &err);
    char want[128];
    snprintf(want, sizeof want, "%s:5:5: duplicate key 'x'", path);
    CHECK(!ok && r == NULL && strncmp(err.msg, want, strlen(want)) == 0,
          "file errors name the path: %s", err.msg);
    unlink(path);
    ok = mg_yaml_parse_file(path, &r, &at, &err);
    CHECK(!ok && err.code == MG_ERR_IO && strstr(err.msg, path) &&
              strstr(err.msg, "No such file"),
          "missing file: %s", err.msg);
}

static void test_plain_kinds(void)
{
    static const struct { const char *s; mg_yaml_plain k; } cases[] = {
        {"", MG_YAML_PLAIN_NULL},      {"~", MG_YAML_PLAIN_NULL},
        {"NULL", MG_YAML_PLAIN_NULL},  {"true", MG_YAML_PLAIN_BOOL},
        {"False", MG_YAML_PLAIN_BOOL}, {"yes", MG_YAML_PLAIN_TEXT},
        {"0", MG_YAML_PLAIN_INT},      {"-12", MG_YAML_PLAIN_INT},
        {"+7", MG_YAML_PLAIN_INT},     {"007", MG_YAML_PLAIN_INT},
        {"1.5", MG_YAML_PLAIN_FLOAT},  {".5", MG_YAML_PLAIN_FLOAT},
        {"1.", MG_YAML_PLAIN_FLOAT},   {"1e20", MG_YAML_PLAIN_FLOAT},
        {"-2.5E-3", MG_YAML_PLAIN_FLOAT}, {".inf", MG_YAML_PLAIN_FLOAT},
        {"-.Inf", MG_YAML_PLAIN_FLOAT}, {".nan", MG_YAML_PLAIN_FLOAT},
        {".", MG_YAML_PLAIN_TEXT},     {"1e", MG_YAML_PLAIN_TEXT},
        {"0x10", MG_YAML_PLAIN_TEXT},  {"1_000", MG_YAML_PLAIN_TEXT},
        {"inf", MG_YAML_PLAIN_TEXT},   {"-", MG_YAML_PLAIN_TEXT},
        {"2020-01-01", MG_YAML_PLAIN_TEXT},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        CHECK(mg_yaml_plain_kind(cases[i].s, strlen(cases[i].s)) == cases[i].k,
              "plain kind of '%s'", cases[i].s);
    bool exact;
    CHECK(mg_yaml_plain_number("007", 3, &exact) == 7 && exact, "007 -> 7");
    CHECK(mg_yaml_plain_number("-1", 2, &exact) == -1 && exact, "-1");
    CHECK(mg_yaml_plain_number("9007199254740992", 16, &exact) == 9007199254740992.0 && exact,
          "2^53 exact");
    mg_yaml_plain_number("9007199254740993", 16, &exact);
    CHECK(!exact, "2^53+1 is not exact");
    mg_yaml_plain_number("12345678901234567890", 20, &exact);
    CHECK(!exact, "20-digit id is not exact");
    CHECK(mg_yaml_plain_number("100000000000000000000", 21, &exact) == 1e20 && exact,
          "1e20 written out is exact");
    CHECK(mg_yaml_plain_number("-.inf", 5, &exact) == -INFINITY, "-.inf");
    CHECK(isnan(mg_yaml_plain_number(".NaN", 4, &exact)), ".NaN");
    CHECK(mg_yaml_plain_bool("True", 4) && !mg_yaml_plain_bool("false", 5), "bools");
}

/* Emit one string as the root document; returns the owned YAML text. */
static char *emit_one(const char *s, size_t len)
{
    mg_buf out = MG_BUF_INIT;
    mg_error err;
    mg_yaml_emitter *e = mg_yaml_emitter_new(&out, &err);
    bool ok = e && mg_yaml_emit_str(e, s, len, &err) && mg_yaml_emitter_finish(e, &err);
    mg_yaml_emitter_free(e);
    if (!ok) {
        printf("# emit failed: %s\n", err.msg);
        mg_buf_free(&out);
        return NULL;
    }
    return out.data;
}

/* s[0..len-1] escaped on one line, for TAP messages (static buffer). */
static const char *show(const char *s, size_t len, int which)
{
    static char bufs[2][1024];
    char *o = bufs[which];
    size_t n = 0;
    for (size_t i = 0; s && i < len && n + 5 < sizeof bufs[0]; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\n')
            n += (size_t)snprintf(o + n, 5, "\\n");
        else if (c < 0x20 || c == 0x7F)
            n += (size_t)snprintf(o + n, 5, "\\x%02X", c);
        else
            o[n++] = (char)c;
    }
    o[n] = '\0';
    return o;
}

/* s written as a value and as a key reads back as the same quoted/plain
 * text; want (when not NULL) is the exact output. */
static void round_trip(const char *s, size_t len, const char *want)
{
    char *yaml = emit_one(s, len);
    if (want)
        CHECK_STR(yaml, want, "emit %s", show(want, strlen(want), 0));
    mg_yaml_node *r = NULL;
    mg_error err;
    bool ok = yaml && mg_yaml_parse(yaml, strlen(yaml), "rt", &r, NULL, &err);
    CHECK(ok && r->kind == MG_YAML_SCALAR && r->len == len && memcmp(r->str, s, len) == 0 &&
              (r->quoted || mg_yaml_plain_kind(r->str, r->len) == MG_YAML_PLAIN_TEXT),
          "round trip as value: [%s] via [%s]", show(s, len, 0),
          show(yaml, yaml ? strlen(yaml) : 0, 1));
    mg_yaml_free(r);
    free(yaml);

    /* as a key, with a value */
    mg_buf out = MG_BUF_INIT;
    mg_yaml_emitter *e = mg_yaml_emitter_new(&out, &err);
    ok = mg_yaml_emit_map_begin(e, &err) && mg_yaml_emit_str(e, s, len, &err) &&
         mg_yaml_emit_int(e, 1, &err) && mg_yaml_emit_map_end(e, &err) &&
         mg_yaml_emitter_finish(e, &err);
    mg_yaml_emitter_free(e);
    r = NULL;
    ok = ok && mg_yaml_parse(out.data, out.len, "rt", &r, NULL, &err);
    CHECK(ok && r->kind == MG_YAML_MAP && r->count == 1 && r->items[0]->len == len &&
              memcmp(r->items[0]->str, s, len) == 0 &&
              (r->items[0]->quoted ||
               mg_yaml_plain_kind(r->items[0]->str, r->items[0]->len) == MG_YAML_PLAIN_TEXT),
          "round trip as key: [%s] via [%s]", show(s, len, 0),
          show(out.data, out.len, 1));
    mg_yaml_free(r);
    mg_buf_free(&out);
}

static void test_quoting(void)
{
    round_trip("hello", 5, "hello\n");
    round_trip("O'Hare", 6, "O'Hare\n");
    round_trip("yes", 3, "'yes'\n");
    round_trip("No", 2, "'No'\n");
    round_trip("on", 2, "'on'\n");
    round_trip("OFF", 3, "'OFF'\n");
    round_trip("true", 4, "'true'\n");
    round_trip("null", 4, "'null'\n");
    round_trip("~", 1, "'~'\n");
    round_trip("y", 1, "'y'\n");
    round_trip("007", 3, "'007'\n");
    round_trip("12", 2, "'12'\n");
    round_trip("-1", 2, "'-1'\n");
    round_trip("1e20", 4, "'1e20'\n");
    round_trip(".5", 2, "'.5'\n");
    round_trip(".inf", 4, "'.inf'\n");
    round_trip("2020-01-01", 10, "'2020-01-01'\n");
    round_trip("1:20", 4, "'1:20'\n");
    round_trip("", 0, "''\n");
    round_trip("  lead", 6, "'  lead'\n");
    round_trip("trail ", 6, "'trail '\n");
    round_trip("a: b", 4, "'a: b'\n");
    round_trip("a:b", 3, "'a:b'\n");
    round_trip("# x", 3, "'# x'\n");
    round_trip("a #b", 4, "'a #b'\n");
    round_trip("- item", 6, "'- item'\n");
    round_trip("[x]", 3, "'[x]'\n");
    round_trip("{x}", 3, "'{x}'\n");
    round_trip("&a", 2, "'&a'\n");
    round_trip("*a", 2, "'*a'\n");
    round_trip("!a", 2, "'!a'\n");
    round_trip("%a", 2, "'%a'\n");
    round_trip("@a", 2, "'@a'\n");
    round_trip("`a", 2, "'`a'\n");
    round_trip("|a", 2, "'|a'\n");
    round_trip(">a", 2, "'>a'\n");
    round_trip("---", 3, "'---'\n");
    round_trip("...", 3, "'...'\n");
    round_trip("'quoted'", 8, "'''quoted'''\n");
    round_trip("\"dq\"", 4, "'\"dq\"'\n");
    round_trip("a; DROP TABLE t; --", 19, "a; DROP TABLE t; --\n");
    round_trip("back\\slash", 10, "back\\slash\n");
    round_trip("Zürich 東京 Ωμέγα", strlen("Zürich 東京 Ωμέγα"), "Zürich 東京 Ωμέγα\n");
    /* libyaml 0.2.5 escapes characters beyond the BMP; they read back. */
    round_trip("rocket 🚀", strlen("rocket 🚀"), "\"rocket \\U0001F680\"\n");
    round_trip("SELECT 1\nFROM t\n", 16, "|\n  SELECT 1\n  FROM t\n");
    round_trip("no final newline\nx", 18, "|-\n  no final newline\n  x\n");
    round_trip("two\n\n", 5, NULL);
    round_trip("\n", 1, NULL);
    round_trip("  indented\nfirst", 16, NULL);
    round_trip("trailing space \nx", 17, NULL);
    round_trip("cr\r\nlf", 6, "\"cr\\r\\nlf\"\n");
    round_trip("tab\there", 8, "\"tab\\there\"\n");
    round_trip("nul\0byte", 8, "\"nul\\0byte\"\n");
    round_trip("nel\xc2\x85x", 6, NULL);
    round_trip("ls\xe2\x80\xa8x", 6, NULL);
    round_trip("bell\a", 5, NULL);

    char *bad = emit_one("\xff\xfe", 2);
    CHECK(bad == NULL, "invalid UTF-8 is refused");
}

/* A small plan-shaped document, emitted twice. */
static char *emit_plan(void)
{
    mg_buf out = MG_BUF_INIT;
    mg_error err;
    mg_yaml_emitter *e = mg_yaml_emitter_new(&out, &err);
    bool ok = mg_yaml_emit_map_begin(e, &err) &&
              mg_yaml_emit_str(e, "name", 4, &err) && mg_yaml_emit_str(e, "shop", 4, &err) &&
              mg_yaml_emit_str(e, "tasks", 5, &err) && mg_yaml_emit_seq_begin(e, &err) &&
              mg_yaml_emit_map_begin(e, &err) &&
              mg_yaml_emit_str(e, "rows", 4, &err) && mg_yaml_emit_int(e, -12, &err) &&
              mg_yaml_emit_str(e, "ratio", 5, &err) && mg_yaml_emit_double(e, 0.1, &err) &&
              mg_yaml_emit_str(e, "big", 3, &err) && mg_yaml_emit_double(e, 1e20, &err) &&
              mg_yaml_emit_str(e, "whole", 5, &err) && mg_yaml_emit_double(e, 3.0, &err) &&
              mg_yaml_emit_str(e, "inf", 3, &err) && mg_yaml_emit_double(e, -INFINITY, &err) &&
              mg_yaml_emit_str(e, "ok", 2, &err) && mg_yaml_emit_bool(e, true, &err) &&
              mg_yaml_emit_str(e, "none", 4, &err) && mg_yaml_emit_null(e, &err) &&
              mg_yaml_emit_str(e, "cols", 4, &err) && mg_yaml_emit_seq_begin(e, &err) &&
              mg_yaml_emit_seq_end(e, &err) &&
              mg_yaml_emit_str(e, "opts", 4, &err) && mg_yaml_emit_map_begin(e, &err) &&
              mg_yaml_emit_map_end(e, &err) &&
              mg_yaml_emit_map_end(e, &err) && mg_yaml_emit_seq_end(e, &err) &&
              mg_yaml_emit_map_end(e, &err) && mg_yaml_emitter_finish(e, &err);
    mg_yaml_emitter_free(e);
    if (!ok) {
        printf("# emit plan failed: %s\n", err.msg);
        mg_buf_free(&out);
        return NULL;
    }
    return out.data;
}

static void test_emitter(void)
{
    char *a = emit_plan(), *b = emit_plan();
    CHECK_STR(a, "name: shop\n"
                 "tasks:\n"
                 "- rows: -12\n"
                 "  ratio: 0.1\n"
                 "  big: 1e+20\n"
                 "  whole: 3\n"
                 "  inf: -.inf\n"
                 "  ok: true\n"
                 "  none: null\n"
                 "  cols: []\n"
                 "  opts: {}\n",
              "plan document");
    CHECK(a && b && strcmp(a, b) == 0, "same input, same bytes");
    mg_yaml_node *r = NULL;
    mg_error err;
    bool ok = a && mg_yaml_parse(a, strlen(a), "p", &r, NULL, &err);
    const mg_yaml_node *t = ok ? mg_yaml_get(r, "tasks")->items[0] : NULL;
    CHECK(t && strcmp(mg_yaml_get(t, "big")->str, "1e+20") == 0 &&
              mg_yaml_get(t, "none")->kind == MG_YAML_NULL &&
              mg_yaml_get(t, "cols")->kind == MG_YAML_SEQ &&
              mg_yaml_get(t, "opts")->kind == MG_YAML_MAP,
          "plan reads back");
    bool exact;
    CHECK(t && mg_yaml_plain_number(mg_yaml_get(t, "ratio")->str, 3, &exact) == 0.1,
          "0.1 reads back as the same double");
    mg_yaml_free(r);
    free(a);
    free(b);

    /* Doubles in their shortest exact form. */
    static const double ds[] = {0.1, 1.0 / 3, -2.5e-300, 123456.789, 9007199254740993.0 * 4,
                                1e300, -0.5};
    for (size_t i = 0; i < sizeof ds / sizeof ds[0]; i++) {
        mg_buf out = MG_BUF_INIT;
        mg_yaml_emitter *e = mg_yaml_emitter_new(&out, &err);
        ok = mg_yaml_emit_double(e, ds[i], &err) && mg_yaml_emitter_finish(e, &err);
        mg_yaml_emitter_free(e);
        out.data[out.len - 1] = '\0';
        mg_yaml_plain k = mg_yaml_plain_kind(out.data, out.len - 1);
        CHECK(ok && (k == MG_YAML_PLAIN_FLOAT || k == MG_YAML_PLAIN_INT) &&
                  mg_yaml_plain_number(out.data, out.len - 1, &exact) == ds[i],
              "double %.17g -> %s", ds[i], out.data ? out.data : "");
        mg_buf_free(&out);
    }

    /* Out-of-order events fail with a message, and leak nothing. */
    mg_buf out = MG_BUF_INIT;
    mg_yaml_emitter *e = mg_yaml_emitter_new(&out, &err);
    ok = mg_yaml_emit_map_begin(e, &err) && mg_yaml_emit_str(e, "k", 1, &err) &&
         mg_yaml_emit_seq_end(e, &err) && mg_yaml_emit_int(e, 1, &err) &&
         mg_yaml_emitter_finish(e, &err);
    CHECK(!ok && err.code == MG_ERR_USAGE && strstr(err.msg, "cannot write YAML"),
          "out of order: %s", err.msg);
    mg_yaml_emitter_free(e);
    mg_buf_free(&out);

    e = mg_yaml_emitter_new(&out, &err);
    ok = mg_yaml_emit_map_begin(e, &err) && mg_yaml_emitter_finish(e, &err);
    CHECK(!ok && err.code == MG_ERR_USAGE, "unfinished map: %s", err.msg);
    mg_yaml_emitter_free(e);
    mg_buf_free(&out);

    e = mg_yaml_emitter_new(&out, &err);
    ok = mg_yaml_emitter_finish(e, &err);
    CHECK(!ok && strstr(err.msg, "no value"), "empty document: %s", err.msg);
    mg_yaml_emitter_free(e);
    mg_buf_free(&out);

    e = mg_yaml_emitter_new(&out, &err);
    ok = mg_yaml_emit_int(e, 1, &err) && mg_yaml_emit_int(e, 2, &err) &&
         mg_yaml_emitter_finish(e, &err);
    CHECK(!ok, "two root values: %s", err.msg);
    mg_yaml_emitter_free(e);
    mg_buf_free(&out);

    /* A long string stays on one line. */
    char longs[300];
    memset(longs, 'x', sizeof longs - 1);
    longs[sizeof longs - 1] = '\0';
    for (int i = 10; i < 290; i += 10)
        longs[i] = ' ';
    char *y = emit_one(longs, strlen(longs));
    CHECK(y && strchr(y, '\n') == y + strlen(y) - 1, "long text is not folded");
    free(y);
}

int main(void)
{
    test_scalars();
    test_nesting_and_marks();
    test_multiline_unicode();
    test_errors();
    test_files();
    test_plain_kinds();
    test_quoting();
    test_emitter();
    return check_done();
}
