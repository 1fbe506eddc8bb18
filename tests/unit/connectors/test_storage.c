/* Unit tests for the storage-sink core (worker/connectors/shared/storage): file names, the
 * partitioners and timestamp extractors, time buckets and timezones, and the topic partition
 * writer's rotation (flush.size, schema changes, rotate.interval.ms), committable offsets and
 * rewind after a store failure, over an in-memory backend. */
#include "shared/storage/storage_format.h"
#include "shared/storage/storage_writer.h"

#include <criterion/criterion.h>

#include <ferry/buf.h>
#include <ferry/strmap.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char err[512];

static ferry_strmap_t *cfg(const char *const *kv)
{
        ferry_strmap_t *m = calloc(1, sizeof *m);
        ferry_strmap_init(m);
        for (; kv && kv[0]; kv += 2)
                ferry_strmap_set(m, kv[0], kv[1]);
        return m;
}

static void cfg_free(ferry_strmap_t *m)
{
        ferry_strmap_free(m);
        free(m);
}

static ferry_schema_t *order_schema(void)
{
        ferry_schema_t *s = ferry_schema_struct("order");
        ferry_schema_add_field(s, "id", ferry_schema_new(FERRY_TYPE_INT64));
        ferry_schema_add_field(s, "country", ferry_schema_new(FERRY_TYPE_STRING));
        ferry_schema_add_field(s, "vip", ferry_schema_new(FERRY_TYPE_BOOLEAN));
        ferry_schema_add_field(s, "price", ferry_schema_new(FERRY_TYPE_FLOAT64));
        ferry_schema_add_field(s, "ts", ferry_schema_optional(FERRY_TYPE_STRING));
        return s;
}

static ferry_record_t *order(ferry_schema_t *s, int64_t offset, const char *country, int64_t ts,
                             const char *ts_text)
{
        ferry_value_t *v = ferry_value_struct(s);
        ferry_struct_put_int(v, "id", offset);
        ferry_struct_put_string(v, "country", country);
        ferry_struct_put_bool(v, "vip", offset % 2 == 0);
        ferry_struct_put_double(v, "price", 1.5);
        if (ts_text)
                ferry_struct_put_string(v, "ts", ts_text);
        ferry_record_t *r = ferry_record_new("orders", NULL, NULL, ferry_schema_ref(s), v);
        r->partition = 3;
        r->kafka_offset = offset;
        r->timestamp = ts;
        return r;
}

/* ---- naming ---- */
Test(storage, file_names)
{
        const char *kv[] = {"format.class", "io.confluent.connect.s3.format.json.JsonFormat", "flush.size",
                            "3", NULL};
        ferry_strmap_t *m = cfg(kv);
        storage_config_t c;
        cr_assert_eq(storage_config_init(&c, m, err, sizeof err), 0, "%s", err);
        char *dir = storage_file_dir(&c, "orders", "partition=3");
        cr_assert_str_eq(dir, "topics/orders/partition=3");
        char *n = storage_file_name(&c, dir, "orders", 3, 42, -1, ".json");
        cr_assert_str_eq(n, "topics/orders/partition=3/orders+3+0000000042.json");
        free(n);
        n = storage_file_name(&c, dir, "orders", 3, 42, 99, ".avro");
        cr_assert_str_eq(n, "topics/orders/partition=3/orders+3+0000000042+0000000099.avro");
        free(n);
        free(dir);
        storage_config_free(&c);
        cfg_free(m);

        const char *kv2[] = {"format.class",
                             "io.confluent.connect.s3.format.bytearray.ByteArrayFormat",
                             "flush.size",
                             "1",
                             "topics.dir",
                             "",
                             "directory.delim",
                             "_",
                             "file.delim",
                             "#",
                             "filename.offset.zero.pad.width",
                             "4",
                             "s3.compression.type",
                             "gzip",
                             NULL};
        m = cfg(kv2);
        cr_assert_eq(storage_config_init(&c, m, err, sizeof err), 0, "%s", err);
        cr_assert_str_eq(c.format->extension(c.format_inst), ".bin.gz");
        dir = storage_file_dir(&c, "t", "partition=0");
        n = storage_file_name(&c, dir, "t", 0, 7, -1, ".bin");
        cr_assert_str_eq(n, "t_partition=0_t#0#0007.bin");
        free(n);
        free(dir);
        storage_config_free(&c);
        cfg_free(m);
}

Test(storage, format_table)
{
        cr_assert_eq(storage_format_find("io.confluent.connect.s3.format.json.JsonFormat"),
                     &storage_format_json);
        cr_assert_eq(storage_format_find("io.confluent.connect.hdfs.avro.AvroFormat"), &storage_format_avro);
        cr_assert_eq(storage_format_find("io.confluent.connect.hdfs.string.StringFormat"),
                     &storage_format_string);
        cr_assert_eq(storage_format_find("io.confluent.connect.s3.format.parquet.ParquetFormat"),
                     &storage_format_parquet);
        cr_assert_null(storage_format_find("io.confluent.connect.s3.format.json.Nope"));
}

/* ---- partitioners ---- */
static char *encode(const char *const *kv, const ferry_record_t *r, int64_t now, int *rc)
{
        ferry_strmap_t *m = cfg(kv);
        storage_partitioner_t *p = storage_partitioner_new(m, err, sizeof err);
        cfg_free(m);
        cr_assert_not_null(p, "%s", err);
        int64_t ts;
        char *out = NULL;
        *rc = storage_partitioner_timestamp(p, r, now, &ts, err, sizeof err);
        if (*rc == 0)
                *rc = storage_partitioner_encode(p, r, ts, &out, err, sizeof err);
        storage_partitioner_free(p);
        return out;
}

Test(storage, partitioners)
{
        ferry_schema_t *s = order_schema();
        ferry_record_t *r =
                order(s, 6, "NL", 1796126400000 /* 2026-12-01T12:00Z */, "2026-12-02T23:30:00+02:00");
        int rc;
        const char *def[] = {NULL};
        char *e = encode(def, r, 0, &rc);
        cr_assert_str_eq(e, "partition=3");
        free(e);
        const char *field[] = {"partitioner.class",
                               "io.confluent.connect.storage.partitioner.FieldPartitioner",
                               "partition.field.name", "country,vip,id", NULL};
        e = encode(field, r, 0, &rc);
        cr_assert_str_eq(e, "country=NL/vip=true/id=6");
        free(e);
        const char *bad_field[] = {"partitioner.class", "FieldPartitioner", "partition.field.name", "price",
                                   NULL};
        e = encode(bad_field, r, 0, &rc);
        cr_assert_eq(rc, -1);
        cr_assert(strstr(err, "not supported as a partition key"), "%s", err);
        const char *daily[] = {"partitioner.class",
                               "io.confluent.connect.storage.partitioner.DailyPartitioner",
                               "locale",
                               "en-US",
                               "timezone",
                               "UTC",
                               "timestamp.extractor",
                               "Record",
                               NULL};
        e = encode(daily, r, 0, &rc);
        cr_assert_str_eq(e, "year=2026/month=12/day=01");
        free(e);
        const char *hourly[] = {"partitioner.class",
                                "HourlyPartitioner",
                                "locale",
                                "en-US",
                                "timezone",
                                "+02:00",
                                "timestamp.extractor",
                                "Record",
                                "directory.delim",
                                "-",
                                NULL};
        e = encode(hourly, r, 0, &rc);
        cr_assert_str_eq(e, "year=2026-month=12-day=01-hour=14");
        free(e);
        /* TimeBased, 15-minute buckets, the time from a field (an ISO string with an offset). */
        const char *tb[] = {"partitioner.class",
                            "TimeBasedPartitioner",
                            "path.format",
                            "YYYY/MM/dd/HH-mm",
                            "partition.duration.ms",
                            "900000",
                            "locale",
                            "en",
                            "timezone",
                            "UTC",
                            "timestamp.extractor",
                            "RecordField",
                            "timestamp.field",
                            "ts",
                            NULL};
        e = encode(tb, r, 0, &rc);
        cr_assert_str_eq(e, "2026/12/02/21-30");
        free(e);
        /* Wallclock uses the time given. */
        const char *wall[] = {
                "partitioner.class", "DailyPartitioner", "locale", "en", "timezone", "UTC", NULL};
        e = encode(wall, r, 86400000LL * 365, &rc);
        cr_assert_str_eq(e, "year=1971/month=01/day=01");
        free(e);
        /* Record extractor without a record time. */
        r->timestamp = -1;
        e = encode(daily, r, 0, &rc);
        cr_assert_eq(rc, -1);
        cr_assert(strstr(err, "Unable to determine timestamp"), "%s", err);
        ferry_record_free(r);
        ferry_schema_unref(s);

        const char *no_tz[] = {"partitioner.class", "DailyPartitioner", "locale", "en", NULL};
        ferry_strmap_t *m = cfg(no_tz);
        cr_assert_null(storage_partitioner_new(m, err, sizeof err));
        cr_assert(strncmp(err, "timezone:", 9) == 0, "%s", err);
        cfg_free(m);
}

Test(storage, time_buckets_and_zones)
{
        cr_assert_eq(storage_time_bucket(3599999, 3600000, 0), 0);
        cr_assert_eq(storage_time_bucket(3600000, 3600000, 0), 3600000);
        /* A zone two hours east: the day starts at 22:00 UTC the day before. */
        cr_assert_eq(storage_time_bucket(86400000 + 3600000, 86400000, 7200000), 86400000 - 7200000);
        int64_t off;
        cr_assert_eq(storage_timezone_offset("UTC", &off), 0);
        cr_assert_eq(off, 0);
        cr_assert_eq(storage_timezone_offset("+05:30", &off), 0);
        cr_assert_eq(off, 19800000);
        cr_assert_eq(storage_timezone_offset("GMT-3", &off), 0);
        cr_assert_eq(off, -10800000);
        cr_assert_eq(storage_timezone_offset("Europe/Amsterdam", &off), -1); /* a named zone: ICU's */
        char *j = storage_joda_to_simple("'year'=YYYY/'x'xxxx/ee");
        cr_assert_str_eq(j, "'year'=yyyy/'x'YYYY/uu");
        free(j);
}

/* ---- rotation over an in-memory backend ---- */
typedef struct {
        char names[32][160];
        char data[32][4096];
        int n;
        int fail_commits; /* commits to fail with RETRIABLE */
} mem_t;

typedef struct {
        ferry_buf_t b;
} mem_obj_t;

static ferry_err_t m_open(void *ctx, const storage_file_t *f, void **obj, char *e, size_t es)
{
        (void)ctx, (void)f, (void)e, (void)es;
        mem_obj_t *o = calloc(1, sizeof *o);
        ferry_buf_init(&o->b);
        *obj = o;
        return FERRY_ERR_OK;
}

static ferry_err_t m_write(void *ctx, void *obj, const void *p, size_t n, char *e, size_t es)
{
        (void)ctx, (void)e, (void)es;
        ferry_buf_append(&((mem_obj_t *)obj)->b, p, n);
        return FERRY_ERR_OK;
}

static void m_abort(void *ctx, void *obj)
{
        (void)ctx;
        mem_obj_t *o = obj;
        ferry_buf_free(&o->b);
        free(o);
}

static ferry_err_t m_commit(void *ctx, void *obj, const storage_file_t *f, char *e, size_t es)
{
        mem_t *m = ctx;
        if (m->fail_commits > 0) {
                m->fail_commits--;
                snprintf(e, es, "503 SlowDown");
                return FERRY_ERR_RETRIABLE;
        }
        mem_obj_t *o = obj;
        snprintf(m->names[m->n], sizeof m->names[0], "%s", f->name);
        snprintf(m->data[m->n], sizeof m->data[0], "%s", o->b.p ? o->b.p : "");
        m->n++;
        m_abort(ctx, obj);
        return FERRY_ERR_OK;
}

static storage_tpw_t *tpw(mem_t *m, storage_backend_t *b, storage_config_t *c, const char *const *kv)
{
        ferry_strmap_t *map = cfg(kv);
        cr_assert_eq(storage_config_init(c, map, err, sizeof err), 0, "%s", err);
        cfg_free(map);
        *b = (storage_backend_t){.size = sizeof *b,
                                 .ctx = m,
                                 .naming = STORAGE_NAME_START,
                                 .open = m_open,
                                 .write = m_write,
                                 .commit = m_commit,
                                 .abort = m_abort};
        return storage_tpw_new(c, b, "orders", 3);
}

static ferry_err_t put(storage_tpw_t *w, ferry_record_t *r, int64_t *rewind)
{
        ferry_err_t e = storage_tpw_write(w, r, 0, rewind, err, sizeof err);
        ferry_record_free(r);
        return e;
}

Test(storage, rotation_flush_size_and_offsets)
{
        mem_t m = {0};
        storage_backend_t b;
        storage_config_t c;
        const char *kv[] = {"format.class", "io.confluent.connect.s3.format.json.JsonFormat", "flush.size",
                            "3", NULL};
        storage_tpw_t *w = tpw(&m, &b, &c, kv);
        ferry_schema_t *s = order_schema();
        int64_t rw, off;
        cr_assert_not(storage_tpw_committable(w, &off));
        for (int i = 10; i < 17; i++)
                cr_assert_eq(put(w, order(s, i, "NL", 0, NULL), &rw), FERRY_ERR_OK, "%s", err);
        cr_assert_eq(m.n, 2);
        cr_assert_str_eq(m.names[0], "topics/orders/partition=3/orders+3+0000000010.json");
        cr_assert_str_eq(m.names[1], "topics/orders/partition=3/orders+3+0000000013.json");
        cr_assert_str_eq(m.data[0],
                         "{\"id\":10,\"country\":\"NL\",\"vip\":true,\"price\":1.5,\"ts\":null}\n"
                         "{\"id\":11,\"country\":\"NL\",\"vip\":false,\"price\":1.5,\"ts\":null}\n"
                         "{\"id\":12,\"country\":\"NL\",\"vip\":true,\"price\":1.5,\"ts\":null}\n");
        cr_assert(storage_tpw_committable(w, &off));
        cr_assert_eq(off, 16); /* record 16 is in the open file */
        cr_assert_eq(storage_tpw_open_files(w), 1);
        /* A record seen already is skipped. */
        cr_assert_eq(put(w, order(s, 14, "NL", 0, NULL), &rw), FERRY_ERR_OK);
        /* A schema change commits the open file first. */
        ferry_schema_t *s2 = ferry_schema_struct("order2");
        ferry_schema_add_field(s2, "id", ferry_schema_new(FERRY_TYPE_INT64));
        ferry_value_t *v = ferry_value_struct(s2);
        ferry_struct_put_int(v, "id", 17);
        ferry_record_t *r = ferry_record_new("orders", NULL, NULL, ferry_schema_ref(s2), v);
        r->partition = 3;
        r->kafka_offset = 17;
        cr_assert_eq(put(w, r, &rw), FERRY_ERR_OK, "%s", err);
        cr_assert_eq(m.n, 3);
        cr_assert_str_eq(m.names[2], "topics/orders/partition=3/orders+3+0000000016.json");
        cr_assert(storage_tpw_committable(w, &off));
        cr_assert_eq(off, 17);
        storage_tpw_free(w);
        ferry_schema_unref(s);
        ferry_schema_unref(s2);
        storage_config_free(&c);
}

Test(storage, rotation_interval_and_rewind)
{
        mem_t m = {0};
        storage_backend_t b;
        storage_config_t c;
        const char *kv[] = {"format.class",
                            "io.confluent.connect.s3.format.json.JsonFormat",
                            "flush.size",
                            "100",
                            "rotate.interval.ms",
                            "1000",
                            "partitioner.class",
                            "TimeBasedPartitioner",
                            "path.format",
                            "'h'=HH",
                            "partition.duration.ms",
                            "3600000",
                            "locale",
                            "en",
                            "timezone",
                            "UTC",
                            "timestamp.extractor",
                            "Record",
                            NULL};
        storage_tpw_t *w = tpw(&m, &b, &c, kv);
        ferry_schema_t *s = order_schema();
        int64_t rw, off;
        cr_assert_eq(put(w, order(s, 0, "NL", 0, NULL), &rw), FERRY_ERR_OK, "%s", err);
        cr_assert_eq(put(w, order(s, 1, "NL", 999, NULL), &rw), FERRY_ERR_OK);
        cr_assert_eq(m.n, 0);
        cr_assert_eq(put(w, order(s, 2, "NL", 1000, NULL), &rw), FERRY_ERR_OK); /* 1000 ms after the first */
        cr_assert_eq(m.n, 1);
        cr_assert_str_eq(m.names[0], "topics/orders/h=00/orders+3+0000000000.json");
        /* The store fails on the next rotation: the open file is dropped, the writer asks to read
         * again from its first offset, skips the rest of the old batch and restarts there. */
        m.fail_commits = 1;
        cr_assert_eq(put(w, order(s, 3, "NL", 2500, NULL), &rw), FERRY_ERR_RETRIABLE);
        cr_assert_eq(rw, 2);
        cr_assert_eq(storage_tpw_open_files(w), 0);
        cr_assert(storage_tpw_committable(w, &off));
        cr_assert_eq(off, 2);
        cr_assert_eq(put(w, order(s, 4, "NL", 2600, NULL), &rw), FERRY_ERR_OK); /* still the old batch */
        cr_assert_eq(storage_tpw_open_files(w), 0);
        cr_assert_eq(put(w, order(s, 2, "NL", 1000, NULL), &rw), FERRY_ERR_OK); /* after the seek */
        cr_assert_eq(put(w, order(s, 3, "NL", 2500, NULL), &rw), FERRY_ERR_OK);
        cr_assert_eq(m.n, 2);
        cr_assert_str_eq(m.names[1], "topics/orders/h=00/orders+3+0000000002.json");
        cr_assert(storage_tpw_committable(w, &off));
        cr_assert_eq(off, 3);
        storage_tpw_free(w);
        ferry_schema_unref(s);
        storage_config_free(&c);
}

Test(storage, null_values)
{
        mem_t m = {0};
        storage_backend_t b;
        storage_config_t c;
        const char *kv[] = {"format.class",
                            "io.confluent.connect.s3.format.json.JsonFormat",
                            "flush.size",
                            "2",
                            "behavior.on.null.values",
                            "ignore",
                            NULL};
        storage_tpw_t *w = tpw(&m, &b, &c, kv);
        int64_t rw, off;
        ferry_record_t *r = ferry_record_new("orders", NULL, NULL, NULL, NULL);
        r->partition = 3;
        r->kafka_offset = 5;
        cr_assert_eq(put(w, r, &rw), FERRY_ERR_OK);
        cr_assert_eq(storage_tpw_open_files(w), 0);
        cr_assert(storage_tpw_committable(w, &off));
        cr_assert_eq(off, 6);
        storage_tpw_free(w);
        storage_config_free(&c);

        const char *kv2[] = {"format.class", "io.confluent.connect.s3.format.json.JsonFormat", "flush.size",
                             "2", NULL};
        w = tpw(&m, &b, &c, kv2);
        r = ferry_record_new("orders", NULL, NULL, NULL, NULL);
        r->partition = 3;
        r->kafka_offset = 5;
        cr_assert_eq(put(w, r, &rw), FERRY_ERR_FATAL);
        cr_assert(strstr(err, "behavior.on.null.values"), "%s", err);
        storage_tpw_free(w);
        storage_config_free(&c);
}

/* store.kafka.headers: Confluent's HeaderRecordView, an array of {key, value} strings (values as
 * Values.convertToString writes them), enveloped in RecordHeaders for JSON and Parquet; a record
 * without headers is refused. */
Test(storage, headers_view)
{
        ferry_record_t *r = ferry_record_new("orders", NULL, NULL, NULL, NULL);
        r->partition = 2;
        r->kafka_offset = 7;
        ferry_schema_t *hs = NULL;
        ferry_value_t *hv = NULL;
        char e[256];
        cr_assert_eq(storage_headers_view(r, false, &hs, &hv, e, sizeof e), -2);
        cr_assert(strstr(e, "Headers cannot be null for SinkRecord orders-2 offset 7"), "%s", e);
        cr_assert_eq(ferry_record_add_header(r, "trace", ferry_schema_new(FERRY_TYPE_STRING),
                                             ferry_value_cstring("t1")),
                     0);
        cr_assert_eq(ferry_record_add_header(r, "n", ferry_schema_new(FERRY_TYPE_INT8),
                                             ferry_value_int(FERRY_TYPE_INT8, 3)),
                     0);
        for (int env = 0; env < 2; env++) {
                cr_assert_eq(storage_headers_view(r, env, &hs, &hv, e, sizeof e), 0, "%s", e);
                cr_assert_eq(hs->type, env ? FERRY_TYPE_STRUCT : FERRY_TYPE_ARRAY);
                if (env)
                        cr_assert_str_eq(hs->name, "RecordHeaders");
                const ferry_value_t *arr = env ? ferry_struct_get(hv, "headers") : hv;
                cr_assert_not_null(arr);
                cr_assert_eq(arr->type, FERRY_TYPE_ARRAY);
                cr_assert_eq(arr->u.a.n, 2);
                cr_assert_str_eq(ferry_struct_get_string(arr->u.a.items[0], "key"), "trace");
                cr_assert_str_eq(ferry_struct_get_string(arr->u.a.items[0], "value"), "t1");
                cr_assert_str_eq(ferry_struct_get_string(arr->u.a.items[1], "key"), "n");
                cr_assert_str_eq(ferry_struct_get_string(arr->u.a.items[1], "value"), "3");
                ferry_value_free(hv);
                ferry_schema_unref(hs);
        }
        ferry_record_free(r);
}

/* Named zones (ICU) with DST, as Joda answers TimeBasedPartitioner: America/New_York springs
 * forward on 2026-03-08 at 07:00Z (02:00 EST -> 03:00 EDT) and falls back on 2026-11-01 at 06:00Z
 * (02:00 EDT -> 01:00 EST). */
Test(storage, named_zones_dst)
{
        cr_assert_null(storage_tz_open("America/Nowhere"));
        storage_tz_t *ny = storage_tz_open("America/New_York");
        cr_assert_not_null(ny);
        const int64_t H = 3600000, spring = 1772953200000LL /* 2026-03-08T07:00Z */,
                      fall = 1793512800000LL /* 2026-11-01T06:00Z */;
        cr_assert_eq(storage_tz_offset(ny, spring - 1), -5 * H);
        cr_assert_eq(storage_tz_offset(ny, spring), -4 * H);
        cr_assert_eq(storage_tz_offset(ny, fall - 1), -4 * H);
        cr_assert_eq(storage_tz_offset(ny, fall), -5 * H);
        cr_assert_eq(storage_tz_next_transition(ny, spring - H), spring);
        cr_assert_eq(storage_tz_next_transition(ny, spring), fall);
        /* Hourly buckets: 01:30 EST -> 01:00 EST; 03:30 EDT -> 03:00 EDT (07:00Z). */
        cr_assert_eq(storage_time_bucket_tz(spring - H / 2, H, ny), spring - H);
        cr_assert_eq(storage_time_bucket_tz(spring + H / 2, H, ny), spring);
        /* Two-hour buckets: 03:30 EDT floors to local 02:00, which does not exist; Joda takes the
         * offset before the gap (EST), so the bucket starts at 07:00Z (03:00 EDT), not 06:00Z. */
        cr_assert_eq(storage_time_bucket_tz(spring + H / 2, 2 * H, ny), spring);
        /* Fall back: both 01:30 EDT (05:30Z) and 01:30 EST (06:30Z) are local 01:00-02:00, whose
         * start Joda resolves to the earlier instant, 05:00Z (01:00 EDT). */
        cr_assert_eq(storage_time_bucket_tz(fall - H / 2, H, ny), fall - H);
        cr_assert_eq(storage_time_bucket_tz(fall + H / 2, H, ny), fall - H);
        /* Days are 23 and 25 hours long: they start at local midnight. */
        cr_assert_eq(storage_time_bucket_tz(spring + 5 * H, 24 * H, ny), spring - 2 * H);
        cr_assert_eq(storage_time_bucket_tz(fall + 20 * H, 24 * H, ny), fall - 2 * H);
        storage_tz_free(ny);

        /* The partitioner's paths: hours of a New York day across the spring change. */
        ferry_schema_t *s = order_schema();
        const char *hourly[] = {"partitioner.class", "HourlyPartitioner",   "locale", "en-US", "timezone",
                                "America/New_York",  "timestamp.extractor", "Record", NULL};
        const struct {
                int64_t ts;
                const char *path;
        } cases[] = {
                {spring - H / 2, "year=2026/month=03/day=08/hour=01"},
                {spring + H / 2, "year=2026/month=03/day=08/hour=03"},
                {fall - H / 2, "year=2026/month=11/day=01/hour=01"},
                {fall + H / 2, "year=2026/month=11/day=01/hour=01"},
                {fall + 3 * H / 2, "year=2026/month=11/day=01/hour=02"},
                {1796126400000LL, "year=2026/month=12/day=01/hour=07"},
        };
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
                ferry_record_t *r = order(s, 1, "NL", cases[i].ts, NULL);
                int rc;
                char *e = encode(hourly, r, 0, &rc);
                cr_assert_eq(rc, 0, "%s", err);
                cr_assert_str_eq(e, cases[i].path, "ts %lld", (long long)cases[i].ts);
                free(e);
                ferry_record_free(r);
        }
        ferry_schema_unref(s);
        const char *bad[] = {"partitioner.class", "DailyPartitioner", "locale", "en",
                             "timezone",          "Mars/Base",        NULL};
        ferry_strmap_t *m = cfg(bad);
        cr_assert_null(storage_partitioner_new(m, err, sizeof err));
        cr_assert(strstr(err, "timezone: \"Mars/Base\" is not a known zone id"), "%s", err);
        cfg_free(m);
}

/* Many encoded partitions in one Kafka partition (the writer's table of them grows while format
 * writers append to their files' buffers), and the memory budget's spill: the files committed are
 * the same with spills as without. */
Test(storage, spill_keeps_files_identical)
{
        const char *kv[] = {"format.class",
                            "io.confluent.connect.s3.format.json.JsonFormat",
                            "flush.size",
                            "40",
                            "partitioner.class",
                            "FieldPartitioner",
                            "partition.field.name",
                            "country",
                            NULL};
        static mem_t plain, spilled;
        mem_t *ms[2] = {&plain, &spilled};
        ferry_schema_t *s = order_schema();
        for (int run = 0; run < 2; run++) {
                storage_backend_t b;
                storage_config_t c;
                storage_tpw_t *w = tpw(ms[run], &b, &c, kv);
                if (run == 1)
                        b.spill = m_write;
                int64_t rw;
                size_t spills = 0;
                for (int i = 0; i < 40; i++) {
                        char country[8];
                        snprintf(country, sizeof country, "C%d", i % 10);
                        cr_assert_eq(put(w, order(s, i, country, 0, NULL), &rw), FERRY_ERR_OK, "%s", err);
                        if (run == 1 && i % 3 == 0 && i < 39) {
                                size_t before = storage_tpw_buffered(w), freed;
                                cr_assert_eq(storage_tpw_spill_largest(w, &freed, &rw, err, sizeof err),
                                             FERRY_ERR_OK, "%s", err);
                                cr_assert_gt(freed, 0);
                                cr_assert_lt(storage_tpw_buffered(w), before);
                                spills++;
                        }
                }
                cr_assert_eq(ms[run]->n, 10, "run %d: %d files", run, ms[run]->n);
                if (run == 1)
                        cr_assert_gt(spills, 10);
                storage_tpw_free(w);
                storage_config_free(&c);
        }
        for (int i = 0; i < 10; i++) {
                cr_assert_str_eq(plain.names[i], spilled.names[i]);
                cr_assert_str_eq(plain.data[i], spilled.data[i], "file %s", plain.names[i]);
        }
        cr_assert_str_eq(plain.names[3], "topics/orders/country=C3/orders+3+0000000003.json");
        ferry_schema_unref(s);
}

/* ---- a backend whose commits finish later (as S3's completer thread) ---- */
typedef struct {
        int started, durable;
        int released;     /* settles allowed to finish without waiting */
        int fail_settles; /* settles to fail with RETRIABLE */
} defer_t;

static ferry_err_t d_commit(void *ctx, void *obj, const storage_file_t *f, char *e, size_t es)
{
        (void)obj, (void)f, (void)e, (void)es;
        ((defer_t *)ctx)->started++;
        return FERRY_ERR_OK; /* obj is kept until settled */
}

static ferry_err_t d_settle(void *ctx, void *obj, bool wait, bool *done, char *e, size_t es)
{
        defer_t *d = ctx;
        *done = wait || d->released > 0;
        if (!*done)
                return FERRY_ERR_OK;
        if (d->released > 0)
                d->released--;
        m_abort(NULL, obj);
        if (d->fail_settles > 0) {
                d->fail_settles--;
                snprintf(e, es, "500 InternalError");
                return FERRY_ERR_RETRIABLE;
        }
        d->durable++;
        return FERRY_ERR_OK;
}

Test(storage, deferred_commits_settle_in_order)
{
        defer_t d = {0};
        storage_config_t c;
        const char *kv[] = {"format.class", "io.confluent.connect.s3.format.json.JsonFormat", "flush.size",
                            "2", NULL};
        ferry_strmap_t *map = cfg(kv);
        cr_assert_eq(storage_config_init(&c, map, err, sizeof err), 0, "%s", err);
        cfg_free(map);
        storage_backend_t b = {.size = sizeof b,
                               .ctx = &d,
                               .naming = STORAGE_NAME_START,
                               .open = m_open,
                               .write = m_write,
                               .commit = d_commit,
                               .abort = m_abort,
                               .settle = d_settle};
        storage_tpw_t *w = storage_tpw_new(&c, &b, "orders", 3);
        ferry_schema_t *s = order_schema();
        int64_t rw, off;
        for (int i = 0; i < 4; i++)
                cr_assert_eq(put(w, order(s, i, "NL", 0, NULL), &rw), FERRY_ERR_OK, "%s", err);
        cr_assert_eq(d.started, 2);
        cr_assert_eq(storage_tpw_unsettled(w), 2);
        /* Committed files count only once settled. */
        cr_assert_not(storage_tpw_committable(w, &off));
        d.released = 1;
        cr_assert_eq(storage_tpw_settle(w, false, &rw, err, sizeof err), FERRY_ERR_OK, "%s", err);
        cr_assert_eq(storage_tpw_unsettled(w), 1);
        cr_assert(storage_tpw_committable(w, &off));
        cr_assert_eq(off, 2);
        /* The second file fails: the open file is dropped and the partition rewinds to the failed
         * file's first offset. */
        cr_assert_eq(put(w, order(s, 4, "NL", 0, NULL), &rw), FERRY_ERR_OK, "%s", err);
        cr_assert_eq(storage_tpw_open_files(w), 1);
        d.released = 1;
        d.fail_settles = 1;
        cr_assert_eq(storage_tpw_settle(w, false, &rw, err, sizeof err), FERRY_ERR_RETRIABLE);
        cr_assert_eq(rw, 2);
        cr_assert_str_eq(err, "500 InternalError");
        cr_assert_eq(storage_tpw_open_files(w), 0);
        cr_assert_eq(storage_tpw_unsettled(w), 0);
        cr_assert(storage_tpw_committable(w, &off));
        cr_assert_eq(off, 2);
        cr_assert_eq(put(w, order(s, 5, "NL", 0, NULL), &rw), FERRY_ERR_OK); /* before the seek: skipped */
        cr_assert_eq(storage_tpw_open_files(w), 0);
        for (int i = 2; i < 6; i++)
                cr_assert_eq(put(w, order(s, i, "NL", 0, NULL), &rw), FERRY_ERR_OK, "%s", err);
        cr_assert_eq(d.started, 4);
        cr_assert_eq(d.durable, 1);
        /* Committing everything waits for the files under way. */
        cr_assert_eq(storage_tpw_commit_all(w, &rw, err, sizeof err), FERRY_ERR_OK, "%s", err);
        cr_assert_eq(d.durable, 3);
        cr_assert_eq(storage_tpw_unsettled(w), 0);
        cr_assert(storage_tpw_committable(w, &off));
        cr_assert_eq(off, 6);
        storage_tpw_free(w);
        ferry_schema_unref(s);
        storage_config_free(&c);
}
