/* Storage-sink partitioners and timestamp extractors (Confluent's storage-common Partitioner and
 * TimestampExtractor): the directory a record goes to ("encoded partition") and the time a
 * record counts as written at (for time-based directories and rotate.interval.ms).
 *
 * Partitioners, by class name (io.confluent.connect.storage.partitioner.*):
 *   DefaultPartitioner    "partition=<kafka partition>"
 *   FieldPartitioner      "<f1>=<v1><delim><f2>=<v2>" from partition.field.name (struct fields or
 *                         schemaless map keys; dotted names reach nested fields)
 *   TimeBasedPartitioner  path.format (Joda pattern) of the record's time bucket:
 *                         partition.duration.ms, locale, timezone, timestamp.extractor
 *   DailyPartitioner      'year'=YYYY<delim>'month'=MM<delim>'day'=dd, one day
 *   HourlyPartitioner     ... <delim>'hour'=HH, one hour
 * Extractors (timestamp.extractor): Wallclock, Record, RecordField (timestamp.field), or the
 * full class names io.confluent.connect.storage.partitioner.TimeBasedPartitioner$*TimestampExtractor.
 *
 * A partitioner is immutable after storage_partitioner_new and may be used by many writers. */
#ifndef FERRY_CONNECTORS_STORAGE_PARTITIONER_H
#define FERRY_CONNECTORS_STORAGE_PARTITIONER_H

#include <ferry/record.h>
#include <ferry/strmap.h>

#include "storage_tz.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
        STORAGE_PARTITIONER_DEFAULT,
        STORAGE_PARTITIONER_FIELD,
        STORAGE_PARTITIONER_TIME,
        STORAGE_PARTITIONER_DAILY,
        STORAGE_PARTITIONER_HOURLY,
} storage_partitioner_kind_t;

typedef enum {
        STORAGE_TS_WALLCLOCK,
        STORAGE_TS_RECORD,
        STORAGE_TS_RECORD_FIELD,
} storage_ts_kind_t;

typedef struct storage_partitioner storage_partitioner_t;

/* Builds the partitioner of partitioner.class (default DefaultPartitioner) with its keys:
 * directory.delim ("/"), partition.field.name, path.format, partition.duration.ms, locale,
 * timezone, timestamp.extractor (default Wallclock), timestamp.field (default "timestamp").
 * NULL with a message naming the key on a bad or missing value. */
storage_partitioner_t *storage_partitioner_new(const ferry_strmap_t *config, char *errstr,
                                               size_t errstr_size);
void storage_partitioner_free(storage_partitioner_t *p);
storage_partitioner_kind_t storage_partitioner_kind(const storage_partitioner_t *p);
/* Whether the partitioner has a timestamp extractor (the time-based ones): rotate.interval.ms
 * only works with one, as in Confluent. */
bool storage_partitioner_has_extractor(const storage_partitioner_t *p);

/* The record's time per the extractor (ms since the epoch). now_ms is the wall clock the caller
 * read once per batch. -1 with a message when the record has no usable time (a Record extractor
 * with no record timestamp, a missing or malformed timestamp.field). A partitioner without an
 * extractor answers now_ms. */
int storage_partitioner_timestamp(const storage_partitioner_t *p, const ferry_record_t *rec, int64_t now_ms,
                                  int64_t *ts_ms, char *errstr, size_t errstr_size);

/* The encoded partition of a record (malloc'd into *out), e.g. "partition=3",
 * "country=NL/city=Delft", "year=2026/month=12/day=07". ts_ms: the record's time from
 * storage_partitioner_timestamp (ignored by Default and Field). -1 with a message (a missing or
 * unsupported partition field). */
int storage_partitioner_encode(const storage_partitioner_t *p, const ferry_record_t *rec, int64_t ts_ms,
                               char **out, char *errstr, size_t errstr_size);

/* The directory of a file: <topic><delim><encoded partition> (Confluent's
 * generatePartitionedPath); malloc'd, NULL when out of memory. */
char *storage_partitioner_path(const storage_partitioner_t *p, const char *topic, const char *encoded);

/* ---- time buckets (TimeBasedPartitioner.getPartition), exposed for tests ---- */
/* The start of the bucket of duration_ms holding ts_ms, in a zone offset_ms from UTC. */
int64_t storage_time_bucket(int64_t ts_ms, int64_t duration_ms, int64_t offset_ms);
/* A timezone id as a fixed offset from UTC: "UTC", "GMT", "Z", "Etc/UTC", "+02:00", "-0530",
 * "UTC+1", "GMT-03:30". -1 for region ids (Europe/Amsterdam ...), which this build refuses with
 * a message naming the timezone key. */
int storage_timezone_offset(const char *tz, int64_t *offset_ms);
/* The start (UTC) of the bucket of duration_ms holding ts_ms in the named zone z, as
 * TimeBasedPartitioner.getPartition computes it with Joda (DST gaps and overlaps included). */
int64_t storage_time_bucket_tz(int64_t ts_ms, int64_t duration_ms, storage_tz_t *z);
/* Rewrites a Joda path.format into the SimpleDateFormat dialect of <ferry/datefmt.h> (Joda's Y is
 * year-of-era, x is week-year). malloc'd, NULL when out of memory. */
char *storage_joda_to_simple(const char *joda);

#endif
