/* KCQL, the query language of the Lenses stream-reactor connectors' configs (MQTT source and sink,
 * Cassandra sink, ...): "INSERT INTO target SELECT fields FROM source [IGNORE ...] clauses", several
 * statements separated by ';'. ferry_kcql_parse() turns the text into the typed statements below;
 * each connector then reads what it honours and refuses the rest with ferry_kcql_check_clauses().
 * Built against the public SDK only (ferry/buf.h); no global state. See docs/kcql.md. */
#ifndef FERRY_CONNECTORS_KCQL_H
#define FERRY_CONNECTORS_KCQL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* How the statement writes: INSERT INTO, UPSERT INTO, UPSERT PK f INTO, UPDATE INTO, or a
 * SELECT-only statement (no target). */
typedef enum {
        FERRY_KCQL_INSERT,
        FERRY_KCQL_UPSERT,
        FERRY_KCQL_UPDATE,
        FERRY_KCQL_SELECT,
} ferry_kcql_mode_t;

/* Every clause the grammar has, in the order an INSERT/UPSERT/UPDATE statement must give them
 * (ferry_kcql_clause_name() gives the keyword). */
typedef enum {
        FERRY_KCQL_AUTOCREATE,
        FERRY_KCQL_WITHSTRUCTURE,
        FERRY_KCQL_PK,
        FERRY_KCQL_WITHTARGET,
        FERRY_KCQL_AUTOEVOLVE,
        FERRY_KCQL_BATCH,
        FERRY_KCQL_CAPITALIZE,
        FERRY_KCQL_INITIALIZE,
        FERRY_KCQL_PROJECTTO,
        FERRY_KCQL_PARTITIONBY,
        FERRY_KCQL_NOPARTITION,
        FERRY_KCQL_DISTRIBUTEBY,
        FERRY_KCQL_CLUSTERBY,
        FERRY_KCQL_WITHTIMESTAMP,
        FERRY_KCQL_TIMESTAMPUNIT,
        FERRY_KCQL_WITHFORMAT,
        FERRY_KCQL_WITHUNWRAP,
        FERRY_KCQL_STOREAS,
        FERRY_KCQL_WITHTAG,
        FERRY_KCQL_INCREMENTALMODE,
        FERRY_KCQL_WITHTYPE,
        FERRY_KCQL_WITHDOCTYPE,
        FERRY_KCQL_WITHINDEXSUFFIX,
        FERRY_KCQL_TTL,
        FERRY_KCQL_WITHCONVERTER,
        FERRY_KCQL_WITHJMSSELECTOR,
        FERRY_KCQL_WITHKEY,
        FERRY_KCQL_KEYDELIMITER,
        FERRY_KCQL_WITHPIPELINE,
        FERRY_KCQL_WITHPARTITIONER,
        FERRY_KCQL_WITHSUBSCRIPTION,
        FERRY_KCQL_WITHCOMPRESSION,
        FERRY_KCQL_WITHDELAY,
        FERRY_KCQL_WITHREGEX,
        FERRY_KCQL_WITH_FLUSH_SIZE,
        FERRY_KCQL_WITH_FLUSH_INTERVAL,
        FERRY_KCQL_WITH_FLUSH_COUNT,
        FERRY_KCQL_WITH_SCHEMA_EVOLUTION,
        FERRY_KCQL_WITH_TABLE_LOCATION,
        FERRY_KCQL_WITH_OVERWRITE,
        FERRY_KCQL_WITH_PARTITIONING,
        FERRY_KCQL_LIMIT,
        FERRY_KCQL_WITH_SESSION,
        FERRY_KCQL_WITH_ACK,
        FERRY_KCQL_WITH_ENCODE_BASE64,
        FERRY_KCQL_WITH_LOCK_TIME,
        FERRY_KCQL_PROPERTIES,
        /* Only in a SELECT-only statement. */
        FERRY_KCQL_WITHGROUP,
        FERRY_KCQL_WITHOFFSET,
        FERRY_KCQL_SAMPLE,
        FERRY_KCQL_CLAUSE_COUNT
} ferry_kcql_clause_t;

#define FERRY_KCQL_BIT(c) (UINT64_C(1) << (c))

/* What a field path starts from: "_key.a" (KEY), "_header.h" (HEADER), "_.topic" / "_.partition" /
 * "_.offset" / "_.timestamp" (record metadata), anything else the value. */
typedef enum {
        FERRY_KCQL_SCOPE_VALUE,
        FERRY_KCQL_SCOPE_KEY,
        FERRY_KCQL_SCOPE_HEADER,
        FERRY_KCQL_SCOPE_TOPIC,
        FERRY_KCQL_SCOPE_PARTITION,
        FERRY_KCQL_SCOPE_OFFSET,
        FERRY_KCQL_SCOPE_TIMESTAMP,
} ferry_kcql_scope_t;

typedef struct ferry_kcql_field ferry_kcql_field_t;

typedef struct {
        ferry_kcql_field_t *items;
        size_t n;
} ferry_kcql_fields_t;

/* A projected, ignored, key or partition field: "*", "a", "a.b.c", "a.*", "`x y`.b", or a call
 * "f(a, b)". Names are unquoted. */
struct ferry_kcql_field {
        char **path;   /* segments; the last is "*" when wildcard */
        size_t depth;  /* number of segments (0 for a bare "*") */
        bool wildcard; /* "*" or "a.*" */
        char *alias;   /* "AS alias", or NULL */
        ferry_kcql_scope_t scope;
        size_t scope_depth; /* leading segments that name the scope ("_key" = 1, "_.topic" = 2) */
        bool call;          /* "f(args)": path[0] is the function name */
        ferry_kcql_fields_t args;
        size_t pos; /* 1-based position in its statement */
};

typedef struct {
        char **items;
        size_t n;
} ferry_kcql_names_t;

typedef struct {
        char *key;
        char *value;
} ferry_kcql_pair_t;

typedef struct {
        ferry_kcql_pair_t *items;
        size_t n;
} ferry_kcql_pairs_t;

typedef enum {
        FERRY_KCQL_TAG_DEFAULT,  /* WITHTAG(k) */
        FERRY_KCQL_TAG_CONSTANT, /* WITHTAG(k = v) */
        FERRY_KCQL_TAG_ALIAS,    /* WITHTAG(k AS v) */
} ferry_kcql_tag_kind_t;

typedef struct {
        char *key;
        char *value; /* NULL for DEFAULT */
        ferry_kcql_tag_kind_t kind;
} ferry_kcql_tag_t;

typedef struct {
        int32_t partition;
        int64_t offset;
        bool has_offset;
} ferry_kcql_offset_t;

/* One statement. A clause that is present has its bit in `clauses` and its 1-based position in
 * clause_pos[]; its values are in the members below (zero/NULL when absent). */
typedef struct {
        char *text;    /* the statement as written, blanks around it trimmed */
        size_t offset; /* where it starts in the whole KCQL string (0-based) */
        ferry_kcql_mode_t mode;
        char *upsert_pk; /* UPSERT PK f INTO */
        char *target;    /* NULL for a SELECT-only statement; "$" kept as written */
        char *source;
        ferry_kcql_fields_t fields;  /* the projection, in order */
        ferry_kcql_fields_t ignored; /* IGNORE */

        uint64_t clauses;
        size_t clause_pos[FERRY_KCQL_CLAUSE_COUNT];

        ferry_kcql_fields_t pk;           /* PK a, b.c */
        char *with_target;                /* WITHTARGET = a.b */
        int32_t batch_size;               /* BATCH = n (> 0) */
        int32_t project_to;               /* PROJECTTO n (> 0) */
        ferry_kcql_fields_t partition_by; /* PARTITIONBY a, b.c */
        ferry_kcql_names_t distribute_by; /* DISTRIBUTEBY a, b INTO n BUCKETS */
        int32_t distribute_buckets;
        ferry_kcql_names_t cluster_by; /* CLUSTERBY a, b INTO n BUCKETS */
        int32_t cluster_buckets;
        char *timestamp;      /* WITHTIMESTAMP f | sys_time() (lower-cased) */
        char *timestamp_unit; /* TIMESTAMPUNIT = u, upper-cased (a java TimeUnit) */
        char *format;         /* WITHFORMAT f, upper-cased (AVRO, JSON, ...) */
        bool with_structure;  /* WITHSTRUCTURE */
        bool with_unwrap;     /* WITHUNWRAP */
        char *store_as;       /* STOREAS type (k = v, ...) */
        ferry_kcql_pairs_t store_as_params;
        ferry_kcql_tag_t *tags; /* WITHTAG (k [= v | AS v], ...) */
        size_t n_tags;
        char *incremental_mode;        /* INCREMENTALMODE = m */
        char *with_type;               /* WITHTYPE t */
        char *doc_type;                /* WITHDOCTYPE = t */
        char *index_suffix;            /* WITHINDEXSUFFIX = s */
        int64_t ttl;                   /* TTL = n (> 0) */
        char *converter;               /* WITHCONVERTER = `class` */
        char *jms_selector;            /* WITHJMSSELECTOR = `sel` */
        ferry_kcql_names_t with_keys;  /* WITHKEY (a, b) */
        char *key_delimiter;           /* KEYDELIMITER = 'c' (NULL: connectors use ".") */
        char *pipeline;                /* WITHPIPELINE = p */
        char *partitioner;             /* WITHPARTITIONER = p */
        char *subscription;            /* WITHSUBSCRIPTION = s */
        char *compression;             /* WITHCOMPRESSION = c, upper-cased (SNAPPY, GZIP, ...) */
        int32_t delay;                 /* WITHDELAY = n */
        char *regex;                   /* WITHREGEX = `re` */
        int64_t flush_size;            /* WITH_FLUSH_SIZE = n (> 0) */
        int64_t flush_interval;        /* WITH_FLUSH_INTERVAL = n (> 0) */
        int64_t flush_count;           /* WITH_FLUSH_COUNT = n (> 0) */
        char *schema_evolution;        /* WITH_SCHEMA_EVOLUTION = MATCH|IGNORE|ADD */
        char *table_location;          /* WITH_TABLE_LOCATION = l */
        char *partitioning;            /* WITH_PARTITIONING = STRICT|DYNAMIC */
        int32_t limit;                 /* LIMIT n (> 0) */
        char *session;                 /* WITH_SESSION = s */
        int64_t lock_time;             /* WITH_LOCK_TIME = n (> 0) */
        ferry_kcql_pairs_t properties; /* PROPERTIES ('k' = 'v', ...) */
        char *consumer_group;          /* WITHGROUP g */
        ferry_kcql_offset_t *offsets;  /* WITHOFFSET (p [, o]), ... */
        size_t n_offsets;
        int32_t sample_count; /* SAMPLE n EVERY m */
        int32_t sample_every;
} ferry_kcql_stmt_t;

typedef struct {
        ferry_kcql_stmt_t *stmts;
        size_t n;
} ferry_kcql_t;

/* Parses one or more ';'-separated statements (a trailing ';' is allowed). Returns 0 and *out
 * (free with ferry_kcql_free), or -1 with a message such as
 * "KCQL statement 2: expected FROM at position 23 near 'form topic'" in errstr; positions are
 * 1-based and count from the first character of the statement. */
int ferry_kcql_parse(const char *kcql, ferry_kcql_t **out, char *errstr, size_t errstr_size);
void ferry_kcql_free(ferry_kcql_t *k);

/* The keyword of a clause ("WITHCONVERTER", "WITH_FLUSH_SIZE", ...). */
const char *ferry_kcql_clause_name(ferry_kcql_clause_t c);

static inline bool ferry_kcql_has(const ferry_kcql_stmt_t *s, ferry_kcql_clause_t c)
{
        return (s->clauses & FERRY_KCQL_BIT(c)) != 0;
}

/* For a connector: fails on the first clause of any statement outside `allowed` (a mask of
 * FERRY_KCQL_BIT()s) with "KCQL statement 1: WITHTAG at position 40 is not supported by <who>". */
int ferry_kcql_check_clauses(const ferry_kcql_t *k, uint64_t allowed, const char *who, char *errstr,
                             size_t errstr_size);

/* The statement in canonical KCQL (upper-case keywords, names quoted where they must be); parsing it
 * gives the same statement. Returns a malloc'd string, NULL when out of memory. */
char *ferry_kcql_format(const ferry_kcql_stmt_t *s);

#endif
