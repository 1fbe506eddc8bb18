/* Leader election on a coordination.k8s.io/v1 Lease, as client-go does it: a candidate creates the
 * Lease or takes it over once the holder has not renewed for leaseDurationSeconds (measured on our
 * own monotonic clock from when we last saw the record change, so clock skew does not matter); the
 * leader renews every retry period with an optimistic-concurrency PUT; a leader that cannot renew
 * within the renew deadline steps down (on_stopped). Only the leader runs reconcilers. */
#include "kube/kube.h"

#include <ferry/log.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const kube_gvr_t lease_gvr = {"coordination.k8s.io", "v1", "leases"};

struct kube_leader {
        kube_client_t *c;
        kube_leader_config_t cfg;
        char *ns, *name, *identity;
        pthread_t thread;
        pthread_mutex_t mu;
        pthread_cond_t cv;
        atomic_bool stop, leader;
        char observed[512]; /* holder|renewTime|resourceVersion last seen */
        double observed_at;
};

static void sleep_for(kube_leader_t *l, double s)
{
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        double t = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9 + s;
        ts.tv_sec = (time_t)t;
        ts.tv_nsec = (long)((t - (double)ts.tv_sec) * 1e9);
        pthread_mutex_lock(&l->mu);
        if (!atomic_load(&l->stop))
                pthread_cond_timedwait(&l->cv, &l->mu, &ts);
        pthread_mutex_unlock(&l->mu);
}

static json_object *lease_spec(kube_leader_t *l, const char *acquire, int transitions, bool release)
{
        char now[64];
        kube_now(now, sizeof(now), true);
        json_object *spec = json_object_new_object();
        json_object_object_add(spec, "holderIdentity", json_object_new_string(release ? "" : l->identity));
        json_object_object_add(spec, "leaseDurationSeconds",
                               json_object_new_int(release ? 1 : l->cfg.lease_s));
        json_object_object_add(spec, "acquireTime", json_object_new_string(acquire ? acquire : now));
        json_object_object_add(spec, "renewTime", json_object_new_string(now));
        json_object_object_add(spec, "leaseTransitions", json_object_new_int(transitions));
        return spec;
}

/* One attempt to acquire or renew (or, with release, give up). true when we hold the lease. */
static bool try_acquire_or_renew(kube_leader_t *l, bool release)
{
        char path[512];
        kube_path(path, sizeof(path), &lease_gvr, l->ns, l->name, NULL, NULL);
        kube_result_t res;
        if (kube_request(l->c, "GET", path, NULL, NULL, &res)) {
                kube_result_clear(&res);
                return false;
        }
        if (res.status == 404 && !release) {
                kube_result_clear(&res);
                json_object *lease = json_object_new_object();
                json_object_object_add(lease, "apiVersion", json_object_new_string("coordination.k8s.io/v1"));
                json_object_object_add(lease, "kind", json_object_new_string("Lease"));
                json_object *md = json_object_new_object();
                json_object_object_add(md, "name", json_object_new_string(l->name));
                json_object_object_add(md, "namespace", json_object_new_string(l->ns));
                json_object_object_add(lease, "metadata", md);
                json_object_object_add(lease, "spec", lease_spec(l, NULL, 0, false));
                kube_path(path, sizeof(path), &lease_gvr, l->ns, NULL, NULL, NULL);
                kube_request(l->c, "POST", path, NULL, lease, &res);
                json_object_put(lease);
                bool ok = res.status == 201;
                kube_result_clear(&res);
                if (ok)
                        l->observed_at = kube_monotonic();
                return ok;
        }
        if (res.status != 200) {
                kube_result_clear(&res);
                return false;
        }
        const char *holder = kube_str(res.body, "spec.holderIdentity");
        const char *renew = kube_str(res.body, "spec.renewTime");
        const char *rv = kube_str(res.body, "metadata.resourceVersion");
        json_object *dur = kube_get(res.body, "spec.leaseDurationSeconds");
        json_object *trans = kube_get(res.body, "spec.leaseTransitions");
        int duration = dur ? json_object_get_int(dur) : l->cfg.lease_s;
        int transitions = trans ? json_object_get_int(trans) : 0;
        char obs[512];
        snprintf(obs, sizeof(obs), "%s|%s|%s", holder ? holder : "", renew ? renew : "", rv ? rv : "");
        if (strcmp(obs, l->observed)) {
                snprintf(l->observed, sizeof(l->observed), "%s", obs);
                l->observed_at = kube_monotonic();
        }
        bool mine = holder && !strcmp(holder, l->identity);
        if (release && !mine) {
                kube_result_clear(&res);
                return false;
        }
        if (!mine && holder && *holder && l->observed_at + duration > kube_monotonic()) {
                kube_result_clear(&res); /* someone else holds a live lease */
                return false;
        }
        const char *acquire = mine ? kube_str(res.body, "spec.acquireTime") : NULL;
        json_object *lease = NULL;
        json_object_deep_copy(res.body, &lease, NULL);
        json_object_object_add(lease, "spec",
                               lease_spec(l, acquire, mine ? transitions : transitions + 1, release));
        kube_result_clear(&res);
        kube_request(l->c, "PUT", path, NULL, lease, &res); /* carries resourceVersion: 409 if raced */
        json_object_put(lease);
        bool ok = res.status == 200;
        kube_result_clear(&res);
        if (ok)
                l->observed_at = kube_monotonic();
        return ok && !release;
}

static void *run(void *arg)
{
        kube_leader_t *l = arg;
        double last_renew = 0;
        while (!atomic_load(&l->stop)) {
                bool ok = try_acquire_or_renew(l, false);
                double now = kube_monotonic();
                if (ok) {
                        last_renew = now;
                        if (!atomic_load(&l->leader)) {
                                atomic_store(&l->leader, true);
                                FERRY_INFO("leader election: %s became leader of lease %s/%s", l->identity,
                                           l->ns, l->name);
                                if (l->cfg.on_started)
                                        l->cfg.on_started(l->cfg.data);
                        }
                } else if (atomic_load(&l->leader) && now - last_renew > l->cfg.renew_deadline_s) {
                        atomic_store(&l->leader, false);
                        FERRY_INFO("leader election: %s lost lease %s/%s", l->identity, l->ns, l->name);
                        if (l->cfg.on_stopped)
                                l->cfg.on_stopped(l->cfg.data);
                }
                sleep_for(l, l->cfg.retry_s);
        }
        return NULL;
}

kube_leader_t *kube_leader_start(kube_client_t *c, const kube_leader_config_t *cfg)
{
        kube_leader_t *l = calloc(1, sizeof(*l));
        if (!l)
                return NULL;
        l->c = c;
        l->cfg = *cfg;
        l->ns = strdup(cfg->ns);
        l->name = strdup(cfg->name);
        l->identity = strdup(cfg->identity);
        if (l->cfg.lease_s <= 0)
                l->cfg.lease_s = 15;
        if (l->cfg.renew_deadline_s <= 0)
                l->cfg.renew_deadline_s = 10;
        if (l->cfg.retry_s <= 0)
                l->cfg.retry_s = 2;
        pthread_mutex_init(&l->mu, NULL);
        pthread_cond_init(&l->cv, NULL);
        if (kube_thread_create(&l->thread, run, l)) {
                free(l->ns);
                free(l->name);
                free(l->identity);
                free(l);
                return NULL;
        }
        return l;
}

bool kube_leader_is_leader(kube_leader_t *l)
{
        return l && atomic_load(&l->leader);
}

void kube_leader_stop(kube_leader_t *l, bool release)
{
        if (!l)
                return;
        pthread_mutex_lock(&l->mu);
        atomic_store(&l->stop, true);
        pthread_cond_broadcast(&l->cv);
        pthread_mutex_unlock(&l->mu);
        pthread_join(l->thread, NULL);
        if (release && atomic_load(&l->leader))
                try_acquire_or_renew(l, true);
        atomic_store(&l->leader, false);
        pthread_mutex_destroy(&l->mu);
        pthread_cond_destroy(&l->cv);
        free(l->ns);
        free(l->name);
        free(l->identity);
        free(l);
}
