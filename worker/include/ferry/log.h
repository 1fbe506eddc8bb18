/* Leveled, timestamped logging with connector/task context, for the runtime and plugins.
 * Lines go to stderr: "2026-01-01T00:00:00.000Z INFO  [name|task-0] message". */
#ifndef FERRY_LOG_H
#define FERRY_LOG_H

typedef enum {
        FERRY_LOG_ERROR,
        FERRY_LOG_WARN,
        FERRY_LOG_INFO,
        FERRY_LOG_DEBUG,
        FERRY_LOG_TRACE,
} ferry_log_level_t;

void ferry_log(ferry_log_level_t level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ferry_log_set_level(ferry_log_level_t level);
ferry_log_level_t ferry_log_get_level(void);
int ferry_log_level_from_name(const char *name); /* -1 when unknown */
const char *ferry_log_level_name(ferry_log_level_t level);
/* Context shown in this thread's lines ("conn|task-0"); NULL clears it. Copied. */
void ferry_log_context(const char *ctx);

#define FERRY_ERROR(...) ferry_log(FERRY_LOG_ERROR, __VA_ARGS__)
#define FERRY_WARN(...)  ferry_log(FERRY_LOG_WARN, __VA_ARGS__)
#define FERRY_INFO(...)  ferry_log(FERRY_LOG_INFO, __VA_ARGS__)
#define FERRY_DEBUG(...) ferry_log(FERRY_LOG_DEBUG, __VA_ARGS__)

#endif
