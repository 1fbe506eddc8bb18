/* Leveled, timestamped logging with connector/task context, for the runtime and plugins.
 * Lines go to stderr: "2026-01-01T00:00:00.000Z INFO  [name|task-0] message". */
#ifndef FERRY_LOG_H
#define FERRY_LOG_H

#include <ferry/api.h>

#include <stdarg.h>
#include <stdbool.h>

typedef enum {
        FERRY_LOG_ERROR,
        FERRY_LOG_WARN,
        FERRY_LOG_INFO,
        FERRY_LOG_DEBUG,
        FERRY_LOG_TRACE,
} ferry_log_level_t;

FERRY_API void ferry_log(ferry_log_level_t level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
FERRY_API void ferry_log_set_level(ferry_log_level_t level);
FERRY_API ferry_log_level_t ferry_log_get_level(void);
FERRY_API int ferry_log_level_from_name(const char *name); /* -1 when unknown */
FERRY_API const char *ferry_log_level_name(ferry_log_level_t level);
/* Context shown in this thread's lines ("conn|task-0"); NULL clears it. Copied. The runtime sets
 * it on every thread that calls into a plugin, so FERRY_INFO() in a callback is tagged already. */
FERRY_API void ferry_log_context(const char *ctx);
/* This thread's context ("" when none): a plugin that starts threads of its own copies it and
 * passes it to ferry_log_context() on them, or logs there with ferry_task_log(). */
FERRY_API const char *ferry_log_get_context(void);
/* Whether a line at level would be written (to skip building costly messages). */
FERRY_API bool ferry_log_enabled(ferry_log_level_t level);
FERRY_API void ferry_vlog(ferry_log_level_t level, const char *fmt, va_list ap)
        __attribute__((format(printf, 2, 0)));

/* Lines tagged with a task's ("conn|task-0") or a connector's ("conn") context whatever thread
 * writes them; t and c are the handles the runtime passes to the callbacks (ferry/connector.h). */
struct ferry_task;
struct ferry_connector_ctx;
FERRY_API void ferry_task_log(const struct ferry_task *t, ferry_log_level_t level, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
FERRY_API void ferry_connector_log(const struct ferry_connector_ctx *c, ferry_log_level_t level,
                                   const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#define FERRY_ERROR(...) ferry_log(FERRY_LOG_ERROR, __VA_ARGS__)
#define FERRY_WARN(...)  ferry_log(FERRY_LOG_WARN, __VA_ARGS__)
#define FERRY_INFO(...)  ferry_log(FERRY_LOG_INFO, __VA_ARGS__)
#define FERRY_DEBUG(...) ferry_log(FERRY_LOG_DEBUG, __VA_ARGS__)
#define FERRY_TRACE(...) ferry_log(FERRY_LOG_TRACE, __VA_ARGS__)

#endif
