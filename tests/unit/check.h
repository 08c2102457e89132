/*
 * check.h - the C unit tests' assertions, printing TAP lines.
 *
 * CHECK(cond, ...) records one test point; a unit's main() ends with
 * `return check_done();`, which prints the plan and fails if any point did.
 */
#ifndef MG_TEST_CHECK_H
#define MG_TEST_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_count = 0;
static int check_failed = 0;

#define CHECK(cond, ...)                                                   \
    do {                                                                   \
        check_count++;                                                     \
        if (cond) {                                                        \
            printf("ok %d - ", check_count);                               \
        } else {                                                           \
            check_failed++;                                                \
            printf("not ok %d - %s:%d: ", check_count, __FILE__, __LINE__); \
        }                                                                  \
        printf(__VA_ARGS__);                                               \
        printf("\n");                                                      \
    } while (0)

#define CHECK_STR(got, want, ...)                                          \
    do {                                                                   \
        const char *g_ = (got), *w_ = (want);                              \
        int same_ = (g_ == NULL && w_ == NULL) ||                          \
                    (g_ && w_ && strcmp(g_, w_) == 0);                     \
        CHECK(same_, __VA_ARGS__);                                         \
        if (!same_)                                                        \
            printf("#   got:  %s\n#   want: %s\n", g_ ? g_ : "(null)",     \
                   w_ ? w_ : "(null)");                                    \
    } while (0)

static inline int check_done(void)
{
    printf("1..%d\n", check_count);
    if (check_failed)
        printf("# %d of %d failed\n", check_failed, check_count);
    return check_failed ? 1 : 0;
}

#endif
