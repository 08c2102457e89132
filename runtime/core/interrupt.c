#include "core/interrupt.h"

#include <signal.h>
#include <string.h>

static volatile sig_atomic_t flag = 0;

#define MAX_CANCELLERS 64

typedef struct canceller {
    void (*volatile fn)(void *);
    void *volatile ud;
} canceller;

static canceller cancellers[MAX_CANCELLERS];

int mg_interrupt_on(void (*fn)(void *ud), void *ud)
{
    for (int i = 0; i < MAX_CANCELLERS; i++) {
        if (cancellers[i].fn == NULL) {
            cancellers[i].ud = ud;
            cancellers[i].fn = fn;
            return i;
        }
    }
    return -1;
}

void mg_interrupt_forget(int slot)
{
    if (slot >= 0 && slot < MAX_CANCELLERS)
        cancellers[slot].fn = NULL;
}

static void on_signal(int sig)
{
    if (flag) {
        /* Second signal: stop waiting for a clean stop. */
        signal(sig, SIG_DFL);
        raise(sig);
        return;
    }
    flag = 1;
    for (int i = 0; i < MAX_CANCELLERS; i++) {
        void (*fn)(void *) = cancellers[i].fn;
        if (fn != NULL)
            fn(cancellers[i].ud);
    }
}

void mg_interrupt_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

bool mg_interrupted(void) { return flag != 0; }

void mg_interrupt_raise(void) { flag = 1; }

void mg_interrupt_clear(void) { flag = 0; }
