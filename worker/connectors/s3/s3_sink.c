/* The S3 sink connector (io.confluent.connect.s3.S3SinkConnector): its config table (S3 keys plus
 * the storage-sink keys of shared/storage), the connector (every task gets the whole config) and
 * the task, which checks the bucket, resolves credentials (renewing web-identity keys before they
 * expire), starts the background part uploader (s3_upload.c), sets the memory budget and hands
 * records to the storage-sink core over the S3 backend (s3_storage.c). Offsets are committed in
 * pre_commit only for records inside objects that are stored. */
#include "s3_creds.h"
#include "s3_storage.h"

#include <ferry/clock.h>
#include <ferry/connector.h>
#include <ferry/log.h>
#include <ferry/plugin.h>

#include <curl/curl.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S3_VERSION "10.5.0-ferry"
#define G_S3       "S3"

static const ferry_config_def_t s3_own_defs[] = {
        {"s3.bucket.name", FERRY_CFG_STRING, NULL, true, FERRY_IMPORTANCE_HIGH, "The S3 bucket.", G_S3,
         .non_empty = true},
        {"s3.region", FERRY_CFG_STRING, "us-west-2", false, FERRY_IMPORTANCE_MEDIUM, "The AWS region.", G_S3,
         .valid = NULL},
        {"store.url", FERRY_CFG_STRING, NULL, false, FERRY_IMPORTANCE_HIGH,
         "Endpoint of an S3-compatible store (http://host:port); unset for AWS.", G_S3, .valid = NULL},
        {"s3.path.style.access.enabled", FERRY_CFG_BOOLEAN, "true", false, FERRY_IMPORTANCE_LOW,
         "Path-style URLs (endpoint/bucket/key) instead of virtual-hosted ones (bucket.endpoint/key).", G_S3,
         .valid = NULL},
        {"aws.access.key.id", FERRY_CFG_STRING, "", false, FERRY_IMPORTANCE_HIGH,
         "Access key id; unset: AWS_ACCESS_KEY_ID, then the shared credentials file.", G_S3, .valid = NULL},
        {"aws.secret.access.key", FERRY_CFG_PASSWORD, "", false, FERRY_IMPORTANCE_HIGH, "Secret access key.",
         G_S3, .valid = NULL},
        {"s3.part.size", FERRY_CFG_INT, "26214400", false, FERRY_IMPORTANCE_HIGH,
         "Part size of multipart uploads, and the memory a file holds before its first part goes up.", G_S3,
         .has_min = true, .min = 5242880, .has_max = true, .max = 2147483647},
        {"s3.part.concurrency", FERRY_CFG_INT, "4", false, FERRY_IMPORTANCE_LOW,
         "Ferry's: parts of multipart uploads in flight at once per task (uploaded in the background "
         "while records are encoded).",
         G_S3, .has_min = true, .min = 1, .has_max = true, .max = 64},
        {"s3.memory.budget.bytes", FERRY_CFG_LONG, "268435456", false, FERRY_IMPORTANCE_MEDIUM,
         "Ferry's: bytes the open files of a task may hold in memory; past it the largest buffers are "
         "spilled to temporary files ($TMPDIR) until their parts or objects are uploaded. 0: no bound.",
         G_S3, .has_min = true, .min = 0},
        {"s3.retry.backoff.ms", FERRY_CFG_LONG, "200", false, FERRY_IMPORTANCE_LOW,
         "First back-off between retries of a request (doubling).", G_S3, .has_min = true, .min = 0},
        {"s3.part.retries", FERRY_CFG_INT, "3", false, FERRY_IMPORTANCE_MEDIUM,
         "Retries of a failed request before the files are written again from their first offset.", G_S3,
         .has_min = true, .min = 0},
        {"s3.ssea.name", FERRY_CFG_STRING, "", false, FERRY_IMPORTANCE_LOW,
         "Server-side encryption algorithm: AES256, aws:kms, or empty.", G_S3, .valid = NULL},
        {"s3.sse.kms.key.id", FERRY_CFG_STRING, "", false, FERRY_IMPORTANCE_LOW, "KMS key id for aws:kms.",
         G_S3, .valid = NULL},
        {"s3.acl.canned", FERRY_CFG_STRING, NULL, false, FERRY_IMPORTANCE_LOW,
         "Canned ACL of the objects (private, bucket-owner-full-control, ...).", G_S3, .valid = NULL},
        {"s3.conditional.writes", FERRY_CFG_BOOLEAN, "true", false, FERRY_IMPORTANCE_LOW,
         "Send If-None-Match: * so an object is never overwritten (turned off by itself when the store "
         "answers "
         "501).",
         G_S3, .valid = NULL},
        {"storage.class", FERRY_CFG_CLASS, "io.confluent.connect.s3.storage.S3Storage", false,
         FERRY_IMPORTANCE_LOW, "The storage class (only S3Storage).", G_S3, .valid = NULL},
        {"s3.http.send.expect.continue", FERRY_CFG_BOOLEAN, "true", false, FERRY_IMPORTANCE_LOW,
         "Accepted for compatibility; Ferry never waits for 100-continue.", G_S3, .valid = NULL},
        {.name = NULL},
};

static ferry_config_def_t s3_config[96];

__attribute__((constructor)) static void s3_config_build(void)
{
        storage_config_defs_merge(s3_config, sizeof s3_config / sizeof s3_config[0], s3_own_defs);
}

typedef struct {
        ferry_config_t *cfg;
        storage_config_t sc;
        bool sc_ready;
        s3_storage_t st;
        storage_backend_t backend;
        storage_task_t *task;
        int64_t backoff_ms;
        s3_creds_t creds;   /* kept to renew web-identity keys */
        int64_t refresh_at; /* when to renew them (INT64_MAX: never) */
} s3_task_t;

static void task_free(s3_task_t *s)
{
        if (!s)
                return;
        if (s->task && s->st.spilled)
                FERRY_INFO("S3 sink: %llu objects stored; the memory budget spilled %llu bytes to disk "
                           "(%llu times)",
                           (unsigned long long)s->st.objects, (unsigned long long)s->st.spilled,
                           (unsigned long long)storage_task_spills(s->task));
        storage_task_free(s->task);
        s3_storage_stop(&s->st);
        s3_uploader_free(s->st.uploader);
        s3_client_free(s->st.client);
        s3_creds_free(&s->creds);
        if (s->sc_ready)
                storage_config_free(&s->sc);
        ferry_config_free(s->cfg);
        free(s);
}

static ferry_err_t s3_task_start(ferry_task_t *t, const ferry_strmap_t *config, char *errstr,
                                 size_t errstr_size)
{
        s3_task_t *s = calloc(1, sizeof *s);
        if (!s) {
                snprintf(errstr, errstr_size, "out of memory");
                return FERRY_ERR_NOMEM;
        }
        ferry_cfg_errors_t errs;
        ferry_cfg_errors_init(&errs);
        s->cfg = ferry_config_parse(s3_config, config, &errs);
        if (!s->cfg) {
                char *j = ferry_cfg_errors_join(&errs);
                snprintf(errstr, errstr_size, "%s", j ? j : "invalid configuration");
                free(j);
                ferry_cfg_errors_free(&errs);
                task_free(s);
                return FERRY_ERR_INVALID_CONFIG;
        }
        ferry_cfg_errors_free(&errs);
        if (storage_config_init(&s->sc, config, errstr, errstr_size) != 0) {
                task_free(s);
                return FERRY_ERR_INVALID_CONFIG;
        }
        s->sc_ready = true;
        s3_creds_t *crp = &s->creds;
        if (s3_creds_resolve(ferry_config_get_string(s->cfg, "aws.access.key.id"),
                             ferry_config_get_password(s->cfg, "aws.secret.access.key"), crp, errstr,
                             errstr_size) != 0) {
                task_free(s);
                return FERRY_ERR_INVALID_CONFIG;
        }
        s3_creds_t cr = *crp;
        s->refresh_at = s3_creds_refresh_at(cr.expires_ms, ferry_wall_ms());
        s->backoff_ms = ferry_config_get_long(s->cfg, "s3.retry.backoff.ms");
        s3_client_config_t cc = {
                .bucket = ferry_config_get_string(s->cfg, "s3.bucket.name"),
                .region = ferry_config_get_string(s->cfg, "s3.region"),
                .store_url = ferry_config_get_string(s->cfg, "store.url"),
                .path_style = ferry_config_get_bool(s->cfg, "s3.path.style.access.enabled"),
                .access_key = cr.access_key,
                .secret_key = cr.secret_key,
                .session_token = cr.session_token,
                .acl = ferry_config_get_string(s->cfg, "s3.acl.canned"),
                .sse = ferry_config_get_string(s->cfg, "s3.ssea.name"),
                .sse_kms_key_id = ferry_config_get_string(s->cfg, "s3.sse.kms.key.id"),
                .retries = ferry_config_get_int(s->cfg, "s3.part.retries"),
                .backoff_ms = s->backoff_ms,
                .conditional = ferry_config_get_bool(s->cfg, "s3.conditional.writes"),
        };
        s->st.client = s3_client_new(&cc, errstr, errstr_size);
        FERRY_INFO("S3 sink task %d: bucket %s, credentials from %s", ferry_task_id(t), cc.bucket,
                   crp->source);
        if (!s->st.client) {
                task_free(s);
                return FERRY_ERR_INVALID_CONFIG;
        }
        s->st.part_size = (size_t)ferry_config_get_int(s->cfg, "s3.part.size");
        ferry_err_t e = s3_check_bucket(s->st.client, errstr, errstr_size);
        if (e != FERRY_ERR_OK) {
                task_free(s);
                return e == FERRY_ERR_RETRIABLE ? FERRY_ERR_FATAL : e;
        }
        if (!(s->st.uploader =
                      s3_uploader_new(s->st.client, ferry_config_get_int(s->cfg, "s3.part.concurrency"),
                                      errstr, errstr_size))) {
                task_free(s);
                return FERRY_ERR_NOMEM;
        }
        if (s3_storage_start(&s->st, &cc, errstr, errstr_size) != 0) {
                task_free(s);
                return FERRY_ERR_NOMEM;
        }
        s3_storage_backend(&s->st, &s->backend);
        if (!(s->task = storage_task_new(t, &s->sc, &s->backend))) {
                snprintf(errstr, errstr_size, "out of memory");
                task_free(s);
                return FERRY_ERR_NOMEM;
        }
        storage_task_set_memory_budget(s->task,
                                       (size_t)ferry_config_get_long(s->cfg, "s3.memory.budget.bytes"));
        ferry_task_set_data(t, s);
        return FERRY_ERR_OK;
}

/* Web-identity keys are renewed before they expire; a failed renewal keeps the old keys and is
 * tried again in 10 s. */
static void renew_creds(s3_task_t *s)
{
        int64_t now = ferry_wall_ms();
        if (now < s->refresh_at)
                return;
        char err[512];
        if (s3_creds_refresh(&s->creds, err, sizeof err) != 0) {
                FERRY_WARN("S3: cannot renew the web-identity credentials (retrying in 10 s): %s", err);
                s->refresh_at = now + 10000;
                return;
        }
        s3_storage_set_creds(&s->st, s->creds.access_key, s->creds.secret_key, s->creds.session_token);
        s->refresh_at = s3_creds_refresh_at(s->creds.expires_ms, now);
        FERRY_INFO("S3: renewed the web-identity credentials; next renewal in %lld s",
                   (long long)((s->refresh_at - now) / 1000));
}

static ferry_err_t s3_task_put(ferry_task_t *t, ferry_record_t *const *recs, size_t n, char *errstr,
                               size_t errstr_size)
{
        s3_task_t *s = ferry_task_data(t);
        renew_creds(s);
        return storage_task_put(s->task, recs, n, s->backoff_ms, errstr, errstr_size);
}

static ferry_err_t s3_task_flush(ferry_task_t *t, char *errstr, size_t errstr_size)
{
        (void)t;
        (void)errstr;
        (void)errstr_size;
        return FERRY_ERR_OK;
}

static ferry_err_t s3_task_pre_commit(ferry_task_t *t, ferry_topic_partition_offset_t *offsets, size_t *n,
                                      char *errstr, size_t errstr_size)
{
        s3_task_t *s = ferry_task_data(t);
        renew_creds(s);
        return storage_task_pre_commit(s->task, offsets, n, errstr, errstr_size);
}

static void s3_task_open(ferry_task_t *t, const ferry_topic_partition_t *tps, size_t n)
{
        s3_task_t *s = ferry_task_data(t);
        if (s)
                storage_task_open(s->task, tps, n);
}

static void s3_task_close(ferry_task_t *t, const ferry_topic_partition_t *tps, size_t n)
{
        s3_task_t *s = ferry_task_data(t);
        if (s)
                storage_task_close(s->task, tps, n);
}

static void s3_task_stop(ferry_task_t *t)
{
        task_free(ferry_task_data(t));
        ferry_task_set_data(t, NULL);
}

static void s3_validate(const ferry_strmap_t *config, ferry_cfg_errors_t *errs)
{
        storage_config_t sc;
        char err[512];
        if (!ferry_strmap_get(config, "format.class") || !ferry_strmap_get(config, "flush.size"))
                return; /* the table reports the missing keys */
        if (storage_config_init(&sc, config, err, sizeof err) != 0) {
                const char *colon = strchr(err, ':');
                char key[128] = "format.class";
                if (colon && (size_t)(colon - err) < sizeof key && !memchr(err, ' ', (size_t)(colon - err)))
                        snprintf(key, sizeof key, "%.*s", (int)(colon - err), err);
                ferry_cfg_errors_add(errs, key, "%s",
                                     colon && strcmp(key, "format.class") != 0 ? colon + 2 : err);
                return;
        }
        storage_config_free(&sc);
}

static const ferry_sink_task_ops_t s3_sink_ops = {
        .size = sizeof(ferry_sink_task_ops_t),
        .start = s3_task_start,
        .put = s3_task_put,
        .put_when_idle = true,
        .flush = s3_task_flush,
        .open = s3_task_open,
        .close = s3_task_close,
        .stop = s3_task_stop,
        .pre_commit = s3_task_pre_commit,
};

static const char *const s3_aliases[] = {"S3SinkConnector", "S3Sink", NULL};

const ferry_connector_plugin_t s3_sink_plugin = {
        .info = FERRY_PLUGIN_INFO(
                ferry_connector_plugin_t, .type = FERRY_PLUGIN_SINK,
                .class_name = "io.confluent.connect.s3.S3SinkConnector", .version = S3_VERSION,
                .aliases = s3_aliases, .config = s3_config,
                .doc = "Writes topics to S3 objects in Confluent's layout: JSON, Avro, ByteArray "
                       "or Parquet files per partition and rotation, exactly once."),
        .validate = s3_validate,
        .task_configs = ferry_task_configs_copies,
        .sink = &s3_sink_ops,
};

FERRY_PLUGIN_LIST(&s3_sink_plugin.info)
