/*
 * lua_core.c - migrate.core: logging, the interrupt flag, secrets masking,
 * clocks, exit codes and error objects for the Lua stdlib.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/exitcode.h"
#include "core/interrupt.h"
#include "core/log.h"
#include "core/proc.h"
#include "core/secret.h"
#include "lua/lua_util.h"

/* core.error{code=, msg=, ...} -> the same table, now an error object. */
static int l_error(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    mg_lua_error_mt(L);
    luaL_getmetatable(L, MG_ERROR_MT);
    lua_setmetatable(L, 1);
    return 1;
}

static int l_is_error(lua_State *L)
{
    bool yes = false;
    if (lua_getmetatable(L, 1)) {
        luaL_getmetatable(L, MG_ERROR_MT);
        yes = lua_rawequal(L, -1, -2);
        lua_pop(L, 2);
    }
    lua_pushboolean(L, yes);
    return 1;
}

static int l_log(lua_State *L)
{
    int level = mg_log_level_parse(luaL_checkstring(L, 1));
    luaL_argcheck(L, level >= 0, 1, "unknown log level");
    const char *area = luaL_checkstring(L, 2);
    const char *msg = luaL_checkstring(L, 3);
    mg_log((mg_log_level)level, area, "%s", msg);
    return 0;
}

static int l_set_log_level(lua_State *L)
{
    int level = mg_log_level_parse(luaL_checkstring(L, 1));
    luaL_argcheck(L, level >= 0, 1, "unknown log level");
    mg_log_set_level((mg_log_level)level);
    return 0;
}

static int l_log_enabled(lua_State *L)
{
    int level = mg_log_level_parse(luaL_checkstring(L, 1));
    lua_pushboolean(L, level >= 0 && (mg_log_level)level >= mg_log_get_level());
    return 1;
}

static int l_interrupted(lua_State *L)
{
    lua_pushboolean(L, mg_interrupted());
    return 1;
}

static int l_clear_interrupt(lua_State *L)
{
    (void)L;
    mg_interrupt_clear();
    return 0;
}

static bool interrupts_held = false;

bool mg_lua_interrupts_held(void) { return interrupts_held; }

/* core.hold_interrupts(true): Ctrl-C stays recorded but no longer raises
 * in Lua code, so the runner can roll back and print its report. */
static int l_hold_interrupts(lua_State *L)
{
    interrupts_held = lua_toboolean(L, 1);
    return 0;
}

static int l_mask(lua_State *L)
{
    const char *s = luaL_checkstring(L, 1);
    char out[4096];
    lua_pushstring(L, mg_mask_secrets(s, out, sizeof out));
    return 1;
}

static int l_now(lua_State *L)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    lua_pushnumber(L, (double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
    return 1;
}

static int l_isatty(lua_State *L)
{
    lua_pushboolean(L, isatty((int)luaL_optinteger(L, 1, 1)));
    return 1;
}

/* Peak resident set size of this process, in KiB. */
static int l_peak_rss(lua_State *L)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    lua_pushnumber(L, (double)ru.ru_maxrss);
    return 1;
}

/* A list of strings (table) -> a NULL-terminated array pointing into the
 * Lua strings, which the table keeps alive. */
static char **string_array(lua_State *L, int idx)
{
    size_t n = lua_objlen(L, idx);
    char **out = calloc(n + 1, sizeof *out);
    if (out == NULL)
        luaL_error(L, "out of memory");
    for (size_t i = 0; i < n; i++) {
        lua_rawgeti(L, idx, (int)i + 1);
        out[i] = (char *)lua_tostring(L, -1);
        lua_pop(L, 1);
        if (out[i] == NULL) {
            free(out);
            luaL_error(L, "spawn: element %d is not a string", (int)i + 1);
        }
    }
    return out;
}

/* core.spawn({path, arg, ...}, {"NAME=value", ...}) -> pid | nil, message */
static int l_spawn(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    char **argv = string_array(L, 1);
    char **env = lua_istable(L, 2) ? string_array(L, 2) : NULL;
    pid_t pid = argv[0] ? mg_proc_spawn(argv, env) : -1;
    int err = errno;
    free(argv);
    free(env);
    if (pid < 0) {
        lua_pushnil(L);
        lua_pushstring(L, strerror(err));
        return 2;
    }
    lua_pushinteger(L, pid);
    return 1;
}

/* core.wait(pid [, block]) -> ended, code (exit code, or 128 + signal) */
static int l_wait(lua_State *L)
{
    int code = 0;
    int r = mg_proc_wait((pid_t)luaL_checkinteger(L, 1), lua_toboolean(L, 2), &code);
    if (r < 0)
        return luaL_error(L, "wait: %s", strerror(errno));
    lua_pushboolean(L, r == 1);
    if (r == 1)
        lua_pushinteger(L, code);
    else
        lua_pushnil(L);
    return 2;
}

/* core.kill(pid, "INT" | "TERM" | "KILL") -> true | false */
static int l_kill(lua_State *L)
{
    static const char *const names[] = {"INT", "TERM", "KILL", NULL};
    static const int sigs[] = {SIGINT, SIGTERM, SIGKILL};
    int which = luaL_checkoption(L, 2, "TERM", names);
    lua_pushboolean(L, kill((pid_t)luaL_checkinteger(L, 1), sigs[which]) == 0);
    return 1;
}

/* core.sleep(seconds): returns early when interrupted (Ctrl-C). */
static int l_sleep(lua_State *L)
{
    double s = luaL_checknumber(L, 1);
    double end = 0;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    end = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9 + s;
    while (!mg_interrupted()) {
        clock_gettime(CLOCK_MONOTONIC, &ts);
        double left = end - ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
        if (left <= 0)
            break;
        if (left > 0.05)
            left = 0.05;
        struct timespec nap = {0, (long)(left * 1e9)};
        nanosleep(&nap, NULL);
    }
    return 0;
}

static int l_ncpu(lua_State *L)
{
    lua_pushinteger(L, mg_proc_ncpu());
    return 1;
}

static int l_pid(lua_State *L)
{
    lua_pushinteger(L, getpid());
    return 1;
}

static int l_hostname(lua_State *L)
{
    char name[256];
    if (gethostname(name, sizeof name) != 0)
        snprintf(name, sizeof name, "localhost");
    name[sizeof name - 1] = '\0';
    lua_pushstring(L, name);
    return 1;
}

static int l_self_exe(lua_State *L)
{
    char path[PATH_MAX];
    if (!mg_proc_self_exe(path, sizeof path))
        return 0;
    lua_pushstring(L, path);
    return 1;
}

/* core.cwd() -> the current directory (absolute) | nil, message. */
static int l_cwd(lua_State *L)
{
    char path[PATH_MAX];
    if (!getcwd(path, sizeof path)) {
        lua_pushnil(L);
        lua_pushfstring(L, "cannot read the current directory: %s", strerror(errno));
        return 2;
    }
    lua_pushstring(L, path);
    return 1;
}

/* core.mkdir_p(path) -> true | nil, message: make the directory and its
 * missing parents (mode 0755 less the umask); an existing one is fine. */
static int l_mkdir_p(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    size_t len = strlen(path);
    if (len == 0 || len >= PATH_MAX)
        return luaL_argerror(L, 1, "a directory path (1 to PATH_MAX - 1 bytes)");
    char buf[PATH_MAX];
    memcpy(buf, path, len + 1);
    for (size_t i = 1; i <= len; i++) {
        if (buf[i] != '/' && buf[i] != '\0')
            continue;
        char saved = buf[i];
        buf[i] = '\0';
        struct stat st;
        if (mkdir(buf, 0755) != 0 && !(errno == EEXIST && stat(buf, &st) == 0 && S_ISDIR(st.st_mode))) {
            lua_pushnil(L);
            lua_pushfstring(L, "cannot make the directory %s: %s", buf, strerror(errno));
            return 2;
        }
        buf[i] = saved;
    }
    lua_pushboolean(L, 1);
    return 1;
}

static void push_exit_codes(lua_State *L)
{
    static const struct { const char *name; int code; } codes[] = {
        {"ok", MG_EXIT_OK},           {"tasks_failed", MG_EXIT_TASKS_FAILED},
        {"usage", MG_EXIT_USAGE},     {"recipe", MG_EXIT_RECIPE},
        {"connect", MG_EXIT_CONNECT}, {"internal", MG_EXIT_INTERNAL},
        {"interrupted", MG_EXIT_INTERRUPTED}, {"rows_rejected", MG_EXIT_ROWS_REJECTED},
    };
    lua_createtable(L, 0, 8);
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        lua_pushinteger(L, codes[i].code);
        lua_setfield(L, -2, codes[i].name);
    }
}

int luaopen_migrate_core(lua_State *L)
{
    static const luaL_Reg funcs[] = {
        {"error", l_error},
        {"is_error", l_is_error},
        {"log", l_log},
        {"set_log_level", l_set_log_level},
        {"log_enabled", l_log_enabled},
        {"interrupted", l_interrupted},
        {"clear_interrupt", l_clear_interrupt},
        {"hold_interrupts", l_hold_interrupts},
        {"mask", l_mask},
        {"now", l_now},
        {"isatty", l_isatty},
        {"peak_rss", l_peak_rss},
        {"spawn", l_spawn},
        {"wait", l_wait},
        {"kill", l_kill},
        {"sleep", l_sleep},
        {"ncpu", l_ncpu},
        {"pid", l_pid},
        {"hostname", l_hostname},
        {"self_exe", l_self_exe},
        {"mkdir_p", l_mkdir_p},
        {"cwd", l_cwd},
        {NULL, NULL},
    };
    mg_lua_error_mt(L);
    lua_newtable(L);
    luaL_register(L, NULL, funcs);
    push_exit_codes(L);
    lua_setfield(L, -2, "exit");
    lua_pushstring(L, MG_VERSION);
    lua_setfield(L, -2, "version");
    return 1;
}
