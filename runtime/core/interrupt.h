/*
 * interrupt.h - Ctrl-C as a flag.
 *
 * SIGINT and SIGTERM set a flag; every copy loop checks it at each buffer and
 * the Lua runtime checks it from a hook.  Nothing is done in the signal
 * handler itself.  A second Ctrl-C while the flag is already set restores the
 * default action, so an impatient user can still kill a stuck process.
 */
#ifndef MG_CORE_INTERRUPT_H
#define MG_CORE_INTERRUPT_H

#include <stdbool.h>

/* Install the SIGINT/SIGTERM handlers (once, from main). */
void mg_interrupt_install(void);

/* True once a signal arrived (or mg_interrupt_raise was called). */
bool mg_interrupted(void);

/* Register fn(ud) to run from the signal handler on the first signal, to
 * cancel what a server is doing for us (libpq's PQcancel is signal-safe).
 * fn must be async-signal-safe.  Returns a slot number for
 * mg_interrupt_forget, or -1 when all slots are taken. */
int mg_interrupt_on(void (*fn)(void *ud), void *ud);
void mg_interrupt_forget(int slot);

/* Set / clear the flag by hand (tests, the REPL's "cancel and go on"). */
void mg_interrupt_raise(void);
void mg_interrupt_clear(void);

#endif
