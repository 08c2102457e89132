/*
 * exitcode.h - the process exit codes, documented in README.
 * The Lua stdlib sees the same numbers as migrate.core.exit.
 */
#ifndef MG_CORE_EXITCODE_H
#define MG_CORE_EXITCODE_H

typedef enum mg_exit {
    MG_EXIT_OK = 0,            /* everything succeeded */
    MG_EXIT_TASKS_FAILED = 1,  /* the run finished, some tasks failed */
    MG_EXIT_USAGE = 2,         /* bad command line */
    MG_EXIT_RECIPE = 3,        /* the recipe is wrong (file:line in the message) */
    MG_EXIT_CONNECT = 4,       /* a source or target could not be reached */
    MG_EXIT_ROWS_REJECTED = 5, /* every task succeeded, some rows were rejected */
    MG_EXIT_INTERNAL = 70,     /* a bug or an unexpected failure */
    MG_EXIT_INTERRUPTED = 130, /* Ctrl-C / SIGTERM: stopped cleanly */
} mg_exit;

#endif
