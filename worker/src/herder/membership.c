/* Group membership of distributed mode, on a librdkafka consumer group: every worker subscribes to
 * the one-partition coordination topic <config.storage.topic>-coordination in group group.id, with
 * its worker id as client.id. The rebalance callback tells who owns partition 0 (the leader) and
 * when the membership is lost; the leader then reads the live members with DescribeConsumerGroups
 * (in a child process, see kafka.h) and computes the assignment from them. A worker whose
 * membership is lost stops everything (fenced) until it is a member again and either a newer
 * assignment appears or the one it holds stays current for FENCE_GRACE_MS. Workers reported
 * departed (ferry_membership_departed: the operator saw their process end) are left out of the
 * members for a session timeout, so the leader moves their work at once. */
#include "herder/membership.h"
#include "kafka/group_describer.h"
#include "kafka/kafka.h"
#include "kafka/kafka_log.h"
#include "runtime/worker.h"

#include <ferry/log.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A fenced worker runs its assignment again once it is a member again and either a newer assignment
 * was written (the leader saw it leave and come back) or, the leader having noticed nothing, the
 * one it holds stayed current for FENCE_GRACE_MS after the rejoin. */
#define FENCE_GRACE_MS 3000

struct ferry_membership {
        const ferry_strmap_t *config; /* the worker config */
        char *group;
        char *topic;
        char *worker_id;
        ferry_membership_hooks_t hooks;
        rd_kafka_t *rk;
        ferry_group_describer_t *describer; /* herder thread only (and free) */
        atomic_bool leader;
        /* Acting for a leader whose process is known to be gone (ferry_membership_act_for) until the
         * group rebalances (its session expired, or anyone joined or left). */
        atomic_bool acting;
        atomic_bool describe_asked; /* by ferry_membership_act_for, for the herder thread */
        atomic_bool joined;
        /* herder thread only */
        char **members;
        size_t n_members;
        int64_t next_describe;
        int describe_rounds; /* describes still due after the last rebalance */
        /* Fencing: a worker that lost its group membership (session timeout, e.g. the broker away)
         * stops everything until it is a member again and holds an assignment made after that. */
        atomic_bool fenced;
        atomic_uint losses;
        atomic_llong rejoined_at; /* ms; 0 while not a member again */
        int64_t fenced_gen;       /* the assignment generation when membership was lost */
        bool fence_synced;        /* the config topic was read to its end since the rejoin */
        /* Departed workers (any thread adds, under dep_mu) and the members less them (herder thread). */
        pthread_mutex_t dep_mu;
        char **dep_ids;
        int64_t *dep_until;
        size_t n_dep;
        char **live;
        size_t n_live;
};

ferry_membership_t *ferry_membership_new(const ferry_strmap_t *worker_config, const char *group,
                                         const char *coord_topic, const char *worker_id,
                                         const ferry_membership_hooks_t *hooks)
{
        ferry_membership_t *m = calloc(1, sizeof(*m));
        if (!m)
                return NULL;
        m->config = worker_config;
        m->group = strdup(group);
        m->topic = strdup(coord_topic);
        m->worker_id = strdup(worker_id);
        m->hooks = *hooks;
        pthread_mutex_init(&m->dep_mu, NULL);
        m->describer = m->group ? ferry_group_describer_new(worker_config, m->group) : NULL;
        if (!m->group || !m->topic || !m->worker_id || !m->describer) {
                ferry_membership_free(m);
                return NULL;
        }
        return m;
}

static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t *parts,
                         void *opaque)
{
        ferry_membership_t *m = opaque;
        /* The group moves on: whoever owns partition 0 after this rebalance leads. */
        if (atomic_exchange(&m->acting, false))
                FERRY_INFO("Group %s rebalances: this worker stops acting as its leader", m->group);
        bool cooperative = !strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE");
        bool has_zero = false;
        for (int i = 0; i < parts->cnt; i++)
                has_zero |= parts->elems[i].partition == 0;
        if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
                if (atomic_load(&m->fenced) && !atomic_load(&m->rejoined_at))
                        atomic_store(&m->rejoined_at, ferry_now_ms());
                if (cooperative)
                        rd_kafka_incremental_assign(rk, parts);
                else
                        rd_kafka_assign(rk, parts);
                if (has_zero) {
                        FERRY_INFO("This worker is now the leader of group %s", m->group);
                        atomic_store(&m->leader, true);
                }
        } else {
                if (has_zero) {
                        FERRY_INFO("This worker is no longer the leader of group %s", m->group);
                        atomic_store(&m->leader, false);
                }
                if (rd_kafka_assignment_lost(rk) && !atomic_load(&m->fenced)) {
                        /* Others may be given our connectors and tasks now: stop them all, as a
                         * Connect worker revokes its assignment when its generation is lost. */
                        m->fenced_gen = m->hooks.generation(m->hooks.data);
                        m->fence_synced = false;
                        atomic_store(&m->rejoined_at, 0);
                        atomic_store(&m->fenced, true);
                        atomic_fetch_add(&m->losses, 1);
                        FERRY_WARN("This worker lost its membership of group %s: stopping its connectors and "
                                   "tasks until it rejoins",
                                   m->group);
                }
                if (cooperative)
                        rd_kafka_incremental_unassign(rk, parts);
                else
                        rd_kafka_assign(rk, NULL);
        }
        atomic_store(&m->joined, true);
        /* Membership changed: describe the group now and twice more (1 s apart) to see it settle.
         * Only then: librdkafka 2.0's coordinator-bound admin requests can abort the process when
         * the connection drops mid-request (librdkafka issues #3663, #4605), so the leader does not
         * poll the group description while nothing changes. */
        m->next_describe = 0;
        m->describe_rounds = 3;
}

/* The heartbeat of the coordination consumer. A member learns that the group rebalances only from
 * a heartbeat's answer, so after a worker's session expires the others would notice up to
 * heartbeat.interval.ms later (3 s by default: most of the failover time beyond the session).
 * Heartbeats go at least every session.timeout.ms / 20 (500 ms for the 10 s default, and never
 * below 100 ms): the survivors rejoin within that of the expiry. Only this consumer's heartbeat is
 * shortened (a small request per beat); heartbeat.interval.ms still applies when it is shorter. */
static int64_t membership_heartbeat_ms(const ferry_strmap_t *wc)
{
        int64_t hb = ferry_config_int(ferry_worker_config, wc, "heartbeat.interval.ms");
        int64_t cap = ferry_config_int(ferry_worker_config, wc, "session.timeout.ms") / 20;
        if (cap < 100)
                cap = 100;
        return hb < cap ? hb : cap;
}

int ferry_membership_join(ferry_membership_t *m, char *errstr, size_t errstr_size)
{
        const ferry_strmap_t *wc = m->config;
        ferry_klog_opts_t co = {.topic = m->topic,
                                .partitions = 1,
                                .replication_factor = (int)ferry_config_int(
                                        ferry_worker_config, wc, "config.storage.replication.factor"),
                                .config_key = "group.id",
                                .client_id = m->worker_id};
        if (ferry_klog_ensure_topic(wc, &co, errstr, errstr_size) < 0)
                return -1;
        ferry_strmap_t defaults, fixed;
        ferry_strmap_init(&defaults);
        ferry_strmap_init(&fixed);
        char buf[64];
        ferry_strmap_set(&fixed, "group.id", m->group);
        ferry_strmap_set(&fixed, "client.id", m->worker_id);
        snprintf(buf, sizeof(buf), "%lld",
                 (long long)ferry_config_int(ferry_worker_config, wc, "session.timeout.ms"));
        ferry_strmap_set(&fixed, "session.timeout.ms", buf);
        snprintf(buf, sizeof(buf), "%lld", (long long)membership_heartbeat_ms(wc));
        ferry_strmap_set(&fixed, "heartbeat.interval.ms", buf);
        snprintf(buf, sizeof(buf), "%lld",
                 (long long)ferry_config_int(ferry_worker_config, wc, "rebalance.timeout.ms"));
        ferry_strmap_set(&fixed, "max.poll.interval.ms", buf);
        /* Eager range: a departed leader is replaced in one rebalance round. Members never stop work
         * on a revocation (the assignment record decides what runs), so eagerness costs nothing. */
        ferry_strmap_set(&fixed, "partition.assignment.strategy", "range");
        ferry_strmap_set(&fixed, "enable.auto.commit", "false");
        rd_kafka_conf_t *conf = ferry_kafka_conf(wc, NULL, &defaults, NULL, &fixed, errstr, errstr_size);
        ferry_strmap_free(&defaults);
        ferry_strmap_free(&fixed);
        if (!conf)
                return -1;
        rd_kafka_conf_set_rebalance_cb(conf, on_rebalance);
        rd_kafka_conf_set_opaque(conf, m);
        char err[512];
        m->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
        if (!m->rk) {
                snprintf(errstr, errstr_size, "group membership: %s", err);
                rd_kafka_conf_destroy(conf);
                return -1;
        }
        rd_kafka_poll_set_consumer(m->rk);
        rd_kafka_topic_partition_list_t *t = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(t, m->topic, RD_KAFKA_PARTITION_UA);
        rd_kafka_resp_err_t e = rd_kafka_subscribe(m->rk, t);
        rd_kafka_topic_partition_list_destroy(t);
        if (e) {
                snprintf(errstr, errstr_size, "joining group %s: %s", m->group, rd_kafka_err2str(e));
                return -1;
        }
        /* Any member may lead after the next rebalance: its describer is connected by then. */
        ferry_group_describer_warm(m->describer);
        return 0;
}

static void maybe_unfence(ferry_membership_t *m, int64_t now)
{
        int64_t rejoined = atomic_load(&m->rejoined_at);
        if (!rejoined)
                return;
        if (!m->fence_synced) {
                if (m->hooks.sync(m->hooks.data) < 0)
                        return;
                m->fence_synced = true;
        }
        int64_t gen = m->hooks.generation(m->hooks.data);
        if (gen > m->fenced_gen || now - rejoined >= FENCE_GRACE_MS) {
                atomic_store(&m->fenced, false);
                FERRY_INFO("Member of group %s again: running assignment generation %lld", m->group,
                           (long long)gen);
        }
}

void ferry_membership_poll(ferry_membership_t *m, int timeout_ms)
{
        rd_kafka_message_t *msg = rd_kafka_consumer_poll(m->rk, timeout_ms);
        if (msg)
                rd_kafka_message_destroy(msg);
        if (atomic_load(&m->fenced))
                maybe_unfence(m, ferry_now_ms());
}

/* Live members of the group (their client ids are worker ids), looked up by the long-lived child
 * process (group_describer.h: one round trip once it is connected), else by a child of its own
 * (kafka.h: ferry_kafka_group_members_isolated). */
static int describe_members(ferry_membership_t *m)
{
        char **members = NULL, err[512];
        size_t n = 0;
        if (ferry_group_describer_members(m->describer, 10000, &members, &n, err, sizeof(err)) < 0) {
                FERRY_INFO(
                        "Describing group %s through the kafka-describer process failed (%s); trying again "
                        "in a new process",
                        m->group, err);
                if (ferry_kafka_group_members_isolated(m->config, m->group, 20000, &members, &n, err,
                                                       sizeof(err)) < 0) {
                        FERRY_WARN("Cannot see the members of group %s: %s", m->group, err);
                        return -1;
                }
        }
        ferry_strlist_free(m->members, m->n_members);
        m->members = members;
        m->n_members = n;
        return 0;
}

void ferry_membership_refresh(ferry_membership_t *m, int64_t now_ms)
{
        if (atomic_exchange(&m->describe_asked, false)) {
                m->next_describe = 0;
                if (m->describe_rounds < 3)
                        m->describe_rounds = 3;
        }
        if (m->describe_rounds <= 0 || now_ms < m->next_describe)
                return;
        describe_members(m);
        m->describe_rounds--;
        m->next_describe = now_ms + 1000;
}

char *const *ferry_membership_members(ferry_membership_t *m, size_t *n)
{
        int64_t now = ferry_now_ms();
        pthread_mutex_lock(&m->dep_mu);
        for (size_t i = 0; i < m->n_dep;)
                if (m->dep_until[i] <= now) {
                        /* Its old session is gone by now: see who is a member (it may be back). */
                        FERRY_INFO("Worker %s is no longer left out of the assignment", m->dep_ids[i]);
                        free(m->dep_ids[i]);
                        m->n_dep--;
                        m->dep_ids[i] = m->dep_ids[m->n_dep];
                        m->dep_until[i] = m->dep_until[m->n_dep];
                        m->next_describe = 0;
                        if (m->describe_rounds < 1)
                                m->describe_rounds = 1;
                } else {
                        i++;
                }
        ferry_strlist_free(m->live, m->n_live);
        m->live = calloc(m->n_members + 1, sizeof(*m->live));
        m->n_live = 0;
        for (size_t i = 0; m->live && i < m->n_members; i++) {
                bool gone = false;
                for (size_t k = 0; k < m->n_dep && !gone; k++)
                        gone = !strcmp(m->members[i], m->dep_ids[k]);
                if (!gone && (m->live[m->n_live] = strdup(m->members[i])))
                        m->n_live++;
        }
        pthread_mutex_unlock(&m->dep_mu);
        *n = m->n_live;
        return m->live;
}

int ferry_membership_departed(ferry_membership_t *m, const char *worker_id, int64_t ttl_ms)
{
        if (!strcmp(worker_id, m->worker_id))
                return -1;
        int64_t until = ferry_now_ms() + ttl_ms;
        int rc = 0;
        pthread_mutex_lock(&m->dep_mu);
        size_t i = 0;
        while (i < m->n_dep && strcmp(m->dep_ids[i], worker_id))
                i++;
        if (i < m->n_dep) {
                m->dep_until[i] = until;
        } else {
                char **ids = realloc(m->dep_ids, (m->n_dep + 1) * sizeof(*ids));
                if (ids)
                        m->dep_ids = ids;
                int64_t *u = realloc(m->dep_until, (m->n_dep + 1) * sizeof(*u));
                if (u)
                        m->dep_until = u;
                char *id = ids && u ? strdup(worker_id) : NULL;
                if (id) {
                        m->dep_ids[m->n_dep] = id;
                        m->dep_until[m->n_dep++] = until;
                } else {
                        rc = -1;
                }
        }
        pthread_mutex_unlock(&m->dep_mu);
        return rc;
}

int ferry_membership_act_for(ferry_membership_t *m, const char *leader_id, int64_t ttl_ms)
{
        if (ferry_membership_departed(m, leader_id, ttl_ms) < 0)
                return -1;
        if (atomic_load(&m->fenced) || !atomic_load(&m->joined))
                return -1;
        /* The herder thread describes the group (the gone leader is left out) and assigns. */
        atomic_store(&m->describe_asked, true);
        if (!atomic_exchange(&m->acting, true))
                FERRY_WARN(
                        "The leader of group %s, %s, is gone: this worker leads in its place until the group "
                        "rebalances",
                        m->group, leader_id);
        return 0;
}

void ferry_membership_yield(ferry_membership_t *m, const char *other)
{
        if (!atomic_load(&m->acting) || strcmp(other, m->worker_id) >= 0)
                return;
        pthread_mutex_lock(&m->dep_mu);
        bool departed = false;
        for (size_t i = 0; i < m->n_dep && !departed; i++)
                departed = !strcmp(m->dep_ids[i], other);
        pthread_mutex_unlock(&m->dep_mu);
        if (!departed && atomic_exchange(&m->acting, false))
                FERRY_INFO("Worker %s leads group %s in the gone leader's place: this worker stops acting as "
                           "its "
                           "leader",
                           other, m->group);
}

bool ferry_membership_leader(ferry_membership_t *m)
{
        return atomic_load(&m->leader) || atomic_load(&m->acting);
}

bool ferry_membership_joined(ferry_membership_t *m)
{
        return atomic_load(&m->joined);
}

bool ferry_membership_fenced(ferry_membership_t *m)
{
        return atomic_load(&m->fenced);
}

unsigned ferry_membership_losses(ferry_membership_t *m)
{
        return atomic_load(&m->losses);
}

void ferry_membership_leave(ferry_membership_t *m)
{
        if (!m || !m->rk)
                return;
        rd_kafka_consumer_close(m->rk);
        rd_kafka_destroy(m->rk);
        m->rk = NULL;
}

void ferry_membership_free(ferry_membership_t *m)
{
        if (!m)
                return;
        if (m->rk)
                rd_kafka_destroy(m->rk);
        ferry_group_describer_free(m->describer);
        ferry_strlist_free(m->members, m->n_members);
        ferry_strlist_free(m->live, m->n_live);
        ferry_strlist_free(m->dep_ids, m->n_dep);
        free(m->dep_until);
        pthread_mutex_destroy(&m->dep_mu);
        free(m->group);
        free(m->topic);
        free(m->worker_id);
        free(m);
}
