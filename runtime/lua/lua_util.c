#include "lua/lua_util.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void set_str(lua_State *L, const char *key, const char *val)
{
    if (val == NULL || val[0] == '\0')
        return;
    lua_pushstring(L, val);
    lua_setfield(L, -2, key);
}

/* __tostring: "[side] [SQLSTATE] table: msg", or "file:line: msg". */
static int error_tostring(lua_State *L)
{
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    lua_getfield(L, 1, "file");
    lua_getfield(L, 1, "line");
    if (lua_isstring(L, -2)) {
        luaL_addstring(&b, lua_tostring(L, -2));
        if (lua_isnumber(L, -1)) {
            luaL_addchar(&b, ':');
            luaL_addstring(&b, lua_tostring(L, -1));
        }
        luaL_addstring(&b, ": ");
    }
    lua_pop(L, 2);
    static const char *const fields[] = {"side", "sqlstate"};
    for (int i = 0; i < 2; i++) {
        lua_getfield(L, 1, fields[i]);
        if (lua_isstring(L, -1) && lua_objlen(L, -1) > 0) {
            luaL_addchar(&b, '[');
            luaL_addstring(&b, lua_tostring(L, -1));
            luaL_addstring(&b, "] ");
        }
        lua_pop(L, 1);
    }
    lua_getfield(L, 1, "table");
    if (lua_isstring(L, -1)) {
        luaL_addstring(&b, lua_tostring(L, -1));
        luaL_addstring(&b, ": ");
    }
    lua_pop(L, 1);
    lua_getfield(L, 1, "msg");
    luaL_addstring(&b, lua_isstring(L, -1) ? lua_tostring(L, -1) : "error");
    lua_pop(L, 1);
    luaL_pushresult(&b);
    return 1;
}

void mg_lua_error_mt(lua_State *L)
{
    if (luaL_newmetatable(L, MG_ERROR_MT)) {
        lua_pushcfunction(L, error_tostring);
        lua_setfield(L, -2, "__tostring");
        lua_pushstring(L, "migrate.error");
        lua_setfield(L, -2, "__name");
    }
    lua_pop(L, 1);
}

void mg_lua_push_error(lua_State *L, const mg_error *err)
{
    lua_createtable(L, 0, 5);
    set_str(L, "code", mg_errcode_name(err->code));
    set_str(L, "side", mg_side_name(err->side));
    set_str(L, "sqlstate", err->sqlstate);
    set_str(L, "msg", err->msg);
    lua_pushboolean(L, mg_sqlstate_retryable(err->sqlstate) || err->code == MG_ERR_CONNECT);
    lua_setfield(L, -2, "retryable");
    mg_lua_error_mt(L);
    luaL_getmetatable(L, MG_ERROR_MT);
    lua_setmetatable(L, -2);
}

int mg_lua_raise(lua_State *L, const mg_error *err)
{
    mg_lua_push_error(L, err);
    return lua_error(L);
}

int mg_lua_traceback(lua_State *L)
{
    if (lua_type(L, 1) == LUA_TTABLE)
        return 1; /* error objects carry their own context */
    const char *msg = lua_tostring(L, 1);
    if (msg == NULL) {
        if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
            return 1;
        msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    }
    /* debug.traceback(msg, 2) */
    lua_getfield(L, LUA_GLOBALSINDEX, "debug");
    lua_getfield(L, -1, "traceback");
    lua_pushstring(L, msg);
    lua_pushinteger(L, 2);
    lua_call(L, 2, 1);
    return 1;
}

/* Push one value of a result, typed by its column kind.  Integers that no
 * double holds exactly, and values that do not read as their kind (SQLite
 * keeps any text in an INTEGER column), stay strings. */
static void push_value(lua_State *L, const char *v, mg_valkind kind)
{
    char *end = NULL;
    if (v == NULL) {
        lua_pushnil(L);
        return;
    }
    switch (kind) {
    case MG_VAL_INT: {
        errno = 0;
        long long n = strtoll(v, &end, 10);
        if (end != v && *end == '\0' && errno == 0 &&
            n >= -9007199254740992LL && n <= 9007199254740992LL)
            lua_pushnumber(L, (lua_Number)n);
        else
            lua_pushstring(L, v);
        break;
    }
    case MG_VAL_FLOAT: {
        double d = strtod(v, &end);
        if (end != v && *end == '\0')
            lua_pushnumber(L, d);
        else
            lua_pushstring(L, v);
        break;
    }
    case MG_VAL_BOOL:
        lua_pushboolean(L, v[0] == 't');
        break;
    default:
        lua_pushstring(L, v);
    }
}

int mg_lua_push_result(lua_State *L, const mg_result *r)
{
    lua_createtable(L, (int)r->nrows, 0);
    for (size_t row = 0; row < r->nrows; row++) {
        lua_createtable(L, 0, r->ncols);
        for (int i = 0; i < r->ncols; i++) {
            push_value(L, mg_result_value(r, row, i), r->kinds[i]);
            lua_setfield(L, -2, r->colnames[i]);
        }
        lua_rawseti(L, -2, (int)row + 1);
    }
    lua_createtable(L, r->ncols, 0);
    for (int i = 0; i < r->ncols; i++) {
        lua_pushstring(L, r->colnames[i]);
        lua_rawseti(L, -2, i + 1);
    }
    if (r->command_tag)
        lua_pushstring(L, r->command_tag);
    else
        lua_pushnil(L);
    return 3;
}

/* A number as text that reads back to the same double: integers in full
 * (Lua's own "%.14g" would write 123456789012345 as 1.2345678901234e+14),
 * others in the shortest of 15..17 significant digits. */
static void push_number_text(lua_State *L, double d)
{
    char s[64];
    if (isnan(d)) {
        lua_pushliteral(L, "NaN");
        return;
    }
    if (isinf(d)) {
        lua_pushstring(L, d > 0 ? "Infinity" : "-Infinity");
        return;
    }
    if (d == floor(d) && fabs(d) < 1e18) {
        snprintf(s, sizeof s, "%.0f", d);
    } else {
        for (int digits = 15; digits <= 17; digits++) {
            snprintf(s, sizeof s, "%.*g", digits, d);
            if (strtod(s, NULL) == d)
                break;
        }
    }
    lua_pushstring(L, s);
}

const char **mg_lua_check_params(lua_State *L, int first, int *n,
                                 const char *t, const char *f)
{
    int top = lua_gettop(L);
    *n = top >= first ? top - first + 1 : 0;
    if (*n == 0)
        return NULL;
    const char **params = lua_newuserdata(L, sizeof *params * (size_t)*n);
    for (int i = 0; i < *n; i++) {
        int idx = first + i;
        switch (lua_type(L, idx)) {
        case LUA_TNIL:
            params[i] = NULL;
            break;
        case LUA_TBOOLEAN:
            params[i] = lua_toboolean(L, idx) ? t : f;
            break;
        case LUA_TNUMBER:
            push_number_text(L, lua_tonumber(L, idx));
            lua_replace(L, idx);
            params[i] = lua_tostring(L, idx);
            break;
        case LUA_TSTRING:
            params[i] = lua_tostring(L, idx);
            break;
        default:
            luaL_argerror(L, idx, "parameters must be nil, boolean, number or string");
        }
    }
    return params;
}

mg_side mg_lua_check_side(lua_State *L, int idx, bool allow_state)
{
    const char *s = luaL_optstring(L, idx, "");
    if (strcmp(s, "source") == 0)
        return MG_SIDE_SOURCE;
    if (strcmp(s, "target") == 0)
        return MG_SIDE_TARGET;
    if (allow_state && strcmp(s, "state") == 0)
        return MG_SIDE_STATE;
    luaL_argcheck(L, s[0] == '\0', idx,
                  allow_state ? "side must be 'source', 'target' or 'state'"
                              : "side must be 'source' or 'target'");
    return MG_SIDE_NONE;
}
