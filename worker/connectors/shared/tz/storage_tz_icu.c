/* Named time zones for the storage sinks' time-based partitioners (storage_tz.h) on ICU's C
 * calendar API (ucal_*, libicu): the zone's offset at an instant and its next transition, which
 * is what Joda's DateTimeZone gives Confluent's TimeBasedPartitioner. Replaces the weak stub of
 * shared/storage/storage_tz_stub.c in the families that link it (S3). */
#include "shared/storage/storage_tz.h"

#include <unicode/ucal.h>
#include <unicode/ustring.h>

#include <stdlib.h>
#include <string.h>

struct storage_tz {
        UCalendar *cal;
};

storage_tz_t *storage_tz_open(const char *id)
{
        size_t n = strlen(id);
        if (n == 0 || n > 120)
                return NULL;
        UChar uid[128], canon[128];
        u_uastrncpy(uid, id, 127);
        uid[n] = 0;
        UErrorCode st = U_ZERO_ERROR;
        UBool system = 0;
        /* An unknown id is an error here, where ucal_open would silently use GMT. */
        ucal_getCanonicalTimeZoneID(uid, (int32_t)n, canon, 128, &system, &st);
        if (U_FAILURE(st) || !system)
                return NULL;
        storage_tz_t *z = calloc(1, sizeof *z);
        if (!z)
                return NULL;
        st = U_ZERO_ERROR;
        z->cal = ucal_open(uid, (int32_t)n, "en_US", UCAL_GREGORIAN, &st);
        if (U_FAILURE(st) || !z->cal) {
                if (z->cal)
                        ucal_close(z->cal);
                free(z);
                return NULL;
        }
        return z;
}

void storage_tz_free(storage_tz_t *z)
{
        if (!z)
                return;
        ucal_close(z->cal);
        free(z);
}

int64_t storage_tz_offset(storage_tz_t *z, int64_t utc_ms)
{
        UErrorCode st = U_ZERO_ERROR;
        ucal_setMillis(z->cal, (UDate)utc_ms, &st);
        int32_t raw = ucal_get(z->cal, UCAL_ZONE_OFFSET, &st);
        int32_t dst = ucal_get(z->cal, UCAL_DST_OFFSET, &st);
        return U_FAILURE(st) ? 0 : (int64_t)raw + dst;
}

int64_t storage_tz_next_transition(storage_tz_t *z, int64_t utc_ms)
{
        UErrorCode st = U_ZERO_ERROR;
        ucal_setMillis(z->cal, (UDate)utc_ms, &st);
        UDate next = 0;
        if (U_FAILURE(st) || !ucal_getTimeZoneTransitionDate(z->cal, UCAL_TZ_TRANSITION_NEXT, &next, &st) ||
            U_FAILURE(st))
                return utc_ms;
        return (int64_t)next;
}
