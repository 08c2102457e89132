#include "lua/lua_util.h"

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
