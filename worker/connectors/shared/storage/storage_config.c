/* The config keys every storage sink shares (formats, partitioners, rotation, naming) as a config
 * table fragment, their parsing into a storage_config_t, and the file names built from them.
 * Read by a sink's start(); the topic partition writer (storage_writer.c) uses the result. */
#include "storage_writer.h"

#include <ferry/clock.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define G_FMT  "Storage"
#define G_PART "Partitioner"

static const char *const null_behaviors[] = {"fail", "ignore", "write", NULL};
static const char *const compat[] = {"NONE", "BACKWARD", "FORWARD", "FULL", NULL};
static const char *const compressions[] = {"none", "gzip", NULL};
static const char *const parquet_codecs[] = {"none", "snappy", "gzip", "zstd", "lz4", "brotli", "lzo", NULL};

static int check_format(const char *name, const char *value, char *errstr, size_t errstr_size)
{
        if (value && *value && !storage_format_find(value)) {
                snprintf(errstr, errstr_size, "Invalid value %s for configuration %s: unknown format class",
                         value, name);
                return -1;
        }
        return 0;
}

const ferry_config_def_t storage_config_defs[] = {
        {"format.class", FERRY_CFG_CLASS, NULL, true, FERRY_IMPORTANCE_HIGH,
         "The format of the files: io.confluent.connect.s3.format.json.JsonFormat, ...avro.AvroFormat, "
         "...bytearray.ByteArrayFormat, ...parquet.ParquetFormat (or the io.confluent.connect.hdfs names).",
         G_FMT, .validate = check_format},
        {"flush.size", FERRY_CFG_INT, NULL, true, FERRY_IMPORTANCE_HIGH,
         "Number of records written to a file before it is committed.", G_FMT, .has_min = true, .min = 1},
        {"rotate.interval.ms", FERRY_CFG_LONG, "-1", false, FERRY_IMPORTANCE_HIGH,
         "Commit a file once the records' times (timestamp.extractor) span this long; -1 disables.", G_FMT,
         .has_min = true, .min = -1},
        {"rotate.schedule.interval.ms", FERRY_CFG_LONG, "-1", false, FERRY_IMPORTANCE_MEDIUM,
         "Commit open files on this wall-clock schedule (aligned in timezone); -1 disables.", G_FMT,
         .has_min = true, .min = -1},
        {"topics.dir", FERRY_CFG_STRING, "topics", false, FERRY_IMPORTANCE_HIGH,
         "Top-level directory (key prefix) of the files.", G_FMT, .valid = NULL},
        {"directory.delim", FERRY_CFG_STRING, "/", false, FERRY_IMPORTANCE_MEDIUM, "Directory delimiter.",
         G_FMT, .valid = NULL},
        {"file.delim", FERRY_CFG_STRING, "+", false, FERRY_IMPORTANCE_MEDIUM,
         "Delimiter between topic, partition and offset in file names.", G_FMT, .valid = NULL},
        {"filename.offset.zero.pad.width", FERRY_CFG_INT, "10", false, FERRY_IMPORTANCE_LOW,
         "Width the offsets in file names are zero-padded to.", G_FMT, .has_min = true, .min = 0},
        {"store.kafka.keys", FERRY_CFG_BOOLEAN, "false", false, FERRY_IMPORTANCE_LOW,
         "Also write the records' keys to <file>.keys<ext> files.", G_FMT, .valid = NULL},
        {"store.kafka.headers", FERRY_CFG_BOOLEAN, "false", false, FERRY_IMPORTANCE_LOW,
         "Also write the records' headers to <file>.headers<ext> files.", G_FMT, .valid = NULL},
        {"keys.format.class", FERRY_CFG_CLASS, "io.confluent.connect.s3.format.avro.AvroFormat", false,
         FERRY_IMPORTANCE_LOW, "Format of the key files.", G_FMT, .validate = check_format},
        {"headers.format.class", FERRY_CFG_CLASS, "io.confluent.connect.s3.format.avro.AvroFormat", false,
         FERRY_IMPORTANCE_LOW, "Format of the header files.", G_FMT, .validate = check_format},
        {"behavior.on.null.values", FERRY_CFG_STRING, "fail", false, FERRY_IMPORTANCE_LOW,
         "What a record with a null value does: fail the task, be ignored, or be written.", G_FMT,
         .valid = null_behaviors},
        {"schema.compatibility", FERRY_CFG_STRING, "NONE", false, FERRY_IMPORTANCE_LOW,
         "Schema evolution: every schema change commits the open files (NONE; the others act as NONE).",
         G_FMT, .valid = compat},
        {"avro.codec", FERRY_CFG_STRING, "null", false, FERRY_IMPORTANCE_LOW,
         "Codec of Avro files: null, deflate, snappy.", G_FMT, .valid = NULL},
        {"connect.meta.data", FERRY_CFG_BOOLEAN, "true", false, FERRY_IMPORTANCE_LOW,
         "Keep Connect's schema metadata in Avro schemas.", G_FMT, .valid = NULL},
        {"enhanced.avro.schema.support", FERRY_CFG_BOOLEAN, "false", false, FERRY_IMPORTANCE_LOW,
         "Enhanced Avro schema support (enum symbols, package names).", G_FMT, .valid = NULL},
        {"format.bytearray.extension", FERRY_CFG_STRING, ".bin", false, FERRY_IMPORTANCE_LOW,
         "Extension of ByteArrayFormat files.", G_FMT, .valid = NULL},
        {"format.bytearray.separator", FERRY_CFG_STRING, NULL, false, FERRY_IMPORTANCE_LOW,
         "Separator written after each ByteArrayFormat record (Java escapes such as \\n); default a newline.",
         G_FMT, .valid = NULL},
        {"s3.compression.type", FERRY_CFG_STRING, "none", false, FERRY_IMPORTANCE_LOW,
         "Compression of JSON and ByteArray files: none, gzip.", G_FMT, .valid = compressions},
        {"s3.compression.level", FERRY_CFG_INT, "-1", false, FERRY_IMPORTANCE_LOW,
         "gzip level, -1 (zlib's default) to 9.", G_FMT, .has_min = true, .min = -1, .has_max = true,
         .max = 9},
        {"parquet.codec", FERRY_CFG_STRING, "snappy", false, FERRY_IMPORTANCE_LOW,
         "Codec of Parquet files: none, snappy, gzip, zstd.", G_FMT, .valid = parquet_codecs},
        {"partitioner.class", FERRY_CFG_CLASS, "io.confluent.connect.storage.partitioner.DefaultPartitioner",
         false, FERRY_IMPORTANCE_HIGH,
         "io.confluent.connect.storage.partitioner.DefaultPartitioner, FieldPartitioner, "
         "TimeBasedPartitioner, "
         "DailyPartitioner or HourlyPartitioner.",
         G_PART, .valid = NULL},
        {"partition.field.name", FERRY_CFG_LIST, "", false, FERRY_IMPORTANCE_MEDIUM,
         "FieldPartitioner: the value fields that name the directory.", G_PART, .valid = NULL},
        {"path.format", FERRY_CFG_STRING, "", false, FERRY_IMPORTANCE_MEDIUM,
         "TimeBasedPartitioner: Joda pattern of the directory, e.g. 'year'=YYYY/'month'=MM.", G_PART,
         .valid = NULL},
        {"partition.duration.ms", FERRY_CFG_LONG, "-1", false, FERRY_IMPORTANCE_MEDIUM,
         "TimeBasedPartitioner: the length of a time bucket.", G_PART, .valid = NULL},
        {"locale", FERRY_CFG_STRING, "", false, FERRY_IMPORTANCE_MEDIUM, "Time-based partitioners: locale.",
         G_PART, .valid = NULL},
        {"timezone", FERRY_CFG_STRING, "", false, FERRY_IMPORTANCE_MEDIUM,
         "Time-based partitioners: UTC or a fixed offset (+01:00).", G_PART, .valid = NULL},
        {"timestamp.extractor", FERRY_CFG_STRING, "Wallclock", false, FERRY_IMPORTANCE_MEDIUM,
         "Time-based partitioners: Wallclock, Record or RecordField.", G_PART, .valid = NULL},
        {"timestamp.field", FERRY_CFG_STRING, "timestamp", false, FERRY_IMPORTANCE_MEDIUM,
         "RecordField extractor: the value field holding the time.", G_PART, .valid = NULL},
        {.name = NULL},
};

size_t storage_config_defs_count(void)
{
        return sizeof storage_config_defs / sizeof storage_config_defs[0] - 1;
}

size_t storage_config_defs_merge(ferry_config_def_t *out, size_t cap, const ferry_config_def_t *own)
{
        size_t n = 0;
        for (const ferry_config_def_t *d = own; d && d->name; d++) {
                if (n + 1 >= cap)
                        return 0;
                out[n++] = *d;
        }
        for (const ferry_config_def_t *d = storage_config_defs; d->name; d++) {
                if (n + 1 >= cap)
                        return 0;
                out[n++] = *d;
        }
        memset(&out[n], 0, sizeof out[n]);
        return n;
}

static const char *get(const ferry_strmap_t *c, const char *k, const char *def)
{
        const char *v = ferry_strmap_get(c, k);
        return v ? v : def;
}

static int64_t get_long(const ferry_strmap_t *c, const char *k, int64_t def)
{
        const char *v = ferry_strmap_get(c, k);
        int64_t r;
        return v && ferry_parse_int64(v, &r) == 0 ? r : def;
}

static bool get_bool(const ferry_strmap_t *c, const char *k)
{
        const char *v = ferry_strmap_get(c, k);
        bool b = false;
        if (v)
                ferry_parse_bool(v, &b);
        return b;
}

static int init_format(const char *key, const char *cls, const ferry_strmap_t *config,
                       const storage_format_t **fmt, void **inst, char *errstr, size_t errstr_size)
{
        *fmt = storage_format_find(cls);
        if (!*fmt) {
                snprintf(errstr, errstr_size, "%s: unknown format class \"%s\"", key, cls ? cls : "");
                return -1;
        }
        return (*fmt)->configure(config, inst, errstr, errstr_size);
}

int storage_config_init(storage_config_t *c, const ferry_strmap_t *config, char *errstr, size_t errstr_size)
{
        memset(c, 0, sizeof *c);
        errstr[0] = '\0';
        if (init_format("format.class", ferry_strmap_get(config, "format.class"), config, &c->format,
                        &c->format_inst, errstr, errstr_size) != 0)
                goto fail;
        c->store_keys = get_bool(config, "store.kafka.keys");
        c->store_headers = get_bool(config, "store.kafka.headers");
        if (c->store_keys &&
            init_format("keys.format.class",
                        get(config, "keys.format.class", "io.confluent.connect.s3.format.avro.AvroFormat"),
                        config, &c->key_format, &c->key_format_inst, errstr, errstr_size) != 0)
                goto fail;
        if (c->store_headers &&
            init_format("headers.format.class",
                        get(config, "headers.format.class", "io.confluent.connect.s3.format.avro.AvroFormat"),
                        config, &c->header_format, &c->header_format_inst, errstr, errstr_size) != 0)
                goto fail;
        if (!(c->partitioner = storage_partitioner_new(config, errstr, errstr_size)))
                goto fail;
        c->flush_size = get_long(config, "flush.size", 0);
        if (c->flush_size < 1) {
                snprintf(errstr, errstr_size, "flush.size: must be at least 1");
                goto fail;
        }
        c->rotate_interval_ms = get_long(config, "rotate.interval.ms", -1);
        c->rotate_schedule_interval_ms = get_long(config, "rotate.schedule.interval.ms", -1);
        if (c->rotate_interval_ms > 0 && !storage_partitioner_has_extractor(c->partitioner)) {
                snprintf(errstr, errstr_size,
                         "rotate.interval.ms: needs a time-based partitioner (its timestamp.extractor gives "
                         "the times)");
                goto fail;
        }
        const char *tz = get(config, "timezone", "");
        if (c->rotate_schedule_interval_ms > 0) {
                if (!*tz) {
                        snprintf(errstr, errstr_size,
                                 "timezone: rotate.schedule.interval.ms needs a timezone");
                        goto fail;
                }
                if (storage_timezone_offset(tz, &c->schedule_offset_ms) != 0) {
                        /* A named zone: the schedule is aligned on its offset at start. */
                        storage_tz_t *z = storage_tz_open(tz);
                        if (!z) {
                                snprintf(errstr, errstr_size,
                                         "timezone: \"%s\" is not a known zone id; use an IANA id such as "
                                         "America/New_York, UTC or a fixed offset",
                                         tz);
                                goto fail;
                        }
                        c->schedule_offset_ms = storage_tz_offset(z, ferry_wall_ms());
                        storage_tz_free(z);
                }
        }
        c->topics_dir = strdup(get(config, "topics.dir", "topics"));
        c->directory_delim = strdup(get(config, "directory.delim", "/"));
        c->file_delim = strdup(get(config, "file.delim", "+"));
        c->zero_pad_width = (int)get_long(config, "filename.offset.zero.pad.width", 10);
        if (c->zero_pad_width < 0 || c->zero_pad_width > 30)
                c->zero_pad_width = 10;
        const char *nb = get(config, "behavior.on.null.values", "fail");
        c->on_null = strcasecmp(nb, "ignore") == 0  ? STORAGE_NULL_IGNORE
                     : strcasecmp(nb, "write") == 0 ? STORAGE_NULL_WRITE
                                                    : STORAGE_NULL_FAIL;
        c->schema_compat_none = true;
        if (!c->topics_dir || !c->directory_delim || !c->file_delim) {
                snprintf(errstr, errstr_size, "out of memory");
                goto fail;
        }
        return 0;
fail:
        storage_config_free(c);
        return -1;
}

void storage_config_free(storage_config_t *c)
{
        if (c->format && c->format->release)
                c->format->release(c->format_inst);
        if (c->key_format && c->key_format->release)
                c->key_format->release(c->key_format_inst);
        if (c->header_format && c->header_format->release)
                c->header_format->release(c->header_format_inst);
        storage_partitioner_free(c->partitioner);
        free(c->topics_dir);
        free(c->directory_delim);
        free(c->file_delim);
        memset(c, 0, sizeof *c);
}

char *storage_file_dir(const storage_config_t *c, const char *topic, const char *encoded)
{
        ferry_buf_t b;
        ferry_buf_init(&b);
        if (c->topics_dir && *c->topics_dir)
                ferry_buf_printf(&b, "%s%s", c->topics_dir, c->directory_delim);
        ferry_buf_printf(&b, "%s%s%s", topic, c->directory_delim, encoded);
        return b.p ? ferry_buf_steal(&b) : NULL;
}

char *storage_file_name(const storage_config_t *c, const char *dir, const char *topic, int32_t partition,
                        int64_t start_offset, int64_t end_offset, const char *extension)
{
        ferry_buf_t b;
        ferry_buf_init(&b);
        ferry_buf_printf(&b, "%s%s%s%s%d%s%0*lld", dir, c->directory_delim, topic, c->file_delim,
                         (int)partition, c->file_delim, c->zero_pad_width, (long long)start_offset);
        if (end_offset >= 0)
                ferry_buf_printf(&b, "%s%0*lld", c->file_delim, c->zero_pad_width, (long long)end_offset);
        ferry_buf_puts(&b, extension);
        return b.p ? ferry_buf_steal(&b) : NULL;
}
