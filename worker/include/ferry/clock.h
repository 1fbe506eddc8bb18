/* Clocks for the runtime and plugins: the monotonic clock for timeouts and intervals, the wall
 * clock for timestamps that leave the process (record timestamps, REST last_modified). */
#ifndef FERRY_CLOCK_H
#define FERRY_CLOCK_H

#include <ferry/api.h>

#include <stdint.h>

/* Milliseconds on the monotonic clock (never goes back; unrelated to the date). */
FERRY_API int64_t ferry_now_ms(void);
/* Microseconds on the monotonic clock. */
FERRY_API int64_t ferry_now_us(void);
/* Milliseconds since the Unix epoch on the wall clock (what Java's System.currentTimeMillis gives). */
FERRY_API int64_t ferry_wall_ms(void);

#endif
