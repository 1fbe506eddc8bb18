/* Unit tests for herder/assignor.c, the pure assignment function of distributed mode: balance
 * (connectors and tasks spread evenly), stickiness (as few moves as possible), workers joining and
 * leaving, and many connectors over many workers with nothing lost or duplicated. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "herder/assignor.h"

#define MAX_WORKERS 16

static char *names[MAX_WORKERS];

static void setup(void)
{
        for (int i = 0; i < MAX_WORKERS; i++) {
                char buf[32];
                snprintf(buf, sizeof(buf), "10.0.0.%d:8083", i + 1);
                names[i] = strdup(buf);
        }
}

static void teardown(void)
{
        for (int i = 0; i < MAX_WORKERS; i++)
                free(names[i]);
}

/* n connectors named c000.., tasks[i] tasks each. */
static ferry_assignor_conn_t *make_conns(size_t n, const int *tasks)
{
        ferry_assignor_conn_t *c = calloc(n, sizeof(*c));
        for (size_t i = 0; i < n; i++) {
                char buf[32];
                snprintf(buf, sizeof(buf), "c%03zu", i);
                c[i].name = strdup(buf);
                c[i].n_tasks = tasks[i];
        }
        return c;
}

static void free_conns(ferry_assignor_conn_t *c, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free((char *)c[i].name);
        free(c);
}

/* Every instance and task appears exactly once, on one of the members; no unit that does not
 * exist; max-min of instances and of tasks per worker at most 1. */
static void check_exact_and_balanced(const ferry_assignment_t *a, const ferry_assignor_conn_t *c, size_t nc,
                                     size_t members)
{
        cr_assert_eq(a->n, members);
        size_t total_tasks = 0;
        for (size_t i = 0; i < nc; i++) {
                cr_assert_not_null(ferry_assignment_owner(a, c[i].name, -1), "instance %s lost", c[i].name);
                for (int t = 0; t < c[i].n_tasks; t++)
                        cr_assert_not_null(ferry_assignment_owner(a, c[i].name, t), "task %s-%d lost",
                                           c[i].name, t);
                total_tasks += (size_t)c[i].n_tasks;
        }
        size_t sum_c = 0, sum_t = 0, min_c = (size_t)-1, max_c = 0, min_t = (size_t)-1, max_t = 0;
        for (size_t w = 0; w < a->n; w++) {
                const ferry_worker_assignment_t *x = &a->w[w];
                sum_c += x->n_conns;
                sum_t += x->n_tasks;
                min_c = x->n_conns < min_c ? x->n_conns : min_c;
                max_c = x->n_conns > max_c ? x->n_conns : max_c;
                min_t = x->n_tasks < min_t ? x->n_tasks : min_t;
                max_t = x->n_tasks > max_t ? x->n_tasks : max_t;
                for (size_t k = 0; k < x->n_tasks; k++) {
                        bool exists = false;
                        for (size_t i = 0; i < nc && !exists; i++)
                                exists =
                                        !strcmp(c[i].name, x->task_conns[k]) && x->task_ids[k] < c[i].n_tasks;
                        cr_assert(exists, "task %s-%d does not exist", x->task_conns[k], x->task_ids[k]);
                }
        }
        /* Sums equal to the unit counts plus every unit found: nothing duplicated. */
        cr_assert_eq(sum_c, nc, "instances: %zu assigned for %zu connectors", sum_c, nc);
        cr_assert_eq(sum_t, total_tasks, "tasks: %zu assigned for %zu", sum_t, total_tasks);
        cr_assert_leq(max_c - min_c, 1, "instances per worker range over %zu..%zu", min_c, max_c);
        cr_assert_leq(max_t - min_t, 1, "tasks per worker range over %zu..%zu", min_t, max_t);
}

/* How many units have another owner in b than in a (units new in b not counted). */
static size_t moves(const ferry_assignment_t *a, const ferry_assignment_t *b, const ferry_assignor_conn_t *c,
                    size_t nc)
{
        size_t n = 0;
        for (size_t i = 0; i < nc; i++) {
                for (int t = -1; t < c[i].n_tasks; t++) {
                        const char *x = ferry_assignment_owner(a, c[i].name, t),
                                   *y = ferry_assignment_owner(b, c[i].name, t);
                        if (x && y && strcmp(x, y))
                                n++;
                }
        }
        return n;
}

static size_t units_of(const ferry_assignment_t *a, const char *worker)
{
        for (size_t i = 0; i < a->n; i++)
                if (!strcmp(a->w[i].worker, worker))
                        return a->w[i].n_conns + a->w[i].n_tasks;
        return 0;
}

/* Tasks of connector conn on worker w. */
static size_t tasks_of(const ferry_assignment_t *a, size_t w, const char *conn)
{
        size_t n = 0;
        for (size_t k = 0; k < a->w[w].n_tasks; k++)
                n += !strcmp(a->w[w].task_conns[k], conn);
        return n;
}

TestSuite(assignor, .init = setup, .fini = teardown);

Test(assignor, balance_from_scratch)
{
        int tasks[] = {6, 1, 1, 1};
        ferry_assignor_conn_t *c = make_conns(4, tasks);
        ferry_assignment_t a;
        cr_assert_eq(ferry_assign(NULL, names, 3, c, 4, &a), 0);
        check_exact_and_balanced(&a, c, 4, 3);
        /* The 6-task connector spreads too: 2 per worker. */
        for (size_t w = 0; w < 3; w++)
                cr_assert_eq(tasks_of(&a, w, "c000"), 2);
        ferry_assignment_free(&a);
        free_conns(c, 4);
}

Test(assignor, one_connector_tasks_spread)
{
        int tasks[] = {10};
        ferry_assignor_conn_t *c = make_conns(1, tasks);
        ferry_assignment_t a;
        cr_assert_eq(ferry_assign(NULL, names, 4, c, 1, &a), 0);
        check_exact_and_balanced(&a, c, 1, 4);
        for (size_t w = 0; w < 4; w++)
                cr_assert(tasks_of(&a, w, "c000") == 2 || tasks_of(&a, w, "c000") == 3);
        ferry_assignment_free(&a);
        free_conns(c, 1);
}

Test(assignor, sticky_when_nothing_changes)
{
        int tasks[] = {3, 5, 2, 1, 4, 7};
        ferry_assignor_conn_t *c = make_conns(6, tasks);
        ferry_assignment_t a, b;
        cr_assert_eq(ferry_assign(NULL, names, 4, c, 6, &a), 0);
        cr_assert_eq(ferry_assign(&a, names, 4, c, 6, &b), 0);
        cr_assert(ferry_assignment_same(&a, &b));
        cr_assert_eq(moves(&a, &b, c, 6), 0);
        ferry_assignment_free(&a);
        ferry_assignment_free(&b);
        free_conns(c, 6);
}

Test(assignor, sticky_when_a_connector_is_added)
{
        int tasks[] = {2, 2, 2, 2, 2, 1};
        ferry_assignor_conn_t *c = make_conns(6, tasks);
        ferry_assignment_t a, b;
        cr_assert_eq(ferry_assign(NULL, names, 3, c, 5, &a), 0);
        cr_assert_eq(ferry_assign(&a, names, 3, c, 6, &b), 0);
        check_exact_and_balanced(&b, c, 6, 3);
        cr_assert_eq(moves(&a, &b, c, 6), 0, "adding a connector moved %zu units", moves(&a, &b, c, 6));
        cr_assert_not(ferry_assignment_same(&a, &b));
        ferry_assignment_free(&a);
        ferry_assignment_free(&b);
        free_conns(c, 6);
}

Test(assignor, worker_joins)
{
        int tasks[] = {2, 2, 2, 1, 1, 1, 2, 1, 2};
        ferry_assignor_conn_t *c = make_conns(9, tasks);
        ferry_assignment_t a, b;
        cr_assert_eq(ferry_assign(NULL, names, 3, c, 9, &a), 0);
        check_exact_and_balanced(&a, c, 9, 3);
        cr_assert_eq(ferry_assign(&a, names, 4, c, 9, &b), 0);
        check_exact_and_balanced(&b, c, 9, 4);
        /* Only what the newcomer now runs moved; nothing moved between the others. */
        size_t joined = units_of(&b, names[3]);
        cr_assert_gt(joined, 0);
        cr_assert_eq(moves(&a, &b, c, 9), joined, "%zu moves for %zu units on the new worker",
                     moves(&a, &b, c, 9), joined);
        ferry_assignment_free(&a);
        ferry_assignment_free(&b);
        free_conns(c, 9);
}

Test(assignor, worker_leaves)
{
        int tasks[] = {3, 1, 4, 1, 5, 2, 6};
        ferry_assignor_conn_t *c = make_conns(7, tasks);
        ferry_assignment_t a, b;
        cr_assert_eq(ferry_assign(NULL, names, 4, c, 7, &a), 0);
        check_exact_and_balanced(&a, c, 7, 4);
        /* names[1] leaves: the survivors are 0, 2, 3. */
        char *survivors[] = {names[0], names[2], names[3]};
        cr_assert_eq(ferry_assign(&a, survivors, 3, c, 7, &b), 0);
        check_exact_and_balanced(&b, c, 7, 3);
        cr_assert_eq(units_of(&b, names[1]), 0);
        /* Only the departed worker's units moved. */
        cr_assert_eq(moves(&a, &b, c, 7), units_of(&a, names[1]));
        ferry_assignment_free(&a);
        ferry_assignment_free(&b);
        free_conns(c, 7);
}

Test(assignor, departed_worker_in_prev_counts_as_unassigned)
{
        int tasks[] = {4, 4};
        ferry_assignor_conn_t *c = make_conns(2, tasks);
        ferry_assignment_t a, b;
        cr_assert_eq(ferry_assign(NULL, names, 2, c, 2, &a), 0);
        /* Two fresh members, none of them in a: everything is placed anew, balanced. */
        cr_assert_eq(ferry_assign(&a, names + 2, 2, c, 2, &b), 0);
        check_exact_and_balanced(&b, c, 2, 2);
        cr_assert_eq(units_of(&b, names[0]) + units_of(&b, names[1]), 0);
        cr_assert_eq(units_of(&b, names[2]) + units_of(&b, names[3]), 10);
        ferry_assignment_free(&a);
        ferry_assignment_free(&b);
        free_conns(c, 2);
}

Test(assignor, no_members_no_connectors)
{
        int tasks[] = {1};
        ferry_assignor_conn_t *c = make_conns(1, tasks);
        ferry_assignment_t a;
        cr_assert_eq(ferry_assign(NULL, names, 0, c, 1, &a), 0);
        cr_assert_eq(a.n, 0);
        ferry_assignment_free(&a);
        cr_assert_eq(ferry_assign(NULL, names, 3, c, 0, &a), 0);
        cr_assert_eq(a.n, 3);
        for (size_t w = 0; w < 3; w++)
                cr_assert_eq(a.w[w].n_conns + a.w[w].n_tasks, 0);
        ferry_assignment_free(&a);
        free_conns(c, 1);
}

/* 200 connectors with 0 to 9 tasks over 7 workers; then one leaves, then two join: balanced each
 * time, and only the units that must move do (the departed worker's, the newcomers'). */
Test(assignor, many_connectors)
{
        enum { N = 200 };
        int tasks[N];
        for (int i = 0; i < N; i++)
                tasks[i] = (i * 7 + 3) % 10;
        ferry_assignor_conn_t *c = make_conns(N, tasks);
        ferry_assignment_t a, b, d;
        cr_assert_eq(ferry_assign(NULL, names, 7, c, N, &a), 0);
        check_exact_and_balanced(&a, c, N, 7);
        char *six[] = {names[0], names[1], names[2], names[4], names[5], names[6]};
        cr_assert_eq(ferry_assign(&a, six, 6, c, N, &b), 0);
        check_exact_and_balanced(&b, c, N, 6);
        cr_assert_eq(moves(&a, &b, c, N), units_of(&a, names[3]),
                     "a worker left: %zu moves for its %zu units", moves(&a, &b, c, N),
                     units_of(&a, names[3]));
        cr_assert_eq(ferry_assign(&b, names, 8, c, N, &d), 0);
        check_exact_and_balanced(&d, c, N, 8);
        size_t arrived = units_of(&d, names[3]) + units_of(&d, names[7]);
        cr_assert_eq(moves(&b, &d, c, N), arrived, "two workers joined: %zu moves for %zu units",
                     moves(&b, &d, c, N), arrived);
        ferry_assignment_free(&a);
        ferry_assignment_free(&b);
        ferry_assignment_free(&d);
        free_conns(c, N);
}

Test(assignor, same_ignores_order)
{
        ferry_assignment_t a = {0}, b = {0};
        char *m[] = {names[0], names[1]};
        int tasks[] = {2, 2};
        ferry_assignor_conn_t *c = make_conns(2, tasks);
        ferry_assignor_conn_t rev[] = {c[1], c[0]};
        cr_assert_eq(ferry_assign(NULL, m, 2, c, 2, &a), 0);
        cr_assert_eq(ferry_assign(&a, m, 2, rev, 2, &b), 0);
        cr_assert(ferry_assignment_same(&a, &b));
        ferry_assignment_free(&b);
        char *m_rev[] = {names[1], names[0]};
        cr_assert_eq(ferry_assign(&a, m_rev, 2, c, 2, &b), 0);
        cr_assert(ferry_assignment_same(&a, &b));
        ferry_assignment_free(&b);
        cr_assert_eq(ferry_assign(&a, m, 1, c, 2, &b), 0);
        cr_assert_not(ferry_assignment_same(&a, &b));
        ferry_assignment_free(&a);
        ferry_assignment_free(&b);
        free_conns(c, 2);
}
