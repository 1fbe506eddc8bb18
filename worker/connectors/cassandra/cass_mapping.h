/* DataStax mapping internals (cass_mapping.c): the per-table settings of
 * topic.<topic>.<keyspace>.<table>.<setting> keys, the "col=expr, ..." mapping, and turning one
 * record into the bound values of the table's prepared INSERT, DELETE or counter UPDATE. */
#ifndef FERRY_CASSANDRA_MAPPING_H
#define FERRY_CASSANDRA_MAPPING_H

#include "cass.h"

#include <ferry/config.h>

typedef enum { SRC_KEY, SRC_VALUE, SRC_HEADER, SRC_NOW } cass_src_t;

typedef struct {
        char *column; /* as written, quotes removed */
        cass_src_t src;
        char **path; /* field path below key/value, or the header name */
        size_t depth;
        char *expr; /* as written, for messages */
        bool is_pk, is_counter;
        const cql_type_t *type; /* the bind type, from the prepared statement */
} cass_map_t;

typedef struct {
        char *topic, *ks, *table;
        char *prefix; /* "topic.<t>.<ks>.<table>." for messages */
        cass_map_t *maps;
        size_t n_maps;
        int ttl_map, ts_map; /* index of __ttl / __timestamp, -1 when not mapped */
        int consistency;
        int64_t ttl; /* -1: none */
        int64_t ttl_unit_ns, ts_unit_ns;
        bool null_to_unset, deletes_enabled;
        char *query; /* user statement, or NULL */
        bool counter;
        /* prepared statements and their bind order (indexes into maps; -2 ttl, -3 timestamp) */
        const cql_prepared_t *insert, *del;
        int *ins_binds, *del_binds;
        size_t n_ins_binds, n_del_binds;
        int *pk_maps; /* the maps of the primary key columns, in key order */
        size_t n_pk;
} cass_tablecfg_t;

typedef struct {
        cass_tablecfg_t *t;
        size_t n;
} cass_tables_t;

/* Parses every topic.<t>.<ks>.<table>.* key of config. errs gets one error per bad key (named);
 * returns the number of errors. */
size_t cass_tables_parse(const ferry_strmap_t *config, cass_tables_t *out, ferry_cfg_errors_t *errs);
void cass_tables_free(cass_tables_t *ts);

/* Reads the table's columns, checks the mapping against them and prepares the statements. */
int cass_table_prepare(cql_session_t *s, cass_tablecfg_t *t, char *errstr, size_t errstr_size);

/* One record -> one op (an insert/update or a delete). 0 ok, 1 nothing to write, -1 (errstr) bad
 * record. */
int cass_record_op(const cass_tablecfg_t *t, const ferry_record_t *r, cass_ops_t *ops, char *errstr,
                   size_t errstr_size);

#endif
