/* Unit tests for the Elasticsearch sink's documents and config (worker/connectors/elasticsearch/
 * es_doc.c, es_config.c): Confluent's index names, document ids and external versions, the bulk
 * action lines of index / upsert / delete / data stream writes, the JSON source of schema'd values
 * (Decimal as a double, compact and non-compact maps, defaults) and the mapping of a schema. */
#include "../../../worker/connectors/elasticsearch/es_sink.h"

#include <ferry/data.h>

#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

/* Configs whose strings the settings point into, freed after each test. */
static ferry_config_t *configs[8];
static size_t n_configs;

static void drop_configs(void)
{
        for (size_t i = 0; i < n_configs; i++)
                ferry_config_free(configs[i]);
        n_configs = 0;
}

static es_settings_t settings(const char *const *kv)
{
        ferry_strmap_t m;
        ferry_strmap_init(&m);
        ferry_strmap_set(&m, "connection.url", "http://localhost:9200");
        for (size_t i = 0; kv && kv[i]; i += 2)
                ferry_strmap_set(&m, kv[i], kv[i + 1]);
        ferry_cfg_errors_t errs;
        ferry_cfg_errors_init(&errs);
        ferry_config_t *c = ferry_config_parse(es_config_def, &m, &errs);
        cr_assert_not_null(c, "config refused");
        es_settings_t s;
        char err[256];
        cr_assert_eq(es_settings_load(&s, c, &m, err, sizeof(err)), 0, "%s", err);
        cr_assert_lt(n_configs, 8);
        configs[n_configs++] = c;
        ferry_strmap_free(&m);
        ferry_cfg_errors_free(&errs);
        return s;
}

static ferry_record_t *json_record(const char *topic, const char *key, const char *value, int64_t offset)
{
        char err[128];
        ferry_value_t *v = value ? ferry_json_read(value, strlen(value), err, sizeof(err)) : NULL;
        ferry_record_t *r = ferry_record_new(topic, NULL, key ? ferry_value_cstring(key) : NULL, NULL, v);
        r->partition = 2;
        r->kafka_offset = offset;
        r->timestamp = 1700000000000;
        return r;
}

static char *doc(const es_settings_t *s, const ferry_record_t *r, es_act_kind_t *kind, char *err, size_t n)
{
        ferry_buf_t b;
        ferry_buf_init(&b);
        char index[300];
        cr_assert_eq(es_index_for_record(s, r, index, sizeof(index), err, n), 0, "%s", err);
        if (es_doc_append(s, r, index, &b, kind, err, n) < 0) {
                ferry_buf_free(&b);
                return NULL;
        }
        return b.p ? ferry_buf_steal(&b) : strdup("");
}

Test(es_doc, index_names)
{
        char out[300];
        es_index_for_topic("Orders.EU", out, sizeof(out));
        cr_assert_str_eq(out, "orders.eu");
        es_index_for_topic("_private", out, sizeof(out));
        cr_assert_str_eq(out, "private");
        es_index_for_topic("-x", out, sizeof(out));
        cr_assert_str_eq(out, "x");
        es_index_for_topic(".", out, sizeof(out));
        cr_assert_str_eq(out, "dot");
        es_index_for_topic("..", out, sizeof(out));
        cr_assert_str_eq(out, "dotdot");
        char longt[400];
        memset(longt, 'A', 399);
        longt[399] = '\0';
        es_index_for_topic(longt, out, sizeof(out));
        cr_assert_eq(strlen(out), 255);
}

Test(es_doc, actions, .fini = drop_configs)
{
        es_act_kind_t k;
        char err[512];
        es_settings_t s = settings((const char *const[]){"behavior.on.null.values", "delete", NULL});
        ferry_record_t *r = json_record("T", "k1", "{\"a\":1}", 7);
        char *d = doc(&s, r, &k, err, sizeof(err));
        cr_assert_str_eq(
                d,
                "{\"index\":{\"_index\":\"t\",\"_id\":\"k1\",\"version\":7,\"version_type\":\"external\"}}\n"
                "{\"a\":1}\n");
        cr_assert_eq(k, ES_ACT_WRITE);
        free(d);
        ferry_record_free(r);
        r = json_record("T", "k1", NULL, 8);
        d = doc(&s, r, &k, err, sizeof(err));
        cr_assert_str_eq(d, "{\"delete\":{\"_index\":\"t\",\"_id\":\"k1\",\"version\":8,\"version_type\":"
                            "\"external\"}}\n");
        cr_assert_eq(k, ES_ACT_DELETE);
        free(d);
        ferry_record_free(r);
        r = json_record("T", NULL, "{\"a\":1}", 9);
        cr_assert_null(doc(&s, r, &k, err, sizeof(err)));
        cr_assert_str_eq(err, "Key is used as document id and can not be null.");
        ferry_record_free(r);
        es_settings_free(&s);

        s = settings((const char *const[]){"key.ignore", "true", "write.method", "upsert", NULL});
        r = json_record("T", NULL, "{\"a\":1}", 9);
        d = doc(&s, r, &k, err, sizeof(err));
        cr_assert_str_eq(d, "{\"update\":{\"_index\":\"t\",\"_id\":\"T+2+9\",\"retry_on_conflict\":3}}\n"
                            "{\"doc\":{\"a\":1},\"doc_as_upsert\":true}\n");
        free(d);
        ferry_record_free(r);
        r = json_record("T", NULL, NULL, 10);
        cr_assert_null(doc(&s, r, &k, err, sizeof(err)));
        cr_assert(strstr(err, "'behavior.on.null.values' from 'fail' to 'ignore'"), "%s", err);
        ferry_record_free(r);
        es_settings_free(&s);

        s = settings((const char *const[]){"key.ignore", "true", "data.stream.type", "logs",
                                           "data.stream.dataset", "app", NULL});
        r = json_record("Web", NULL, "{\"m\":\"x\"}", 3);
        d = doc(&s, r, &k, err, sizeof(err));
        cr_assert_str_eq(d, "{\"create\":{\"_index\":\"logs-app-web\",\"_id\":\"Web+2+3\"}}\n"
                            "{\"@timestamp\":1700000000000,\"m\":\"x\"}\n");
        free(d);
        ferry_record_free(r);
        es_settings_free(&s);

        s = settings(
                (const char *const[]){"topic.to.external.resource.mapping", "T:logs-${yyyy.MM.dd}", NULL});
        r = json_record("T", "k", "{}", 1);
        char index[300];
        cr_assert_eq(es_index_for_record(&s, r, index, sizeof(index), err, sizeof(err)), 0);
        cr_assert_str_eq(index, "logs-2023.11.14");
        ferry_record_free(r);
        es_settings_free(&s);
}

Test(es_doc, values_and_mapping, .fini = drop_configs)
{
        ferry_schema_t *st = ferry_schema_struct("rec");
        ferry_schema_add_field(st, "name", ferry_schema_new(FERRY_TYPE_STRING));
        ferry_schema_t *lvl = ferry_schema_optional(FERRY_TYPE_INT32);
        ferry_schema_set_default(lvl, ferry_value_int(FERRY_TYPE_INT32, 7));
        ferry_schema_add_field(st, "level", lvl);
        ferry_schema_add_field(st, "price", ferry_schema_decimal(2));
        ferry_schema_add_field(st, "ts", ferry_schema_logical(FERRY_LOGICAL_TIMESTAMP));
        ferry_schema_add_field(
                st, "m",
                ferry_schema_map(ferry_schema_new(FERRY_TYPE_STRING), ferry_schema_new(FERRY_TYPE_INT64)));
        ferry_value_t *v = ferry_value_struct(st);
        ferry_struct_put_string(v, "name", "ada");
        ferry_struct_put(v, "price", ferry_value_bytes("\x30\x39", 2));
        ferry_struct_put(v, "ts", ferry_value_int(FERRY_TYPE_INT64, 5));
        ferry_value_t *m = ferry_value_map();
        ferry_map_put_str(m, "x", ferry_value_int(FERRY_TYPE_INT64, 1));
        ferry_struct_put(v, "m", m);
        char err[256];
        es_settings_t s = settings(NULL);
        ferry_buf_t b;
        ferry_buf_init(&b);
        cr_assert_eq(es_value_json(&s, st, v, &b, err, sizeof(err)), 0, "%s", err);
        cr_assert_str_eq(b.p, "{\"name\":\"ada\",\"level\":7,\"price\":123.45,\"ts\":5,\"m\":{\"x\":1}}");
        es_settings_free(&s);
        s = settings((const char *const[]){"compact.map.entries", "false", NULL});
        ferry_buf_reset(&b);
        cr_assert_eq(es_value_json(&s, st, v, &b, err, sizeof(err)), 0, "%s", err);
        cr_assert(strstr(b.p, "\"m\":[{\"key\":\"x\",\"value\":1}]"), "%s", b.p);
        es_settings_free(&s);
        ferry_buf_reset(&b);
        cr_assert_eq(es_mapping_json(st, &b, err, sizeof(err)), 0, "%s", err);
        cr_assert_str_eq(b.p, "{\"properties\":{"
                              "\"name\":{\"type\":\"text\",\"fields\":{\"keyword\":{\"type\":\"keyword\","
                              "\"ignore_above\":256}}},"
                              "\"level\":{\"type\":\"integer\",\"null_value\":7},"
                              "\"price\":{\"type\":\"double\"},"
                              "\"ts\":{\"type\":\"date\"},"
                              "\"m\":{\"properties\":{\"key\":{\"type\":\"text\",\"fields\":{\"keyword\":{"
                              "\"type\":\"keyword\","
                              "\"ignore_above\":256}}},\"value\":{\"type\":\"long\"}}}}}");
        ferry_buf_free(&b);
        ferry_value_free(v);
        ferry_schema_unref(st);
}

Test(es_config, cross_checks)
{
        ferry_strmap_t m;
        ferry_strmap_init(&m);
        ferry_strmap_set(&m, "data.stream.type", "LOGS");
        ferry_strmap_set(&m, "write.method", "UPSERT");
        ferry_strmap_set(&m, "elastic.security.protocol", "SSL");
        ferry_strmap_set(&m, "elastic.https.ssl.keystore.location", "/k.jks");
        ferry_cfg_errors_t errs;
        ferry_cfg_errors_init(&errs);
        es_config_validate(&m, &errs);
        char *j = ferry_cfg_errors_join(&errs);
        cr_assert(strstr(j, "data.stream.dataset: Data stream dataset is required"), "%s", j);
        cr_assert(strstr(j, "write.method: Upserts are not supported with data streams"), "%s", j);
        /* The key store is read (JKS, PKCS12 or PEM) at validation: a missing file names its key. */
        cr_assert(strstr(j, "elastic.https.ssl.keystore.location: ") && strstr(j, "/k.jks"), "%s", j);
        free(j);
        ferry_cfg_errors_free(&errs);
        ferry_strmap_free(&m);
}

/* The elastic.https.ssl.* stores through the SDK's store reader: the JKS vector of
 * tests/unit/jks_vector.h as trust store (JKS, the default type) and key store with its own key
 * password, and a wrong password named by its key. */
#include "../jks_vector.h"

#include <stdio.h>
#include <unistd.h>

Test(es_config, tls_stores_jks)
{
        char path[] = "/tmp/ferry-es-jks.XXXXXX";
        int fd = mkstemp(path);
        cr_assert_geq(fd, 0);
        cr_assert_eq(write(fd, jks_vector, jks_vector_len), (ssize_t)jks_vector_len);
        close(fd);
        ferry_strmap_t m;
        ferry_strmap_init(&m);
        ferry_strmap_set(&m, "elastic.security.protocol", "SSL");
        ferry_strmap_set(&m, "elastic.https.ssl.truststore.location", path);
        ferry_strmap_set(&m, "elastic.https.ssl.truststore.password", "storepass");
        ferry_strmap_set(&m, "elastic.https.ssl.keystore.location", path);
        ferry_strmap_set(&m, "elastic.https.ssl.keystore.password", "storepass");
        ferry_strmap_set(&m, "elastic.https.ssl.key.password", "keypass");
        ferry_tls_pem_t pem;
        char err[512] = "";
        cr_assert_eq(es_tls_load(&m, &pem, err, sizeof(err)), 0, "%s", err);
        cr_assert(pem.ca_pem && strstr(pem.ca_pem, "BEGIN CERTIFICATE"));
        cr_assert(pem.cert_pem && strstr(pem.cert_pem, "BEGIN CERTIFICATE"));
        cr_assert(pem.key_pem && strstr(pem.key_pem, "PRIVATE KEY"));
        ferry_tls_pem_free(&pem);
        ferry_strmap_set(&m, "elastic.https.ssl.truststore.password", "nope");
        ferry_cfg_errors_t errs;
        ferry_cfg_errors_init(&errs);
        es_config_validate(&m, &errs);
        char *j = ferry_cfg_errors_join(&errs);
        cr_assert(strstr(j, "elastic.https.ssl.truststore.password: "), "%s", j);
        cr_assert_null(strstr(j, "nope"), "%s", j);
        free(j);
        ferry_cfg_errors_free(&errs);
        ferry_strmap_free(&m);
        unlink(path);
}
