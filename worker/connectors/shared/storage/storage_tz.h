/* Named time zones for the time-based partitioners (America/New_York, Europe/Amsterdam, with
 * their DST rules), as Joda's DateTimeZone answers them to Confluent's TimeBasedPartitioner. The
 * rules come from ICU (shared/tz/storage_tz_icu.c, libicu); a family that does not link
 * shared/tz gets the weak stub of storage_tz_stub.c, which knows no named zone. */
#ifndef FERRY_CONNECTORS_STORAGE_TZ_H
#define FERRY_CONNECTORS_STORAGE_TZ_H

#include <stdint.h>

typedef struct storage_tz storage_tz_t;

/* The zone of an IANA id; NULL when unknown (or no zone library is linked). */
storage_tz_t *storage_tz_open(const char *id);
void storage_tz_free(storage_tz_t *z);
/* Offset from UTC (raw plus DST) in ms at the instant utc_ms (Joda's getOffset). */
int64_t storage_tz_offset(storage_tz_t *z, int64_t utc_ms);
/* The first transition strictly after utc_ms, or utc_ms when there is none (Joda's
 * nextTransition). */
int64_t storage_tz_next_transition(storage_tz_t *z, int64_t utc_ms);

#endif
