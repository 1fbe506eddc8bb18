/* Helpers shared by the built-in single message transforms and predicates: the $Key/$Value
 * operand of a record, config checking with per-key messages, Connect's "Requirements" errors,
 * and a small per-instance schema cache. Java regular expressions and SimpleDateFormat patterns
 * are the SDK's (ferry/regex.h, ferry/datefmt.h).
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
