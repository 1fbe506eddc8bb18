/* Logging: leveled, timestamped lines on stderr, each tagged with the calling thread's
 * connector/task context. Used by every part of the worker and by plugins. The threshold is the
 * only process-wide setting (what /admin/loggers changes); the context is per thread. */
#include <ferry/log.h>

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static atomic_int log_level = FERRY_LOG_INFO;
static _Thread_local char log_ctx[96];

static const char *const level_names[] = {"ERROR", "WARN", "INFO", "DEBUG", "TRACE"};

void ferry_log_set_level(ferry_log_level_t level)
{
        atomic_store(&log_level, (int)level);
}

ferry_log_level_t ferry_log_get_level(void)
{
        return (ferry_log_level_t)atomic_load(&log_level);
}

const char *ferry_log_level_name(ferry_log_level_t level)
{
        return (unsigned)level <= FERRY_LOG_TRACE ? level_names[level] : "INFO";
}

int ferry_log_level_from_name(const char *name)
{
        for (int i = 0; i <= FERRY_LOG_TRACE; i++)
                if (!strcasecmp(name, level_names[i]))
                        return i;
        if (!strcasecmp(name, "WARNING"))
                return FERRY_LOG_WARN;
        return -1;
}

void ferry_log_context(const char *ctx)
{
        if (!ctx)
                log_ctx[0] = '\0';
        else
                snprintf(log_ctx, sizeof(log_ctx), "%s", ctx);
}

const char *ferry_log_get_context(void)
{
        return log_ctx;
}

bool ferry_log_enabled(ferry_log_level_t level)
{
        return (int)level <= atomic_load(&log_level);
}

void ferry_log(ferry_log_level_t level, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        ferry_vlog(level, fmt, ap);
        va_end(ap);
}

void ferry_vlog(ferry_log_level_t level, const char *fmt, va_list ap)
{
        if ((int)level > atomic_load(&log_level))
                return;
        char line[4096];
        struct timespec ts;
        struct tm tm;
        clock_gettime(CLOCK_REALTIME, &ts);
        gmtime_r(&ts.tv_sec, &tm);
        size_t n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
        int m = snprintf(line + n, sizeof(line) - n, ".%03ldZ %-5s ", ts.tv_nsec / 1000000L,
                         ferry_log_level_name(level));
        n += (size_t)m;
        if (log_ctx[0]) {
                m = snprintf(line + n, sizeof(line) - n, "[%s] ", log_ctx);
                n += (size_t)m;
        }
        m = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
        if (m < 0)
                m = 0;
        n += (size_t)m;
        if (n >= sizeof(line) - 1)
                n = sizeof(line) - 2;
        line[n++] = '\n';
        /* One write per line keeps lines from interleaving across threads. */
        fwrite(line, 1, n, stderr);
}
