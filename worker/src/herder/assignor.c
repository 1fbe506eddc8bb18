/* The assignor of distributed mode: pure functions from (live members, assignment in force,
 * connectors and their task counts) to the new assignment. The leader's herder thread calls
 * ferry_assign() after every membership or config change and writes the result to the config topic
 * only when ferry_assignment_same() says it differs. Connector instances and tasks are two separate
 * placements of "units" with the same rules: keep what can stay (sticky), then hand out the rest to
 * the members with room, fewest units of the same connector first (balanced). */
#include "herder/assignor.h"

#include <stdlib.h>
#include <string.h>

void ferry_assignment_free(ferry_assignment_t *a)
{
        for (size_t i = 0; i < a->n; i++) {
                ferry_worker_assignment_t *w = &a->w[i];
                free(w->worker);
                for (size_t k = 0; k < w->n_conns; k++)
                        free(w->conns[k]);
                free(w->conns);
                for (size_t k = 0; k < w->n_tasks; k++)
                        free(w->task_conns[k]);
                free(w->task_conns);
                free(w->task_ids);
        }
        free(a->w);
        free(a->leader);
        free(a->leader_url);
        memset(a, 0, sizeof(*a));
}

static bool holds(const ferry_worker_assignment_t *w, const char *conn, int task)
{
        if (task < 0) {
                for (size_t k = 0; k < w->n_conns; k++)
                        if (!strcmp(w->conns[k], conn))
                                return true;
                return false;
        }
        for (size_t k = 0; k < w->n_tasks; k++)
                if (w->task_ids[k] == task && !strcmp(w->task_conns[k], conn))
                        return true;
        return false;
}

const char *ferry_assignment_owner(const ferry_assignment_t *a, const char *conn, int task)
{
        for (size_t i = 0; a && i < a->n; i++)
                if (holds(&a->w[i], conn, task))
                        return a->w[i].worker;
        return NULL;
}

static const ferry_worker_assignment_t *find_worker(const ferry_assignment_t *a, const char *worker)
{
        for (size_t i = 0; i < a->n; i++)
                if (!strcmp(a->w[i].worker, worker))
                        return &a->w[i];
        return NULL;
}

/* Every unit of x is in y, and both hold as many. */
static bool same_units(const ferry_worker_assignment_t *x, const ferry_worker_assignment_t *y)
{
        if (x->n_conns != y->n_conns || x->n_tasks != y->n_tasks)
                return false;
        for (size_t k = 0; k < x->n_conns; k++)
                if (!holds(y, x->conns[k], -1))
                        return false;
        for (size_t k = 0; k < x->n_tasks; k++)
                if (!holds(y, x->task_conns[k], x->task_ids[k]))
                        return false;
        return true;
}

bool ferry_assignment_same(const ferry_assignment_t *a, const ferry_assignment_t *b)
{
        if (a->n != b->n)
                return false;
        for (size_t i = 0; i < a->n; i++) {
                const ferry_worker_assignment_t *y = find_worker(b, a->w[i].worker);
                if (!y || !same_units(&a->w[i], y))
                        return false;
        }
        return true;
}

typedef struct {
        const char *conn; /* the connector */
        int task;         /* -1: the connector instance */
        int owner;        /* member index, -1: none */
} unit_t;

/* Units [start, end) form one group: one connector's tasks, or all the instances. */
static size_t group_end(const unit_t *u, size_t n, size_t start)
{
        size_t end = start + 1;
        if (u[start].task < 0) {
                while (end < n && u[end].task < 0)
                        end++;
        } else {
                while (end < n && u[end].task >= 0 && !strcmp(u[end].conn, u[start].conn))
                        end++;
        }
        return end;
}

/* Room for one more unit on a member with this load: everyone gets the floor of the share, and
 * `rem` members one more (extras counts those handed out so far). */
static bool room(size_t load, size_t floor_share, size_t rem, size_t extras)
{
        return load < floor_share || (load == floor_share && extras < rem);
}

static void take(size_t *load, size_t *group, size_t floor_share, size_t *extras)
{
        if (*load == floor_share)
                (*extras)++;
        (*load)++;
        (*group)++;
}

/* Places n units (grouped by connector) over m members; u[i].owner holds the previous owner (or
 * -1) on entry and the new one on return. */
static int place(unit_t *u, size_t n, size_t m)
{
        size_t *load = calloc(m, sizeof(*load)), *group = calloc(m, sizeof(*group));
        if (!load || !group) {
                free(load);
                free(group);
                return -1;
        }
        size_t floor_share = n / m, rem = n % m, extras = 0;
        /* Keep every unit whose member is within both its overall share and its share of the
         * connector, in one pass over all groups so that no placement displaces a kept unit. */
        for (size_t start = 0; start < n;) {
                size_t end = group_end(u, n, start);
                size_t gmax = (end - start + m - 1) / m;
                memset(group, 0, m * sizeof(*group));
                for (size_t i = start; i < end; i++) {
                        int o = u[i].owner;
                        if (o >= 0 && group[o] < gmax && room(load[o], floor_share, rem, extras))
                                take(&load[o], &group[o], floor_share, &extras);
                        else
                                u[i].owner = -1;
                }
                start = end;
        }
        /* Hand out the rest: among the members with room, the fewest units of the connector, then
         * the fewest overall. Room always exists: the shares add up to n. */
        for (size_t start = 0; start < n;) {
                size_t end = group_end(u, n, start);
                memset(group, 0, m * sizeof(*group));
                for (size_t i = start; i < end; i++)
                        if (u[i].owner >= 0)
                                group[u[i].owner]++;
                for (size_t i = start; i < end; i++) {
                        if (u[i].owner >= 0)
                                continue;
                        size_t best = m;
                        for (size_t k = 0; k < m; k++) {
                                if (!room(load[k], floor_share, rem, extras))
                                        continue;
                                if (best == m || group[k] < group[best] ||
                                    (group[k] == group[best] && load[k] < load[best]))
                                        best = k;
                        }
                        if (best == m)
                                best = 0;
                        u[i].owner = (int)best;
                        take(&load[best], &group[best], floor_share, &extras);
                }
                start = end;
        }
        free(load);
        free(group);
        return 0;
}

static int prev_owner(const ferry_assignment_t *prev, char *const *members, size_t n_members,
                      const char *conn, int task)
{
        for (size_t i = 0; prev && i < prev->n; i++) {
                if (!holds(&prev->w[i], conn, task))
                        continue;
                for (size_t m = 0; m < n_members; m++)
                        if (!strcmp(members[m], prev->w[i].worker))
                                return (int)m;
        }
        return -1;
}

/* Fills out->w from the placed units. */
static int build(ferry_assignment_t *out, char *const *members, size_t n_members, const unit_t *u, size_t n)
{
        out->w = calloc(n_members + 1, sizeof(*out->w));
        if (!out->w)
                return -1;
        out->n = n_members;
        for (size_t m = 0; m < n_members; m++) {
                ferry_worker_assignment_t *w = &out->w[m];
                size_t nc = 0, nt = 0;
                for (size_t i = 0; i < n; i++)
                        if (u[i].owner == (int)m)
                                *(u[i].task < 0 ? &nc : &nt) += 1;
                w->worker = strdup(members[m]);
                w->conns = calloc(nc + 1, sizeof(*w->conns));
                w->task_conns = calloc(nt + 1, sizeof(*w->task_conns));
                w->task_ids = calloc(nt + 1, sizeof(*w->task_ids));
                if (!w->worker || !w->conns || !w->task_conns || !w->task_ids)
                        return -1;
                for (size_t i = 0; i < n; i++) {
                        if (u[i].owner != (int)m)
                                continue;
                        char *name = strdup(u[i].conn);
                        if (!name)
                                return -1;
                        if (u[i].task < 0) {
                                w->conns[w->n_conns++] = name;
                        } else {
                                w->task_conns[w->n_tasks] = name;
                                w->task_ids[w->n_tasks++] = u[i].task;
                        }
                }
        }
        return 0;
}

int ferry_assign(const ferry_assignment_t *prev, char *const *members, size_t n_members,
                 const ferry_assignor_conn_t *conns, size_t n_conns, ferry_assignment_t *out)
{
        memset(out, 0, sizeof(*out));
        size_t n = n_conns;
        for (size_t i = 0; i < n_conns; i++)
                n += conns[i].n_tasks > 0 ? (size_t)conns[i].n_tasks : 0;
        unit_t *u = calloc(n + 1, sizeof(*u));
        if (!u)
                return -1;
        /* Instances first (one group), then each connector's tasks (one group each). */
        size_t k = 0;
        for (size_t i = 0; i < n_conns; i++)
                u[k++] = (unit_t){conns[i].name, -1, prev_owner(prev, members, n_members, conns[i].name, -1)};
        size_t n_inst = k;
        for (size_t i = 0; i < n_conns; i++)
                for (int t = 0; t < conns[i].n_tasks; t++)
                        u[k++] = (unit_t){conns[i].name, t,
                                          prev_owner(prev, members, n_members, conns[i].name, t)};
        int rc = 0;
        if (n_members > 0)
                rc = place(u, n_inst, n_members) < 0 || place(u + n_inst, n - n_inst, n_members) < 0 ? -1 : 0;
        if (rc == 0)
                rc = build(out, members, n_members, u, n_members ? n : 0);
        free(u);
        if (rc < 0)
                ferry_assignment_free(out);
        return rc;
}
