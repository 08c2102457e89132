/*
 * lua_util.h - what every binding shares: error objects and argument checks.
 *
 * A binding frees its C resources first, then raises an error object: a
 * table {code, side, sqlstate, msg, table?} whose metatable
 * ("migrate.error") gives it a __tostring.  Lua code builds the same
 * objects with migrate.core.error{...}.
 */
#ifndef MG_LUA_UTIL_H
#define MG_LUA_UTIL_H

#include <lauxlib.h>
#include <lua.h>

#include <stdbool.h>

#include "core/error.h"

#define MG_ERROR_MT "migrate.error"

/* Push an error object made from *err. */
void mg_lua_push_error(lua_State *L, const mg_error *err);

/* Push an error object made from *err and raise it; does not return. */
int mg_lua_raise(lua_State *L, const mg_error *err);

/* Make sure the migrate.error metatable exists (idempotent). */
void mg_lua_error_mt(lua_State *L);

/* Message handler for lua_pcall: keeps error objects as they are, adds a
 * traceback to string errors. */
int mg_lua_traceback(lua_State *L);

/* True while the stdlib cleans up after Ctrl-C (core.hold_interrupts):
 * the interrupt hook then lets Lua code run to the end of its cleanup. */
bool mg_lua_interrupts_held(void);

struct mg_pg_conn;
/* The open PostgreSQL connection at index idx (raises if it is not one,
 * or is closed).  Borrowed: the userdata owns it. */
struct mg_pg_conn *mg_lua_check_pg(lua_State *L, int idx);

/* luaopen functions of the C modules, registered in package.preload. */
int luaopen_migrate_core(lua_State *L);
int luaopen_migrate_pg(lua_State *L);
int luaopen_migrate_copy(lua_State *L);
int luaopen_migrate_yaml(lua_State *L);

#endif
