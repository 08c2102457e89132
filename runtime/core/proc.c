/*
 * proc.c - worker processes (see proc.h).
 */
#include "core/proc.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

pid_t mg_proc_spawn(char *const argv[], char *const env[])
{
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    /* The child: die with the parent (a killed run takes its workers with
     * it; their open transactions roll back), unless it is already gone. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        _exit(127);
    /* The parent may ignore or catch signals; the worker starts clean. */
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
    for (size_t i = 0; env && env[i]; i++)
        if (putenv(env[i]) != 0)
            _exit(127);
    execv(argv[0], argv);
    _exit(127);
}

int mg_proc_wait(pid_t pid, bool block, int *code)
{
    int status = 0;
    pid_t r;
    do
        r = waitpid(pid, &status, block ? 0 : WNOHANG);
    while (r < 0 && errno == EINTR && block);
    if (r < 0)
        return -1;
    if (r == 0)
        return 0;
    if (WIFEXITED(status))
        *code = WEXITSTATUS(status);
    else if (WIFSIGNALED(status))
        *code = 128 + WTERMSIG(status);
    else
        *code = -1;
    return 1;
}

int mg_proc_ncpu(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

bool mg_proc_self_exe(char *out, size_t n)
{
    ssize_t len = readlink("/proc/self/exe", out, n - 1);
    if (len <= 0)
        return false;
    out[len] = '\0';
    return true;
}
