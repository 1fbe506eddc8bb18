/* C11 threads on top of POSIX threads, linked into the ThreadSanitizer build of the worker only
 * (build/tsan/ferry-worker). librdkafka creates its threads and takes its locks through glibc's C11
 * API (thrd_create, mtx_lock, cnd_wait, ...), which glibc implements with internal calls that
 * ThreadSanitizer's pthread interceptors never see: a thread made by thrd_create has no TSan
 * state (the worker crashed at start in the first allocation on such a thread), and mutexes taken
 * through mtx_lock are invisible (every access they protect would be reported as a race). The
 * executable exports these definitions (-rdynamic), so the dynamic linker binds librdkafka's calls
 * to them, and they go through the intercepted pthread functions. glibc's thrd_t, mtx_t, cnd_t and
 * once_flag have the layout of pthread_t, pthread_mutex_t, pthread_cond_t and pthread_once_t. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <threads.h>

/* The worker is built with -fvisibility=hidden: these must stay exported to interpose. */
#pragma GCC visibility push(default)

_Static_assert(sizeof(mtx_t) >= sizeof(pthread_mutex_t), "mtx_t holds a pthread_mutex_t");
_Static_assert(sizeof(cnd_t) >= sizeof(pthread_cond_t), "cnd_t holds a pthread_cond_t");
_Static_assert(sizeof(thrd_t) == sizeof(pthread_t), "thrd_t is a pthread_t");
_Static_assert(sizeof(once_flag) >= sizeof(pthread_once_t), "once_flag holds a pthread_once_t");

static int thrd_rc(int err)
{
        switch (err) {
        case 0:
                return thrd_success;
        case EBUSY:
                return thrd_busy;
        case ETIMEDOUT:
                return thrd_timedout;
        case ENOMEM:
                return thrd_nomem;
        default:
                return thrd_error;
        }
}

typedef struct {
        thrd_start_t fn;
        void *arg;
} start_t;

static void *trampoline(void *p)
{
        start_t s = *(start_t *)p;
        free(p);
        return (void *)(intptr_t)s.fn(s.arg);
}

int thrd_create(thrd_t *thr, thrd_start_t fn, void *arg)
{
        start_t *s = malloc(sizeof(*s));
        if (!s)
                return thrd_nomem;
        s->fn = fn;
        s->arg = arg;
        pthread_t t;
        int err = pthread_create(&t, NULL, trampoline, s);
        if (err) {
                free(s);
                return thrd_rc(err);
        }
        *thr = (thrd_t)t;
        return thrd_success;
}

int thrd_join(thrd_t thr, int *res)
{
        void *ret = NULL;
        int err = pthread_join((pthread_t)thr, &ret);
        if (!err && res)
                *res = (int)(intptr_t)ret;
        return thrd_rc(err);
}

int thrd_detach(thrd_t thr)
{
        return thrd_rc(pthread_detach((pthread_t)thr));
}

int mtx_init(mtx_t *m, int type)
{
        pthread_mutexattr_t attr;
        pthread_mutexattr_init(&attr);
        pthread_mutexattr_settype(&attr,
                                  (type & mtx_recursive) ? PTHREAD_MUTEX_RECURSIVE : PTHREAD_MUTEX_NORMAL);
        int err = pthread_mutex_init((pthread_mutex_t *)m, &attr);
        pthread_mutexattr_destroy(&attr);
        return thrd_rc(err);
}

int mtx_lock(mtx_t *m)
{
        return thrd_rc(pthread_mutex_lock((pthread_mutex_t *)m));
}

int mtx_trylock(mtx_t *m)
{
        return thrd_rc(pthread_mutex_trylock((pthread_mutex_t *)m));
}

int mtx_timedlock(mtx_t *restrict m, const struct timespec *restrict ts)
{
        return thrd_rc(pthread_mutex_timedlock((pthread_mutex_t *)m, ts));
}

int mtx_unlock(mtx_t *m)
{
        return thrd_rc(pthread_mutex_unlock((pthread_mutex_t *)m));
}

void mtx_destroy(mtx_t *m)
{
        pthread_mutex_destroy((pthread_mutex_t *)m);
}

int cnd_init(cnd_t *c)
{
        return thrd_rc(pthread_cond_init((pthread_cond_t *)c, NULL));
}

int cnd_signal(cnd_t *c)
{
        return thrd_rc(pthread_cond_signal((pthread_cond_t *)c));
}

int cnd_broadcast(cnd_t *c)
{
        return thrd_rc(pthread_cond_broadcast((pthread_cond_t *)c));
}

int cnd_wait(cnd_t *c, mtx_t *m)
{
        return thrd_rc(pthread_cond_wait((pthread_cond_t *)c, (pthread_mutex_t *)m));
}

int cnd_timedwait(cnd_t *restrict c, mtx_t *restrict m, const struct timespec *restrict ts)
{
        return thrd_rc(pthread_cond_timedwait((pthread_cond_t *)c, (pthread_mutex_t *)m, ts));
}

void cnd_destroy(cnd_t *c)
{
        pthread_cond_destroy((pthread_cond_t *)c);
}

void call_once(once_flag *flag, void (*fn)(void))
{
        pthread_once((pthread_once_t *)flag, fn);
}

#pragma GCC visibility pop
