/* Java SimpleDateFormat patterns in UTC, as Connect's configs write them (TimestampConverter's
 * format, TimestampRouter's timestamp.format, ...), and the calendar arithmetic under them.
 *
 * Letters: G y Y u M L d D E F a H k K h m s S z Z X w W; 'quoted' text and '' for a quote.
 * A compiled format is immutable: many threads may format and parse with it at once. */
#ifndef FERRY_DATEFMT_H
#define FERRY_DATEFMT_H

#include <ferry/api.h>

#include <stddef.h>
#include <stdint.h>

typedef struct ferry_datefmt ferry_datefmt_t;

/* NULL with a message naming the problem (unknown letter, unterminated quote) or out of memory. */
FERRY_API ferry_datefmt_t *ferry_datefmt_compile(const char *pattern, char *errstr, size_t errstr_size);
/* Formats ms since the epoch; malloc'd string, NULL on ENOMEM. */
FERRY_API char *ferry_datefmt_format(const ferry_datefmt_t *f, int64_t ms);
/* Parses text from its start (trailing text is ignored, as DateFormat.parse does); 0 and *ms on
 * success, -1 with "Unparseable date" otherwise. Lenient like Java: out-of-range fields roll over.
 * Two-digit years fall within 80 years before and 20 years after the current date. */
FERRY_API int ferry_datefmt_parse(const ferry_datefmt_t *f, const char *text, int64_t *ms, char *errstr,
                                  size_t errstr_size);
FERRY_API void ferry_datefmt_free(ferry_datefmt_t *f);

/* Days since 1970-01-01 <-> civil date (proleptic Gregorian). */
FERRY_API int64_t ferry_days_from_civil(int64_t y, unsigned m, unsigned d);
FERRY_API void ferry_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);
/* Floor division and modulo (rounding towards negative infinity), for ms arithmetic. */
FERRY_API int64_t ferry_floordiv(int64_t a, int64_t b);
FERRY_API int64_t ferry_floormod(int64_t a, int64_t b);

#endif
