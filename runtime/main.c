/*
 * main.c - the migrate command: argument parsing, subcommands, exit codes.
 *
 * C parses the command line (getopt_long), prepares one LuaJIT state with
 * the C modules preloaded and the stdlib on package.path, and hands the
 * command to the Lua CLI (lua/migrate/cli.lua), which returns the exit code.
 */
#include <getopt.h>
#include <lauxlib.h>
#include <limits.h>
#include <lua.h>
#include <lualib.h>
#include <luajit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/exitcode.h"
#include "core/interrupt.h"
#include "core/log.h"
#include "lua/lua_edit.h"
#include "lua/lua_util.h"

static const char *usage_text =
    "usage: migrate [OPTIONS] RECIPE.lua [key=value ...]\n"
    "       migrate [OPTIONS] COMMAND [ARGS]\n"
    "\n"
    "Commands:\n"
    "  run RECIPE.lua [key=value ...]  run a recipe (the default command)\n"
    "  run PLAN.yaml [key=value ...]   run a plan written by migrate plan\n"
    "  plan RECIPE.lua [-o FILE]       resolve a recipe against the live source\n"
    "                                  into a YAML plan to review and edit\n"
    "  verify RECIPE.lua|PLAN.yaml     counts and checksums, source vs target\n"
    "  clean RECIPE.lua|PLAN.yaml      drop what its latest run created, to retry\n"
    "  status [RECIPE|PLAN] [--state URL]  the migration record: tasks,\n"
    "                                  status, rows, time, failure reasons\n"
    "  worker [--state URL] [--run ID] join a running migration and do its\n"
    "                                  chunks (scale-out, another host)\n"
    "  repl [CONNECTION ...]           interactive Lua with connections open\n"
    "                                  (src, dst, name=URL) to explore a source\n"
    "  test SPEC.lua ...               run Lua spec files inside migrate (TAP)\n"
    "  help [COMMAND]                  show help\n"
    "\n"
    "Options:\n"
    "  -v, --verbose          more log lines (debug)\n"
    "  -q, --quiet            only warnings and errors\n"
    "      --log-level LEVEL  debug, info, warn, error or none\n"
    "      --config FILE      the configuration file (default: ./migrate.yaml,\n"
    "                         else $XDG_CONFIG_HOME/migrate/migrate.yaml)\n"
    "      --profile NAME     the profile of the configuration to use: its\n"
    "                         connections, options and params (default:\n"
    "                         the profile named default, when there is one)\n"
    "  -h, --help             show this help\n"
    "  -V, --version          show the version\n"
    "\n"
    "Environment: MIGRATE_PATH (colon-separated directories searched by\n"
    "require before the stdlib; then ~/.local/share/migrate/lua, the stdlib,\n"
    "the LuaRocks trees ~/.local/share/migrate/rocks and ~/.luarocks, and\n"
    "the system's), PG* variables and ~/.pgpass for PostgreSQL.\n"
    "Exit codes: 0 ok, 1 some tasks failed, 2 usage, 3 recipe error,\n"
    "4 connection error, 5 rows rejected, 70 internal error, 130 interrupted.\n";

static const char *run_help =
    "usage: migrate run RECIPE.lua [key=value ...] [OPTIONS]\n"
    "       migrate RECIPE.lua [key=value ...] [OPTIONS]\n"
    "\n"
    "Run a recipe: select the source tables, name them, create the targets,\n"
    "copy the rows, build indexes and foreign keys, print the report.\n"
    "Progress is recorded in the target (schema _migrate): each chunk's rows\n"
    "commit with their done-mark, so running the same recipe (or plan) again\n"
    "after a crash or Ctrl-C resumes where it stopped.  Worker processes\n"
    "claim the chunks (tables, or key/ctid ranges of big ones) from the\n"
    "record and read the source under one snapshot.\n"
    "key=value arguments become the recipe's params (m.params.key and\n"
    "${key} in recipe strings).\n"
    "\n"
    "Options:\n"
    "      --stop-on-error   stop at the first failed table\n"
    "      --force           run a plan even if the source changed since\n"
    "      --restart         start a new run instead of resuming the last\n"
    "                        unfinished one of this recipe or plan\n"
    "      --no-progress     no progress lines while copying\n"
    "      --workers N       worker processes (default: the recipe's\n"
    "                        workers, else the number of cores)\n"
    "      --lease SECONDS   how long a claimed chunk is a worker's before\n"
    "                        another may take it (default 60)\n"
    "      --verify          verify each table after loading it (counts and\n"
    "                        checksums; a difference fails the table)\n"
    "      --report FILE     also write the report as JSON to FILE\n"
    "      --reject-dir DIR  where rows the target refuses are written\n"
    "                        (default: the recipe's reject_dir, else\n"
    "                        ./migrate-rejects)\n"
    "      --max-rejects N   rows a chunk may reject before it fails\n"
    "                        (default: the recipe's max_rejects, else 1000;\n"
    "                        0: the first refused row fails the table)\n"
    "  -v, --verbose, -q, --quiet, --log-level LEVEL  as for migrate\n"
    "      --config FILE, --profile NAME  connections, options and params\n"
    "                        from a migrate.yaml profile (as for migrate)\n"
    "\n"
    "Exit codes: 0 every table succeeded, 1 some tables failed, 3 the recipe\n"
    "is wrong, 4 a connection failed, 5 every table succeeded but some rows\n"
    "were rejected (see the report), 130 interrupted (the table being\n"
    "copied was rolled back).\n";

static const char *plan_help =
    "usage: migrate plan RECIPE.lua [key=value ...] [-o PLAN.yaml]\n"
    "\n"
    "Resolve a recipe against the live source and write the plan as YAML:\n"
    "per table the source and target names, policy, key, filter, the column\n"
    "mapping with types, the source columns the plan was made from, and the\n"
    "DDL (for review). Edit it (remove a task, rename a target, change a\n"
    "policy or a column type) and `migrate run PLAN.yaml` runs exactly that.\n"
    "A run refuses a source whose planned tables changed, naming what\n"
    "changed, unless --force. Passwords are written masked: give them again\n"
    "as key=value (or through PG* variables / .pgpass) when running.\n"
    "\n"
    "Options:\n"
    "  -o, --output FILE   write the plan to FILE (default: standard output)\n";

static const char *status_help =
    "usage: migrate status --state URL [OPTIONS]\n"
    "       migrate status RECIPE.lua|PLAN.yaml [key=value ...] [OPTIONS]\n"
    "\n"
    "Show the migration record (schema _migrate in the target of the recipe\n"
    "or plan, or in the database given by --state): the tasks of the latest\n"
    "run with status, rows, seconds, attempts and failure reason.\n"
    "Exit code 1 when a task shown failed.\n"
    "\n"
    "Options:\n"
    "      --state URL       the database holding the record\n"
    "      --run ID          that run instead of the latest\n"
    "      --status STATUS   only tasks in this status (waiting, running,\n"
    "                        succeeded, failed, skipped, interrupted)\n"
    "      --table GLOB      only tasks whose source or target matches\n"
    "      --since TIME      only tasks active since TIME (a timestamp)\n"
    "      --json            JSON instead of a table\n";

static const char *verify_help =
    "usage: migrate verify RECIPE.lua|PLAN.yaml [key=value ...]\n"
    "\n"
    "Prove the target holds what the source has: per table, row counts and\n"
    "an order-independent checksum of the copied columns on both sides (the\n"
    "source's values as the target sees them: renames, casts and added\n"
    "columns applied; both sessions in UTC). A table with a one-column\n"
    "integer key is compared in key ranges, and the keys of differing rows\n"
    "are named. Exit code 0 when every table matches, 1 otherwise.\n";

static const char *clean_help =
    "usage: migrate clean RECIPE.lua|PLAN.yaml [key=value ...] [--yes]\n"
    "\n"
    "Drop the target tables that the latest run of this recipe or plan\n"
    "created (never a table it found there: one it merged into or appended\n"
    "to stays) and delete that run from the record, in one transaction, so\n"
    "the migration can be retried from nothing. Asks on a terminal;\n"
    "elsewhere it needs --yes.\n";

static const char *worker_help =
    "usage: migrate worker --state URL [--run ID] [source=URL]\n"
    "\n"
    "Join a running migration: claim its chunks from the record and do\n"
    "them until none is left, reading the source under the run's snapshot.\n"
    "Start as many as you like, on any host that reaches both databases.\n"
    "--state is the database holding the record (the run's target); --run\n"
    "picks the run (default: the latest running one). The plan comes from\n"
    "the record with its passwords masked: give source=URL again, or use\n"
    "PGPASSWORD / ~/.pgpass. `migrate run --workers N` starts its workers\n"
    "this way itself.\n";

static const char *repl_help =
    "usage: migrate repl [CONNECTION ...]\n"
    "\n"
    "Interactive Lua (LuaJIT) to explore a source before writing a recipe.\n"
    "The first CONNECTION opens as `src`, the second as `dst`, and\n"
    "name=URL as the global `name`; a CONNECTION is a URL as recipes take\n"
    "(postgresql://..., dbname=..., odbc:...) or a profile name.\n"
    "An expression prints its value; query results print as tables.\n"
    "Meta-commands: \\tables, \\d, \\preview, \\count, \\sample, \\plan,\n"
    "\\name, \\conn, \\help (lists them all), \\q.  Tab completes names,\n"
    "methods and table names; history is kept in\n"
    "$XDG_STATE_HOME/migrate/history (else ~/.local/state/migrate/history).\n"
    "Ctrl-C cancels the running statement, Ctrl-D leaves.  Standard input\n"
    "that is not a terminal is read and evaluated line by line.\n";

static const char *test_help =
    "usage: migrate test SPEC.lua ...\n"
    "\n"
    "Run Lua spec files (describe/it) inside this binary, printing TAP.\n"
    "Exit code 0 when every spec passed, 1 otherwise.\n";

typedef struct cli_opts {
    const char *command;
    int nargs;
    char **args;
    bool stop_on_error;
    bool no_progress;
    bool force;
    bool restart;
    bool json;
    bool yes;
    bool verify;
    const char *output;
    const char *state, *run, *status, *table, *since, *report, *workers, *lease;
    const char *reject_dir, *max_rejects;
    const char *config, *profile; /* migrate.yaml: lua/migrate/profile.lua */
} cli_opts;

static bool file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* The directory holding the stdlib (into *out): next to an installed
 * binary, else the configured install prefix, else the source tree. */
static void find_stdlib(mg_buf *out)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            mg_buf probe = MG_BUF_INIT;
            mg_buf_printf(&probe, "%s/../share/migrate/lua/migrate/init.lua", exe);
            bool found = probe.data && file_exists(probe.data);
            mg_buf_free(&probe);
            if (found) {
                mg_buf_printf(out, "%s/../share/migrate", exe);
                return;
            }
        }
    }
    if (file_exists(MG_INSTALL_DATADIR "/lua/migrate/init.lua"))
        mg_buf_append_str(out, MG_INSTALL_DATADIR);
    else
        mg_buf_append_str(out, MG_SOURCE_DIR);
}

/* Append "DIR/?.lua;DIR/?/init.lua;" where DIR is prefix + suffix. */
static void add_dir(mg_buf *path, const char *prefix, const char *suffix)
{
    mg_buf_printf(path, "%s%s/?.lua;%s%s/?/init.lua;", prefix, suffix, prefix, suffix);
}

/* package.path: MIGRATE_PATH, the user's library, the stdlib and recipes,
 * the user's LuaRocks trees (migrate's own, then luarocks --local), then
 * LuaJIT's default (which covers the system LuaRocks trees).  Rocks come
 * after the stdlib: a recipe library cannot shadow a migrate module. */
static void set_package_path(lua_State *L)
{
    mg_buf path = MG_BUF_INIT;
    const char *env = getenv("MIGRATE_PATH");
    if (env && *env) {
        char *copy = strdup(env);
        char *save = NULL;
        for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save))
            add_dir(&path, d, "");
        free(copy);
    }
    const char *xdg = getenv("XDG_DATA_HOME");
    const char *home = getenv("HOME");
    if (xdg && *xdg)
        add_dir(&path, xdg, "/migrate/lua");
    else if (home && *home)
        add_dir(&path, home, "/.local/share/migrate/lua");
    mg_buf base = MG_BUF_INIT;
    find_stdlib(&base);
    add_dir(&path, base.data, "/lua");
    add_dir(&path, base.data, "/recipes");
    if (xdg && *xdg)
        add_dir(&path, xdg, "/migrate/rocks/share/lua/5.1");
    else if (home && *home)
        add_dir(&path, home, "/.local/share/migrate/rocks/share/lua/5.1");
    if (home && *home)
        add_dir(&path, home, "/.luarocks/share/lua/5.1");

    lua_getglobal(L, "package");
    lua_getfield(L, -1, "path");
    mg_buf_append_str(&path, lua_tostring(L, -1));
    lua_pop(L, 1);
    lua_pushstring(L, path.data);
    lua_setfield(L, -2, "path");
    lua_pushstring(L, base.data);
    lua_setfield(L, -2, "migrate_home");
    lua_pop(L, 1);
    mg_buf_free(&path);
    mg_buf_free(&base);
}

static void preload(lua_State *L, const char *name, lua_CFunction open)
{
    lua_getglobal(L, "package");
    lua_getfield(L, -1, "preload");
    lua_pushcfunction(L, open);
    lua_setfield(L, -2, name);
    lua_pop(L, 2);
}

/* Ctrl-C reaches Lua code through this hook: it raises an error object at
 * every check while the flag stays set, so a pcall cannot swallow it. */
static void interrupt_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    if (!mg_interrupted() || mg_lua_interrupts_held())
        return;
    mg_error err;
    mg_error_set(&err, MG_ERR_INTERRUPTED, MG_SIDE_NONE, NULL, "interrupted by the user");
    mg_lua_raise(L, &err);
}

/* cli.main(command, args, options) -> exit code */
static int run_lua(const cli_opts *o)
{
    lua_State *L = luaL_newstate();
    if (L == NULL) {
        fprintf(stderr, "migrate: cannot create the Lua state\n");
        return MG_EXIT_INTERNAL;
    }
    luaL_openlibs(L);
    set_package_path(L);
    preload(L, "migrate.core", luaopen_migrate_core);
    preload(L, "migrate.pg", luaopen_migrate_pg);
    preload(L, "migrate.copy", luaopen_migrate_copy);
    preload(L, "migrate.yaml", luaopen_migrate_yaml);
    preload(L, "migrate.odbc", luaopen_migrate_odbc);
    preload(L, "migrate.edit", luaopen_migrate_edit);
    lua_sethook(L, interrupt_hook, LUA_MASKCOUNT, 10000);

    int code = MG_EXIT_INTERNAL;
    lua_pushcfunction(L, mg_lua_traceback);
    int handler = lua_gettop(L);
    lua_getglobal(L, "require");
    lua_pushstring(L, "migrate.cli");
    if (lua_pcall(L, 1, 1, handler) != 0)
        goto report;
    lua_getfield(L, -1, "main");
    lua_pushstring(L, o->command);
    lua_createtable(L, o->nargs, 0);
    for (int i = 0; i < o->nargs; i++) {
        lua_pushstring(L, o->args[i]);
        lua_rawseti(L, -2, i + 1);
    }
    lua_createtable(L, 0, 4);
    lua_pushboolean(L, o->stop_on_error);
    lua_setfield(L, -2, "stop_on_error");
    lua_pushboolean(L, !o->no_progress);
    lua_setfield(L, -2, "progress");
    lua_pushboolean(L, o->force);
    lua_setfield(L, -2, "force");
    lua_pushboolean(L, o->restart);
    lua_setfield(L, -2, "restart");
    lua_pushboolean(L, o->json);
    lua_setfield(L, -2, "json");
    lua_pushboolean(L, o->yes);
    lua_setfield(L, -2, "yes");
    lua_pushboolean(L, o->verify);
    lua_setfield(L, -2, "verify");
    const char *strings[][2] = {{"output", o->output}, {"state", o->state},
                                {"run", o->run}, {"status", o->status},
                                {"table", o->table}, {"since", o->since},
                                {"report", o->report}, {"workers", o->workers},
                                {"lease", o->lease}, {"reject_dir", o->reject_dir},
                                {"max_rejects", o->max_rejects},
                                {"config", o->config}, {"profile", o->profile}};
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++) {
        if (strings[i][1]) {
            lua_pushstring(L, strings[i][1]);
            lua_setfield(L, -2, strings[i][0]);
        }
    }
    if (lua_pcall(L, 3, 1, handler) != 0)
        goto report;
    code = lua_isnumber(L, -1) ? (int)lua_tointeger(L, -1) : MG_EXIT_INTERNAL;
    goto out;
report:
    /* The CLI reports its own errors; this is a failure of the CLI itself. */
    luaL_callmeta(L, -1, "__tostring");
    fprintf(stderr, "migrate: %s\n", lua_isstring(L, -1) ? lua_tostring(L, -1) : "unknown error");
    code = mg_interrupted() ? MG_EXIT_INTERRUPTED : MG_EXIT_INTERNAL;
out:
    lua_close(L);
    return code;
}

static bool set_log_level(const char *name)
{
    int level = mg_log_level_parse(name);
    if (level < 0) {
        fprintf(stderr, "migrate: unknown log level '%s' (debug, info, warn, error, none)\n", name);
        return false;
    }
    mg_log_set_level((mg_log_level)level);
    return true;
}

static const char *help_for(const char *cmd)
{
    if (cmd == NULL)
        return usage_text;
    if (strcmp(cmd, "run") == 0)
        return run_help;
    if (strcmp(cmd, "test") == 0)
        return test_help;
    if (strcmp(cmd, "plan") == 0)
        return plan_help;
    if (strcmp(cmd, "status") == 0)
        return status_help;
    if (strcmp(cmd, "verify") == 0)
        return verify_help;
    if (strcmp(cmd, "clean") == 0)
        return clean_help;
    if (strcmp(cmd, "worker") == 0)
        return worker_help;
    if (strcmp(cmd, "repl") == 0)
        return repl_help;
    return NULL;
}

enum {
    OPT_LOG_LEVEL = 256, OPT_STOP_ON_ERROR, OPT_NO_PROGRESS, OPT_FORCE, OPT_RESTART,
    OPT_JSON, OPT_YES, OPT_STATE, OPT_RUN, OPT_STATUS, OPT_TABLE, OPT_SINCE,
    OPT_VERIFY, OPT_REPORT, OPT_WORKERS, OPT_LEASE, OPT_REJECT_DIR, OPT_MAX_REJECTS,
    OPT_CONFIG, OPT_PROFILE,
};

static const struct option long_opts[] = {
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {"verbose", no_argument, NULL, 'v'},
    {"quiet", no_argument, NULL, 'q'},
    {"log-level", required_argument, NULL, OPT_LOG_LEVEL},
    {"stop-on-error", no_argument, NULL, OPT_STOP_ON_ERROR},
    {"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
    {"force", no_argument, NULL, OPT_FORCE},
    {"restart", no_argument, NULL, OPT_RESTART},
    {"json", no_argument, NULL, OPT_JSON},
    {"yes", no_argument, NULL, OPT_YES},
    {"state", required_argument, NULL, OPT_STATE},
    {"run", required_argument, NULL, OPT_RUN},
    {"status", required_argument, NULL, OPT_STATUS},
    {"table", required_argument, NULL, OPT_TABLE},
    {"since", required_argument, NULL, OPT_SINCE},
    {"output", required_argument, NULL, 'o'},
    {"verify", no_argument, NULL, OPT_VERIFY},
    {"report", required_argument, NULL, OPT_REPORT},
    {"workers", required_argument, NULL, OPT_WORKERS},
    {"lease", required_argument, NULL, OPT_LEASE},
    {"reject-dir", required_argument, NULL, OPT_REJECT_DIR},
    {"max-rejects", required_argument, NULL, OPT_MAX_REJECTS},
    {"config", required_argument, NULL, OPT_CONFIG},
    {"profile", required_argument, NULL, OPT_PROFILE},
    {NULL, 0, NULL, 0},
};

/* Parse options anywhere on the line (GNU permutation); positional
 * arguments stay in argv[optind..].  Returns -1 to go on, else an exit code. */
static int parse_options(int argc, char **argv, cli_opts *o)
{
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "hVvqo:", long_opts, NULL)) != -1) {
        switch (c) {
        case 'h': {
            /* "migrate run --help" shows the help of run */
            const char *cmd = NULL;
            for (int i = 1; i < argc; i++)
                if (argv[i][0] != '-' && help_for(argv[i])) {
                    cmd = argv[i];
                    break;
                }
            fputs(help_for(cmd), stdout);
            return MG_EXIT_OK;
        }
        case 'V':
            printf("migrate %s (%s)\n", MG_VERSION, LUAJIT_VERSION);
            return MG_EXIT_OK;
        case 'v':
            mg_log_set_level(MG_LOG_DEBUG);
            break;
        case 'q':
            mg_log_set_level(MG_LOG_WARN);
            break;
        case OPT_LOG_LEVEL:
            if (!set_log_level(optarg))
                return MG_EXIT_USAGE;
            break;
        case OPT_STOP_ON_ERROR:
            o->stop_on_error = true;
            break;
        case OPT_NO_PROGRESS:
            o->no_progress = true;
            break;
        case OPT_FORCE:
            o->force = true;
            break;
        case OPT_RESTART:
            o->restart = true;
            break;
        case OPT_JSON:
            o->json = true;
            break;
        case OPT_YES:
            o->yes = true;
            break;
        case OPT_STATE:
            o->state = optarg;
            break;
        case OPT_RUN:
            o->run = optarg;
            break;
        case OPT_STATUS:
            o->status = optarg;
            break;
        case OPT_TABLE:
            o->table = optarg;
            break;
        case OPT_SINCE:
            o->since = optarg;
            break;
        case 'o':
            o->output = optarg;
            break;
        case OPT_VERIFY:
            o->verify = true;
            break;
        case OPT_REPORT:
            o->report = optarg;
            break;
        case OPT_WORKERS:
            o->workers = optarg;
            break;
        case OPT_LEASE:
            o->lease = optarg;
            break;
        case OPT_REJECT_DIR:
            o->reject_dir = optarg;
            break;
        case OPT_MAX_REJECTS:
            o->max_rejects = optarg;
            break;
        case OPT_CONFIG:
            o->config = optarg;
            break;
        case OPT_PROFILE:
            o->profile = optarg;
            break;
        default:
            if (optopt)
                fprintf(stderr, "migrate: option -%c is unknown or needs a value\n", optopt);
            else
                fprintf(stderr, "migrate: unknown option '%s'\n", argv[optind - 1]);
            fprintf(stderr, "Try 'migrate --help'.\n");
            return MG_EXIT_USAGE;
        }
    }
    return -1;
}

int main(int argc, char **argv)
{
    cli_opts o;
    memset(&o, 0, sizeof o);
    int rc = parse_options(argc, argv, &o);
    if (rc >= 0)
        return rc;
    if (optind >= argc) {
        fputs(usage_text, stderr);
        return MG_EXIT_USAGE;
    }
    char **pos = argv + optind;
    int npos = argc - optind;
    const char *cmd = pos[0];
    if (strcmp(cmd, "help") == 0) {
        const char *text = help_for(npos > 1 ? pos[1] : NULL);
        if (text == NULL) {
            fprintf(stderr, "migrate: no help for unknown command '%s'\n", pos[1]);
            return MG_EXIT_USAGE;
        }
        fputs(text, stdout);
        return MG_EXIT_OK;
    }
    if (strcmp(cmd, "run") == 0 || strcmp(cmd, "test") == 0 ||
        strcmp(cmd, "plan") == 0 || strcmp(cmd, "status") == 0 ||
        strcmp(cmd, "verify") == 0 || strcmp(cmd, "clean") == 0 ||
        strcmp(cmd, "worker") == 0 || strcmp(cmd, "repl") == 0) {
        o.command = cmd;
        pos++;
        npos--;
    } else if (strchr(cmd, '/') || strchr(cmd, '.')) {
        o.command = "run"; /* migrate RECIPE.lua */
    } else {
        fprintf(stderr, "migrate: unknown command '%s'\nTry 'migrate --help'.\n", cmd);
        return MG_EXIT_USAGE;
    }
    if (npos < 1 && strcmp(o.command, "status") != 0 && strcmp(o.command, "worker") != 0 &&
        strcmp(o.command, "repl") != 0) {
        fprintf(stderr, "migrate: %s needs a file\n\n%s", o.command, help_for(o.command));
        return MG_EXIT_USAGE;
    }
    o.nargs = npos;
    o.args = pos;
    mg_interrupt_install();
    return run_lua(&o);
}
