/* The HDFS sink connectors (io.confluent.connect.hdfs.HdfsSinkConnector and
 * io.confluent.connect.hdfs3.Hdfs3SinkConnector): configuration (Confluent's keys plus those of
 * the storage-sink core), hadoop.conf.dir and hdfs.url resolution, then a storage task
 * (shared/storage) over the HDFS backend (hdfs_storage.c) per sink task. Records flow
 * put -> storage core (partitioner, format, rotation) -> hdfs_storage (temp file, WAL, rename);
 * pre_commit hands the runtime only offsets of committed files. */
#include "hadoop_conf.h"
#include "hdfs_storage.h"
#include "webhdfs.h"

#include "shared/storage/storage_writer.h"

#include <ferry/config.h>
#include <ferry/connector.h>
#include <ferry/log.h>

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HDFS_VERSION     "10.2.0-ferry"
#define HDFS_CHUNK_BYTES (1u * 1024 * 1024)
#define HDFS_GROUP       "HDFS"

static int check_kerberos(const char *name, const char *value, char *errstr, size_t errstr_size)
{
        if (value && strcasecmp(value, "true") == 0) {
                snprintf(errstr, errstr_size,
                         "Kerberos authentication is not supported: Ferry reaches HDFS through WebHDFS with "
                         "simple authentication (hdfs.user.name) only; set %s=false",
                         name);
                return -1;
        }
        return 0;
}

static int check_hive(const char *name, const char *value, char *errstr, size_t errstr_size)
{
        if (value && strcasecmp(value, "true") == 0) {
                snprintf(errstr, errstr_size,
                         "Hive integration is not supported; set %s=false and create the "
                         "tables over topics.dir yourself",
                         name);
                return -1;
        }
        return 0;
}

/* The HDFS keys; the storage-sink core's keys follow them in hdfs_config (built at load time). */
static const ferry_config_def_t hdfs_own_config[] = {
        {.name = "hdfs.url",
         .type = FERRY_CFG_STRING,
         .importance = FERRY_IMPORTANCE_HIGH,
         .group = HDFS_GROUP,
         .doc = "The HDFS to write to: hdfs://host:port (WebHDFS address from hadoop.conf.dir or port 9870), "
                "an HA name service hdfs://ns, webhdfs://host:port or http(s)://host:port (comma-separated "
                "for several NameNodes). Unset: store.url, then fs.defaultFS of hadoop.conf.dir."},
        {.name = "store.url",
         .type = FERRY_CFG_STRING,
         .importance = FERRY_IMPORTANCE_HIGH,
         .group = HDFS_GROUP,
         .doc = "Same as hdfs.url (the newer name); hdfs.url wins when both are set."},
        {.name = "hadoop.conf.dir",
         .type = FERRY_CFG_STRING,
         .default_value = "",
         .importance = FERRY_IMPORTANCE_HIGH,
         .group = HDFS_GROUP,
         .doc = "Directory with core-site.xml and hdfs-site.xml: fs.defaultFS, dfs.namenode.http-address and "
                "the "
                "HA keys dfs.nameservices, dfs.ha.namenodes.<ns>, dfs.namenode.http-address.<ns>.<nn>."},
        {.name = "hadoop.home",
         .type = FERRY_CFG_STRING,
         .default_value = "",
         .importance = FERRY_IMPORTANCE_LOW,
         .group = HDFS_GROUP,
         .doc = "Accepted for compatibility; not used."},
        {.name = "logs.dir",
         .type = FERRY_CFG_STRING,
         .default_value = "logs",
         .importance = FERRY_IMPORTANCE_HIGH,
         .group = HDFS_GROUP,
         .doc = "Top directory of the write-ahead logs: <logs.dir>/<topic>/<partition>/log."},
        {.name = "hdfs.user.name",
         .type = FERRY_CFG_STRING,
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .group = HDFS_GROUP,
         .doc = "The user WebHDFS simple authentication names (user.name). Unset: the HADOOP_USER_NAME "
                "environment variable, else the worker's login user."},
        {.name = "hdfs.authentication.kerberos",
         .type = FERRY_CFG_BOOLEAN,
         .default_value = "false",
         .importance = FERRY_IMPORTANCE_HIGH,
         .group = HDFS_GROUP,
         .validate = check_kerberos,
         .doc = "Kerberos is not supported (refused when true)."},
        {.name = "connect.hdfs.principal",
         .type = FERRY_CFG_STRING,
         .default_value = "",
         .importance = FERRY_IMPORTANCE_HIGH,
         .group = HDFS_GROUP,
         .doc = "Accepted; Kerberos is not supported."},
        {.name = "connect.hdfs.keytab",
         .type = FERRY_CFG_STRING,
         .default_value = "",
         .importance = FERRY_IMPORTANCE_HIGH,
         .group = HDFS_GROUP,
         .doc = "Accepted; Kerberos is not supported."},
        {.name = "hdfs.namenode.principal",
         .type = FERRY_CFG_STRING,
         .default_value = "",
         .importance = FERRY_IMPORTANCE_HIGH,
         .group = HDFS_GROUP,
         .doc = "Accepted; Kerberos is not supported."},
        {.name = "kerberos.ticket.renew.period.ms",
         .type = FERRY_CFG_LONG,
         .default_value = "3600000",
         .importance = FERRY_IMPORTANCE_LOW,
         .group = HDFS_GROUP,
         .doc = "Accepted; Kerberos is not supported."},
        {.name = "hive.integration",
         .type = FERRY_CFG_BOOLEAN,
         .default_value = "false",
         .importance = FERRY_IMPORTANCE_HIGH,
         .group = "Hive",
         .validate = check_hive,
         .doc = "Hive integration is not supported (refused when true)."},
        {.name = "retry.backoff.ms",
         .type = FERRY_CFG_LONG,
         .default_value = "5000",
         .has_min = true,
         .min = 0,
         .importance = FERRY_IMPORTANCE_LOW,
         .group = HDFS_GROUP,
         .doc = "Wait before a batch is retried after HDFS failed or could not be reached."},
        {.name = "shutdown.timeout.ms",
         .type = FERRY_CFG_LONG,
         .default_value = "3000",
         .has_min = true,
         .min = 0,
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .group = HDFS_GROUP,
         .doc = "Accepted for compatibility."},
        {.name = "storage.class",
         .type = FERRY_CFG_CLASS,
         .default_value = "io.confluent.connect.hdfs.storage.HdfsStorage",
         .importance = FERRY_IMPORTANCE_HIGH,
         .group = HDFS_GROUP,
         .doc = "Accepted for compatibility (HDFS)."},
        {.name = NULL},
};

#define HDFS_MAX_KEYS 160
static ferry_config_def_t hdfs_config[HDFS_MAX_KEYS];
static ferry_config_def_t hdfs3_config[HDFS_MAX_KEYS];

/* Builds the tables: the HDFS keys, then the storage core's with Confluent HDFS defaults. */
static void build_table(ferry_config_def_t *out, const char *default_format)
{
        size_t n = 0;
        for (const ferry_config_def_t *d = hdfs_own_config; d->name && n < HDFS_MAX_KEYS - 1; d++)
                out[n++] = *d;
        size_t m = storage_config_defs_count();
        for (size_t i = 0; i < m && n < HDFS_MAX_KEYS - 1; i++) {
                const ferry_config_def_t *d = &storage_config_defs[i];
                if (ferry_config_find(hdfs_own_config, d->name))
                        continue;
                out[n] = *d;
                if (strcmp(d->name, "format.class") == 0) {
                        out[n].default_value = default_format;
                        out[n].valid = NULL; /* hdfs3 names are mapped, then checked in hdfs_validate */
                        out[n].validate = NULL;
                }
                n++;
        }
        out[n].name = NULL;
}

__attribute__((constructor)) static void hdfs_tables_init(void)
{
        build_table(hdfs_config, "io.confluent.connect.hdfs.avro.AvroFormat");
        build_table(hdfs3_config, "io.confluent.connect.hdfs3.avro.AvroFormat");
}

/* io.confluent.connect.hdfs3.<x> -> io.confluent.connect.hdfs.<x> (the same formats). */
static void map_hdfs3_names(ferry_strmap_t *m, const char *key)
{
        const char *v = ferry_strmap_get(m, key);
        static const char p3[] = "io.confluent.connect.hdfs3.";
        if (!v || strncmp(v, p3, sizeof(p3) - 1) != 0)
                return;
        char buf[512];
        snprintf(buf, sizeof(buf), "io.confluent.connect.hdfs.%s", v + sizeof(p3) - 1);
        ferry_strmap_set(m, key, buf);
}

static void hdfs_validate(const ferry_strmap_t *config, ferry_cfg_errors_t *errs)
{
        ferry_strmap_t m;
        ferry_strmap_init(&m);
        ferry_strmap_copy(&m, config);
        map_hdfs3_names(&m, "format.class");
        const char *fc = ferry_strmap_get(&m, "format.class");
        if (fc && !storage_format_find(fc))
                ferry_cfg_errors_add(errs, "format.class", "unknown format class '%s'", fc);
        const char *url = ferry_strmap_get(config, "hdfs.url");
        if (!url || !url[0])
                url = ferry_strmap_get(config, "store.url");
        const char *dir = ferry_strmap_get(config, "hadoop.conf.dir");
        ferry_strmap_t conf;
        ferry_strmap_init(&conf);
        char err[512] = "";
        if (dir && dir[0] && hadoop_conf_load_dir(dir, &conf, err, sizeof(err)) != 0) {
                ferry_cfg_errors_add(errs, "hadoop.conf.dir", "%s", err);
        } else {
                hdfs_target_t t;
                if (hdfs_target_resolve(url, &conf, &t, err, sizeof(err)) != 0)
                        ferry_cfg_errors_add(errs,
                                             ferry_strmap_get(config, "hdfs.url") ? "hdfs.url" : "store.url",
                                             "%s", err);
                else
                        hdfs_target_free(&t);
        }
        ferry_strmap_free(&conf);
        ferry_strmap_free(&m);
}

typedef struct {
        storage_config_t cfg;
        bool cfg_ok;
        hdfs_backend_t *backend;
        storage_backend_t vt;
        storage_task_t *st;
        int64_t retry_backoff_ms;
} hdfs_task_t;

static void task_free(hdfs_task_t *h)
{
        if (!h)
                return;
        storage_task_free(h->st);
        if (h->cfg_ok)
                storage_config_free(&h->cfg);
        hdfs_backend_free(h->backend);
        free(h);
}

static const char *default_user(void)
{
        const char *u = getenv("HADOOP_USER_NAME");
        if (u && u[0])
                return u;
        struct passwd *pw = getpwuid(geteuid());
        return pw && pw->pw_name ? pw->pw_name : NULL;
}

/* The "scheme://authority" that Confluent's WAL entries begin with (its paths are hdfs.url +
 * "/" + topics.dir...): the URL of hdfs:// and (s)webhdfs:// addresses, which a Java task can open
 * too; "" for http(s):// and NameNode lists. malloc'd. */
static char *wal_url_of(const char *url, const ferry_strmap_t *conf)
{
        if (!url || !url[0])
                url = ferry_strmap_get(conf, "fs.defaultFS");
        if (!url || strchr(url, ',') ||
            (strncmp(url, "hdfs://", 7) != 0 && strncmp(url, "webhdfs://", 10) != 0 &&
             strncmp(url, "swebhdfs://", 11) != 0))
                return strdup("");
        const char *auth = strstr(url, "://") + 3;
        return strndup(url, strcspn(auth, "/") + (size_t)(auth - url));
}

static ferry_err_t hdfs_start(ferry_task_t *t, const ferry_strmap_t *config, char *errstr, size_t errstr_size)
{
        hdfs_task_t *h = calloc(1, sizeof(*h));
        ferry_strmap_t m, conf;
        ferry_strmap_init(&m);
        ferry_strmap_init(&conf);
        hdfs_target_t target = {0};
        ferry_err_t err = FERRY_ERR_INVALID_CONFIG;
        if (!h || ferry_strmap_copy(&m, config) != 0) {
                snprintf(errstr, errstr_size, "out of memory");
                err = FERRY_ERR_NOMEM;
                goto fail;
        }
        map_hdfs3_names(&m, "format.class");
        if (!ferry_strmap_get(&m, "format.class"))
                ferry_strmap_set(&m, "format.class", "io.confluent.connect.hdfs.avro.AvroFormat");
        const ferry_config_def_t *defs = hdfs_config;
        if (check_kerberos("hdfs.authentication.kerberos",
                           ferry_strmap_get(&m, "hdfs.authentication.kerberos"), errstr, errstr_size) != 0 ||
            check_hive("hive.integration", ferry_strmap_get(&m, "hive.integration"), errstr, errstr_size) !=
                    0)
                goto fail;
        if (storage_config_init(&h->cfg, &m, errstr, errstr_size) != 0)
                goto fail;
        h->cfg_ok = true;
        const char *dir = ferry_config_str(defs, &m, "hadoop.conf.dir");
        if (dir && dir[0] && hadoop_conf_load_dir(dir, &conf, errstr, errstr_size) != 0)
                goto fail;
        const char *url = ferry_strmap_get(&m, "hdfs.url");
        if (!url || !url[0])
                url = ferry_strmap_get(&m, "store.url");
        if (hdfs_target_resolve(url, &conf, &target, errstr, errstr_size) != 0)
                goto fail;
        const char *user = ferry_strmap_get(&m, "hdfs.user.name");
        webhdfs_opts_t wo = {.namenodes = target.namenodes,
                             .n_namenodes = target.n,
                             .user = user && user[0] ? user : default_user()};
        webhdfs_t *fs = webhdfs_new(&wo);
        hdfs_backend_opts_t bo = {.root = target.path,
                                  .topics_dir = h->cfg.topics_dir,
                                  .logs_dir = ferry_config_str(defs, &m, "logs.dir"),
                                  .file_delim = h->cfg.file_delim,
                                  .chunk_size = HDFS_CHUNK_BYTES};
        char *wal_url = wal_url_of(url, &conf);
        bo.wal_url = wal_url;
        if (!fs || !wal_url || !(h->backend = hdfs_backend_new(fs, &bo, t))) {
                free(wal_url);
                webhdfs_free(fs);
                snprintf(errstr, errstr_size, "out of memory");
                err = FERRY_ERR_NOMEM;
                goto fail;
        }
        free(wal_url);
        hdfs_backend_vtable(h->backend, &h->vt);
        h->retry_backoff_ms = ferry_config_int(defs, &m, "retry.backoff.ms");
        if (!(h->st = storage_task_new(t, &h->cfg, &h->vt))) {
                snprintf(errstr, errstr_size, "out of memory");
                err = FERRY_ERR_NOMEM;
                goto fail;
        }
        ferry_task_log(t, FERRY_LOG_INFO, "HDFS sink: writing to %s%s as user %s (%zu NameNode(s))",
                       target.namenodes[0], target.path, wo.user ? wo.user : "(none)", target.n);
        ferry_task_set_data(t, h);
        hdfs_target_free(&target);
        ferry_strmap_free(&m);
        ferry_strmap_free(&conf);
        return FERRY_ERR_OK;
fail:
        hdfs_target_free(&target);
        ferry_strmap_free(&m);
        ferry_strmap_free(&conf);
        task_free(h);
        return err;
}

static void hdfs_open(ferry_task_t *t, const ferry_topic_partition_t *tps, size_t n)
{
        hdfs_task_t *h = ferry_task_data(t);
        if (h)
                storage_task_open(h->st, tps, n);
}

static void hdfs_close(ferry_task_t *t, const ferry_topic_partition_t *tps, size_t n)
{
        hdfs_task_t *h = ferry_task_data(t);
        if (h)
                storage_task_close(h->st, tps, n);
}

static ferry_err_t hdfs_put(ferry_task_t *t, ferry_record_t *const *recs, size_t n, char *errstr,
                            size_t errstr_size)
{
        hdfs_task_t *h = ferry_task_data(t);
        return storage_task_put(h->st, recs, n, h->retry_backoff_ms, errstr, errstr_size);
}

static ferry_err_t hdfs_flush(ferry_task_t *t, char *errstr, size_t errstr_size)
{
        (void)t;
        (void)errstr;
        (void)errstr_size;
        return FERRY_ERR_OK; /* pre_commit decides what is durable */
}

static ferry_err_t hdfs_pre_commit(ferry_task_t *t, ferry_topic_partition_offset_t *offsets, size_t *n,
                                   char *errstr, size_t errstr_size)
{
        hdfs_task_t *h = ferry_task_data(t);
        return storage_task_pre_commit(h->st, offsets, n, errstr, errstr_size);
}

static void hdfs_stop(ferry_task_t *t)
{
        task_free(ferry_task_data(t));
        ferry_task_set_data(t, NULL);
}

static const ferry_sink_task_ops_t hdfs_ops = {
        .size = sizeof(ferry_sink_task_ops_t),
        .start = hdfs_start,
        .put = hdfs_put,
        .put_when_idle = true,
        .flush = hdfs_flush,
        .open = hdfs_open,
        .close = hdfs_close,
        .stop = hdfs_stop,
        .pre_commit = hdfs_pre_commit,
};

#define HDFS_DOC                                                                                             \
        "Writes Kafka topics to HDFS through WebHDFS in Confluent's layout: "                                \
        "<topics.dir>/<topic>/<encoded partition>/<topic>+<partition>+<start>+<end><ext>, temp files under " \
        "<topics.dir>/+tmp and a write-ahead log per partition under <logs.dir> for exactly-once output."

const ferry_connector_plugin_t hdfs_sink_plugin = {
        .info = FERRY_PLUGIN_INFO(ferry_connector_plugin_t, .type = FERRY_PLUGIN_SINK,
                                  .class_name = "io.confluent.connect.hdfs.HdfsSinkConnector",
                                  .version = HDFS_VERSION, .config = hdfs_config, .doc = HDFS_DOC),
        .validate = hdfs_validate,
        .task_configs = ferry_task_configs_copies,
        .sink = &hdfs_ops,
};

const ferry_connector_plugin_t hdfs3_sink_plugin = {
        .info = FERRY_PLUGIN_INFO(ferry_connector_plugin_t, .type = FERRY_PLUGIN_SINK,
                                  .class_name = "io.confluent.connect.hdfs3.Hdfs3SinkConnector",
                                  .version = HDFS_VERSION, .config = hdfs3_config, .doc = HDFS_DOC),
        .validate = hdfs_validate,
        .task_configs = ferry_task_configs_copies,
        .sink = &hdfs_ops,
};

FERRY_PLUGIN_LIST(&hdfs_sink_plugin.info, &hdfs3_sink_plugin.info)
