/* Storage-sink partitioners (Default, Field, TimeBased, Daily, Hourly) and timestamp extractors
 * (Wallclock, Record, RecordField), as Confluent's storage-common implements them: the encoded
 * partition ("directory") of every record the topic partition writer (storage_writer.c) places. */
#include "storage_partitioner.h"

#include <ferry/config.h>
#include <ferry/buf.h>
#include <ferry/datefmt.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PFX "io.confluent.connect.storage.partitioner."

struct storage_partitioner {
        storage_partitioner_kind_t kind;
        char *delim;
        char **fields; /* Field */
        size_t n_fields;
        ferry_datefmt_t *fmt; /* time-based */
        int64_t duration_ms;
        int64_t offset_ms;
        storage_tz_t *tz; /* a named zone (NULL: the fixed offset_ms) */
        storage_ts_kind_t ts;
        char *ts_field;
};

static const char *get(const ferry_strmap_t *c, const char *k, const char *def)
{
        const char *v = ferry_strmap_get(c, k);
        return v ? v : def;
}

static bool class_is(const char *v, const char *simple)
{
        size_t n = strlen(PFX);
        if (strncmp(v, PFX, n) == 0)
                v += n;
        return strcmp(v, simple) == 0;
}

static int parse_extractor(storage_partitioner_t *p, const char *v, char *errstr, size_t errstr_size)
{
        const char *s = v;
        const char *dollar = strrchr(v, '$');
        if (strncmp(v, PFX "TimeBasedPartitioner$", strlen(PFX "TimeBasedPartitioner$")) == 0 && dollar)
                s = dollar + 1;
        if (strcmp(s, "Wallclock") == 0 || strcmp(s, "WallclockTimestampExtractor") == 0)
                p->ts = STORAGE_TS_WALLCLOCK;
        else if (strcmp(s, "Record") == 0 || strcmp(s, "RecordTimestampExtractor") == 0)
                p->ts = STORAGE_TS_RECORD;
        else if (strcmp(s, "RecordField") == 0 || strcmp(s, "RecordFieldTimestampExtractor") == 0)
                p->ts = STORAGE_TS_RECORD_FIELD;
        else {
                snprintf(errstr, errstr_size,
                         "timestamp.extractor: \"%s\" is not one of Wallclock, Record, RecordField", v);
                return -1;
        }
        return 0;
}

int storage_timezone_offset(const char *tz, int64_t *offset_ms)
{
        const char *s = tz;
        *offset_ms = 0;
        if (!s || !*s)
                return -1;
        if (strncasecmp(s, "Etc/", 4) == 0)
                s += 4;
        if (strcasecmp(s, "UTC") == 0 || strcasecmp(s, "GMT") == 0 || strcmp(s, "Z") == 0 ||
            strcmp(s, "UCT") == 0)
                return 0;
        if (strncasecmp(s, "UTC", 3) == 0 || strncasecmp(s, "GMT", 3) == 0)
                s += 3;
        if (*s != '+' && *s != '-')
                return -1;
        int sign = *s == '-' ? -1 : 1;
        s++;
        int h = 0, m = 0, digits = 0;
        while (isdigit((unsigned char)*s) && digits < 2) {
                h = h * 10 + (*s++ - '0');
                digits++;
        }
        if (!digits)
                return -1;
        if (*s == ':')
                s++;
        if (*s) {
                if (!isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]) || s[2])
                        return -1;
                m = (s[0] - '0') * 10 + (s[1] - '0');
        }
        if (h > 18 || m > 59)
                return -1;
        *offset_ms = sign * ((int64_t)h * 3600000 + (int64_t)m * 60000);
        return 0;
}

char *storage_joda_to_simple(const char *joda)
{
        size_t n = strlen(joda);
        char *r = malloc(n + 1);
        if (!r)
                return NULL;
        bool quoted = false;
        for (size_t i = 0; i <= n; i++) {
                char c = joda[i];
                if (c == '\'')
                        quoted = !quoted;
                else if (!quoted && c == 'Y')
                        c = 'y';
                else if (!quoted && c == 'x')
                        c = 'Y';
                else if (!quoted && c == 'e')
                        c = 'u';
                r[i] = c;
        }
        return r;
}

int64_t storage_time_bucket(int64_t ts_ms, int64_t duration_ms, int64_t offset_ms)
{
        /* Java's integer division (towards zero), as TimeBasedPartitioner.getPartition. */
        int64_t local = ts_ms + offset_ms;
        return (local / duration_ms) * duration_ms - offset_ms;
}

/* Joda's DateTimeZone.convertLocalToUTC(local, false): a local time in a DST gap is taken with
 * the offset before the gap, as Joda does for zones west of Greenwich. */
static int64_t tz_local_to_utc(storage_tz_t *z, int64_t local)
{
        int64_t off_local = storage_tz_offset(z, local);
        int64_t off = storage_tz_offset(z, local - off_local);
        if (off_local != off && off_local < 0) {
                int64_t next_local = storage_tz_next_transition(z, local - off_local);
                if (next_local == local - off_local)
                        next_local = INT64_MAX;
                int64_t next_adj = storage_tz_next_transition(z, local - off);
                if (next_adj == local - off)
                        next_adj = INT64_MAX;
                if (next_local != next_adj)
                        off = off_local;
        }
        return local - off;
}

int64_t storage_time_bucket_tz(int64_t ts_ms, int64_t duration_ms, storage_tz_t *z)
{
        /* TimeBasedPartitioner.getPartition: convertUTCToLocal, floor (Java division), back. */
        int64_t local = ts_ms + storage_tz_offset(z, ts_ms);
        return tz_local_to_utc(z, (local / duration_ms) * duration_ms);
}

storage_partitioner_t *storage_partitioner_new(const ferry_strmap_t *config, char *errstr, size_t errstr_size)
{
        storage_partitioner_t *p = calloc(1, sizeof *p);
        if (!p) {
                snprintf(errstr, errstr_size, "out of memory");
                return NULL;
        }
        const char *cls = get(config, "partitioner.class", PFX "DefaultPartitioner");
        const char *path_format = NULL;
        p->delim = strdup(get(config, "directory.delim", "/"));
        p->ts_field = strdup(get(config, "timestamp.field", "timestamp"));
        if (!p->delim || !p->ts_field)
                goto oom;
        if (class_is(cls, "DefaultPartitioner")) {
                p->kind = STORAGE_PARTITIONER_DEFAULT;
                return p;
        }
        if (class_is(cls, "FieldPartitioner")) {
                p->kind = STORAGE_PARTITIONER_FIELD;
                p->fields = ferry_split_list(get(config, "partition.field.name", ""), &p->n_fields);
                if (!p->n_fields) {
                        snprintf(errstr, errstr_size,
                                 "partition.field.name: FieldPartitioner needs at least one field");
                        goto fail;
                }
                return p;
        }
        char daily[256];
        if (class_is(cls, "TimeBasedPartitioner")) {
                p->kind = STORAGE_PARTITIONER_TIME;
                path_format = get(config, "path.format", "");
                const char *d = get(config, "partition.duration.ms", "-1");
                if (ferry_parse_int64(d, &p->duration_ms) != 0 || p->duration_ms <= 0) {
                        snprintf(errstr, errstr_size,
                                 "partition.duration.ms: TimeBasedPartitioner needs a positive duration, got "
                                 "\"%s\"",
                                 d);
                        goto fail;
                }
                if (!*path_format) {
                        snprintf(errstr, errstr_size,
                                 "path.format: TimeBasedPartitioner needs a path format");
                        goto fail;
                }
        } else if (class_is(cls, "DailyPartitioner") || class_is(cls, "HourlyPartitioner")) {
                bool hourly = class_is(cls, "HourlyPartitioner");
                p->kind = hourly ? STORAGE_PARTITIONER_HOURLY : STORAGE_PARTITIONER_DAILY;
                p->duration_ms = hourly ? 3600000 : 86400000;
                snprintf(daily, sizeof daily, "'year'=YYYY%s'month'=MM%s'day'=dd%s%s", p->delim, p->delim,
                         hourly ? p->delim : "", hourly ? "'hour'=HH" : "");
                path_format = daily;
        } else {
                snprintf(errstr, errstr_size,
                         "partitioner.class: \"%s\" is not one of DefaultPartitioner, FieldPartitioner, "
                         "TimeBasedPartitioner, DailyPartitioner, HourlyPartitioner",
                         cls);
                goto fail;
        }
        const char *locale = get(config, "locale", "");
        const char *tz = get(config, "timezone", "");
        if (!*locale) {
                snprintf(errstr, errstr_size, "locale: a time-based partitioner needs a locale (e.g. en-US)");
                goto fail;
        }
        if (!*tz) {
                snprintf(errstr, errstr_size,
                         "timezone: a time-based partitioner needs a timezone (e.g. UTC)");
                goto fail;
        }
        if (storage_timezone_offset(tz, &p->offset_ms) != 0 && !(p->tz = storage_tz_open(tz))) {
                snprintf(errstr, errstr_size,
                         "timezone: \"%s\" is not a known zone id; use an IANA id such as "
                         "America/New_York, UTC or a fixed offset such as +01:00",
                         tz);
                goto fail;
        }
        if (parse_extractor(p, get(config, "timestamp.extractor", "Wallclock"), errstr, errstr_size) != 0)
                goto fail;
        char *simple = storage_joda_to_simple(path_format);
        if (!simple)
                goto oom;
        p->fmt = ferry_datefmt_compile(simple, errstr, errstr_size);
        free(simple);
        if (!p->fmt) {
                char tmp[256];
                snprintf(tmp, sizeof tmp, "%s", errstr);
                snprintf(errstr, errstr_size, "path.format: %s", tmp);
                goto fail;
        }
        return p;
oom:
        snprintf(errstr, errstr_size, "out of memory");
fail:
        storage_partitioner_free(p);
        return NULL;
}

void storage_partitioner_free(storage_partitioner_t *p)
{
        if (!p)
                return;
        free(p->delim);
        free(p->ts_field);
        ferry_strlist_free(p->fields, p->n_fields);
        ferry_datefmt_free(p->fmt);
        storage_tz_free(p->tz);
        free(p);
}

storage_partitioner_kind_t storage_partitioner_kind(const storage_partitioner_t *p)
{
        return p->kind;
}

bool storage_partitioner_has_extractor(const storage_partitioner_t *p)
{
        return p->fmt != NULL;
}

/* A field of a struct or schemaless map by dotted path; *schema its schema (NULL: schemaless). */
static const ferry_value_t *lookup(const ferry_schema_t *s, const ferry_value_t *v, const char *path,
                                   const ferry_schema_t **schema, bool *found)
{
        char name[256];
        *found = false;
        *schema = NULL;
        while (v) {
                const char *dot = strchr(path, '.');
                size_t n = dot ? (size_t)(dot - path) : strlen(path);
                if (n >= sizeof name)
                        return NULL;
                memcpy(name, path, n);
                name[n] = '\0';
                const ferry_value_t *next = NULL;
                const ferry_schema_t *ns = NULL;
                if (v->type == FERRY_TYPE_STRUCT && s) {
                        const ferry_field_t *f = ferry_schema_field(s, name);
                        if (!f)
                                return NULL;
                        next = v->u.st.fields[f->index];
                        ns = f->schema;
                } else if (v->type == FERRY_TYPE_MAP) {
                        bool has = false;
                        for (size_t i = 0; i < v->u.m.n; i++) {
                                const ferry_value_t *k = v->u.m.keys[i];
                                if (k && k->type == FERRY_TYPE_STRING && strcmp(k->u.s.data, name) == 0) {
                                        next = v->u.m.vals[i];
                                        has = true;
                                        break;
                                }
                        }
                        if (!has)
                                return NULL;
                        ns = s && s->items ? s->items : NULL;
                } else {
                        return NULL;
                }
                if (!dot) {
                        *found = true;
                        *schema = ns;
                        return next;
                }
                v = next;
                s = ns;
                path = dot + 1;
        }
        return NULL;
}

/* ISO-8601 date-time as Joda's ISODateTimeFormat.dateTimeParser reads it: a date, optionally
 * 'T' time[.fraction], optionally Z or an offset (no offset: UTC). */
static int parse_iso(const char *s, int64_t *ms)
{
        int y, mo, d, h = 0, mi = 0, sec = 0, frac = 0, n = 0;
        if (sscanf(s, "%d-%d-%d%n", &y, &mo, &d, &n) != 3)
                return -1;
        s += n;
        if (*s == 'T' || *s == ' ') {
                s++;
                if (sscanf(s, "%d:%d%n", &h, &mi, &n) != 2)
                        return -1;
                s += n;
                if (*s == ':') {
                        s++;
                        if (sscanf(s, "%d%n", &sec, &n) != 1)
                                return -1;
                        s += n;
                        if (*s == '.' || *s == ',') {
                                s++;
                                int digits = 0;
                                while (isdigit((unsigned char)*s)) {
                                        if (digits < 3)
                                                frac = frac * 10 + (*s - '0');
                                        digits++;
                                        s++;
                                }
                                for (; digits < 3; digits++)
                                        frac *= 10;
                        }
                }
        }
        int64_t off = 0;
        if (*s && storage_timezone_offset(s, &off) != 0)
                return -1;
        if (mo < 1 || mo > 12 || d < 1 || d > 31)
                return -1;
        *ms = ferry_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400000 + (int64_t)h * 3600000 +
              (int64_t)mi * 60000 + (int64_t)sec * 1000 + frac - off;
        return 0;
}

int storage_partitioner_timestamp(const storage_partitioner_t *p, const ferry_record_t *rec, int64_t now_ms,
                                  int64_t *ts_ms, char *errstr, size_t errstr_size)
{
        *ts_ms = now_ms;
        if (!p->fmt || p->ts == STORAGE_TS_WALLCLOCK)
                return 0;
        if (p->ts == STORAGE_TS_RECORD) {
                if (rec->timestamp < 0) {
                        snprintf(errstr, errstr_size,
                                 "Unable to determine timestamp using timestamp.extractor Record for record "
                                 "%s-%d "
                                 "offset %lld: it has no timestamp",
                                 rec->topic, (int)rec->partition, (long long)rec->kafka_offset);
                        return -1;
                }
                *ts_ms = rec->timestamp;
                return 0;
        }
        const ferry_schema_t *fs;
        bool found;
        const ferry_value_t *v = lookup(rec->value_schema, rec->value, p->ts_field, &fs, &found);
        if (v && (v->type == FERRY_TYPE_INT64 || v->type == FERRY_TYPE_INT32)) {
                *ts_ms = v->u.i;
                if (fs && fs->name && strcmp(fs->name, FERRY_LOGICAL_DATE) == 0)
                        *ts_ms *= 86400000;
                return 0;
        }
        if (v && v->type == FERRY_TYPE_STRING && parse_iso(v->u.s.data, ts_ms) == 0)
                return 0;
        snprintf(errstr, errstr_size,
                 "timestamp.field \"%s\" of record %s-%d offset %lld is %s: it must be an integer (ms), a "
                 "Timestamp or an ISO-8601 string",
                 p->ts_field, rec->topic, (int)rec->partition, (long long)rec->kafka_offset,
                 !found ? "missing"
                 : !v   ? "null"
                        : "of an unsupported type or unparseable");
        return -1;
}

static int encode_field(const storage_partitioner_t *p, const ferry_record_t *rec, ferry_buf_t *b,
                        char *errstr, size_t errstr_size)
{
        if (!rec->value || (rec->value->type != FERRY_TYPE_STRUCT && rec->value->type != FERRY_TYPE_MAP)) {
                snprintf(errstr, errstr_size,
                         "Error encoding partition: record %s-%d offset %lld has no struct or map value for "
                         "partition.field.name",
                         rec->topic, (int)rec->partition, (long long)rec->kafka_offset);
                return -1;
        }
        for (size_t i = 0; i < p->n_fields; i++) {
                const ferry_schema_t *fs;
                bool found;
                const ferry_value_t *v = lookup(rec->value_schema, rec->value, p->fields[i], &fs, &found);
                if (i)
                        ferry_buf_puts(b, p->delim);
                ferry_buf_printf(b, "%s=", p->fields[i]);
                if (!v) {
                        snprintf(errstr, errstr_size,
                                 "Error encoding partition: field \"%s\" of record %s-%d offset %lld is %s",
                                 p->fields[i], rec->topic, (int)rec->partition, (long long)rec->kafka_offset,
                                 found ? "null" : "missing");
                        return -1;
                }
                switch (v->type) {
                case FERRY_TYPE_INT8:
                case FERRY_TYPE_INT16:
                case FERRY_TYPE_INT32:
                case FERRY_TYPE_INT64:
                        ferry_buf_printf(b, "%lld", (long long)v->u.i);
                        break;
                case FERRY_TYPE_STRING:
                        ferry_buf_append(b, v->u.s.data, v->u.s.len);
                        break;
                case FERRY_TYPE_BOOLEAN:
                        ferry_buf_puts(b, v->u.b ? "true" : "false");
                        break;
                default:
                        snprintf(errstr, errstr_size,
                                 "Error encoding partition: type %s of field \"%s\" is not supported as a "
                                 "partition key",
                                 ferry_type_name(v->type), p->fields[i]);
                        return -1;
                }
        }
        return 0;
}

int storage_partitioner_encode(const storage_partitioner_t *p, const ferry_record_t *rec, int64_t ts_ms,
                               char **out, char *errstr, size_t errstr_size)
{
        ferry_buf_t b;
        ferry_buf_init(&b);
        *out = NULL;
        switch (p->kind) {
        case STORAGE_PARTITIONER_DEFAULT:
                ferry_buf_printf(&b, "partition=%d", (int)rec->partition);
                break;
        case STORAGE_PARTITIONER_FIELD:
                if (encode_field(p, rec, &b, errstr, errstr_size) != 0) {
                        ferry_buf_free(&b);
                        return -1;
                }
                break;
        default: {
                int64_t bucket, off;
                if (p->tz) {
                        bucket = storage_time_bucket_tz(ts_ms, p->duration_ms, p->tz);
                        off = storage_tz_offset(p->tz, bucket);
                } else {
                        bucket = storage_time_bucket(ts_ms, p->duration_ms, p->offset_ms);
                        off = p->offset_ms;
                }
                char *s = ferry_datefmt_format(p->fmt, bucket + off);
                if (s) {
                        ferry_buf_puts(&b, s);
                        free(s);
                }
        }
        }
        if (!b.p) {
                snprintf(errstr, errstr_size, "out of memory");
                return -1;
        }
        *out = ferry_buf_steal(&b);
        return 0;
}

char *storage_partitioner_path(const storage_partitioner_t *p, const char *topic, const char *encoded)
{
        ferry_buf_t b;
        ferry_buf_init(&b);
        ferry_buf_printf(&b, "%s%s%s", topic, p->delim, encoded);
        return b.p ? ferry_buf_steal(&b) : NULL;
}
