/* Helpers shared by the built-in single message transforms and predicates: the $Key/$Value
 * operand of a record, config checking with per-key messages, Connect's "Requirements" errors,
 * a small per-instance schema cache, Java regular expressions on top of POSIX regcomp, and Java
 * SimpleDateFormat patterns (always in UTC, as Connect's transforms use them).
 *
 * Transform instances belong to one task (one thread), like Java's, so nothing here locks. */
#ifndef FERRY_SMT_UTIL_H
#define FERRY_SMT_UTIL_H

#include <ferry/config.h>
#include <ferry/data.h>
#include <ferry/errors.h>
#include <ferry/plugin.h>
#include <ferry/record.h>
#include <ferry/transform.h>

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifndef FERRY_VERSION
#define FERRY_VERSION "dev"
#endif

#define SMT_NS      "org.apache.kafka.connect.transforms."
#define SMT_PRED_NS "org.apache.kafka.connect.transforms.predicates."

/* Which part of the record a $Key / $Value transform works on. */
typedef enum { SMT_KEY, SMT_VALUE } smt_side_t;

static inline ferry_schema_t *smt_schema(const ferry_record_t *r, smt_side_t side)
{
        return side == SMT_KEY ? r->key_schema : r->value_schema;
}

static inline ferry_value_t *smt_value(const ferry_record_t *r, smt_side_t side)
{
        return side == SMT_KEY ? r->key : r->value;
}

/* Replaces the operand: takes one reference of schema and ownership of value, frees the old ones
 * (which may be the same objects). */
void smt_set_operand(ferry_record_t *r, smt_side_t side, ferry_schema_t *schema, ferry_value_t *value);
/* Takes the operand out of the record (the record's slots become NULL); the caller owns them. */
void smt_take_operand(ferry_record_t *r, smt_side_t side, ferry_schema_t **schema, ferry_value_t **value);

/* Checks cfg against the table; on the first problem writes ConfigDef's message (which names the
 * key) to errstr and returns -1. */
int smt_config_check(const ferry_config_def_t *defs, const ferry_strmap_t *cfg, char *errstr,
                     size_t errstr_size);

/* Fills errstr and returns FERRY_ERR_TRANSFORM (or code). */
ferry_err_t smt_fail(char *errstr, size_t errstr_size, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
ferry_err_t smt_nomem(char *errstr, size_t errstr_size);

/* Java class name of a value as Connect's messages show it ("java.lang.String", "null"). */
const char *smt_class_name(const ferry_value_t *v);
/* Connect's Requirements: messages "Only Map objects supported in absence of schema for [p], found: X",
 * "Only Struct objects supported for [p], found: X", "Schema required for [p]". */
ferry_err_t smt_require_map(const ferry_value_t *v, const char *purpose, char *errstr, size_t errstr_size);
ferry_err_t smt_require_struct(const ferry_value_t *v, const char *purpose, char *errstr, size_t errstr_size);

/* Struct field i; with replace_default, a null field gives the field schema's default (as Java's
 * Struct.get does). Borrowed. */
const ferry_value_t *smt_struct_at(const ferry_value_t *st, size_t i, bool replace_default);
/* Copies a value, keeping NULL as NULL; false only when out of memory. */
bool smt_copy(const ferry_value_t *v, ferry_value_t **out);
/* A STRUCT schema with the name, version, doc and parameters of base (SchemaUtil.copySchemaBasics),
 * no fields; optional copied too when keep_optional. */
ferry_schema_t *smt_struct_like(const ferry_schema_t *base, bool keep_optional);
/* A new schema of a primitive type with base's optional flag (name etc. not copied). */
ferry_schema_t *smt_schema_type(ferry_type_t type, bool optional);
/* A copy of s (sharing children) with optional set. */
ferry_schema_t *smt_schema_optional(ferry_schema_t *s, bool optional);

/* ---- schema cache: input schema -> output schema, a few entries, pointer then deep equality ---- */
#define SMT_CACHE_SLOTS 16
typedef struct {
        ferry_schema_t *in[SMT_CACHE_SLOTS];
        ferry_schema_t *out[SMT_CACHE_SLOTS];
        size_t next;
} smt_cache_t;

ferry_schema_t *smt_cache_get(smt_cache_t *c, const ferry_schema_t *in); /* borrowed or NULL */
/* Takes the reference of out, holds a new reference of in. */
void smt_cache_put(smt_cache_t *c, ferry_schema_t *in, ferry_schema_t *out);
void smt_cache_free(smt_cache_t *c);

/* ---- Java regular expressions ----
 * Translated to POSIX ERE: \d \w \s \D \W \S (also inside [...]), \Q...\E, escaped
 * metacharacters, \t \n \r \f, (?:...) non-capturing groups, and a leading (?i). Refused with a
 * message: lookaround, backreferences, named groups, lazy/possessive quantifiers, other inline
 * flags, class intersections. Group numbers stay Java's. */
typedef struct {
        regex_t re;
        bool compiled;
        size_t groups;  /* Java capturing groups */
        int *group_map; /* Java group n (1..groups) -> POSIX subexpression index */
        size_t nsub;
} smt_regex_t;

int smt_regex_compile(smt_regex_t *r, const char *java, char *errstr, size_t errstr_size);
/* Whole-string match (Java's Matcher.matches()); m gets Java groups 0..groups (rm_so -1 when unset),
 * m may be NULL. */
bool smt_regex_matches(const smt_regex_t *r, const char *s, regmatch_t *m, size_t nm);
void smt_regex_free(smt_regex_t *r);

/* Java Matcher replacement strings: $n groups and \x escapes. Checks the groups against
 * n_groups; returns -1 with a message when invalid. */
int smt_replacement_check(const char *repl, size_t n_groups, char *errstr, size_t errstr_size);
/* Expands repl for subject s with groups m; malloc'd. */
char *smt_replacement_expand(const char *repl, const char *s, const regmatch_t *m, size_t n_groups);

/* ---- Java SimpleDateFormat in UTC ----
 * Letters: G y Y u M L d D E F a H k K h m s S z Z X w W; 'quoted' text and '' for a quote. */
typedef struct smt_datefmt smt_datefmt_t;

smt_datefmt_t *smt_datefmt_compile(const char *pattern, char *errstr, size_t errstr_size);
/* Formats ms since the epoch; malloc'd string, NULL on ENOMEM. */
char *smt_datefmt_format(const smt_datefmt_t *f, int64_t ms);
/* Parses text from its start (trailing text is ignored, as DateFormat.parse does); 0 and *ms on
 * success, -1 with "Unparseable date" otherwise. Lenient like Java: out-of-range fields roll over. */
int smt_datefmt_parse(const smt_datefmt_t *f, const char *text, int64_t *ms, char *errstr,
                      size_t errstr_size);
void smt_datefmt_free(smt_datefmt_t *f);

/* Days since 1970-01-01 <-> civil date (proleptic Gregorian). */
int64_t smt_days_from_civil(int64_t y, unsigned m, unsigned d);
void smt_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);
/* Floor division and modulo for ms arithmetic. */
int64_t smt_floordiv(int64_t a, int64_t b);
int64_t smt_floormod(int64_t a, int64_t b);

/* ---- declaring plugins ---- */
#define SMT_INFO(cls, cfg, docstr)                                                                           \
        FERRY_PLUGIN_INFO(ferry_transform_plugin_t, .type = FERRY_PLUGIN_TRANSFORMATION,                     \
                          .class_name = (cls), .version = FERRY_VERSION, .config = (cfg), .doc = (docstr))

/* Declares name##_configure_key/_value calling name##_configure(state, config, side, ...). */
#define SMT_SIDE_CONFIGURES(name)                                                                            \
        static ferry_err_t name##_configure_key(void **state, const ferry_strmap_t *config, char *errstr,    \
                                                size_t errstr_size)                                          \
        {                                                                                                    \
                return name##_configure(state, config, SMT_KEY, errstr, errstr_size);                        \
        }                                                                                                    \
        static ferry_err_t name##_configure_value(void **state, const ferry_strmap_t *config, char *errstr,  \
                                                  size_t errstr_size)                                        \
        {                                                                                                    \
                return name##_configure(state, config, SMT_VALUE, errstr, errstr_size);                      \
        }

/* Defines the $Key and $Value plugin structs sym##_key / sym##_value for class cls. */
#define SMT_KV_PLUGINS(sym, name, cls, cfg, docstr)                                                          \
        SMT_SIDE_CONFIGURES(name)                                                                            \
        const ferry_transform_plugin_t sym##_key = {                                                         \
                .info = SMT_INFO(cls "$Key", cfg, docstr),                                                   \
                .configure = name##_configure_key,                                                           \
                .apply = name##_apply,                                                                       \
                .close = name##_close,                                                                       \
        };                                                                                                   \
        const ferry_transform_plugin_t sym##_value = {                                                       \
                .info = SMT_INFO(cls "$Value", cfg, docstr),                                                 \
                .configure = name##_configure_value,                                                         \
                .apply = name##_apply,                                                                       \
                .close = name##_close,                                                                       \
        }

#endif
