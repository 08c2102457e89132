/*
 * lua_yaml.c - migrate.yaml: YAML plans and configuration files for Lua.
 *
 *   local yaml = require "migrate.yaml"
 *   local plan, lines, key_lines = yaml.decode_file("plan.yaml")
 *   lines[plan.tasks[3]]              --> 12 (where that task starts)
 *   key_lines[plan.tasks[3]].target   --> 14 (where its "target:" is)
 *   local text = yaml.encode(plan)
 *
 * Decoding: maps -> tables; sequences -> tables with yaml.array_mt as
 * metatable (so an empty sequence stays [] and an empty map {} on the way
 * back); plain true/false -> booleans; plain numbers -> numbers when a
 * double holds them faithfully (else the text); ~, null, empty -> yaml.null
 * (a light userdata, so a key with a null value is not lost).  Quoted
 * scalars are always strings.  The second and third results are weak-keyed
 * tables: lines[t] is the line where table t starts, key_lines[t][k] the
 * line of key k (maps) or item k (sequences).
 *
 * Encoding: a table with yaml.array_mt, or whose keys are exactly 1..n
 * (n > 0), is a sequence; any other table is a map whose keys are sorted
 * (numbers, then booleans, then strings by bytes) unless its metatable has
 * an __order list: those keys come first in that order, the rest sorted
 * after them.  Numbers print without ".0" when integral; strings are
 * quoted only when needed.  Errors name the path to the bad value.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "conn/yaml.h"
#include "lua/lua_util.h"

#define YAML_ARRAY_MT "migrate.yaml.array"
#define YAML_TREE_MT "migrate.yaml.tree"
#define YAML_ENCODER_MT "migrate.yaml.encoder"
#define YAML_MAX_DEPTH 256

/* ---- errors ------------------------------------------------------------ */

/* Raise an error object made from *err, with the position when known. */
static int raise_yaml(lua_State *L, const mg_error *err, const char *filename,
                      int line, int col)
{
    mg_lua_push_error(L, err);
    if (line > 0) {
        lua_pushinteger(L, line);
        lua_setfield(L, -2, "line");
        lua_pushinteger(L, col);
        lua_setfield(L, -2, "col");
    }
    if (filename) {
        /* not "file": msg already starts with "FILE:LINE:COL: " */
        lua_pushstring(L, filename);
        lua_setfield(L, -2, "filename");
    }
    return lua_error(L);
}

/* ---- decoding ---------------------------------------------------------- */

/* The parsed tree lives in a userdata while it is turned into Lua values,
 * so an error on the way frees it. */
typedef struct tree_box {
    mg_yaml_node *root; /* owned */
} tree_box;

static int tree_gc(lua_State *L)
{
    tree_box *b = luaL_checkudata(L, 1, YAML_TREE_MT);
    mg_yaml_free(b->root);
    b->root = NULL;
    return 0;
}

typedef struct decoder {
    const char *name; /* for messages */
    int lines;        /* stack index of the lines table */
    int key_lines;    /* stack index of the key_lines table */
} decoder;

static int decode_fail(lua_State *L, const decoder *d, const mg_yaml_node *n,
                       const char *what)
{
    mg_error err;
    mg_error_set(&err, MG_ERR_USAGE, MG_SIDE_NONE, NULL, "%s:%d:%d: %s", d->name,
                 n->line, n->col, what);
    return raise_yaml(L, &err, d->name, n->line, n->col);
}

/* Push the Lua value of a scalar (plain ones may become numbers or
 * booleans). */
static void push_scalar(lua_State *L, const mg_yaml_node *n)
{
    if (n->kind == MG_YAML_NULL) {
        lua_pushlightuserdata(L, NULL);
        return;
    }
    if (!n->quoted) {
        switch (mg_yaml_plain_kind(n->str, n->len)) {
        case MG_YAML_PLAIN_NULL:
            lua_pushlightuserdata(L, NULL);
            return;
        case MG_YAML_PLAIN_BOOL:
            lua_pushboolean(L, mg_yaml_plain_bool(n->str, n->len));
            return;
        case MG_YAML_PLAIN_INT:
        case MG_YAML_PLAIN_FLOAT: {
            bool exact;
            double v = mg_yaml_plain_number(n->str, n->len, &exact);
            if (exact) {
                lua_pushnumber(L, v);
                return;
            }
            break; /* keep the text */
        }
        case MG_YAML_PLAIN_TEXT:
            break;
        }
    }
    lua_pushlstring(L, n->str, n->len);
}

static void push_node(lua_State *L, const decoder *d, const mg_yaml_node *n);

/* Record lines[t] = line and key_lines[t] = {} (left on the stack). */
static void note_table(lua_State *L, const decoder *d, const mg_yaml_node *n)
{
    lua_pushvalue(L, -1);
    lua_pushinteger(L, n->line);
    lua_rawset(L, d->lines);
    lua_pushvalue(L, -1);
    lua_createtable(L, 0, (int)n->count);
    lua_pushvalue(L, -1);
    lua_insert(L, -3); /* t, kl, t, kl */
    lua_rawset(L, d->key_lines);
}

static void push_seq(lua_State *L, const decoder *d, const mg_yaml_node *n)
{
    lua_createtable(L, (int)n->count, 0);
    luaL_getmetatable(L, YAML_ARRAY_MT);
    lua_setmetatable(L, -2);
    note_table(L, d, n); /* t, kl */
    for (size_t i = 0; i < n->count; i++) {
        push_node(L, d, n->items[i]);
        lua_rawseti(L, -3, (int)i + 1);
        lua_pushinteger(L, n->items[i]->line);
        lua_rawseti(L, -2, (int)i + 1);
    }
    lua_pop(L, 1);
}

static void push_map(lua_State *L, const decoder *d, const mg_yaml_node *n)
{
    lua_createtable(L, 0, (int)n->count);
    note_table(L, d, n); /* t, kl */
    for (size_t i = 0; i < n->count; i++) {
        const mg_yaml_node *k = n->items[2 * i];
        push_scalar(L, k);
        if (lua_islightuserdata(L, -1))
            decode_fail(L, d, k, "a map key cannot be null (quote it: '~')");
        if (lua_type(L, -1) == LUA_TNUMBER && isnan(lua_tonumber(L, -1)))
            decode_fail(L, d, k, "a map key cannot be .nan");
        lua_pushvalue(L, -1);
        lua_rawget(L, -3);
        if (!lua_isnil(L, -1)) {
            /* different text, same Lua key: 1 and 1.0, or 1 and 01 */
            char what[256];
            snprintf(what, sizeof what,
                     "duplicate key '%.80s' (same as the key at line %d)", k->str,
                     (int)lua_tointeger(L, -1));
            decode_fail(L, d, k, what);
        }
        lua_pop(L, 1);
        lua_pushvalue(L, -1);
        lua_pushinteger(L, k->line);
        lua_rawset(L, -4); /* kl[key] = line */
        push_node(L, d, n->items[2 * i + 1]);
        lua_rawset(L, -4); /* t[key] = value */
    }
    lua_pop(L, 1);
}

static void push_node(lua_State *L, const decoder *d, const mg_yaml_node *n)
{
    luaL_checkstack(L, 8, "YAML nesting");
    if (n->kind == MG_YAML_SEQ)
        push_seq(L, d, n);
    else if (n->kind == MG_YAML_MAP)
        push_map(L, d, n);
    else
        push_scalar(L, n);
}

/* Push a weak-keyed table. */
static void push_weak_table(lua_State *L)
{
    lua_newtable(L);
    lua_createtable(L, 0, 1);
    lua_pushliteral(L, "k");
    lua_setfield(L, -2, "__mode");
    lua_setmetatable(L, -2);
}

/* The tree in the box at the top of the stack -> value, lines, key_lines. */
static int decode_tree(lua_State *L, const char *name)
{
    tree_box *box = lua_touserdata(L, -1);
    push_weak_table(L);
    push_weak_table(L);
    decoder d = {name, lua_gettop(L) - 1, lua_gettop(L)};
    push_node(L, &d, box->root);
    mg_yaml_free(box->root);
    box->root = NULL;
    lua_insert(L, d.lines);
    return 3;
}

static tree_box *new_box(lua_State *L)
{
    tree_box *box = lua_newuserdata(L, sizeof *box);
    box->root = NULL;
    luaL_getmetatable(L, YAML_TREE_MT);
    lua_setmetatable(L, -2);
    return box;
}

/* yaml.decode(text [, filename]) -> value, lines, key_lines */
static int l_decode(lua_State *L)
{
    size_t len;
    const char *text = luaL_checklstring(L, 1, &len);
    const char *name = luaL_optstring(L, 2, "<yaml>");
    tree_box *box = new_box(L);
    mg_yaml_mark at;
    mg_error err;
    mg_error_clear(&err);
    if (!mg_yaml_parse(text, len, name, &box->root, &at, &err))
        return raise_yaml(L, &err, name, at.line, at.col);
    return decode_tree(L, name);
}

/* yaml.decode_file(path) -> value, lines, key_lines */
static int l_decode_file(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    tree_box *box = new_box(L);
    mg_yaml_mark at;
    mg_error err;
    mg_error_clear(&err);
    if (!mg_yaml_parse_file(path, &box->root, &at, &err))
        return raise_yaml(L, &err, path, at.line, at.col);
    return decode_tree(L, path);
}

/* ---- encoding ---------------------------------------------------------- */

/* Everything an encode owns, in a userdata so errors free it. */
typedef struct encoder {
    mg_yaml_emitter *e; /* owned */
    mg_buf out;         /* owned */
    mg_buf path;        /* owned: where we are, "tasks[3].hooks" */
    int visiting;       /* stack index: tables on the current path */
    int depth;
} encoder;

static int encoder_gc(lua_State *L)
{
    encoder *enc = luaL_checkudata(L, 1, YAML_ENCODER_MT);
    mg_yaml_emitter_free(enc->e);
    enc->e = NULL;
    mg_buf_free(&enc->out);
    mg_buf_free(&enc->path);
    return 0;
}

/* Raise "PATH: what" (just "what" at the top). */
static int encode_fail(lua_State *L, encoder *enc, mg_errcode code, const char *what)
{
    mg_error err;
    if (enc->path.len > 0)
        mg_error_set(&err, code, MG_SIDE_NONE, NULL, "%s: %s", enc->path.data, what);
    else
        mg_error_set(&err, code, MG_SIDE_NONE, NULL, "%s", what);
    mg_lua_push_error(L, &err);
    lua_pushstring(L, enc->path.len > 0 ? enc->path.data : "");
    lua_setfield(L, -2, "path");
    return lua_error(L);
}

/* A failed emitter call: say where. */
static void check_emit(lua_State *L, encoder *enc, bool ok, mg_error *err)
{
    if (ok)
        return;
    const char *msg = err->msg;
    if (strncmp(msg, "cannot write YAML: ", 19) == 0)
        msg += 19;
    char what[MG_ERROR_MSG_MAX];
    snprintf(what, sizeof what, "%s", msg);
    encode_fail(L, enc, err->code, what);
}

static bool is_identifier(const char *s, size_t len)
{
    if (len == 0 || (s[0] >= '0' && s[0] <= '9'))
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '_'))
            return false;
    }
    return true;
}

/* Append the key at idx to the path: .name, ["a b"], [3], [true]. */
static void path_push(lua_State *L, encoder *enc, int idx)
{
    mg_buf *p = &enc->path;
    bool ok = true;
    if (lua_type(L, idx) == LUA_TSTRING) {
        size_t len;
        const char *s = lua_tolstring(L, idx, &len);
        if (is_identifier(s, len))
            ok = (p->len == 0 || mg_buf_append_str(p, ".")) && mg_buf_append(p, s, len);
        else
            ok = mg_buf_printf(p, "[\"%.*s\"]", len > 60 ? 60 : (int)len, s);
    } else if (lua_type(L, idx) == LUA_TNUMBER) {
        ok = mg_buf_printf(p, "[%.14g]", lua_tonumber(L, idx));
    } else {
        ok = mg_buf_printf(p, "[%s]", lua_toboolean(L, idx) ? "true" : "false");
    }
    if (!ok)
        luaL_error(L, "out of memory");
}

static void path_pop(encoder *enc, size_t len)
{
    enc->path.len = len;
    if (enc->path.data)
        enc->path.data[len] = '\0';
}

static void encode_value(lua_State *L, encoder *enc, int idx);

/* Emit the key at idx (string, number or boolean). */
static void encode_key(lua_State *L, encoder *enc, int idx)
{
    mg_error err;
    bool ok;
    size_t len;
    switch (lua_type(L, idx)) {
    case LUA_TSTRING: {
        const char *s = lua_tolstring(L, idx, &len);
        ok = mg_yaml_emit_str(enc->e, s, len, &err);
        break;
    }
    case LUA_TNUMBER:
        ok = mg_yaml_emit_double(enc->e, lua_tonumber(L, idx), &err);
        break;
    default:
        ok = mg_yaml_emit_bool(enc->e, lua_toboolean(L, idx), &err);
        break;
    }
    check_emit(L, enc, ok, &err);
}

/* A sortable key of a map. */
typedef struct map_key {
    int type; /* LUA_TNUMBER, LUA_TBOOLEAN, LUA_TSTRING */
    double num;
    const char *str; /* borrowed from the keys table */
    size_t len;
    int slot; /* index in the keys table */
} map_key;

static int type_rank(int type)
{
    return type == LUA_TNUMBER ? 0 : type == LUA_TBOOLEAN ? 1 : 2;
}

static int compare_keys(const void *pa, const void *pb)
{
    const map_key *a = pa, *b = pb;
    if (a->type != b->type)
        return type_rank(a->type) - type_rank(b->type);
    if (a->type != LUA_TSTRING)
        return (a->num > b->num) - (a->num < b->num);
    size_t n = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->str, b->str, n);
    return c != 0 ? c : (a->len > b->len) - (a->len < b->len);
}

/* Emit key and value of t[key], key at index kidx, table at tidx. */
static void encode_pair(lua_State *L, encoder *enc, int tidx, int kidx)
{
    size_t mark = enc->path.len;
    path_push(L, enc, kidx);
    encode_key(L, enc, kidx);
    lua_pushvalue(L, kidx);
    lua_rawget(L, tidx);
    encode_value(L, enc, lua_gettop(L));
    lua_pop(L, 1);
    path_pop(enc, mark);
}

/* The table at t as a map: __order keys first, then the rest sorted. */
static void encode_map(lua_State *L, encoder *enc, int t)
{
    mg_error err;
    check_emit(L, enc, mg_yaml_emit_map_begin(enc->e, &err), &err);

    lua_newtable(L); /* done: keys already written */
    int done = lua_gettop(L);
    if (lua_getmetatable(L, t)) {
        lua_getfield(L, -1, "__order");
        if (lua_type(L, -1) == LUA_TTABLE) {
            int order = lua_gettop(L);
            size_t n = lua_objlen(L, order);
            for (size_t i = 1; i <= n; i++) {
                lua_rawgeti(L, order, (int)i);
                int k = lua_gettop(L);
                lua_pushvalue(L, k);
                lua_rawget(L, t);
                bool present = !lua_isnil(L, -1);
                lua_pop(L, 1);
                lua_pushvalue(L, k);
                lua_rawget(L, done);
                bool seen = !lua_isnil(L, -1);
                lua_pop(L, 1);
                if (present && !seen) {
                    encode_pair(L, enc, t, k);
                    lua_pushvalue(L, k);
                    lua_pushboolean(L, 1);
                    lua_rawset(L, done);
                }
                lua_pop(L, 1);
            }
        }
        lua_pop(L, 2);
    }

    /* The remaining keys, collected into a table (which anchors them). */
    lua_newtable(L);
    int keys = lua_gettop(L);
    int nkeys = 0;
    lua_pushnil(L);
    while (lua_next(L, t) != 0) {
        lua_pop(L, 1);
        int type = lua_type(L, -1);
        if (type != LUA_TSTRING && type != LUA_TNUMBER && type != LUA_TBOOLEAN) {
            char what[128];
            snprintf(what, sizeof what, "cannot encode a %s as a map key",
                     luaL_typename(L, -1));
            encode_fail(L, enc, MG_ERR_USAGE, what);
        }
        lua_pushvalue(L, -1);
        lua_rawget(L, done);
        bool seen = !lua_isnil(L, -1);
        lua_pop(L, 1);
        if (!seen) {
            lua_pushvalue(L, -1);
            lua_rawseti(L, keys, ++nkeys);
        }
    }
    map_key *sorted = lua_newuserdata(L, (size_t)(nkeys > 0 ? nkeys : 1) * sizeof *sorted);
    for (int i = 0; i < nkeys; i++) {
        lua_rawgeti(L, keys, i + 1);
        map_key *k = &sorted[i];
        k->type = lua_type(L, -1);
        k->slot = i + 1;
        k->str = NULL;
        k->len = 0;
        k->num = 0;
        if (k->type == LUA_TSTRING)
            k->str = lua_tolstring(L, -1, &k->len);
        else if (k->type == LUA_TNUMBER)
            k->num = lua_tonumber(L, -1);
        else
            k->num = lua_toboolean(L, -1);
        lua_pop(L, 1);
    }
    qsort(sorted, (size_t)nkeys, sizeof *sorted, compare_keys);
    for (int i = 0; i < nkeys; i++) {
        lua_rawgeti(L, keys, sorted[i].slot);
        encode_pair(L, enc, t, lua_gettop(L));
        lua_pop(L, 1);
    }
    lua_pop(L, 3); /* sorted, keys, done */
    check_emit(L, enc, mg_yaml_emit_map_end(enc->e, &err), &err);
}

/* Number of keys of t when they are exactly 1..n, else -1. */
static int sequence_length(lua_State *L, int t, bool *bad_key)
{
    int count = 0;
    bool only_indexes = true;
    lua_pushnil(L);
    while (lua_next(L, t) != 0) {
        lua_pop(L, 1);
        count++;
        if (lua_type(L, -1) != LUA_TNUMBER) {
            only_indexes = false;
            continue;
        }
        double k = lua_tonumber(L, -1);
        if (k < 1 || k != floor(k) || k > 2147483647.0)
            only_indexes = false;
    }
    /* Indexes are distinct positive integers: all <= count means 1..count. */
    if (only_indexes)
        for (int i = 1; i <= count; i++) {
            lua_rawgeti(L, t, i);
            bool hole = lua_isnil(L, -1);
            lua_pop(L, 1);
            if (hole) {
                only_indexes = false;
                break;
            }
        }
    *bad_key = !only_indexes;
    return only_indexes ? count : -1;
}

static bool is_array(lua_State *L, int t)
{
    if (!lua_getmetatable(L, t))
        return false;
    luaL_getmetatable(L, YAML_ARRAY_MT);
    bool yes = lua_rawequal(L, -1, -2);
    lua_pop(L, 2);
    return yes;
}

static void encode_table(lua_State *L, encoder *enc, int t)
{
    lua_pushvalue(L, t);
    lua_rawget(L, enc->visiting);
    if (!lua_isnil(L, -1))
        encode_fail(L, enc, MG_ERR_USAGE, "a table that contains itself cannot be encoded");
    lua_pop(L, 1);
    if (++enc->depth > YAML_MAX_DEPTH)
        encode_fail(L, enc, MG_ERR_USAGE, "nested deeper than 256 levels");
    luaL_checkstack(L, 16, "YAML nesting");
    lua_pushvalue(L, t);
    lua_pushboolean(L, 1);
    lua_rawset(L, enc->visiting);

    bool bad_key;
    int n = sequence_length(L, t, &bad_key);
    bool array = is_array(L, t);
    if (array && bad_key)
        encode_fail(L, enc, MG_ERR_USAGE,
                    "an array (yaml.array_mt) must have only the keys 1..n");
    mg_error err;
    if (array || n > 0) {
        check_emit(L, enc, mg_yaml_emit_seq_begin(enc->e, &err), &err);
        for (int i = 1; i <= n; i++) {
            size_t mark = enc->path.len;
            lua_pushinteger(L, i);
            path_push(L, enc, lua_gettop(L));
            lua_pop(L, 1);
            lua_rawgeti(L, t, i);
            encode_value(L, enc, lua_gettop(L));
            lua_pop(L, 1);
            path_pop(enc, mark);
        }
        check_emit(L, enc, mg_yaml_emit_seq_end(enc->e, &err), &err);
    } else {
        encode_map(L, enc, t);
    }

    lua_pushvalue(L, t);
    lua_pushnil(L);
    lua_rawset(L, enc->visiting);
    enc->depth--;
}

static void encode_value(lua_State *L, encoder *enc, int idx)
{
    mg_error err;
    bool ok = true;
    switch (lua_type(L, idx)) {
    case LUA_TNIL:
        ok = mg_yaml_emit_null(enc->e, &err);
        break;
    case LUA_TBOOLEAN:
        ok = mg_yaml_emit_bool(enc->e, lua_toboolean(L, idx), &err);
        break;
    case LUA_TNUMBER:
        ok = mg_yaml_emit_double(enc->e, lua_tonumber(L, idx), &err);
        break;
    case LUA_TSTRING: {
        size_t len;
        const char *s = lua_tolstring(L, idx, &len);
        ok = mg_yaml_emit_str(enc->e, s, len, &err);
        break;
    }
    case LUA_TTABLE:
        encode_table(L, enc, idx);
        break;
    case LUA_TLIGHTUSERDATA:
        if (lua_touserdata(L, idx) == NULL) { /* yaml.null */
            ok = mg_yaml_emit_null(enc->e, &err);
            break;
        }
        /* fall through */
    default: {
        char what[64];
        snprintf(what, sizeof what, "cannot encode a %s", luaL_typename(L, idx));
        encode_fail(L, enc, MG_ERR_USAGE, what);
    }
    }
    check_emit(L, enc, ok, &err);
}

/* yaml.encode(value) -> text.  Further arguments are ignored, so that
 * yaml.encode(yaml.decode(text)) works; key order comes from __order. */
static int l_encode(lua_State *L)
{
    lua_settop(L, 1);
    lua_newtable(L);
    int visiting = lua_gettop(L);
    encoder *enc = lua_newuserdata(L, sizeof *enc);
    memset(enc, 0, sizeof *enc);
    luaL_getmetatable(L, YAML_ENCODER_MT);
    lua_setmetatable(L, -2);
    enc->visiting = visiting;
    mg_error err;
    enc->e = mg_yaml_emitter_new(&enc->out, &err);
    if (enc->e == NULL)
        return mg_lua_raise(L, &err);
    encode_value(L, enc, 1);
    check_emit(L, enc, mg_yaml_emitter_finish(enc->e, &err), &err);
    lua_pushlstring(L, enc->out.data, enc->out.len);
    return 1;
}

/* yaml.array([t]) -> t (or a new table) marked as a sequence. */
static int l_array(lua_State *L)
{
    if (lua_isnoneornil(L, 1)) {
        lua_settop(L, 0);
        lua_newtable(L);
    }
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    luaL_getmetatable(L, YAML_ARRAY_MT);
    lua_setmetatable(L, 1);
    return 1;
}

int luaopen_migrate_yaml(lua_State *L)
{
    mg_lua_error_mt(L);
    if (luaL_newmetatable(L, YAML_ARRAY_MT)) {
        lua_pushliteral(L, "yaml.array");
        lua_setfield(L, -2, "__name");
    }
    lua_pop(L, 1);
    luaL_newmetatable(L, YAML_TREE_MT);
    lua_pushcfunction(L, tree_gc);
    lua_setfield(L, -2, "__gc");
    lua_pop(L, 1);
    luaL_newmetatable(L, YAML_ENCODER_MT);
    lua_pushcfunction(L, encoder_gc);
    lua_setfield(L, -2, "__gc");
    lua_pop(L, 1);

    static const luaL_Reg funcs[] = {
        {"decode", l_decode},
        {"decode_file", l_decode_file},
        {"encode", l_encode},
        {"array", l_array},
        {NULL, NULL},
    };
    lua_newtable(L);
    luaL_register(L, NULL, funcs);
    lua_pushlightuserdata(L, NULL);
    lua_setfield(L, -2, "null");
    luaL_getmetatable(L, YAML_ARRAY_MT);
    lua_setfield(L, -2, "array_mt");
    return 1;
}
