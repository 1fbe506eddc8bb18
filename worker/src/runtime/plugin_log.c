/* Logging for plugins with a task's or a connector's context, from whatever thread the plugin
 * writes (its own client-library threads included): the line is tagged "conn|task-n" or "conn"
 * as the runtime tags lines on the task's own thread (ferry/log.h). */
#include "runtime/worker.h"

#include <ferry/log.h>

#include <stdarg.h>
#include <stdio.h>

static void log_as(const char *ctx, ferry_log_level_t level, const char *fmt, va_list ap)
{
        char saved[128];
        snprintf(saved, sizeof(saved), "%s", ferry_log_get_context());
        ferry_log_context(ctx);
        ferry_vlog(level, fmt, ap);
        ferry_log_context(saved[0] ? saved : NULL);
}

void ferry_task_log(const struct ferry_task *t, ferry_log_level_t level, const char *fmt, ...)
{
        if (!ferry_log_enabled(level))
                return;
        va_list ap;
        va_start(ap, fmt);
        log_as(t ? t->ctx : NULL, level, fmt, ap);
        va_end(ap);
}

void ferry_connector_log(const struct ferry_connector_ctx *c, ferry_log_level_t level, const char *fmt, ...)
{
        if (!ferry_log_enabled(level))
                return;
        va_list ap;
        va_start(ap, fmt);
        log_as(c && c->conn ? c->conn->name : NULL, level, fmt, ap);
        va_end(ap);
}
