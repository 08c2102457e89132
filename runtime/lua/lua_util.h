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
#include "core/result.h"

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

/* Push rows (an array of {column = value}, values typed by column kind:
 * integers exact in a double and floats as numbers, bools as booleans,
 * SQL NULL as nil, else strings), the column name list and the command
 * tag (or nil): 3 values.  r stays the caller's. */
int mg_lua_push_result(lua_State *L, const mg_result *r);

/* The query parameters at stack indexes first..top as text, for
 * mg_*_query: nil -> NULL, booleans -> t/f (the caller's spelling),
 * numbers -> exact decimal text, strings as they are.  Converted values
 * replace the arguments on the stack, so the strings live as long as the
 * call.  Returns an array in a userdata pushed on the stack (NULL when
 * there are none) and sets *n; raises on other types. */
/* The optional side argument at idx: "source", "target", or (when
 * allow_state: the database holding the record) "state"; none is
 * MG_SIDE_NONE.  Raises on anything else. */
mg_side mg_lua_check_side(lua_State *L, int idx, bool allow_state);

const char **mg_lua_check_params(lua_State *L, int first, int *n,
                                 const char *t, const char *f);

struct mg_pg_conn;
/* The open PostgreSQL connection at index idx (raises if it is not one,
 * or is closed).  Borrowed: the userdata owns it. */
struct mg_pg_conn *mg_lua_check_pg(lua_State *L, int idx);

struct mg_odbc;
/* The open ODBC connection at index idx (raises if it is not one, or is
 * closed).  Borrowed: the userdata owns it. */
struct mg_odbc *mg_lua_check_odbc(lua_State *L, int idx);

/* True if the value at idx is an ODBC connection userdata (open or not). */
bool mg_lua_is_odbc(lua_State *L, int idx);

/* luaopen functions of the C modules, registered in package.preload. */
int luaopen_migrate_core(lua_State *L);
int luaopen_migrate_pg(lua_State *L);
int luaopen_migrate_copy(lua_State *L);
int luaopen_migrate_yaml(lua_State *L);
int luaopen_migrate_odbc(lua_State *L);

#endif
