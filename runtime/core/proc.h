/*
 * proc.h - worker processes: start one (fork + exec of this binary), wait
 * for it, signal it; and small facts about the machine.
 */
#ifndef MG_PROC_H
#define MG_PROC_H

#include <stdbool.h>
#include <sys/types.h>

/* Start `argv[0]` with `argv` and, added to this environment, the
 * "NAME=value" strings of `env` (NULL-terminated, may be NULL).  The child
 * is killed when this process dies, so no worker outlives its run.
 * Returns the pid, or -1 with errno set. */
pid_t mg_proc_spawn(char *const argv[], char *const env[]);

/* Has `pid` ended?  With `block`, wait until it has.  Returns 1 when it
 * ended (*code: its exit code, or 128 + the signal that killed it), 0 when
 * it still runs, -1 on error (errno). */
int mg_proc_wait(pid_t pid, bool block, int *code);

/* Online processors (at least 1). */
int mg_proc_ncpu(void);

/* The path of this executable, into `out` (size `n`); false if unknown. */
bool mg_proc_self_exe(char *out, size_t n);

#endif
