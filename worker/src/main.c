/* ferry-worker: the command line. Loads the worker config (and, with --embedded-kafka, starts the
 * in-process broker), checks that Kafka answers, opens the offsets file, creates the connectors named
 * on the command line through the standalone herder, then runs until SIGTERM/SIGINT and shuts down
 * cleanly within task.shutdown.graceful.timeout.ms. */
#include "herder/herder.h"
#include "kafka/group_describer.h"
#include "kafka/kafka.h"
#include "rest/rest.h"
#include "runtime/worker.h"

#include <ferry/json.h>
#include <ferry/log.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef FERRY_VERSION
#define FERRY_VERSION "dev"
#endif
#ifndef FERRY_COMMIT
#define FERRY_COMMIT "unknown"
#endif

static void usage(FILE *out)
{
        fprintf(out,
                "Usage: ferry-worker standalone [--embedded-kafka] WORKER.properties "
                "[CONNECTOR.properties|CONNECTOR.json ...]\n"
                "       ferry-worker --version\n"
                "       ferry-worker --help\n"
                "\n"
                "Runs a Kafka Connect worker. In standalone mode, source offsets are kept in the file named "
                "by\n"
                "offset.storage.file.filename and connectors come from the files given after the worker\n"
                "config (Java .properties, or JSON {\"name\": ..., \"config\": {...}}).\n"
                "\n"
                "  --embedded-kafka   start an in-process Kafka cluster and use it (prints its address)\n"
                "\n"
                "Environment: FERRY_LOG_LEVEL=ERROR|WARN|INFO|DEBUG|TRACE (default INFO)\n");
}

static bool has_suffix(const char *s, const char *suffix)
{
        size_t n = strlen(s), m = strlen(suffix);
        return n >= m && !strcmp(s + n - m, suffix);
}

/* A JSON connector file in the REST body shape: {"name": ..., "config": {...}}. */
static int load_json_connector(const char *path, ferry_strmap_t *out, char *errstr, size_t errstr_size)
{
        FILE *fp = fopen(path, "rb");
        if (!fp) {
                snprintf(errstr, errstr_size, "%s: %m", path);
                return -1;
        }
        ferry_buf_t b;
        ferry_buf_init(&b);
        char chunk[65536];
        size_t got;
        while ((got = fread(chunk, 1, sizeof(chunk), fp)) > 0)
                ferry_buf_append(&b, chunk, got);
        fclose(fp);
        char err[512] = "";
        ferry_value_t *doc = ferry_json_read(b.p ? b.p : "", b.len, err, sizeof(err));
        ferry_buf_free(&b);
        int rc = -1;
        ferry_value_t *name = doc && doc->type == FERRY_TYPE_MAP ? ferry_map_get_str(doc, "name") : NULL;
        ferry_value_t *config = doc && doc->type == FERRY_TYPE_MAP ? ferry_map_get_str(doc, "config") : NULL;
        if (!doc) {
                snprintf(errstr, errstr_size, "%s: invalid JSON: %s", path, err);
        } else if (!config || config->type != FERRY_TYPE_MAP) {
                snprintf(errstr, errstr_size, "%s: expected an object with a \"config\" object", path);
        } else if (name && name->type != FERRY_TYPE_STRING) {
                snprintf(errstr, errstr_size, "%s: \"name\" must be a string", path);
        } else {
                rc = 0;
                for (size_t i = 0; i < config->u.m.n && rc == 0; i++) {
                        const char *k = config->u.m.keys[i]->u.s.data;
                        ferry_value_t *v = config->u.m.vals[i];
                        char num[64];
                        const char *text = NULL;
                        if (!v) {
                                continue;
                        } else if (v->type == FERRY_TYPE_STRING) {
                                text = v->u.s.data;
                        } else if (v->type <= FERRY_TYPE_INT64) {
                                snprintf(num, sizeof(num), "%lld", (long long)v->u.i);
                                text = num;
                        } else if (v->type == FERRY_TYPE_BOOLEAN) {
                                text = v->u.b ? "true" : "false";
                        } else if (v->type == FERRY_TYPE_FLOAT64 || v->type == FERRY_TYPE_FLOAT32) {
                                snprintf(num, sizeof(num), "%.17g", v->u.f);
                                text = num;
                        } else {
                                snprintf(errstr, errstr_size, "%s: config value of \"%s\" must be a string",
                                         path, k);
                                rc = -1;
                        }
                        if (text)
                                ferry_strmap_set(out, k, text);
                }
                if (rc == 0 && name) {
                        const char *inner = ferry_strmap_get(out, "name");
                        if (inner && strcmp(inner, name->u.s.data)) {
                                snprintf(errstr, errstr_size,
                                         "%s: \"name\" (%s) differs from config name (%s)", path,
                                         name->u.s.data, inner);
                                rc = -1;
                        } else {
                                ferry_strmap_set(out, "name", name->u.s.data);
                        }
                }
        }
        ferry_value_free(doc);
        return rc;
}

static int load_connector_file(const char *path, ferry_strmap_t *out, char *errstr, size_t errstr_size)
{
        if (has_suffix(path, ".json"))
                return load_json_connector(path, out, errstr, errstr_size);
        return ferry_props_load(path, out, errstr, errstr_size);
}

static int run_worker(bool distributed, int argc, char **argv)
{
        bool embedded = false;
        int i = 0;
        for (; i < argc && argv[i][0] == '-'; i++) {
                if (!strcmp(argv[i], "--embedded-kafka")) {
                        embedded = true;
                } else {
                        fprintf(stderr, "ferry-worker: unknown option %s\n", argv[i]);
                        usage(stderr);
                        return 2;
                }
        }
        if (i >= argc) {
                fprintf(stderr, "ferry-worker: missing WORKER.properties\n");
                usage(stderr);
                return 2;
        }
        if (distributed && (embedded || i + 1 < argc)) {
                fprintf(stderr,
                        "ferry-worker: distributed mode takes only WORKER.properties; create connectors "
                        "through the REST API\n");
                usage(stderr);
                return 2;
        }
        /* Signals are taken by sigwait() in this thread; every thread created later inherits the mask. */
        sigset_t sigs;
        sigemptyset(&sigs);
        sigaddset(&sigs, SIGTERM);
        sigaddset(&sigs, SIGINT);
        pthread_sigmask(SIG_BLOCK, &sigs, NULL);
        signal(SIGPIPE, SIG_IGN);

        int64_t t0 = ferry_now_ms();
        char errstr[4096] = "";
        int rc = 1;
        ferry_strmap_t wconf;
        ferry_strmap_init(&wconf);
        ferry_embedded_kafka_t *kafka = NULL;
        ferry_worker_t *w = NULL;
        ferry_herder_t *h = NULL;
        ferry_rest_t *rest = NULL;
        ferry_strmap_t *conns = NULL;
        int n_conns = 0;
        if (ferry_props_load(argv[i], &wconf, errstr, sizeof(errstr)) < 0) {
                fprintf(stderr, "ferry-worker: %s\n", errstr);
                goto out;
        }
        if (embedded) {
                kafka = ferry_embedded_kafka_start(1, errstr, sizeof(errstr));
                if (!kafka) {
                        fprintf(stderr, "ferry-worker: %s\n", errstr);
                        goto out;
                }
                ferry_strmap_set(&wconf, "bootstrap.servers", ferry_embedded_kafka_bootstrap(kafka));
                printf("Embedded Kafka broker: %s\n", ferry_embedded_kafka_bootstrap(kafka));
                fflush(stdout);
        }
        const char *offsets_file = ferry_strmap_get(&wconf, "offset.storage.file.filename");
        if (!distributed && (!offsets_file || !*offsets_file)) {
                fprintf(stderr,
                        "ferry-worker: %s: Missing required configuration \"offset.storage.file.filename\" "
                        "which has "
                        "no default value.\n",
                        argv[i]);
                goto out;
        }
        w = ferry_worker_new(&wconf, errstr, sizeof(errstr));
        if (!w) {
                fprintf(stderr, "ferry-worker: %s: %s\n", argv[i], errstr);
                goto out;
        }
        /* Connector files are read and validated before Kafka is contacted: bad input fails fast. */
        n_conns = argc - i - 1;
        conns = calloc((size_t)(n_conns > 0 ? n_conns : 1), sizeof(*conns));
        for (int k = 0; conns && k < n_conns; k++) {
                const char *path = argv[i + 1 + k];
                ferry_strmap_init(&conns[k]);
                if (load_connector_file(path, &conns[k], errstr, sizeof(errstr)) < 0) {
                        fprintf(stderr, "ferry-worker: %s\n", errstr);
                        goto out;
                }
                ferry_cfg_errors_t errs;
                ferry_cfg_errors_init(&errs);
                ferry_worker_validate_connector(w, &conns[k], &errs);
                if (errs.n) {
                        char *msg = ferry_cfg_errors_join(&errs);
                        const char *name = ferry_strmap_get(&conns[k], "name");
                        fprintf(stderr, "ferry-worker: %s: connector %s has %zu configuration error(s): %s\n",
                                path, name ? name : "(no name)", errs.n, msg ? msg : "");
                        free(msg);
                        ferry_cfg_errors_free(&errs);
                        goto out;
                }
                ferry_cfg_errors_free(&errs);
        }
        w->embedded = kafka;
        int timeout = (int)ferry_config_int(ferry_worker_config, &wconf, "default.api.timeout.ms");
        w->cluster_id = ferry_kafka_cluster_id(&wconf, timeout, errstr, sizeof(errstr));
        if (!w->cluster_id) {
                fprintf(stderr, "ferry-worker: %s\n", errstr);
                goto out;
        }
        FERRY_INFO("Kafka cluster ID: %s", w->cluster_id);
        if (distributed) {
                h = ferry_distributed_herder_new(w, errstr, sizeof(errstr));
                if (!h) {
                        fprintf(stderr, "ferry-worker: %s: %s\n", argv[i], errstr);
                        goto out;
                }
        } else {
                w->offsets = ferry_offsets_open_file(offsets_file, errstr, sizeof(errstr));
                if (!w->offsets) {
                        fprintf(stderr, "ferry-worker: %s\n", errstr);
                        goto out;
                }
                h = ferry_standalone_herder_new(w);
        }
        rest = ferry_rest_start(w, h, errstr, sizeof(errstr));
        if (!rest) {
                fprintf(stderr, "ferry-worker: REST server: %s\n", errstr);
                goto out;
        }
        if (distributed && ferry_distributed_herder_start(h, errstr, sizeof(errstr)) < 0) {
                fprintf(stderr, "ferry-worker: %s\n", errstr);
                goto out;
        }
        for (int k = 0; k < n_conns; k++) {
                const char *name = ferry_strmap_get(&conns[k], "name");
                ferry_cfg_errors_t errs;
                ferry_cfg_errors_init(&errs);
                bool created;
                ferry_herder_rc_t hrc = h->ops->put_connector(h, name, &conns[k], FERRY_TARGET_STARTED, false,
                                                              &created, &errs, errstr, sizeof(errstr));
                ferry_cfg_errors_free(&errs);
                if (hrc != FERRY_HERDER_OK) {
                        fprintf(stderr, "ferry-worker: %s: %s\n", argv[i + 1 + k], errstr);
                        goto out;
                }
        }
        atomic_store(&h->ready, true);
        FERRY_INFO("Ferry worker %s started in %lld ms", FERRY_VERSION, (long long)(ferry_now_ms() - t0));
        int sig = 0;
        sigwait(&sigs, &sig);
        FERRY_INFO("Received %s, shutting down", sig == SIGTERM ? "SIGTERM" : "SIGINT");
        rc = 0;
out:
        ferry_rest_stop(rest);
        if (h) {
                h->ops->stop(h);
                h->ops->free(h);
        }
        if (w) {
                ferry_offsets_close(w->offsets);
                w->offsets = NULL;
                ferry_worker_free(w);
        }
        ferry_embedded_kafka_stop(kafka);
        for (int k = 0; conns && k < n_conns; k++)
                ferry_strmap_free(&conns[k]);
        free(conns);
        ferry_strmap_free(&wconf);
        if (rc == 0)
                FERRY_INFO("Ferry worker stopped");
        return rc;
}

int main(int argc, char **argv)
{
        const char *lvl = getenv("FERRY_LOG_LEVEL");
        if (lvl && ferry_log_level_from_name(lvl) >= 0)
                ferry_log_set_level((ferry_log_level_t)ferry_log_level_from_name(lvl));
        if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
                usage(argc < 2 ? stderr : stdout);
                return argc < 2 ? 2 : 0;
        }
        if (!strcmp(argv[1], "--version")) {
                printf("ferry-worker %s (commit %s, librdkafka %s)\n", FERRY_VERSION, FERRY_COMMIT,
                       rd_kafka_version_str());
                return 0;
        }
        if (!strcmp(argv[1], "standalone"))
                return run_worker(false, argc - 2, argv + 2);
        if (!strcmp(argv[1], "distributed"))
                return run_worker(true, argc - 2, argv + 2);
        if (!strcmp(argv[1], "kafka-admin") && argc == 4) /* the worker's own child (kafka.h) */
                return ferry_kafka_admin_main(argv[2], argv[3]);
        if (!strcmp(argv[1], "kafka-describer") && argc == 3) /* its own child (group_describer.h) */
                return ferry_group_describer_main(argv[2]);
        fprintf(stderr, "ferry-worker: unknown mode '%s'\n", argv[1]);
        usage(stderr);
        return 2;
}
