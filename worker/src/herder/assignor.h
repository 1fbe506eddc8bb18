/* The work assignment of distributed mode and the pure function that computes it: which worker runs
 * which connector instances and tasks. The leader feeds it the live members, the assignment in force
 * and the connectors with their task counts; the result is written to the config topic
 * (storage/config_store.h) and every worker runs its share. No I/O, no locks, no globals. */
#ifndef FERRY_HERDER_ASSIGNOR_H
#define FERRY_HERDER_ASSIGNOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One worker's share. */
typedef struct {
        char *worker;
        char **conns; /* connector instances */
        size_t n_conns;
        char **task_conns; /* tasks: task_conns[i]-task_ids[i] */
        int *task_ids;
        size_t n_tasks;
} ferry_worker_assignment_t;

typedef struct {
        int64_t generation;
        char *leader;
        char *leader_url;
        ferry_worker_assignment_t *w;
        size_t n;
} ferry_assignment_t;

/* A connector to assign: its instance and tasks 0..n_tasks-1. */
typedef struct {
        const char *name;
        int n_tasks;
} ferry_assignor_conn_t;

void ferry_assignment_free(ferry_assignment_t *a);

/* The worker a unit (task -1: the connector instance) is assigned to in a, NULL when none. */
const char *ferry_assignment_owner(const ferry_assignment_t *a, const char *conn, int task);

/* Whether a and b give the same units to the same workers (generation and leader not compared;
 * order within a worker's lists does not matter). */
bool ferry_assignment_same(const ferry_assignment_t *a, const ferry_assignment_t *b);

/* Computes the assignment of conns over members into out (one entry per member, in members' order;
 * generation and leader left zero). Connector instances and tasks are placed separately:
 * - balanced: every member gets the floor or the ceiling of its share of the instances, and of
 *   the tasks; one connector's tasks are spread too (at most the ceiling of each member's share
 *   of them, as far as the overall balance allows);
 * - sticky: a unit stays on the member prev gives it to unless that member is over a share; the
 *   others go to the member with the fewest units of that connector, then the fewest overall.
 * Units prev gives to workers not in members count as unassigned. Returns 0, -1 when out of
 * memory (out then empty). */
int ferry_assign(const ferry_assignment_t *prev, char *const *members, size_t n_members,
                 const ferry_assignor_conn_t *conns, size_t n_conns, ferry_assignment_t *out);

#endif
