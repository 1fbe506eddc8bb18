/* AvroConverter (io.confluent.connect.avro.AvroConverter): Connect data to Confluent's Avro wire
 * format and back, with the schemas kept in a schema registry. Sits between the transform chain
 * and the producer on the source side, and between the consumer and the transform chain on the
 * sink side; the only plugin of the avro family (build/plugins/avro/avro.so).
 *
 * Wire format: magic byte 0, the schema id as 4 bytes big-endian, the Avro binary encoding. A null
 * value stays a null record. Writing maps the Connect schema to Avro (shared/avro, as Confluent's
 * AvroData), registers (or looks up) its text under the subject the strategy names and caches the
 * id per Connect schema and subject; reading fetches the writer schema by id once, maps it back to
 * Connect and caches both. The registry is called once per schema, never per record. */
#include "registry_client.h"
#include "shared/avro/avro_compat.h"
#include "shared/avro/avro_data.h"

#include <ferry/converter.h>
#include <ferry/log.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#ifndef FERRY_VERSION
#define FERRY_VERSION "dev"
#endif

#define TOPIC_STRATEGY        "io.confluent.kafka.serializers.subject.TopicNameStrategy"
#define RECORD_STRATEGY       "io.confluent.kafka.serializers.subject.RecordNameStrategy"
#define TOPIC_RECORD_STRATEGY "io.confluent.kafka.serializers.subject.TopicRecordNameStrategy"
#define MAX_CACHE             100000
#define TIMEOUT_MS            30000L

static const char *const sources[] = {"URL", "USER_INFO", NULL};
static const char *const converter_types[] = {"key", "value", "header", NULL};

static int check_strategy(const char *name, const char *value, char *errstr, size_t errstr_size)
{
        if (!value || !*value)
                return 0;
        const char *simple = strrchr(value, '.');
        simple = simple ? simple + 1 : value;
        if (strcmp(simple, "TopicNameStrategy") == 0 || strcmp(simple, "RecordNameStrategy") == 0 ||
            strcmp(simple, "TopicRecordNameStrategy") == 0)
                return 0;
        snprintf(errstr, errstr_size,
                 "Class %s could not be found: subject name strategies are TopicNameStrategy, "
                 "RecordNameStrategy and TopicRecordNameStrategy",
                 value);
        return -1;
}

static const ferry_config_def_t avro_config[] = {
        {.name = "schema.registry.url",
         .type = FERRY_CFG_LIST,
         .required = true,
         .non_empty = true,
         .importance = FERRY_IMPORTANCE_HIGH,
         .doc = "Comma-separated list of URLs for Schema Registry instances that can be used to register or "
                "look "
                "up schemas. If you wish to get a connection to a mocked schema registry for testing, you "
                "can "
                "specify a scope using the 'mock://' pseudo-protocol."},
        {.name = "auto.register.schemas",
         .type = FERRY_CFG_BOOLEAN,
         .default_value = "true",
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .doc = "Specify if the Serializer should attempt to register the Schema with Schema Registry"},
        {.name = "use.latest.version",
         .type = FERRY_CFG_BOOLEAN,
         .default_value = "false",
         .importance = FERRY_IMPORTANCE_LOW,
         .doc = "Specify if the Serializer should use the latest subject version for serialization"},
        {.name = "latest.compatibility.strict",
         .type = FERRY_CFG_BOOLEAN,
         .default_value = "true",
         .importance = FERRY_IMPORTANCE_LOW,
         .doc = "Specify if the Serializer should check the backward compatibility between the latest "
                "subject "
                "version and the Schema of the object when use.latest.version is true."},
        {.name = "normalize.schemas",
         .type = FERRY_CFG_BOOLEAN,
         .default_value = "false",
         .importance = FERRY_IMPORTANCE_LOW,
         .doc = "Whether to normalize schemas, which generally ignores ordering when it is not significant"},
        {.name = "basic.auth.credentials.source",
         .type = FERRY_CFG_STRING,
         .default_value = "URL",
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .doc = "Specify how to pick the credentials for the Basic Auth header. The supported values are "
                "URL, "
                "USER_INFO and SASL_INHERIT",
         .valid = sources},
        {.name = "basic.auth.user.info",
         .type = FERRY_CFG_PASSWORD,
         .default_value = "",
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .doc = "Specify the user info for the Basic Auth in the form of {username}:{password}"},
        {.name = "key.subject.name.strategy",
         .type = FERRY_CFG_CLASS,
         .default_value = TOPIC_STRATEGY,
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .doc = "Determines how to construct the subject name under which the key schema is registered with "
                "the "
                "schema registry. By default, <topic>-key is used as subject.",
         .validate = check_strategy},
        {.name = "value.subject.name.strategy",
         .type = FERRY_CFG_CLASS,
         .default_value = TOPIC_STRATEGY,
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .doc = "Determines how to construct the subject name under which the value schema is registered "
                "with the "
                "schema registry. By default, <topic>-value is used as subject.",
         .validate = check_strategy},
        {.name = "enhanced.avro.schema.support",
         .type = FERRY_CFG_BOOLEAN,
         .default_value = "false",
         .importance = FERRY_IMPORTANCE_LOW,
         .doc = "Enable enhanced schema support to preserve package information and Enums."},
        {.name = "connect.meta.data",
         .type = FERRY_CFG_BOOLEAN,
         .default_value = "true",
         .importance = FERRY_IMPORTANCE_LOW,
         .doc = "Allow the Connect converter to add its metadata to the output schema"},
        {.name = "scrub.invalid.names",
         .type = FERRY_CFG_BOOLEAN,
         .default_value = "false",
         .importance = FERRY_IMPORTANCE_LOW,
         .doc = "Whether to scrub invalid names by replacing invalid characters with valid characters"},
        {.name = "ignore.default.for.nullables",
         .type = FERRY_CFG_BOOLEAN,
         .default_value = "false",
         .importance = FERRY_IMPORTANCE_LOW,
         .doc = "Whether to ignore the default for nullable fields when the value is null"},
        {.name = "generalized.sum.type.support",
         .type = FERRY_CFG_BOOLEAN,
         .default_value = "false",
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .doc = "Whether to use generalized sum types: Avro unions read as Connect structs connect_union_<n> "
                "with fields connect_union_field_<i>, enums with org.apache.kafka.connect.data.Enum "
                "parameters"},
        {.name = "discard.type.doc.default",
         .type = FERRY_CFG_BOOLEAN,
         .default_value = "false",
         .importance = FERRY_IMPORTANCE_LOW,
         .doc = "Whether to discard the type doc and default values in the Connect schema: field docs are "
                "the Connect schema doc, and field defaults come from the schema default"},
        {.name = "schema.registry.ssl.truststore.location",
         .type = FERRY_CFG_STRING,
         .default_value = "",
         .importance = FERRY_IMPORTANCE_HIGH,
         .doc = "The location of the trust store file (PEM or PKCS12) used to verify the schema registry's "
                "certificate. Empty: the system's CA store."},
        {.name = "schema.registry.ssl.truststore.password",
         .type = FERRY_CFG_PASSWORD,
         .default_value = "",
         .importance = FERRY_IMPORTANCE_HIGH,
         .doc = "The password for the trust store file (PKCS12)."},
        {.name = "schema.registry.ssl.truststore.type",
         .type = FERRY_CFG_STRING,
         .default_value = "JKS",
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .doc = "The file format of the trust store file: PEM or PKCS12 (JKS is not supported)."},
        {.name = "schema.registry.ssl.keystore.location",
         .type = FERRY_CFG_STRING,
         .default_value = "",
         .importance = FERRY_IMPORTANCE_HIGH,
         .doc = "The location of the key store file (PEM: key and certificate chain in one file, or PKCS12) "
                "holding the client certificate for the schema registry."},
        {.name = "schema.registry.ssl.keystore.password",
         .type = FERRY_CFG_PASSWORD,
         .default_value = "",
         .importance = FERRY_IMPORTANCE_HIGH,
         .doc = "The store password for the key store file (PKCS12)."},
        {.name = "schema.registry.ssl.keystore.type",
         .type = FERRY_CFG_STRING,
         .default_value = "JKS",
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .doc = "The file format of the key store file: PEM or PKCS12 (JKS is not supported)."},
        {.name = "schema.registry.ssl.key.password",
         .type = FERRY_CFG_PASSWORD,
         .default_value = "",
         .importance = FERRY_IMPORTANCE_HIGH,
         .doc = "The password of the private key in the key store file (an encrypted PEM key)."},
        {.name = "schema.registry.ssl.endpoint.identification.algorithm",
         .type = FERRY_CFG_STRING,
         .default_value = "https",
         .importance = FERRY_IMPORTANCE_LOW,
         .doc = "The endpoint identification algorithm to validate the schema registry's hostname using its "
                "certificate: https, or empty to skip the hostname check."},
        {.name = "schemas.cache.config",
         .type = FERRY_CFG_INT,
         .default_value = "1000",
         .importance = FERRY_IMPORTANCE_LOW,
         .doc = "Size of the converted schemas cache",
         .has_min = true,
         .min = 0},
        {.name = "converter.type",
         .type = FERRY_CFG_STRING,
         .importance = FERRY_IMPORTANCE_LOW,
         .doc = "How this converter will be used.",
         .valid = converter_types},
        {.name = NULL},
};

static const char *const avro_aliases[] = {"AvroConverter", NULL};

typedef enum { STRATEGY_TOPIC, STRATEGY_RECORD, STRATEGY_TOPIC_RECORD } strategy_t;

/* Write cache: a Connect schema (reference held) and subject -> schema id and the Avro schema the
 * value is encoded with. */
typedef struct {
        ferry_schema_t *schema; /* NULL with schemaless: values without a schema (Anything) */
        bool schemaless;
        char *subject;
        char *topic;
        int id;
        ferry_avro_schema_t *avro;
} wentry_t;

/* Read cache: schema id (and subject, for the version) -> writer schema and its Connect schema. */
typedef struct {
        int id;
        char *topic;
        ferry_avro_schema_t *avro;
        ferry_schema_t *schema;
} rentry_t;

typedef struct {
        ferry_avro_data_config_t dc;
        int union_counter; /* generalized.sum.type.support: the next connect_union_<n> */
        bool is_key, auto_register, use_latest, latest_strict, normalize;
        strategy_t strategy;
        size_t cache_max;
        sr_client_t *sr;
        wentry_t *w;
        size_t nw, next_w;
        rentry_t *r;
        size_t nr, next_r;
        ferry_buf_t text;
} avro_conv_t;

static void wentry_clear(wentry_t *e)
{
        ferry_schema_unref(e->schema);
        free(e->subject);
        free(e->topic);
        ferry_avro_schema_free(e->avro);
        memset(e, 0, sizeof(*e));
}

static void rentry_clear(rentry_t *e)
{
        free(e->topic);
        ferry_avro_schema_free(e->avro);
        ferry_schema_unref(e->schema);
        memset(e, 0, sizeof(*e));
}

static strategy_t strategy_of(const char *cls)
{
        const char *simple = cls ? strrchr(cls, '.') : NULL;
        simple = simple ? simple + 1 : (cls ? cls : "");
        if (strcmp(simple, "RecordNameStrategy") == 0)
                return STRATEGY_RECORD;
        if (strcmp(simple, "TopicRecordNameStrategy") == 0)
                return STRATEGY_TOPIC_RECORD;
        return STRATEGY_TOPIC;
}

/* The subject for a topic and an Avro schema, as the configured strategy names it. */
static char *subject_for(const avro_conv_t *c, const char *topic, const ferry_avro_node_t *root)
{
        ferry_buf_t b;
        ferry_buf_init(&b);
        if (c->strategy == STRATEGY_TOPIC) {
                ferry_buf_printf(&b, "%s-%s", topic ? topic : "", c->is_key ? "key" : "value");
                return ferry_buf_steal(&b);
        }
        char *name = NULL;
        if (root->type == FERRY_AVRO_RECORD || root->type == FERRY_AVRO_ENUM ||
            root->type == FERRY_AVRO_FIXED)
                name = ferry_avro_full_name(root);
        else
                name = strdup(ferry_avro_type_name(root->type));
        if (c->strategy == STRATEGY_TOPIC_RECORD)
                ferry_buf_printf(&b, "%s-%s", topic ? topic : "", name ? name : "");
        else
                ferry_buf_puts(&b, name ? name : "");
        free(name);
        return ferry_buf_steal(&b);
}

/* The registry's id for the Avro form of schema under the topic's subject, from the cache or
 * the registry. */
static ferry_err_t write_entry(avro_conv_t *c, const char *topic, const ferry_schema_t *schema,
                               wentry_t **out, char *errstr, size_t errstr_size)
{
        for (size_t i = 0; i < c->nw; i++) {
                wentry_t *e = &c->w[i];
                bool same =
                        schema ? e->schema && (e->schema == schema || ferry_schema_equal(e->schema, schema))
                               : e->schemaless;
                if (e->avro && same && strcmp(e->topic, topic ? topic : "") == 0) {
                        *out = e;
                        return FERRY_ERR_OK;
                }
        }
        char err[512] = "";
        /* Values without a schema are written as Java writes them: the Anything record. */
        ferry_avro_schema_t *avro =
                schema ? ferry_avro_from_connect(&c->dc, schema, err, sizeof(err)) : ferry_avro_anything();
        if (!avro) {
                snprintf(errstr, errstr_size, "Failed to convert the Connect schema to Avro: %s", err);
                return FERRY_ERR_CONVERSION;
        }
        ferry_buf_reset(&c->text);
        if (ferry_avro_write_json(avro, &c->text, err, sizeof(err)) < 0) {
                ferry_avro_schema_free(avro);
                snprintf(errstr, errstr_size, "Failed to write the Avro schema: %s", err);
                return FERRY_ERR_CONVERSION;
        }
        char *subject = subject_for(c, topic, ferry_avro_root(avro));
        int id = -1, version = -1;
        ferry_err_t rc;
        if (c->use_latest) {
                char *latest = NULL;
                rc = sr_latest(c->sr, subject, &id, &version, &latest, err, sizeof(err));
                if (rc == FERRY_ERR_OK) {
                        ferry_avro_schema_t *la = ferry_avro_parse(latest, strlen(latest), err, sizeof(err));
                        char why[256] = "";
                        if (la && c->latest_strict &&
                            !ferry_avro_can_read(ferry_avro_root(la), ferry_avro_root(avro), why,
                                                 sizeof(why))) {
                                snprintf(err, sizeof(err),
                                         "Incompatible schema %s for schema %s (%s). Set "
                                         "latest.compatibility.strict=false to disable this check",
                                         latest, c->text.p, why);
                                ferry_avro_schema_free(la);
                                la = NULL;
                        }
                        if (la) {
                                ferry_avro_schema_free(avro);
                                avro = la;
                        } else {
                                rc = FERRY_ERR_CONVERSION;
                        }
                }
                free(latest);
        } else if (c->auto_register) {
                rc = sr_register(c->sr, subject, c->text.p, c->normalize, &id, err, sizeof(err));
        } else {
                rc = sr_lookup(c->sr, subject, c->text.p, c->normalize, &id, &version, err, sizeof(err));
        }
        if (rc != FERRY_ERR_OK) {
                snprintf(errstr, errstr_size, "Failed to serialize Avro data from topic %s: subject %s: %s",
                         topic ? topic : "", subject ? subject : "", err);
                free(subject);
                ferry_avro_schema_free(avro);
                return rc == FERRY_ERR_NOT_FOUND ? FERRY_ERR_CONVERSION : rc;
        }
        FERRY_DEBUG("AvroConverter: subject %s has schema id %d", subject, id);
        if (!c->cache_max) {
                /* No cache: one slot reused per record (the registry answers every call). */
                c->cache_max = 1;
        }
        if (c->nw < c->cache_max) {
                wentry_t *w = realloc(c->w, (c->nw + 1) * sizeof(*w));
                if (!w) {
                        free(subject);
                        ferry_avro_schema_free(avro);
                        return FERRY_ERR_NOMEM;
                }
                c->w = w;
                memset(&w[c->nw], 0, sizeof(*w));
                c->next_w = c->nw++;
        }
        wentry_t *e = &c->w[c->next_w];
        wentry_clear(e);
        c->next_w = (c->next_w + 1) % c->cache_max;
        e->schema = schema ? ferry_schema_ref((ferry_schema_t *)schema) : NULL;
        e->schemaless = !schema;
        e->subject = subject;
        e->topic = strdup(topic ? topic : "");
        e->id = id;
        e->avro = avro;
        if (!e->topic) {
                wentry_clear(e);
                return FERRY_ERR_NOMEM;
        }
        *out = e;
        return FERRY_ERR_OK;
}

static ferry_err_t avro_from_connect(void *state, const char *topic, const ferry_schema_t *schema,
                                     const ferry_value_t *value, ferry_buf_t *out, bool *is_null,
                                     char *errstr, size_t errstr_size)
{
        avro_conv_t *c = state;
        *is_null = false;
        if (!value) {
                *is_null = true; /* a tombstone stays null */
                return FERRY_ERR_OK;
        }
        wentry_t *e;
        ferry_err_t rc = write_entry(c, topic, schema, &e, errstr, errstr_size);
        if (rc != FERRY_ERR_OK)
                return rc;
        unsigned char hdr[5] = {0, (unsigned char)(e->id >> 24), (unsigned char)(e->id >> 16),
                                (unsigned char)(e->id >> 8), (unsigned char)e->id};
        if (ferry_buf_append(out, hdr, sizeof(hdr)) < 0)
                return FERRY_ERR_NOMEM;
        char err[512];
        int rc2 = schema ? ferry_avro_encode_cfg(&c->dc, ferry_avro_root(e->avro), schema, value, out, err,
                                                 sizeof(err))
                         : ferry_avro_encode_anything(value, out, err, sizeof(err));
        if (rc2 < 0) {
                snprintf(errstr, errstr_size, "Failed to serialize Avro data from topic %s: %s",
                         topic ? topic : "", err);
                return FERRY_ERR_CONVERSION;
        }
        return FERRY_ERR_OK;
}

static ferry_err_t read_entry(avro_conv_t *c, const char *topic, int id, rentry_t **out, char *errstr,
                              size_t errstr_size)
{
        for (size_t i = 0; i < c->nr; i++)
                if (c->r[i].avro && c->r[i].id == id && strcmp(c->r[i].topic, topic ? topic : "") == 0) {
                        *out = &c->r[i];
                        return FERRY_ERR_OK;
                }
        char err[512] = "";
        char *text = NULL;
        ferry_err_t rc = sr_schema_by_id(c->sr, id, &text, err, sizeof(err));
        if (rc != FERRY_ERR_OK) {
                snprintf(errstr, errstr_size, "Failed to deserialize data for topic %s to Avro: %s",
                         topic ? topic : "", err);
                return rc == FERRY_ERR_NOT_FOUND ? FERRY_ERR_CONVERSION : rc;
        }
        ferry_avro_schema_t *avro = ferry_avro_parse(text, strlen(text), err, sizeof(err));
        if (!avro) {
                snprintf(errstr, errstr_size,
                         "Failed to deserialize data for topic %s to Avro: schema id %d: %s",
                         topic ? topic : "", id, err);
                free(text);
                return FERRY_ERR_CONVERSION;
        }
        /* The registry's version of the schema under the subject becomes the Connect schema's version
         * when the schema carries no connect.version (as Java's converter does). */
        int version = -1, lid = -1;
        char *subject = subject_for(c, topic, ferry_avro_root(avro));
        if (subject &&
            sr_lookup(c->sr, subject, text, false, &lid, &version, err, sizeof(err)) != FERRY_ERR_OK) {
                FERRY_DEBUG("AvroConverter: no version of schema id %d under subject %s: %s", id, subject,
                            err);
                version = -1;
        }
        free(subject);
        free(text);
        bool schemaless = ferry_avro_is_anything(ferry_avro_root(avro));
        ferry_schema_t *schema =
                schemaless ? NULL : ferry_avro_to_connect(&c->dc, avro, version, err, sizeof(err));
        if (!schema && !schemaless) {
                snprintf(errstr, errstr_size,
                         "Failed to deserialize data for topic %s to Avro: schema id %d: %s",
                         topic ? topic : "", id, err);
                ferry_avro_schema_free(avro);
                return FERRY_ERR_CONVERSION;
        }
        size_t max = c->cache_max ? c->cache_max : 1;
        if (c->nr < max) {
                rentry_t *r = realloc(c->r, (c->nr + 1) * sizeof(*r));
                if (!r) {
                        ferry_avro_schema_free(avro);
                        ferry_schema_unref(schema);
                        return FERRY_ERR_NOMEM;
                }
                c->r = r;
                memset(&r[c->nr], 0, sizeof(*r));
                c->next_r = c->nr++;
        }
        rentry_t *e = &c->r[c->next_r];
        rentry_clear(e);
        c->next_r = (c->next_r + 1) % max;
        e->id = id;
        e->topic = strdup(topic ? topic : "");
        e->avro = avro;
        e->schema = schema;
        if (!e->topic) {
                rentry_clear(e);
                return FERRY_ERR_NOMEM;
        }
        *out = e;
        return FERRY_ERR_OK;
}

static ferry_err_t avro_to_connect(void *state, const char *topic, const void *data, size_t len,
                                   ferry_schema_t **schema, ferry_value_t **value, char *errstr,
                                   size_t errstr_size)
{
        avro_conv_t *c = state;
        *schema = NULL;
        *value = NULL;
        if (!data)
                return FERRY_ERR_OK;
        const unsigned char *p = data;
        if (len < 5 || p[0] != 0) {
                snprintf(errstr, errstr_size,
                         "Failed to deserialize data for topic %s to Avro: Unknown magic byte!",
                         topic ? topic : "");
                return FERRY_ERR_CONVERSION;
        }
        int id = (int)(((uint32_t)p[1] << 24) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 8) | p[4]);
        rentry_t *e;
        ferry_err_t rc = read_entry(c, topic, id, &e, errstr, errstr_size);
        if (rc != FERRY_ERR_OK)
                return rc;
        ferry_avro_reader_t r;
        ferry_avro_reader_init(&r, p + 5, len - 5);
        char err[512];
        int rc2 = e->schema ? ferry_avro_decode(ferry_avro_root(e->avro), e->schema, &r, value, err,
                                                sizeof(err))
                            : ferry_avro_decode_anything(&r, value, err, sizeof(err));
        if (rc2 < 0) {
                snprintf(errstr, errstr_size,
                         "Failed to deserialize data for topic %s to Avro: schema id %d: %s",
                         topic ? topic : "", id, err);
                return FERRY_ERR_CONVERSION;
        }
        *schema = e->schema ? ferry_schema_ref(e->schema) : NULL;
        return FERRY_ERR_OK;
}

static void avro_close(void *state)
{
        avro_conv_t *c = state;
        if (!c)
                return;
        for (size_t i = 0; i < c->nw; i++)
                wentry_clear(&c->w[i]);
        free(c->w);
        for (size_t i = 0; i < c->nr; i++)
                rentry_clear(&c->r[i]);
        free(c->r);
        sr_client_free(c->sr);
        ferry_buf_free(&c->text);
        free(c);
}

static ferry_err_t avro_configure(void **state, const ferry_strmap_t *config, bool is_key, char *errstr,
                                  size_t errstr_size)
{
        *state = NULL;
        ferry_cfg_errors_t errs;
        ferry_cfg_errors_init(&errs);
        ferry_config_t *cfg = ferry_config_parse(avro_config, config, &errs);
        if (!cfg) {
                char *msg = ferry_cfg_errors_join(&errs);
                snprintf(errstr, errstr_size, "%s", msg ? msg : "invalid AvroConverter configuration");
                free(msg);
                ferry_cfg_errors_free(&errs);
                return FERRY_ERR_INVALID_CONFIG;
        }
        ferry_cfg_errors_free(&errs);
        avro_conv_t *c = calloc(1, sizeof(*c));
        if (!c) {
                ferry_config_free(cfg);
                return FERRY_ERR_NOMEM;
        }
        ferry_buf_init(&c->text);
        c->is_key = is_key;
        c->dc.connect_meta_data = ferry_config_get_bool(cfg, "connect.meta.data");
        c->dc.enhanced_schema_support = ferry_config_get_bool(cfg, "enhanced.avro.schema.support");
        c->dc.scrub_invalid_names = ferry_config_get_bool(cfg, "scrub.invalid.names");
        c->dc.ignore_default_for_nullables = ferry_config_get_bool(cfg, "ignore.default.for.nullables");
        c->dc.discard_type_doc_default = ferry_config_get_bool(cfg, "discard.type.doc.default");
        c->dc.generalized_sum_type_support = ferry_config_get_bool(cfg, "generalized.sum.type.support");
        c->dc.union_counter = &c->union_counter;
        c->auto_register = ferry_config_get_bool(cfg, "auto.register.schemas");
        c->use_latest = ferry_config_get_bool(cfg, "use.latest.version");
        c->normalize = ferry_config_get_bool(cfg, "normalize.schemas");
        c->strategy = strategy_of(ferry_config_get_string(cfg, is_key ? "key.subject.name.strategy"
                                                                      : "value.subject.name.strategy"));
        int64_t cache = ferry_config_get_long(cfg, "schemas.cache.config");
        c->cache_max = cache > MAX_CACHE ? MAX_CACHE : (size_t)(cache < 0 ? 0 : cache);
        const char *source = ferry_config_get_string(cfg, "basic.auth.credentials.source");
        const char *user_info = NULL;
        if (source && strcasecmp(source, "USER_INFO") == 0)
                user_info = ferry_config_get_password(cfg, "basic.auth.user.info");
        size_t n_urls;
        const char *const *urls = ferry_config_get_list(cfg, "schema.registry.url", &n_urls);
        sr_tls_config_t tc = {
                .truststore_location =
                        ferry_config_get_string(cfg, "schema.registry.ssl.truststore.location"),
                .truststore_password =
                        ferry_config_get_password(cfg, "schema.registry.ssl.truststore.password"),
                .truststore_type = ferry_config_get_string(cfg, "schema.registry.ssl.truststore.type"),
                .keystore_location = ferry_config_get_string(cfg, "schema.registry.ssl.keystore.location"),
                .keystore_password = ferry_config_get_password(cfg, "schema.registry.ssl.keystore.password"),
                .keystore_type = ferry_config_get_string(cfg, "schema.registry.ssl.keystore.type"),
                .key_password = ferry_config_get_password(cfg, "schema.registry.ssl.key.password"),
                .endpoint_identification_algorithm =
                        ferry_config_get_string(cfg, "schema.registry.ssl.endpoint.identification.algorithm"),
        };
        sr_tls_t tls;
        if (sr_tls_from_config(&tls, &tc, errstr, errstr_size) < 0) {
                ferry_config_free(cfg);
                avro_close(c);
                return FERRY_ERR_INVALID_CONFIG;
        }
        c->sr = sr_client_new((char *const *)urls, n_urls, user_info, TIMEOUT_MS, &tls);
        c->latest_strict = ferry_config_get_bool(cfg, "latest.compatibility.strict");
        ferry_config_free(cfg);
        if (!c->sr) {
                avro_close(c);
                return FERRY_ERR_NOMEM;
        }
        *state = c;
        return FERRY_ERR_OK;
}

static const ferry_converter_plugin_t avro_converter = {
        .info = FERRY_PLUGIN_INFO(ferry_converter_plugin_t, .type = FERRY_PLUGIN_CONVERTER,
                                  .class_name = "io.confluent.connect.avro.AvroConverter",
                                  .version = FERRY_VERSION, .aliases = avro_aliases, .config = avro_config,
                                  .doc = "Avro with schemas in a schema registry, in Confluent's wire format "
                                         "(magic byte 0, 4-byte schema id, Avro binary)."),
        .configure = avro_configure,
        .from_connect = avro_from_connect,
        .to_connect = avro_to_connect,
        .close = avro_close,
};

FERRY_PLUGIN_LIST(&avro_converter.info)
