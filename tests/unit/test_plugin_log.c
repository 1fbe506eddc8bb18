/* Unit tests of plugin logging with a task's or connector's context (runtime/plugin_log.c): a line
 * written with ferry_task_log() from a thread whose own context is something else carries the
 * task's tag, and the thread's context is left as it was. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>

#include "runtime/worker.h"

#include <ferry/log.h>

#include <stdio.h>
#include <string.h>

static char *read_all(FILE *f)
{
        static char buf[4096];
        size_t n = fread(buf, 1, sizeof(buf) - 1, f);
        buf[n] = '\0';
        return buf;
}

Test(plugin_log, task_and_connector_context_on_any_thread, .init = cr_redirect_stderr)
{
        struct ferry_task t;
        memset(&t, 0, sizeof(t));
        snprintf(t.ctx, sizeof(t.ctx), "%s", "orders|task-3");
        ferry_conn_t conn;
        memset(&conn, 0, sizeof(conn));
        conn.name = "orders";
        conn.ctx.conn = &conn;

        ferry_log_context("client-thread");
        ferry_task_log(&t, FERRY_LOG_INFO, "polled %d", 7);
        ferry_connector_log(&conn.ctx, FERRY_LOG_WARN, "reconfiguring");
        ferry_task_log(&t, FERRY_LOG_TRACE, "below the threshold");
        cr_assert_str_eq(ferry_log_get_context(), "client-thread", "the thread's context is restored");
        FERRY_INFO("own line");
        ferry_log_context(NULL);
        fflush(stderr);

        const char *out = read_all(cr_get_redirected_stderr());
        cr_assert_not_null(strstr(out, "INFO  [orders|task-3] polled 7\n"), "%s", out);
        cr_assert_not_null(strstr(out, "WARN  [orders] reconfiguring\n"), "%s", out);
        cr_assert_not_null(strstr(out, "INFO  [client-thread] own line\n"), "%s", out);
        cr_assert_null(strstr(out, "below the threshold"), "%s", out);
}
