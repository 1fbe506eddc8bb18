/* db.timezone: the time zone in which the JDBC connectors read and write timestamps that carry no
 * zone of their own (PostgreSQL timestamp, MySQL DATETIME, SQLite text), as Confluent does with its
 * Calendar of db.timezone. A zone is a fixed offset ("UTC", "+02:00", "GMT-5") or a region of the
 * system's tz database (/usr/share/zoneinfo, TZif files, parsed here: transitions and their UTC
 * offsets; instants after the last transition keep its offset). Sits between the dialects' text
 * cells / parameters and the epoch milliseconds of Connect's Timestamp. */
#include "jdbc.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct jdbc_tz {
        int32_t fixed;  /* seconds east of UTC when n == 0 */
        size_t n;       /* transitions */
        int64_t *at;    /* transition instants, seconds since the epoch, ascending */
        int32_t *off;   /* offset in force from at[i] */
        int32_t before; /* offset before the first transition */
};

void jdbc_tz_free(jdbc_tz_t *tz)
{
        if (!tz)
                return;
        free(tz->at);
        free(tz->off);
        free(tz);
}

static uint32_t be32(const uint8_t *p)
{
        return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const uint8_t *p)
{
        return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

int jdbc_tz_parse(const uint8_t *d, size_t len, jdbc_tz_t **out)
{
        *out = NULL;
        if (len < 44 || memcmp(d, "TZif", 4) != 0)
                return -1;
        int version = d[4];
        const uint8_t *h = d;
        size_t tsize = 4;
        uint32_t c[6];
        for (int i = 0; i < 6; i++)
                c[i] = be32(h + 20 + 4 * i);
        /* c: isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt */
        if (c[3] > 100000 || c[4] > 256 || c[4] == 0 || c[5] > 65536 || c[2] > 100000 || c[0] > 256 ||
            c[1] > 256)
                return -1;
        size_t v1 = (size_t)c[3] * 5 + (size_t)c[4] * 6 + c[5] + (size_t)c[2] * 8 + c[1] + c[0];
        if (version >= '2') {
                /* The 64-bit data follows the 32-bit block. */
                if (44 + v1 + 44 > len)
                        return -1;
                h = d + 44 + v1;
                if (memcmp(h, "TZif", 4) != 0)
                        return -1;
                for (int i = 0; i < 6; i++)
                        c[i] = be32(h + 20 + 4 * i);
                if (c[3] > 100000 || c[4] > 256 || c[4] == 0 || c[5] > 65536 || c[2] > 100000 || c[0] > 256 ||
                    c[1] > 256)
                        return -1;
                tsize = 8;
        }
        size_t need = (size_t)c[3] * (tsize + 1) + (size_t)c[4] * 6;
        const uint8_t *p = h + 44;
        if ((size_t)(p - d) + need > len)
                return -1;
        jdbc_tz_t *tz = calloc(1, sizeof(*tz));
        if (!tz)
                return -1;
        tz->n = c[3];
        tz->at = calloc(tz->n ? tz->n : 1, sizeof(int64_t));
        tz->off = calloc(tz->n ? tz->n : 1, sizeof(int32_t));
        if (!tz->at || !tz->off) {
                jdbc_tz_free(tz);
                return -1;
        }
        const uint8_t *idx = p + (size_t)c[3] * tsize;
        const uint8_t *types = idx + c[3];
        for (size_t i = 0; i < tz->n; i++) {
                tz->at[i] = tsize == 8 ? be64(p + 8 * i) : (int64_t)(int32_t)be32(p + 4 * i);
                if (i && tz->at[i] < tz->at[i - 1]) {
                        jdbc_tz_free(tz);
                        return -1;
                }
                uint8_t t = idx[i];
                if (t >= c[4]) {
                        jdbc_tz_free(tz);
                        return -1;
                }
                tz->off[i] = (int32_t)be32(types + 6 * t);
        }
        /* Before the first transition: the first standard-time type (type 0 otherwise). */
        tz->before = (int32_t)be32(types);
        for (uint32_t t = 0; t < c[4]; t++)
                if (!types[6 * t + 4]) {
                        tz->before = (int32_t)be32(types + 6 * t);
                        break;
                }
        if (!tz->n)
                tz->fixed = tz->before;
        *out = tz;
        return 0;
}

/* "+HH[:MM]" / "-HHMM" after an optional UTC/GMT prefix; -1 when s is not a fixed offset. */
static int fixed_offset(const char *s, int32_t *secs)
{
        if (!strncmp(s, "UTC", 3) || !strncmp(s, "GMT", 3))
                s += 3;
        else if (!strncmp(s, "UT", 2))
                s += 2;
        if (!*s) {
                *secs = 0;
                return 0;
        }
        if (*s != '+' && *s != '-')
                return -1;
        int sign = *s++ == '-' ? -1 : 1;
        int h = 0, m = 0, digits = 0;
        while (isdigit((unsigned char)*s) && digits < 2) {
                h = h * 10 + (*s++ - '0');
                digits++;
        }
        if (!digits)
                return -1;
        if (*s == ':')
                s++;
        digits = 0;
        while (isdigit((unsigned char)*s) && digits < 2) {
                m = m * 10 + (*s++ - '0');
                digits++;
        }
        if (*s || h > 18 || m > 59)
                return -1;
        *secs = sign * (h * 3600 + m * 60);
        return 0;
}

int jdbc_tz_load(const char *name, jdbc_tz_t **out, char *errstr, size_t errstr_size)
{
        *out = NULL;
        if (!name || !*name || !strcmp(name, "Z"))
                return 0;
        int32_t secs;
        if (fixed_offset(name, &secs) == 0) {
                if (secs == 0)
                        return 0;
                jdbc_tz_t *tz = calloc(1, sizeof(*tz));
                if (!tz)
                        return -1;
                tz->fixed = secs;
                *out = tz;
                return 0;
        }
        bool ok = name[0] != '/' && !strstr(name, "..");
        for (const char *p = name; ok && *p; p++)
                ok = isalnum((unsigned char)*p) || strchr("/_+-", *p);
        const char *dir = getenv("TZDIR");
        char path[512];
        snprintf(path, sizeof(path), "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", name);
        FILE *f = ok ? fopen(path, "rb") : NULL;
        uint8_t *data = NULL;
        size_t len = 0;
        if (f) {
                data = malloc(1 << 20);
                if (data)
                        len = fread(data, 1, 1 << 20, f);
                fclose(f);
        }
        int rc = data && len ? jdbc_tz_parse(data, len, out) : -1;
        free(data);
        if (rc < 0)
                snprintf(errstr, errstr_size, "db.timezone: unknown time zone '%s'", name);
        return rc;
}

int32_t jdbc_tz_offset(const jdbc_tz_t *tz, int64_t utc_s)
{
        if (!tz)
                return 0;
        if (!tz->n)
                return tz->fixed;
        if (utc_s < tz->at[0])
                return tz->before;
        size_t lo = 0, hi = tz->n; /* last at[i] <= utc_s */
        while (hi - lo > 1) {
                size_t mid = lo + (hi - lo) / 2;
                if (tz->at[mid] <= utc_s)
                        lo = mid;
                else
                        hi = mid;
        }
        return tz->off[lo];
}

static int64_t floor_div(int64_t a, int64_t b)
{
        return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

int64_t jdbc_tz_utc_to_local_ms(const jdbc_tz_t *tz, int64_t utc_ms)
{
        return utc_ms + (int64_t)jdbc_tz_offset(tz, floor_div(utc_ms, 1000)) * 1000;
}

int64_t jdbc_tz_local_to_utc_ms(const jdbc_tz_t *tz, int64_t local_ms)
{
        if (!tz)
                return local_ms;
        int64_t local_s = floor_div(local_ms, 1000);
        /* The offset before and after any transition near this wall time; the earlier instant of
         * an ambiguous wall time (as java.util.Calendar), a wall time in a gap moved forward. */
        int32_t o1 = jdbc_tz_offset(tz, local_s - 86400);
        int32_t o2 = jdbc_tz_offset(tz, local_s + 86400);
        int64_t u1 = local_s - o1, u2 = local_s - o2;
        int64_t utc_s;
        if (jdbc_tz_offset(tz, u1) == o1)
                utc_s = u1;
        else if (jdbc_tz_offset(tz, u2) == o2)
                utc_s = u2;
        else
                utc_s = local_s - o1; /* in a gap: the wall time read with the offset before it */
        return local_ms + (utc_s - local_s) * 1000;
}
