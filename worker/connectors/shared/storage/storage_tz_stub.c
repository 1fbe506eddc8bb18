/* Weak placeholders for the named time zones of storage_tz.h: a family that does not link
 * shared/tz (and libicu) knows UTC and fixed offsets only, and a named zone is refused at
 * configuration with a message naming the timezone key. shared/tz/storage_tz_icu.c replaces
 * these when linked. */
#include "storage_tz.h"

#include <stddef.h>

__attribute__((weak)) storage_tz_t *storage_tz_open(const char *id)
{
        (void)id;
        return NULL;
}

__attribute__((weak)) void storage_tz_free(storage_tz_t *z)
{
        (void)z;
}

__attribute__((weak)) int64_t storage_tz_offset(storage_tz_t *z, int64_t utc_ms)
{
        (void)z;
        (void)utc_ms;
        return 0;
}

__attribute__((weak)) int64_t storage_tz_next_transition(storage_tz_t *z, int64_t utc_ms)
{
        (void)z;
        return utc_ms;
}
