/* librdkafka glue for the worker: builds producer/consumer/admin configs from the worker config
 * with Connect's prefix rules (producer., consumer., admin., and per-connector *.override.),
 * looks up the cluster id at start-up, and runs the embedded mock cluster for quickstarts. Task
 * runners create their clients through here. */
#include "kafka/kafka.h"
#include "kafka/embedded_gate.h"

#include "kafka/kafka_security.h"

#include <ferry/buf.h>
#include <ferry/clock.h>

#include <ferry/log.h>

#include <errno.h>
#include <fcntl.h>
#include <librdkafka/rdkafka_mock.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* Keys Java clients take that librdkafka has no use for; skipped silently (max.poll.records is
 * the sink runner's, task_sink.c). */
static const char *const java_only[] = {"key.serializer",     "value.serializer", "key.deserializer",
                                        "value.deserializer", "max.block.ms",     "delivery.timeout.ms",
                                        "buffer.memory",      "max.poll.records", NULL};

static bool is_java_only(const char *key)
{
        for (size_t i = 0; java_only[i]; i++)
                if (!strcmp(key, java_only[i]))
                        return true;
        return false;
}

/* Sets m on conf; names maps each key to the key the user wrote, for messages. */
static int apply(rd_kafka_conf_t *conf, const ferry_strmap_t *m, const ferry_strmap_t *names, char *errstr,
                 size_t errstr_size)
{
        for (size_t i = 0; m && i < m->n; i++) {
                const char *k = m->kv[i].key, *v = m->kv[i].value, *name = ferry_strmap_get(names, k);
                if (is_java_only(k))
                        continue;
                char err[256];
                rd_kafka_conf_res_t res = rd_kafka_conf_set(conf, k, v, err, sizeof(err));
                if (res == RD_KAFKA_CONF_UNKNOWN) {
                        FERRY_WARN("Ignoring %s: not a setting of the Kafka client", name ? name : k);
                } else if (res != RD_KAFKA_CONF_OK) {
                        snprintf(errstr, errstr_size, "%s: %s", name ? name : k, err);
                        return -1;
                }
        }
        return 0;
}

rd_kafka_conf_t *ferry_kafka_conf(const ferry_strmap_t *worker, const char *prefix,
                                  const ferry_strmap_t *defaults, const ferry_strmap_t *overrides,
                                  const ferry_strmap_t *fixed, char *errstr, size_t errstr_size)
{
        ferry_strmap_t base, prefixed, props, names;
        ferry_strmap_init(&base);
        ferry_strmap_init(&prefixed);
        const char *bootstrap = ferry_strmap_get(worker, "bootstrap.servers");
        ferry_strmap_set(&base, "bootstrap.servers", bootstrap ? bootstrap : "localhost:9092");
        if (prefix)
                ferry_strmap_sub(&prefixed, worker, prefix);
        /* Every client inherits the worker's top-level security keys unless its prefix points it at
         * another cluster (kafka_security.c translates Java's names). */
        for (size_t i = 0; worker && !ferry_strmap_get(&prefixed, "bootstrap.servers") && i < worker->n; i++)
                if (ferry_kafka_is_security_key(worker->kv[i].key))
                        ferry_strmap_set(&base, worker->kv[i].key, worker->kv[i].value);
        char origin[64], oorigin[80];
        snprintf(origin, sizeof(origin), "%s", prefix ? prefix : "");
        snprintf(oorigin, sizeof(oorigin), "%soverride.", prefix ? prefix : "");
        ferry_kafka_layer_t layers[] = {
                {&base, ""}, {defaults, ""}, {&prefixed, origin}, {overrides, oorigin}, {fixed, ""}};
        rd_kafka_conf_t *conf = NULL;
        if (ferry_kafka_client_props(layers, sizeof(layers) / sizeof(layers[0]), &props, &names, errstr,
                                     errstr_size) == 0) {
                conf = rd_kafka_conf_new();
                if (apply(conf, &props, &names, errstr, errstr_size) < 0) {
                        rd_kafka_conf_destroy(conf);
                        conf = NULL;
                }
                ferry_strmap_free(&props);
                ferry_strmap_free(&names);
        }
        ferry_strmap_free(&base);
        ferry_strmap_free(&prefixed);
        if (conf) {
                rd_kafka_conf_set(conf, "log.connection.close", "false", NULL, 0);
                ferry_kafka_security_hooks(conf);
        }
        return conf;
}

/* Keeps the last client error (authentication, TLS) so a failed look-up can name its cause. */
static void remember_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
        if (err != RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
                snprintf(opaque, 512, "%s", reason);
}

char *ferry_kafka_cluster_id(const ferry_strmap_t *worker, int timeout_ms, char *errstr, size_t errstr_size)
{
        /* Like Java Connect, the look-up uses the worker's top-level client settings. */
        ferry_strmap_t top;
        ferry_strmap_init(&top);
        const char *client_id = ferry_strmap_get(worker, "client.id");
        if (client_id)
                ferry_strmap_set(&top, "client.id", client_id);
        rd_kafka_conf_t *conf = ferry_kafka_conf(worker, NULL, NULL, NULL, &top, errstr, errstr_size);
        ferry_strmap_free(&top);
        if (!conf)
                return NULL;
        char err[512], cause[512] = "";
        rd_kafka_conf_set_error_cb(conf, remember_error);
        rd_kafka_conf_set_opaque(conf, cause);
        rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
        if (!rk) {
                snprintf(errstr, errstr_size, "Failed to create Kafka client: %s", err);
                rd_kafka_conf_destroy(conf);
                return NULL;
        }
        char *id = rd_kafka_clusterid(rk, timeout_ms);
        char *out = NULL;
        if (id) {
                out = strdup(id);
                rd_kafka_mem_free(rk, id);
        } else {
                const char *bs = ferry_strmap_get(worker, "bootstrap.servers");
                rd_kafka_poll(rk, 0); /* serves remember_error */
                snprintf(errstr, errstr_size,
                         "Failed to connect to and describe Kafka cluster at %s within %d ms%s%s. Check the "
                         "worker's "
                         "bootstrap.servers and security settings.",
                         bs ? bs : "localhost:9092", timeout_ms, cause[0] ? ": " : "", cause);
        }
        rd_kafka_destroy(rk);
        return out;
}

struct ferry_embedded_kafka {
        rd_kafka_t *rk;
        rd_kafka_mock_cluster_t *mc;
        ferry_gate_t *gate;
};

ferry_embedded_kafka_t *ferry_embedded_kafka_start(int brokers, char *errstr, size_t errstr_size)
{
        ferry_embedded_kafka_t *k = calloc(1, sizeof(*k));
        if (!k)
                return NULL;
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        char err[256];
        rd_kafka_conf_set(conf, "log_level", "3", NULL, 0);
        k->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
        if (!k->rk) {
                snprintf(errstr, errstr_size, "embedded Kafka: %s", err);
                rd_kafka_conf_destroy(conf);
                free(k);
                return NULL;
        }
        k->mc = rd_kafka_mock_cluster_new(k->rk, brokers);
        k->gate = k->mc ? ferry_gate_new() : NULL;
        if (!k->mc || !k->gate) {
                if (k->mc)
                        rd_kafka_mock_cluster_destroy(k->mc);
                snprintf(errstr, errstr_size, "embedded Kafka: could not start the in-process cluster");
                rd_kafka_destroy(k->rk);
                free(k);
                return NULL;
        }
        return k;
}

const char *ferry_embedded_kafka_bootstrap(const ferry_embedded_kafka_t *k)
{
        return rd_kafka_mock_cluster_bootstraps(k->mc);
}

void ferry_embedded_kafka_connector_topics(ferry_embedded_kafka_t *k, const ferry_strmap_t *connector_config)
{
        static const char *const keys[] = {"topic", "topics", "errors.deadletterqueue.topic.name", NULL};
        /* A source using topic.creation.* creates its topic with its group's partitions. */
        bool creates = ferry_strmap_get(connector_config, "topic.creation.default.replication.factor");
        for (size_t i = creates ? 1 : 0; k && keys[i]; i++) {
                size_t n;
                char **topics = ferry_split_list(ferry_strmap_get(connector_config, keys[i]), &n);
                for (size_t j = 0; topics && j < n; j++)
                        rd_kafka_mock_topic_create(k->mc, topics[j], 1, 1);
                ferry_strlist_free(topics, n);
        }
}

struct ferry_gate *ferry_embedded_kafka_gate(const ferry_embedded_kafka_t *k)
{
        return k ? k->gate : NULL;
}

int ferry_embedded_kafka_create_topic(ferry_embedded_kafka_t *k, const char *topic, int partitions, int rf,
                                      bool *created, char *errstr, size_t errstr_size)
{
        /* The broker default of a stock single broker (num.partitions=1), as for connector topics. */
        rd_kafka_resp_err_t err =
                rd_kafka_mock_topic_create(k->mc, topic, partitions > 0 ? partitions : 1, rf > 0 ? rf : 1);
        *created = err == RD_KAFKA_RESP_ERR_NO_ERROR;
        if (err && err != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
                snprintf(errstr, errstr_size, "%s", rd_kafka_err2str(err));
                return -1;
        }
        return 0;
}

void ferry_embedded_kafka_stop(ferry_embedded_kafka_t *k)
{
        if (!k)
                return;
        rd_kafka_mock_cluster_destroy(k->mc);
        rd_kafka_destroy(k->rk);
        ferry_gate_free(k->gate);
        free(k);
}

#define ADMIN_TIMEOUT_MS 30000

static rd_kafka_t *admin_client(const ferry_strmap_t *worker, char *errstr, size_t errstr_size)
{
        rd_kafka_conf_t *conf = ferry_kafka_conf(worker, "admin.", NULL, NULL, NULL, errstr, errstr_size);
        if (!conf)
                return NULL;
        char err[512];
        rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
        if (!rk) {
                snprintf(errstr, errstr_size, "cannot create admin client: %s", err);
                rd_kafka_conf_destroy(conf);
        }
        return rk;
}

/* Options giving every admin call a request timeout, so its result event always arrives. */
static rd_kafka_AdminOptions_t *admin_options(rd_kafka_t *rk)
{
        rd_kafka_AdminOptions_t *o = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_ANY);
        char err[256];
        rd_kafka_AdminOptions_set_request_timeout(o, ADMIN_TIMEOUT_MS, err, sizeof(err));
        return o;
}

/* Waits for the result event of an admin call on q; NULL with errstr on error. The client must
 * not be destroyed while a request is in flight (librdkafka asserts), so this waits for the
 * event, which the request timeout guarantees. */
static rd_kafka_event_t *admin_wait(rd_kafka_queue_t *q, const char *what, char *errstr, size_t errstr_size)
{
        rd_kafka_event_t *ev = NULL;
        while (!ev)
                ev = rd_kafka_queue_poll(q, 1000);
        if (rd_kafka_event_error(ev)) {
                snprintf(errstr, errstr_size, "%s: %s", what, rd_kafka_event_error_string(ev));
                rd_kafka_event_destroy(ev);
                return NULL;
        }
        return ev;
}

/* The first error of a group result or of one of its partitions, as 0 or -1 with errstr. */
static int group_result_check(const rd_kafka_group_result_t *g, const char *what, char *errstr,
                              size_t errstr_size)
{
        const rd_kafka_error_t *e = rd_kafka_group_result_error(g);
        if (e) {
                snprintf(errstr, errstr_size, "%s: %s", what, rd_kafka_error_string(e));
                return -1;
        }
        const rd_kafka_topic_partition_list_t *parts = rd_kafka_group_result_partitions(g);
        for (int i = 0; parts && i < parts->cnt; i++) {
                if (parts->elems[i].err) {
                        snprintf(errstr, errstr_size, "%s: %s [%d]: %s", what, parts->elems[i].topic,
                                 parts->elems[i].partition, rd_kafka_err2str(parts->elems[i].err));
                        return -1;
                }
        }
        return 0;
}

static int group_offsets_direct(const ferry_strmap_t *worker, const char *group,
                                rd_kafka_topic_partition_list_t **out, char *errstr, size_t errstr_size)
{
        *out = NULL;
        rd_kafka_t *rk = admin_client(worker, errstr, errstr_size);
        if (!rk)
                return -1;
        rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
        rd_kafka_ListConsumerGroupOffsets_t *req = rd_kafka_ListConsumerGroupOffsets_new(group, NULL);
        rd_kafka_AdminOptions_t *opts = admin_options(rk);
        rd_kafka_ListConsumerGroupOffsets(rk, &req, 1, opts, q);
        rd_kafka_AdminOptions_destroy(opts);
        rd_kafka_ListConsumerGroupOffsets_destroy(req);
        int rc = -1;
        rd_kafka_event_t *ev = admin_wait(q, "listing consumer group offsets", errstr, errstr_size);
        if (ev) {
                size_t n = 0;
                const rd_kafka_group_result_t **groups = rd_kafka_ListConsumerGroupOffsets_result_groups(
                        rd_kafka_event_ListConsumerGroupOffsets_result(ev), &n);
                if (n == 1 && group_result_check(groups[0], "listing consumer group offsets", errstr,
                                                 errstr_size) == 0) {
                        const rd_kafka_topic_partition_list_t *parts =
                                rd_kafka_group_result_partitions(groups[0]);
                        *out = parts ? rd_kafka_topic_partition_list_copy(parts)
                                     : rd_kafka_topic_partition_list_new(0);
                        rc = 0;
                }
                rd_kafka_event_destroy(ev);
        }
        rd_kafka_queue_destroy(q);
        rd_kafka_destroy(rk);
        return rc;
}

static int group_alter_direct(const ferry_strmap_t *worker, const char *group,
                              const rd_kafka_topic_partition_list_t *alter,
                              const rd_kafka_topic_partition_list_t *del, char *errstr, size_t errstr_size)
{
        rd_kafka_t *rk = admin_client(worker, errstr, errstr_size);
        if (!rk)
                return -1;
        rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
        int rc = 0;
        if (alter && alter->cnt) {
                rd_kafka_AlterConsumerGroupOffsets_t *req =
                        rd_kafka_AlterConsumerGroupOffsets_new(group, alter);
                rd_kafka_AdminOptions_t *opts = admin_options(rk);
                rd_kafka_AlterConsumerGroupOffsets(rk, &req, 1, opts, q);
                rd_kafka_AdminOptions_destroy(opts);
                rd_kafka_AlterConsumerGroupOffsets_destroy(req);
                rd_kafka_event_t *ev = admin_wait(q, "altering consumer group offsets", errstr, errstr_size);
                rc = -1;
                if (ev) {
                        size_t n = 0;
                        const rd_kafka_group_result_t **groups =
                                rd_kafka_AlterConsumerGroupOffsets_result_groups(
                                        rd_kafka_event_AlterConsumerGroupOffsets_result(ev), &n);
                        rc = n == 1 ? group_result_check(groups[0], "altering consumer group offsets", errstr,
                                                         errstr_size)
                                    : -1;
                        rd_kafka_event_destroy(ev);
                }
        }
        if (rc == 0 && del && del->cnt) {
                rd_kafka_DeleteConsumerGroupOffsets_t *req =
                        rd_kafka_DeleteConsumerGroupOffsets_new(group, del);
                rd_kafka_AdminOptions_t *opts = admin_options(rk);
                rd_kafka_DeleteConsumerGroupOffsets(rk, &req, 1, opts, q);
                rd_kafka_AdminOptions_destroy(opts);
                rd_kafka_DeleteConsumerGroupOffsets_destroy(req);
                rd_kafka_event_t *ev = admin_wait(q, "deleting consumer group offsets", errstr, errstr_size);
                rc = -1;
                if (ev) {
                        size_t n = 0;
                        const rd_kafka_group_result_t **groups =
                                rd_kafka_DeleteConsumerGroupOffsets_result_groups(
                                        rd_kafka_event_DeleteConsumerGroupOffsets_result(ev), &n);
                        rc = n == 1 ? group_result_check(groups[0], "deleting consumer group offsets", errstr,
                                                         errstr_size)
                                    : -1;
                        rd_kafka_event_destroy(ev);
                }
        }
        rd_kafka_queue_destroy(q);
        rd_kafka_destroy(rk);
        return rc;
}

static int group_delete_direct(const ferry_strmap_t *worker, const char *group, char *errstr,
                               size_t errstr_size)
{
        rd_kafka_t *rk = admin_client(worker, errstr, errstr_size);
        if (!rk)
                return -1;
        rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
        rd_kafka_DeleteGroup_t *req = rd_kafka_DeleteGroup_new(group);
        rd_kafka_AdminOptions_t *opts = admin_options(rk);
        rd_kafka_DeleteGroups(rk, &req, 1, opts, q);
        rd_kafka_AdminOptions_destroy(opts);
        rd_kafka_DeleteGroup_destroy(req);
        int rc = -1;
        rd_kafka_event_t *ev = admin_wait(q, "deleting consumer group", errstr, errstr_size);
        if (ev) {
                size_t n = 0;
                const rd_kafka_group_result_t **groups =
                        rd_kafka_DeleteGroups_result_groups(rd_kafka_event_DeleteGroups_result(ev), &n);
                const rd_kafka_error_t *e = n == 1 ? rd_kafka_group_result_error(groups[0]) : NULL;
                if (e && rd_kafka_error_code(e) != RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND)
                        snprintf(errstr, errstr_size, "deleting consumer group %s: %s", group,
                                 rd_kafka_error_string(e));
                else
                        rc = 0;
                rd_kafka_event_destroy(ev);
        }
        rd_kafka_queue_destroy(q);
        rd_kafka_destroy(rk);
        return rc;
}

/* ---- group membership ---- */

rd_kafka_t *ferry_kafka_admin_client(const ferry_strmap_t *worker, char *errstr, size_t errstr_size)
{
        return admin_client(worker, errstr, errstr_size);
}

int ferry_kafka_group_members_rk(rd_kafka_t *rk, const char *group, char ***out, size_t *n_out, char *errstr,
                                 size_t errstr_size)
{
        *out = NULL;
        *n_out = 0;
        rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
        const char *groups[] = {group};
        rd_kafka_AdminOptions_t *opts = admin_options(rk);
        rd_kafka_DescribeConsumerGroups(rk, groups, 1, opts, q);
        rd_kafka_AdminOptions_destroy(opts);
        int rc = -1;
        rd_kafka_event_t *ev = admin_wait(q, "describing the group", errstr, errstr_size);
        if (ev) {
                size_t n = 0;
                const rd_kafka_ConsumerGroupDescription_t **gs =
                        rd_kafka_DescribeConsumerGroups_result_groups(
                                rd_kafka_event_DescribeConsumerGroups_result(ev), &n);
                const rd_kafka_error_t *e = n == 1 ? rd_kafka_ConsumerGroupDescription_error(gs[0]) : NULL;
                if (n != 1 || e) {
                        snprintf(errstr, errstr_size, "describing group %s: %s", group,
                                 e ? rd_kafka_error_string(e) : "no result");
                } else {
                        size_t m = rd_kafka_ConsumerGroupDescription_member_count(gs[0]), k = 0;
                        char **members = calloc(m + 1, sizeof(*members));
                        for (size_t i = 0; members && i < m; i++) {
                                const char *id = rd_kafka_MemberDescription_client_id(
                                        rd_kafka_ConsumerGroupDescription_member(gs[0], i));
                                bool dup = false;
                                for (size_t j = 0; j < k; j++)
                                        dup |= !strcmp(members[j], id);
                                if (!dup)
                                        members[k++] = strdup(id);
                        }
                        if (members) {
                                ferry_strlist_sort(members, k);
                                *out = members;
                                *n_out = k;
                                rc = 0;
                        }
                }
                rd_kafka_event_destroy(ev);
        }
        rd_kafka_queue_destroy(q);
        return rc;
}

static int group_members_direct(const ferry_strmap_t *worker, const char *group, char ***out, size_t *n_out,
                                char *errstr, size_t errstr_size)
{
        *out = NULL;
        *n_out = 0;
        rd_kafka_t *rk = admin_client(worker, errstr, errstr_size);
        if (!rk)
                return -1;
        int rc = ferry_kafka_group_members_rk(rk, group, out, n_out, errstr, errstr_size);
        rd_kafka_destroy(rk);
        return rc;
}

/* ---- the group calls in a child process ----
 * `ferry-worker kafka-admin OP GROUP`: stdin holds the worker config as "key\0value\0" pairs, an
 * empty key, then OP's input; stdout holds the result (exit 0) or the error message (exit 1).
 * Partition lists travel as lines "topic\tpartition\toffset" (topic names hold no tab or newline);
 * group-alter's lines start with "A\t" (set) or "D\t" (delete). */

static void parts_write(ferry_buf_t *b, const char *tag, const rd_kafka_topic_partition_list_t *l)
{
        char line[512];
        for (int i = 0; l && i < l->cnt; i++) {
                int n = snprintf(line, sizeof(line), "%s%s\t%d\t%lld\n", tag, l->elems[i].topic,
                                 (int)l->elems[i].partition, (long long)l->elems[i].offset);
                if (n > 0 && (size_t)n < sizeof(line))
                        ferry_buf_append(b, line, (size_t)n);
        }
}

/* Adds the lines of text starting with tag (NULL: every line) to l. */
static void parts_read(const char *text, size_t len, const char *tag, rd_kafka_topic_partition_list_t *l)
{
        size_t tl = tag ? strlen(tag) : 0;
        for (const char *p = text, *end = text + len; p < end;) {
                const char *nl = memchr(p, '\n', (size_t)(end - p));
                if (!nl)
                        break;
                if (!tag || ((size_t)(nl - p) > tl && !memcmp(p, tag, tl))) {
                        const char *t = p + tl, *t1 = memchr(t, '\t', (size_t)(nl - t));
                        if (t1) {
                                char topic[256];
                                snprintf(topic, sizeof(topic), "%.*s", (int)(t1 - t), t);
                                char *e;
                                long part = strtol(t1 + 1, &e, 10);
                                long long off =
                                        *e == '\t' ? strtoll(e + 1, NULL, 10) : RD_KAFKA_OFFSET_INVALID;
                                rd_kafka_topic_partition_list_add(l, topic, (int32_t)part)->offset = off;
                        }
                }
                p = nl + 1;
        }
}

int ferry_kafka_admin_main(const char *op, const char *group)
{
        ferry_buf_t in = {0}, out = {0};
        char chunk[4096];
        ssize_t r;
        while ((r = read(STDIN_FILENO, chunk, sizeof(chunk))) > 0 || (r < 0 && errno == EINTR))
                if (r > 0)
                        ferry_buf_append(&in, chunk, (size_t)r);
        ferry_strmap_t worker;
        ferry_strmap_init(&worker);
        size_t pos = 0;
        while (pos < in.len) {
                const char *k = in.p + pos;
                size_t kl = strnlen(k, in.len - pos);
                if (!kl) { /* the end of the config */
                        pos++;
                        break;
                }
                if (pos + kl + 1 >= in.len)
                        break;
                const char *v = k + kl + 1;
                size_t vl = strnlen(v, in.len - pos - kl - 1);
                ferry_strmap_setn(&worker, k, kl, v, vl);
                pos += kl + vl + 2;
        }
        const char *input = in.p ? in.p + pos : "";
        size_t input_len = in.len > pos ? in.len - pos : 0;
        char errstr[1024] = "";
        int rc = -1;
        if (!strcmp(op, "group-members")) {
                char **members = NULL;
                size_t n = 0;
                rc = group_members_direct(&worker, group, &members, &n, errstr, sizeof(errstr));
                for (size_t i = 0; rc == 0 && i < n; i++) {
                        ferry_buf_append(&out, members[i], strlen(members[i]));
                        ferry_buf_append(&out, "\n", 1);
                }
                ferry_strlist_free(members, n);
        } else if (!strcmp(op, "group-offsets")) {
                rd_kafka_topic_partition_list_t *parts = NULL;
                rc = group_offsets_direct(&worker, group, &parts, errstr, sizeof(errstr));
                parts_write(&out, "", parts);
                if (parts)
                        rd_kafka_topic_partition_list_destroy(parts);
        } else if (!strcmp(op, "group-alter")) {
                rd_kafka_topic_partition_list_t *alter = rd_kafka_topic_partition_list_new(4),
                                                *del = rd_kafka_topic_partition_list_new(4);
                parts_read(input, input_len, "A\t", alter);
                parts_read(input, input_len, "D\t", del);
                rc = group_alter_direct(&worker, group, alter, del, errstr, sizeof(errstr));
                rd_kafka_topic_partition_list_destroy(alter);
                rd_kafka_topic_partition_list_destroy(del);
        } else if (!strcmp(op, "group-delete")) {
                rc = group_delete_direct(&worker, group, errstr, sizeof(errstr));
        } else {
                snprintf(errstr, sizeof(errstr), "kafka-admin: unknown operation %s", op);
        }
        ferry_strmap_free(&worker);
        ferry_buf_free(&in);
        if (rc < 0) {
                fputs(errstr, stdout);
                ferry_buf_free(&out);
                fflush(stdout);
                return 1;
        }
        if (out.len)
                fwrite(out.p, 1, out.len, stdout);
        ferry_buf_free(&out);
        return fflush(stdout) ? 1 : 0;
}

/* Runs `ferry-worker kafka-admin op group` with the worker config and input on its stdin; its
 * stdout into *out. 0, or -1 with errstr (the child's own message when it gave one). */
static int isolated(const ferry_strmap_t *worker, const char *op, const char *group, const ferry_buf_t *input,
                    int timeout_ms, ferry_buf_t *out, char *errstr, size_t errstr_size)
{
        int to_child[2], from_child[2];
        if (pipe2(to_child, O_CLOEXEC) < 0) {
                snprintf(errstr, errstr_size, "pipe: %s", strerror(errno));
                return -1;
        }
        if (pipe2(from_child, O_CLOEXEC) < 0) {
                snprintf(errstr, errstr_size, "pipe: %s", strerror(errno));
                close(to_child[0]);
                close(to_child[1]);
                return -1;
        }
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, to_child[0], STDIN_FILENO);
        posix_spawn_file_actions_adddup2(&fa, from_child[1], STDOUT_FILENO);
        char *argv[] = {"ferry-worker", "kafka-admin", (char *)op, (char *)group, NULL};
        pid_t pid;
        int err = posix_spawn(&pid, "/proc/self/exe", &fa, NULL, argv, environ);
        posix_spawn_file_actions_destroy(&fa);
        close(to_child[0]);
        close(from_child[1]);
        if (err) {
                snprintf(errstr, errstr_size, "cannot start the kafka-admin process: %s", strerror(err));
                close(to_child[1]);
                close(from_child[0]);
                return -1;
        }
        /* Config and input are small: the child reads all of its stdin before anything else. */
        ferry_buf_t msg = {0};
        for (size_t i = 0; i < worker->n; i++) {
                ferry_buf_append(&msg, worker->kv[i].key, strlen(worker->kv[i].key) + 1);
                ferry_buf_append(&msg, worker->kv[i].value, strlen(worker->kv[i].value) + 1);
        }
        ferry_buf_append(&msg, "", 1);
        if (input && input->len)
                ferry_buf_append(&msg, input->p, input->len);
        sigset_t pipe_set, old;
        sigemptyset(&pipe_set);
        sigaddset(&pipe_set, SIGPIPE);
        pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
        for (size_t off = 0; off < msg.len;) {
                ssize_t w = write(to_child[1], msg.p + off, msg.len - off);
                if (w < 0 && errno == EINTR)
                        continue;
                if (w <= 0)
                        break;
                off += (size_t)w;
        }
        close(to_child[1]);
        struct timespec zero = {0, 0};
        while (sigtimedwait(&pipe_set, NULL, &zero) > 0)
                ; /* a SIGPIPE raised here is ours: drop it */
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        ferry_buf_free(&msg);

        int64_t deadline = ferry_now_ms() + timeout_ms;
        bool timed_out = false;
        for (;;) {
                int64_t left = deadline - ferry_now_ms();
                if (left <= 0) {
                        timed_out = true;
                        break;
                }
                struct pollfd pfd = {from_child[0], POLLIN, 0};
                int pr = poll(&pfd, 1, (int)left);
                if (pr < 0 && errno == EINTR)
                        continue;
                if (pr <= 0) {
                        timed_out = pr == 0;
                        break;
                }
                char chunk[4096];
                ssize_t r = read(from_child[0], chunk, sizeof(chunk));
                if (r < 0 && errno == EINTR)
                        continue;
                if (r <= 0)
                        break;
                ferry_buf_append(out, chunk, (size_t)r);
        }
        close(from_child[0]);
        if (timed_out)
                kill(pid, SIGKILL);
        int status = 0;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        if (timed_out) {
                snprintf(errstr, errstr_size, "%s of group %s: no answer within %d ms", op, group,
                         timeout_ms);
                return -1;
        }
        if (WIFSIGNALED(status)) {
                snprintf(errstr, errstr_size, "%s of group %s: the Kafka client died (signal %d)", op, group,
                         WTERMSIG(status));
                return -1;
        }
        if (!WIFEXITED(status) || WEXITSTATUS(status)) {
                snprintf(errstr, errstr_size, "%.*s",
                         (int)(out->len < errstr_size ? out->len : errstr_size - 1), out->p ? out->p : "");
                if (!errstr[0])
                        snprintf(errstr, errstr_size, "%s of group %s failed", op, group);
                return -1;
        }
        return 0;
}

int ferry_kafka_group_members_isolated(const ferry_strmap_t *worker, const char *group, int timeout_ms,
                                       char ***out, size_t *n_out, char *errstr, size_t errstr_size)
{
        *out = NULL;
        *n_out = 0;
        ferry_buf_t res = {0};
        if (isolated(worker, "group-members", group, NULL, timeout_ms, &res, errstr, errstr_size) < 0) {
                ferry_buf_free(&res);
                return -1;
        }
        size_t cap = 8, n = 0;
        char **members = calloc(cap, sizeof(*members));
        for (char *p = res.p, *end = res.p + res.len; members && p && p < end;) {
                char *nl = memchr(p, '\n', (size_t)(end - p));
                if (!nl)
                        break;
                if (n + 1 == cap) {
                        char **nm = realloc(members, (cap *= 2) * sizeof(*members));
                        if (!nm)
                                break;
                        members = nm;
                }
                members[n++] = strndup(p, (size_t)(nl - p));
                p = nl + 1;
        }
        ferry_buf_free(&res);
        if (!members) {
                snprintf(errstr, errstr_size, "out of memory");
                return -1;
        }
        *out = members;
        *n_out = n;
        return 0;
}

int ferry_kafka_group_offsets(const ferry_strmap_t *worker, const char *group,
                              rd_kafka_topic_partition_list_t **out, char *errstr, size_t errstr_size)
{
        *out = NULL;
        ferry_buf_t res = {0};
        if (isolated(worker, "group-offsets", group, NULL, ADMIN_TIMEOUT_MS + 10000, &res, errstr,
                     errstr_size) < 0) {
                ferry_buf_free(&res);
                return -1;
        }
        *out = rd_kafka_topic_partition_list_new(8);
        parts_read(res.p ? res.p : "", res.len, NULL, *out);
        ferry_buf_free(&res);
        return 0;
}

int ferry_kafka_group_alter(const ferry_strmap_t *worker, const char *group,
                            const rd_kafka_topic_partition_list_t *alter,
                            const rd_kafka_topic_partition_list_t *del, char *errstr, size_t errstr_size)
{
        ferry_buf_t in = {0}, res = {0};
        parts_write(&in, "A\t", alter);
        parts_write(&in, "D\t", del);
        int rc = isolated(worker, "group-alter", group, &in, 2 * ADMIN_TIMEOUT_MS + 10000, &res, errstr,
                          errstr_size);
        ferry_buf_free(&in);
        ferry_buf_free(&res);
        return rc;
}

int ferry_kafka_group_delete(const ferry_strmap_t *worker, const char *group, char *errstr,
                             size_t errstr_size)
{
        ferry_buf_t res = {0};
        int rc = isolated(worker, "group-delete", group, NULL, ADMIN_TIMEOUT_MS + 10000, &res, errstr,
                          errstr_size);
        ferry_buf_free(&res);
        return rc;
}
