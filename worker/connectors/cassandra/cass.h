/* The Cassandra family's internals: the CQL session settings both configs share (cass_common.c),
 * and the writer (cass_writer.c) that takes one put()'s rows as prepared-statement operations,
 * groups them by partition key into unlogged (or counter) batches and runs many at once. */
#ifndef FERRY_CASSANDRA_H
#define FERRY_CASSANDRA_H

#include "shared/cql/cql_session.h"

#include <ferry/connector.h>

#define CASS_VERSION "1.4.0"

/* One row operation of a put(). */
typedef struct {
        const cql_prepared_t *stmt;
        cql_values_t vals;
        cql_buf_t pkey;   /* partition key values: rows with equal pkey share a batch */
        cql_buf_t rowkey; /* the whole primary key: a later row replaces an earlier one of a put */
        int64_t ts;       /* write timestamp (µs), INT64_MIN when the server's */
        bool counter;
        int consistency;
        const ferry_record_t *rec;
} cass_op_t;

typedef struct {
        cass_op_t *ops;
        size_t n, cap;
} cass_ops_t;

/* A new zeroed op at the end (NULL when out of memory). */
cass_op_t *cass_ops_add(cass_ops_t *ops);
void cass_ops_clear(cass_ops_t *ops);
void cass_ops_free(cass_ops_t *ops);

typedef enum { CASS_IGNORE_NONE, CASS_IGNORE_DRIVER, CASS_IGNORE_ALL } cass_ignore_t;

/* Writes every op: grouped by statement and partition key into batches of at most max_batch
 * (UNLOGGED, or COUNTER for counter updates; one row goes as a plain EXECUTE), at most
 * max_in_flight requests outstanding. Where a later op writes a table an earlier one wrote
 * through another statement, it waits until the earlier ones are acknowledged (record order).
 * FERRY_ERR_RETRIABLE when the node could not be reached or timed out (the whole put may run again: writes
 * carry their timestamps); a server error refusing a batch fails (errstr) unless ignore is DRIVER/ALL, then
 * its records go to the errant record reporter. */
ferry_err_t cass_write(ferry_task_t *t, cql_session_t *s, cass_ops_t *ops, int max_batch, int max_in_flight,
                       cass_ignore_t ignore, bool dlq, char *errstr, size_t errstr_size);

/* A record the sink skips: logged, and handed to the errant record reporter (dead letter queue)
 * only with dlq (errors.tolerance=all; with none the reporter would fail the task). */
void cass_skip(ferry_task_t *t, bool dlq, const ferry_record_t *r, const char *why);
/* Whether the connector config sets errors.tolerance=all. */
bool cass_dlq(const ferry_strmap_t *config);

/* Appends the bytes of the values at the given bind indexes (their [bytes] encodings) to out. */
void cass_values_key(const cql_values_t *vals, const uint16_t *idx, size_t n, cql_buf_t *out);

/* "ks.table" columns from system_schema: names, CQL types, kinds ("partition_key", "clustering",
 * "regular", "static"). */
typedef struct {
        char *name;
        char *type;
        char *kind;
        int position;
} cass_column_t;

typedef struct {
        cass_column_t *cols;
        size_t n;
} cass_table_meta_t;

/* Reads the table's columns; -1 (errstr: keyspace or table missing, or the server's error). */
int cass_table_meta(cql_session_t *s, const char *ks, const char *table, cass_table_meta_t *m, char *errstr,
                    size_t errstr_size);
void cass_table_meta_free(cass_table_meta_t *m);
const cass_column_t *cass_table_column(const cass_table_meta_t *m, const char *name);
/* Primary key columns in order (partition key, then clustering); caller frees the array. */
size_t cass_table_pk(const cass_table_meta_t *m, const cass_column_t ***out);

/* Quotes a CQL identifier when needed ("MyCol" -> "\"MyCol\""); into a static-size buffer. */
void cass_ident(const char *name, char *out, size_t out_size);

#endif
