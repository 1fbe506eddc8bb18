/* Group membership of distributed mode: every worker is a member of the consumer group group.id on
 * the one-partition coordination topic, and the member owning its partition 0 is the leader.
 * Kafka's coordinator detects failures; the leader learns the live members from the group
 * description. A worker that loses its membership is fenced (runs nothing) until it is a member
 * again and may trust an assignment. Driven by the herder thread through ferry_membership_poll(). */
#ifndef FERRY_HERDER_MEMBERSHIP_H
#define FERRY_HERDER_MEMBERSHIP_H

#include <ferry/config.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ferry_membership ferry_membership_t;

/* What membership needs from the config topic, to decide when a fenced worker may run again. */
typedef struct {
        int64_t (*generation)(void *data); /* the generation of the newest assignment read */
        int (*sync)(void *data);           /* reads the config topic to its end: 0 when done */
        void *data;
} ferry_membership_hooks_t;

/* group: group.id; coord_topic: the coordination topic; worker_id: the member's client.id. */
ferry_membership_t *ferry_membership_new(const ferry_strmap_t *worker_config, const char *group,
                                         const char *coord_topic, const char *worker_id,
                                         const ferry_membership_hooks_t *hooks);
/* Creates the coordination topic when missing and subscribes to it. */
int ferry_membership_join(ferry_membership_t *m, char *errstr, size_t errstr_size);
/* Serves the group client for up to timeout_ms (rebalances happen here), then lifts the fence when
 * its time has come. Herder thread. */
void ferry_membership_poll(ferry_membership_t *m, int timeout_ms);
/* Leader: refreshes the live members when a rebalance made it due (at once, then twice more a
 * second apart). Herder thread. */
void ferry_membership_refresh(ferry_membership_t *m, int64_t now_ms);
/* The live members (worker ids) as last described, less those reported departed; herder thread. */
char *const *ferry_membership_members(ferry_membership_t *m, size_t *n);
/* A worker whose process is known to be gone (its container exited, its pod was deleted: the
 * operator says so) is left out of the members for ttl_ms (its old session expires by then, and a
 * process restarted under the same id waits that long for work), so the leader reassigns its work
 * at once instead of after the session timeout. -1 for this worker's own id. Any thread. */
int ferry_membership_departed(ferry_membership_t *m, const char *worker_id, int64_t ttl_ms);

/* The group's leader (leader_id, the owner of partition 0) is known to be gone: this worker leads
 * in its place (assigns the gone leader's work and takes the leader's writes) until the group
 * rebalances, which happens when the gone leader's session expires; then the new owner of
 * partition 0 leads. leader_id is left out of the members as by ferry_membership_departed. -1
 * when this worker is fenced, not yet a member, or leader_id is its own. Any thread. */
int ferry_membership_act_for(ferry_membership_t *m, const char *leader_id, int64_t ttl_ms);

/* The assignment in force was written by other: when this worker acts for a gone leader and other
 * (not a departed worker) acts too, with a lower id, this worker stops acting (two workers told of
 * the same departure settle on one). Herder thread. */
void ferry_membership_yield(ferry_membership_t *m, const char *other);

/* The owner of partition 0, or the worker acting for a gone one. */
bool ferry_membership_leader(ferry_membership_t *m);
bool ferry_membership_joined(ferry_membership_t *m); /* a first rebalance happened */
bool ferry_membership_fenced(ferry_membership_t *m);
/* How many times this worker lost its membership so far. The loss and the return can both happen
 * within one ferry_membership_poll(), so the herder compares this count rather than only asking
 * ferry_membership_fenced(), and stops everything it runs whenever the count moved. */
unsigned ferry_membership_losses(ferry_membership_t *m);

/* Leaves the group (the others take over without waiting for a session timeout). */
void ferry_membership_leave(ferry_membership_t *m);
void ferry_membership_free(ferry_membership_t *m);

#endif
