/* The Elasticsearch sink's configuration: one table with Confluent's keys, defaults and docs
 * (io.confluent.connect.elasticsearch.ElasticsearchSinkConnectorConfig) plus Ferry's additions,
 * the checks across keys (the plugin's validate op) and the loader that turns a validated config
 * into the es_settings_t the task reads. First stop of a connector's config on its way to
 * es_sink.c. */
#define _POSIX_C_SOURCE 200809L

#include "es_sink.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const null_behaviors[] = {"IGNORE", "DELETE", "FAIL", NULL};
static const char *const malformed_behaviors[] = {"IGNORE", "WARN", "FAIL", NULL};
static const char *const write_methods[] = {"INSERT", "UPSERT", NULL};
static const char *const ds_types[] = {"LOGS", "METRICS", "NONE", NULL};
static const char *const protocols[] = {"PLAINTEXT", "SSL", NULL};
static const char *const store_types[] = {"JKS", "PKCS12", "PEM", NULL};

static int check_urls(const char *name, const char *value, char *errstr, size_t errstr_size)
{
        size_t n;
        char **urls = ferry_split_list(value, &n);
        int rc = n ? 0 : -1;
        if (rc)
                snprintf(errstr, errstr_size, "Invalid value %s for configuration %s: at least one URL",
                         value, name);
        for (size_t i = 0; rc == 0 && i < n; i++)
                if (strncasecmp(urls[i], "http://", 7) != 0 && strncasecmp(urls[i], "https://", 8) != 0) {
                        snprintf(errstr, errstr_size,
                                 "Invalid value %s for configuration %s: URLs start with http:// or https://",
                                 urls[i], name);
                        rc = -1;
                }
        ferry_strlist_free(urls, n);
        return rc;
}

static int check_routes(const char *name, const char *value, char *errstr, size_t errstr_size)
{
        size_t n;
        char **items = ferry_split_list(value, &n);
        int rc = 0;
        for (size_t i = 0; rc == 0 && i < n; i++) {
                const char *c = strchr(items[i], ':');
                if (!c || c == items[i] || !c[1]) {
                        snprintf(errstr, errstr_size,
                                 "Invalid value %s for configuration %s: entries are topic:index", items[i],
                                 name);
                        rc = -1;
                }
        }
        ferry_strlist_free(items, n);
        return rc;
}

#define G_CONN "Connector"
#define G_DATA "Data Conversion"
#define G_DS   "Data Stream"
#define G_SEC  "Security"

const ferry_config_def_t es_config_def[] = {
        {.name = "connection.url",
         .type = FERRY_CFG_LIST,
         .required = true,
         .importance = FERRY_IMPORTANCE_HIGH,
         .group = G_CONN,
         .validate = check_urls,
         .doc = "The comma-separated list of one or more Elasticsearch URLs, such as "
                "``http://eshost1:9200,http://eshost2:9200`` or ``https://eshost3:9200``. HTTPS is used for "
                "all "
                "connections if any of the URLs starts with ``https:``. A URL without a protocol is "
                "refused."},
        {.name = "connection.username",
         .type = FERRY_CFG_STRING,
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .group = G_CONN,
         .doc = "The username used to authenticate with Elasticsearch (basic auth)."},
        {.name = "connection.password",
         .type = FERRY_CFG_PASSWORD,
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .group = G_CONN,
         .doc = "The password used to authenticate with Elasticsearch (basic auth)."},
        {.name = "batch.size",
         .type = FERRY_CFG_INT,
         .default_value = "2000",
         .has_min = true,
         .min = 1,
         .has_max = true,
         .max = 1000000,
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .group = G_CONN,
         .doc = "The number of records to process as a batch when writing to Elasticsearch."},
        {.name = "bulk.size.bytes",
         .type = FERRY_CFG_LONG,
         .default_value = "5242880",
         .has_min = true,
         .min = -1,
         .importance = FERRY_IMPORTANCE_LOW,
         .group = G_CONN,
         .doc = "The maximum size (in bytes) to be processed as a batch when writing records to "
                "Elasticsearch. Setting to '-1' will disable this configuration."},
        {.name = "max.in.flight.requests",
         .type = FERRY_CFG_INT,
         .default_value = "5",
         .has_min = true,
         .min = 1,
         .has_max = true,
         .max = 1000,
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .group = G_CONN,
         .doc = "The maximum number of indexing requests that can be in-flight to Elasticsearch before "
                "blocking further requests."},
        {.name = "max.buffered.records",
         .type = FERRY_CFG_INT,
         .default_value = "20000",
         .has_min = true,
         .min = 1,
         .has_max = true,
         .max = 2147483647,
         .importance = FERRY_IMPORTANCE_LOW,
         .group = G_CONN,
         .doc = "The maximum number of records each task will buffer before blocking acceptance of more "
                "records. This config can be used to limit the memory usage for each task."},
        {.name = "linger.ms",
         .type = FERRY_CFG_LONG,
         .default_value = "1",
         .has_min = true,
         .min = 0,
         .has_max = true,
         .max = 604800000,
         .importance = FERRY_IMPORTANCE_LOW,
         .group = G_CONN,
         .doc = "Linger time in milliseconds for batching. Records that arrive in between request "
                "transmissions are batched into a single bulk indexing request, based on the batch.size "
                "configuration. When a pending batch is not full, rather than immediately sending it out "
                "the task will wait up to the given delay to allow other records to be added."},
        {.name = "flush.timeout.ms",
         .type = FERRY_CFG_LONG,
         .default_value = "180000",
         .has_min = true,
         .min = 1000,
         .has_max = true,
         .max = 604800000,
         .importance = FERRY_IMPORTANCE_LOW,
         .group = G_CONN,
         .doc = "The timeout in milliseconds to use for periodic flushing, and when waiting for buffer space "
                "to be made available by completed requests as records are added. Records not acknowledged "
                "within it are consumed again from the first unacknowledged offset (Confluent fails the "
                "task)."},
        {.name = "flush.synchronously",
         .type = FERRY_CFG_BOOLEAN,
         .default_value = "false",
         .importance = FERRY_IMPORTANCE_LOW,
         .group = G_CONN,
         .doc = "True if flushes should wait for background processing to finish. Ferry's pre-commit always "
                "waits (up to flush.timeout.ms) and commits only offsets of acknowledged documents."},
        {.name = "max.retries",
         .type = FERRY_CFG_INT,
         .default_value = "5",
         .has_min = true,
         .min = 0,
         .importance = FERRY_IMPORTANCE_LOW,
         .group = G_CONN,
         .doc = "The maximum number of retries that are allowed for failed indexing requests. If the retry "
                "attempts are exhausted the records are consumed again from the first unacknowledged offset "
                "(Confluent fails the task)."},
        {.name = "retry.backoff.ms",
         .type = FERRY_CFG_LONG,
         .default_value = "100",
         .has_min = true,
         .min = 0,
         .importance = FERRY_IMPORTANCE_LOW,
         .group = G_CONN,
         .doc = "How long to wait in milliseconds before attempting the first retry of a failed indexing "
                "request. Upon a failure, this connector may wait up to twice as long as the previous wait, "
                "up to the maximum number of retries, with random jitter."},
        {.name = "connection.compression",
         .type = FERRY_CFG_BOOLEAN,
         .default_value = "false",
         .importance = FERRY_IMPORTANCE_LOW,
         .group = G_CONN,
         .doc = "Whether to use GZip compression on HTTP connection to ElasticSearch (answers only)."},
        {.name = "max.connection.idle.time.ms",
         .type = FERRY_CFG_INT,
         .default_value = "60000",
         .has_min = true,
         .min = -1,
         .importance = FERRY_IMPORTANCE_LOW,
         .group = G_CONN,
         .doc = "How long to wait in milliseconds before dropping an idle connection to prevent a read "
                "timeout."},
        {.name = "connection.timeout.ms",
         .type = FERRY_CFG_INT,
         .default_value = "1000",
         .has_min = true,
         .min = 0,
         .importance = FERRY_IMPORTANCE_LOW,
         .group = G_CONN,
         .doc = "How long to wait in milliseconds when establishing a connection to the Elasticsearch "
                "server."},
        {.name = "read.timeout.ms",
         .type = FERRY_CFG_INT,
         .default_value = "3000",
         .has_min = true,
         .min = 0,
         .importance = FERRY_IMPORTANCE_LOW,
         .group = G_CONN,
         .doc = "How long to wait in milliseconds for the Elasticsearch server to send a response."},
        {.name = "key.ignore",
         .type = FERRY_CFG_BOOLEAN,
         .default_value = "false",
         .importance = FERRY_IMPORTANCE_HIGH,
         .group = G_DATA,
         .doc = "Whether to ignore the record key for the purpose of forming the Elasticsearch document ID. "
                "When this is set to ``true``, document IDs will be generated as the record's "
                "``topic+partition+offset``."},
        {.name = "schema.ignore",
         .type = FERRY_CFG_BOOLEAN,
         .default_value = "false",
         .importance = FERRY_IMPORTANCE_LOW,
         .group = G_DATA,
         .doc = "Whether to ignore schemas during indexing. When this is set to ``true``, the record schema "
                "will be ignored for the purpose of registering an Elasticsearch mapping."},
        {.name = "compact.map.entries",
         .type = FERRY_CFG_BOOLEAN,
         .default_value = "true",
         .importance = FERRY_IMPORTANCE_LOW,
         .group = G_DATA,
         .doc = "Defines how map entries with string keys within record values should be written to JSON. "
                "When this is set to ``true``, these entries are written compactly as ``\"entryKey\": "
                "\"entryValue\"``. Otherwise, map entries with string keys are written as a nested document "
                "``{\"key\": \"entryKey\", \"value\": \"entryValue\"}``."},
        {.name = "topic.key.ignore",
         .type = FERRY_CFG_LIST,
         .default_value = "",
         .importance = FERRY_IMPORTANCE_LOW,
         .group = G_DATA,
         .doc = "List of topics for which ``key.ignore`` should be ``true``."},
        {.name = "topic.schema.ignore",
         .type = FERRY_CFG_LIST,
         .default_value = "",
         .importance = FERRY_IMPORTANCE_LOW,
         .group = G_DATA,
         .doc = "List of topics for which ``schema.ignore`` should be ``true``."},
        {.name = "drop.invalid.message",
         .type = FERRY_CFG_BOOLEAN,
         .default_value = "false",
         .importance = FERRY_IMPORTANCE_LOW,
         .group = G_DATA,
         .doc = "Whether to drop kafka message when it cannot be converted to output message."},
        {.name = "behavior.on.null.values",
         .type = FERRY_CFG_STRING,
         .default_value = "FAIL",
         .valid = null_behaviors,
         .importance = FERRY_IMPORTANCE_LOW,
         .group = G_DATA,
         .doc = "How to handle records with a non-null key and a null value (i.e. Kafka tombstone records). "
                "Valid options are ``IGNORE``, ``DELETE``, and ``FAIL``."},
        {.name = "behavior.on.malformed.documents",
         .type = FERRY_CFG_STRING,
         .default_value = "FAIL",
         .valid = malformed_behaviors,
         .importance = FERRY_IMPORTANCE_LOW,
         .group = G_DATA,
         .doc = "How to handle records that Elasticsearch rejects due to some malformation of the document "
                "itself, such as an index mapping conflict, a field name containing illegal characters, or a "
                "record with a missing id. Valid options are ``IGNORE``, ``WARN``, and ``FAIL``. With "
                "errors.tolerance=all such records go to the errant record reporter (the dead letter queue) "
                "with the server's reason and the task carries on."},
        {.name = "write.method",
         .type = FERRY_CFG_STRING,
         .default_value = "INSERT",
         .valid = write_methods,
         .importance = FERRY_IMPORTANCE_LOW,
         .group = G_DATA,
         .doc = "Method used for writing data to Elasticsearch, and one of ``INSERT`` or ``UPSERT``. The "
                "default method is ``INSERT`` in which the connector constructs a document from the record "
                "value and inserts that document into Elasticsearch, completely replacing any existing "
                "document with the same ID; this matches previous behavior. The ``UPSERT`` method will "
                "create a new document if one with the specified ID does not yet exist, or will update an "
                "existing document with the same ID by adding or replacing only those fields present in the "
                "record value."},
        {.name = "use.autogenerated.ids",
         .type = FERRY_CFG_BOOLEAN,
         .default_value = "false",
         .importance = FERRY_IMPORTANCE_LOW,
         .group = G_DATA,
         .doc = "Whether to use auto-generated Elasticsearch document IDs for insertion requests. Note that "
                "this setting removes exactly once guarantee, and message delivery will be at least once. "
                "This only applies if the write method is set to ``INSERT``. When set to true, the "
                "``Ignore Key mode`` option will also be ignored when sending data to Elasticsearch."},
        {.name = "external.version.header",
         .type = FERRY_CFG_STRING,
         .default_value = "",
         .importance = FERRY_IMPORTANCE_LOW,
         .group = G_DATA,
         .doc = "Header used to get the version of the document (external versioning) instead of the "
                "record's "
                "offset."},
        {.name = "topic.to.external.resource.mapping",
         .type = FERRY_CFG_LIST,
         .default_value = "",
         .validate = check_routes,
         .importance = FERRY_IMPORTANCE_LOW,
         .group = G_DATA,
         .doc = "Topic to index (or data stream) mapping, as ``topic1:index1,topic2:index2``. Ferry also "
                "expands ``${topic}`` and ``${<date pattern>}`` (a SimpleDateFormat pattern applied to the "
                "record's timestamp in UTC, e.g. ``logs-${yyyy.MM.dd}``) in the index."},
        {.name = "data.stream.type",
         .type = FERRY_CFG_STRING,
         .default_value = "NONE",
         .valid = ds_types,
         .importance = FERRY_IMPORTANCE_LOW,
         .group = G_DS,
         .doc = "Generic type describing the data to be written to data stream. The default is ``NONE`` "
                "which "
                "indicates the connector will write to regular indices instead. If set, this configuration "
                "will be used alongside ``data.stream.dataset`` to construct the data stream name in the "
                "form "
                "of {``data.stream.type``}-{``data.stream.dataset``}-{``data.stream.namespace``}."},
        {.name = "data.stream.dataset",
         .type = FERRY_CFG_STRING,
         .default_value = "",
         .importance = FERRY_IMPORTANCE_LOW,
         .group = G_DS,
         .doc = "Generic name describing data ingested and its structure to be written to a data stream. Can "
                "be any arbitrary string that is no longer than 100 characters, is in all lowercase, and "
                "does "
                "not contain spaces or any of these special characters ``/\\*\"<>|,#:-``."},
        {.name = "data.stream.namespace",
         .type = FERRY_CFG_STRING,
         .default_value = "${topic}",
         .importance = FERRY_IMPORTANCE_LOW,
         .group = G_DS,
         .doc = "Generic name describing user-configurable arbitrary grouping to be written to a data "
                "stream. "
                "Can be any arbitrary string that is no longer than 100 characters, is in all lowercase, and "
                "does not contain spaces or any of these special characters ``/\\*\"<>|,#:-``. The default "
                "``${topic}`` is the record's topic."},
        {.name = "data.stream.timestamp.field",
         .type = FERRY_CFG_LIST,
         .default_value = "",
         .importance = FERRY_IMPORTANCE_LOW,
         .group = G_DS,
         .doc = "The Kafka record field to use as the timestamp for the ``@timestamp`` field in documents "
                "sent "
                "to a data stream. The first field found is used; without one, the record's timestamp."},
        {.name = "elastic.security.protocol",
         .type = FERRY_CFG_STRING,
         .default_value = "PLAINTEXT",
         .valid = protocols,
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .group = G_SEC,
         .doc = "The security protocol to use when connecting to Elasticsearch. Values can be ``PLAINTEXT`` "
                "or "
                "``SSL``. If ``PLAINTEXT`` is passed, all configs prefixed by ``elastic.https.`` will be "
                "ignored."},
        {.name = "elastic.https.ssl.truststore.location",
         .type = FERRY_CFG_STRING,
         .importance = FERRY_IMPORTANCE_HIGH,
         .group = G_SEC,
         .doc = "The location of the trust store file: JKS, PKCS12 or PEM (CA certificates)."},
        {.name = "elastic.https.ssl.truststore.password",
         .type = FERRY_CFG_PASSWORD,
         .importance = FERRY_IMPORTANCE_HIGH,
         .group = G_SEC,
         .doc = "The password for the trust store file (not used with PEM)."},
        {.name = "elastic.https.ssl.truststore.type",
         .type = FERRY_CFG_STRING,
         .default_value = "JKS",
         .valid = store_types,
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .group = G_SEC,
         .doc = "The file format of the trust store file: JKS, PKCS12 or PEM (JKS, the default, also reads "
                "a PKCS12 file, as Java 9 and later do)."},
        {.name = "elastic.https.ssl.keystore.location",
         .type = FERRY_CFG_STRING,
         .importance = FERRY_IMPORTANCE_HIGH,
         .group = G_SEC,
         .doc = "The location of the key store file (client certificate): JKS, PKCS12 or PEM (certificate "
                "chain and private key in one file)."},
        {.name = "elastic.https.ssl.keystore.password",
         .type = FERRY_CFG_PASSWORD,
         .importance = FERRY_IMPORTANCE_HIGH,
         .group = G_SEC,
         .doc = "The store password for the key store file."},
        {.name = "elastic.https.ssl.keystore.type",
         .type = FERRY_CFG_STRING,
         .default_value = "JKS",
         .valid = store_types,
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .group = G_SEC,
         .doc = "The file format of the key store file: JKS, PKCS12 or PEM."},
        {.name = "elastic.https.ssl.key.password",
         .type = FERRY_CFG_PASSWORD,
         .importance = FERRY_IMPORTANCE_HIGH,
         .group = G_SEC,
         .doc = "The password of the private key in the key store file (else the store's password)."},
        {.name = "elastic.https.ssl.endpoint.identification.algorithm",
         .type = FERRY_CFG_STRING,
         .default_value = "https",
         .importance = FERRY_IMPORTANCE_LOW,
         .group = G_SEC,
         .doc = "The endpoint identification algorithm to validate server hostname using server "
                "certificate; empty disables the host name check."},
        {.name = NULL},
};

void es_config_validate(const ferry_strmap_t *config, ferry_cfg_errors_t *errs)
{
        const char *dst = ferry_strmap_get(config, "data.stream.type");
        const char *dsd = ferry_strmap_get(config, "data.stream.dataset");
        bool ds = dst && *dst && strcasecmp(dst, "NONE") != 0;
        if (ds && (!dsd || !*dsd))
                ferry_cfg_errors_add(errs, "data.stream.dataset",
                                     "Data stream dataset is required when data.stream.type is %s", dst);
        if (!ds && dsd && *dsd)
                ferry_cfg_errors_add(errs, "data.stream.type",
                                     "Data stream type is required when data.stream.dataset is set");
        const char *wm = ferry_strmap_get(config, "write.method");
        if (ds && wm && !strcasecmp(wm, "UPSERT"))
                ferry_cfg_errors_add(errs, "write.method",
                                     "Upserts are not supported with data streams (data.stream.type=%s)",
                                     dst);
        const char *sec = ferry_strmap_get(config, "elastic.security.protocol");
        if (sec && !strcasecmp(sec, "SSL")) {
                ferry_tls_pem_t pem;
                char err[512];
                if (es_tls_load(config, &pem, err, sizeof(err)) == 0) {
                        ferry_tls_pem_free(&pem);
                } else {
                        const char *sep = strstr(err, ": ");
                        char key[128] = "elastic.https.ssl.truststore.location";
                        const char *msg = err;
                        if (sep && !strncmp(err, "elastic.https.", 14) && (size_t)(sep - err) < sizeof(key)) {
                                memcpy(key, err, (size_t)(sep - err));
                                key[sep - err] = '\0';
                                msg = sep + 2;
                        }
                        ferry_cfg_errors_add(errs, key, "%s", msg);
                }
        }
}

static const char *set_or_null(const char *s)
{
        return s && *s ? s : NULL;
}

/* Java 9+ reads a PKCS12 file through a "JKS" keystore too, so JKS (Confluent's default type)
 * goes by the content, which also keeps PEM files working. */
static const char *store_type(const char *t)
{
        return set_or_null(t) && strcasecmp(t, "JKS") != 0 ? t : NULL;
}

int es_tls_load(const ferry_strmap_t *config, ferry_tls_pem_t *out, char *errstr, size_t errstr_size)
{
        memset(out, 0, sizeof(*out));
        const char *ts = set_or_null(ferry_strmap_get(config, "elastic.https.ssl.truststore.location"));
        const char *ks = set_or_null(ferry_strmap_get(config, "elastic.https.ssl.keystore.location"));
        ferry_tls_stores_t in = {
                .truststore_location = ts,
                .truststore_password =
                        ts ? set_or_null(ferry_strmap_get(config, "elastic.https.ssl.truststore.password"))
                           : NULL,
                .truststore_type =
                        ts ? store_type(ferry_strmap_get(config, "elastic.https.ssl.truststore.type")) : NULL,
                .keystore_location = ks,
                .keystore_password =
                        ks ? set_or_null(ferry_strmap_get(config, "elastic.https.ssl.keystore.password"))
                           : NULL,
                .keystore_type =
                        ks ? store_type(ferry_strmap_get(config, "elastic.https.ssl.keystore.type")) : NULL,
                .key_password =
                        ks ? set_or_null(ferry_strmap_get(config, "elastic.https.ssl.key.password")) : NULL,
                .key_prefix = "elastic.https.",
        };
        return ferry_tls_stores_load(&in, out, errstr, errstr_size);
}

static void upper_to_lower(char *s)
{
        for (; *s; s++)
                if (*s >= 'A' && *s <= 'Z')
                        *s = (char)(*s - 'A' + 'a');
}

static char **copy_list(const ferry_config_t *cfg, const char *key, size_t *n)
{
        const char *const *items = ferry_config_get_list(cfg, key, n);
        if (!items || !*n) {
                *n = 0;
                return NULL;
        }
        char **out = calloc(*n, sizeof(char *));
        for (size_t i = 0; out && i < *n; i++)
                out[i] = strdup(items[i]);
        return out;
}

int es_settings_load(es_settings_t *s, const ferry_config_t *cfg, const ferry_strmap_t *raw, char *errstr,
                     size_t errstr_size)
{
        memset(s, 0, sizeof(*s));
        s->key_ignore = ferry_config_get_bool(cfg, "key.ignore");
        s->schema_ignore = ferry_config_get_bool(cfg, "schema.ignore");
        s->compact_map_entries = ferry_config_get_bool(cfg, "compact.map.entries");
        s->drop_invalid = ferry_config_get_bool(cfg, "drop.invalid.message");
        s->autogenerated_ids = ferry_config_get_bool(cfg, "use.autogenerated.ids");
        s->topic_key_ignore = copy_list(cfg, "topic.key.ignore", &s->n_topic_key_ignore);
        s->topic_schema_ignore = copy_list(cfg, "topic.schema.ignore", &s->n_topic_schema_ignore);
        s->upsert = !strcasecmp(ferry_config_get_string(cfg, "write.method"), "UPSERT");
        const char *nb = ferry_config_get_string(cfg, "behavior.on.null.values");
        s->on_null = !strcasecmp(nb, "IGNORE")   ? ES_NULL_IGNORE
                     : !strcasecmp(nb, "DELETE") ? ES_NULL_DELETE
                                                 : ES_NULL_FAIL;
        const char *mb = ferry_config_get_string(cfg, "behavior.on.malformed.documents");
        s->on_malformed = !strcasecmp(mb, "IGNORE") ? ES_MALFORMED_IGNORE
                          : !strcasecmp(mb, "WARN") ? ES_MALFORMED_WARN
                                                    : ES_MALFORMED_FAIL;
        const char *tol = raw ? ferry_strmap_get(raw, "errors.tolerance") : NULL;
        s->tolerate_all = tol && !strcasecmp(tol, "all");
        const char *vh = ferry_config_get_string(cfg, "external.version.header");
        s->version_header = vh && *vh ? vh : NULL;
        const char *dst = ferry_config_get_string(cfg, "data.stream.type");
        if (dst && strcasecmp(dst, "NONE") != 0) {
                char *t = strdup(dst);
                if (t)
                        upper_to_lower(t);
                s->ds_type = t;
        }
        s->ds_dataset = ferry_config_get_string(cfg, "data.stream.dataset");
        s->ds_namespace = ferry_config_get_string(cfg, "data.stream.namespace");
        s->ds_timestamp_fields = copy_list(cfg, "data.stream.timestamp.field", &s->n_ds_timestamp_fields);
        size_t nr;
        const char *const *routes = ferry_config_get_list(cfg, "topic.to.external.resource.mapping", &nr);
        if (routes && nr) {
                s->routes = calloc(nr, sizeof(*s->routes));
                for (size_t i = 0; s->routes && i < nr; i++) {
                        const char *c = strchr(routes[i], ':');
                        if (!c)
                                continue;
                        s->routes[s->n_routes].topic = strndup(routes[i], (size_t)(c - routes[i]));
                        s->routes[s->n_routes++].pattern = strdup(c + 1);
                }
        }
        s->batch_size = ferry_config_get_int(cfg, "batch.size");
        s->bulk_size_bytes = ferry_config_get_long(cfg, "bulk.size.bytes");
        s->max_in_flight = ferry_config_get_int(cfg, "max.in.flight.requests");
        s->max_buffered = ferry_config_get_int(cfg, "max.buffered.records");
        s->linger_ms = ferry_config_get_long(cfg, "linger.ms");
        s->max_retries = ferry_config_get_int(cfg, "max.retries");
        s->retry_backoff_ms = ferry_config_get_long(cfg, "retry.backoff.ms");
        s->flush_timeout_ms = ferry_config_get_long(cfg, "flush.timeout.ms");
        if (s->ds_type && (!s->ds_dataset || !*s->ds_dataset)) {
                snprintf(errstr, errstr_size, "data.stream.dataset is required when data.stream.type is set");
                return -1;
        }
        return 0;
}

void es_settings_free(es_settings_t *s)
{
        ferry_strlist_free(s->topic_key_ignore, s->n_topic_key_ignore);
        ferry_strlist_free(s->topic_schema_ignore, s->n_topic_schema_ignore);
        ferry_strlist_free(s->ds_timestamp_fields, s->n_ds_timestamp_fields);
        free((char *)s->ds_type);
        for (size_t i = 0; i < s->n_routes; i++) {
                free(s->routes[i].topic);
                free(s->routes[i].pattern);
        }
        free(s->routes);
        memset(s, 0, sizeof(*s));
}
