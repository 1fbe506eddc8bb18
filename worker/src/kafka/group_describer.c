/* A long-lived child process that describes one consumer group on request (group_describer.h):
 * the distributed herder's leader (herder/membership.c) asks it for the live members after every
 * rebalance. The parent's side spawns `ferry-worker kafka-describer GROUP` (this binary), writes
 * the worker config once, then one request line per call and reads the answer with a deadline; a
 * child that dies or is late is killed and spawned again next time. The child's side keeps one
 * admin client (kafka.c) for its whole life. */
#include "kafka/group_describer.h"
#include "kafka/kafka.h"

#include <ferry/buf.h>
#include <ferry/clock.h>
#include <ferry/log.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

struct ferry_group_describer {
        const ferry_strmap_t *worker;
        char *group;
        pid_t pid; /* 0: no child */
        int to_fd, from_fd;
};

ferry_group_describer_t *ferry_group_describer_new(const ferry_strmap_t *worker, const char *group)
{
        ferry_group_describer_t *d = calloc(1, sizeof(*d));
        if (!d)
                return NULL;
        d->worker = worker;
        d->group = strdup(group);
        d->to_fd = d->from_fd = -1;
        if (!d->group) {
                free(d);
                return NULL;
        }
        return d;
}

/* Ends the child: its stdin closes (it exits on its own), and after grace_ms it is killed. */
static void stop_child(ferry_group_describer_t *d, int grace_ms)
{
        if (!d->pid)
                return;
        close(d->to_fd);
        int status;
        int64_t deadline = ferry_now_ms() + grace_ms;
        pid_t r;
        while ((r = waitpid(d->pid, &status, WNOHANG)) == 0 && ferry_now_ms() < deadline) {
                struct pollfd pfd = {d->from_fd, POLLIN, 0};
                poll(&pfd, 1, 20);
                char sink[256];
                if (pfd.revents && read(d->from_fd, sink, sizeof(sink)) <= 0)
                        break; /* EOF: it is exiting */
        }
        if (r == 0) {
                kill(d->pid, SIGKILL);
                while (waitpid(d->pid, &status, 0) < 0 && errno == EINTR)
                        ;
        }
        close(d->from_fd);
        d->pid = 0;
        d->to_fd = d->from_fd = -1;
}

/* Writes all of buf to the child; a SIGPIPE raised here (the child gone) is dropped. 0 or -1. */
static int write_all(int fd, const char *buf, size_t len)
{
        sigset_t pipe_set, old;
        sigemptyset(&pipe_set);
        sigaddset(&pipe_set, SIGPIPE);
        pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
        int rc = 0;
        for (size_t off = 0; off < len;) {
                ssize_t w = write(fd, buf + off, len - off);
                if (w < 0 && errno == EINTR)
                        continue;
                if (w <= 0) {
                        rc = -1;
                        break;
                }
                off += (size_t)w;
        }
        struct timespec zero = {0, 0};
        while (sigtimedwait(&pipe_set, NULL, &zero) > 0)
                ;
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        return rc;
}

static int start_child(ferry_group_describer_t *d, char *errstr, size_t errstr_size)
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
        char *argv[] = {"ferry-worker", "kafka-describer", d->group, NULL};
        pid_t pid;
        int err = posix_spawn(&pid, "/proc/self/exe", &fa, NULL, argv, environ);
        posix_spawn_file_actions_destroy(&fa);
        close(to_child[0]);
        close(from_child[1]);
        if (err) {
                snprintf(errstr, errstr_size, "cannot start the kafka-describer process: %s", strerror(err));
                close(to_child[1]);
                close(from_child[0]);
                return -1;
        }
        d->pid = pid;
        d->to_fd = to_child[1];
        d->from_fd = from_child[0];
        ferry_buf_t msg = {0};
        for (size_t i = 0; i < d->worker->n; i++) {
                ferry_buf_append(&msg, d->worker->kv[i].key, strlen(d->worker->kv[i].key) + 1);
                ferry_buf_append(&msg, d->worker->kv[i].value, strlen(d->worker->kv[i].value) + 1);
        }
        ferry_buf_append(&msg, "", 1);
        int rc = write_all(d->to_fd, msg.p, msg.len);
        ferry_buf_free(&msg);
        if (rc < 0) {
                snprintf(errstr, errstr_size, "the kafka-describer process did not take its config");
                stop_child(d, 0);
                return -1;
        }
        return 0;
}

void ferry_group_describer_warm(ferry_group_describer_t *d)
{
        char err[256];
        if (d && !d->pid && start_child(d, err, sizeof(err)) < 0)
                FERRY_WARN("Group %s: %s", d->group, err);
}

/* Reads the child's answer up to its ".\n" line into *out (NUL-terminated); 0 or -1. */
static int read_answer(ferry_group_describer_t *d, int64_t deadline, ferry_buf_t *out, char *errstr,
                       size_t errstr_size)
{
        for (;;) {
                if (out->len >= 2 && !memcmp(out->p + out->len - 2, ".\n", 2) &&
                    (out->len == 2 || out->p[out->len - 3] == '\n')) {
                        ferry_buf_append(out, "", 1);
                        return 0;
                }
                int64_t left = deadline - ferry_now_ms();
                if (left <= 0) {
                        snprintf(errstr, errstr_size, "describing group %s: no answer in time", d->group);
                        return -1;
                }
                struct pollfd pfd = {d->from_fd, POLLIN, 0};
                int pr = poll(&pfd, 1, (int)left);
                if (pr < 0 && errno == EINTR)
                        continue;
                if (pr <= 0)
                        continue; /* the deadline check above ends it */
                char chunk[4096];
                ssize_t r = read(d->from_fd, chunk, sizeof(chunk));
                if (r < 0 && errno == EINTR)
                        continue;
                if (r <= 0) {
                        snprintf(errstr, errstr_size,
                                 "describing group %s: the kafka-describer process ended", d->group);
                        return -1;
                }
                ferry_buf_append(out, chunk, (size_t)r);
        }
}

int ferry_group_describer_members(ferry_group_describer_t *d, int timeout_ms, char ***out, size_t *n_out,
                                  char *errstr, size_t errstr_size)
{
        *out = NULL;
        *n_out = 0;
        int64_t deadline = ferry_now_ms() + timeout_ms;
        if (!d->pid && start_child(d, errstr, errstr_size) < 0)
                return -1;
        ferry_buf_t ans = {0};
        if (write_all(d->to_fd, "D\n", 2) < 0) {
                snprintf(errstr, errstr_size, "describing group %s: the kafka-describer process is gone",
                         d->group);
                stop_child(d, 0);
                return -1;
        }
        if (read_answer(d, deadline, &ans, errstr, errstr_size) < 0) {
                ferry_buf_free(&ans);
                stop_child(d, 0);
                return -1;
        }
        if (strncmp(ans.p, "OK\n", 3)) {
                const char *msg = !strncmp(ans.p, "ERR ", 4) ? ans.p + 4 : ans.p;
                snprintf(errstr, errstr_size, "%.*s", (int)strcspn(msg, "\n"), msg);
                ferry_buf_free(&ans);
                return -1;
        }
        size_t cap = 8, n = 0;
        char **members = calloc(cap, sizeof(*members));
        for (char *p = ans.p + 3; members && *p && strcmp(p, ".\n");) {
                char *nl = strchr(p, '\n');
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
        ferry_buf_free(&ans);
        if (!members) {
                snprintf(errstr, errstr_size, "out of memory");
                return -1;
        }
        *out = members;
        *n_out = n;
        return 0;
}

void ferry_group_describer_free(ferry_group_describer_t *d)
{
        if (!d)
                return;
        stop_child(d, 1000);
        free(d->group);
        free(d);
}

/* ---- the child ---- */

/* Reads "key\0value\0" pairs up to an empty key from stdin. 0, or -1 at a premature end. */
static int read_config(ferry_strmap_t *worker)
{
        ferry_buf_t kv[2] = {{0}, {0}};
        int which = 0, c, rc = -1;
        while ((c = getchar()) != EOF) {
                if (c) {
                        char ch = (char)c;
                        ferry_buf_append(&kv[which], &ch, 1);
                        continue;
                }
                if (which == 0 && kv[0].len == 0) {
                        rc = 0; /* the empty key: the end of the config */
                        break;
                }
                if (which == 1) {
                        ferry_strmap_setn(worker, kv[0].p, kv[0].len, kv[1].p ? kv[1].p : "", kv[1].len);
                        kv[0].len = kv[1].len = 0;
                }
                which = !which;
        }
        ferry_buf_free(&kv[0]);
        ferry_buf_free(&kv[1]);
        return rc;
}

int ferry_group_describer_main(const char *group)
{
        ferry_strmap_t worker;
        ferry_strmap_init(&worker);
        if (read_config(&worker) < 0) {
                ferry_strmap_free(&worker);
                return 1;
        }
        char errstr[1024] = "";
        rd_kafka_t *rk = ferry_kafka_admin_client(&worker, errstr, sizeof(errstr));
        char line[64];
        while (fgets(line, sizeof(line), stdin)) {
                char **members = NULL;
                size_t n = 0;
                if (!rk) {
                        printf("ERR %s\n.\n", errstr);
                } else if (ferry_kafka_group_members_rk(rk, group, &members, &n, errstr, sizeof(errstr)) <
                           0) {
                        printf("ERR %.*s\n.\n", (int)strcspn(errstr, "\n"), errstr);
                } else {
                        fputs("OK\n", stdout);
                        for (size_t i = 0; i < n; i++)
                                printf("%s\n", members[i]);
                        fputs(".\n", stdout);
                }
                ferry_strlist_free(members, n);
                if (fflush(stdout))
                        break;
        }
        if (rk)
                rd_kafka_destroy(rk);
        ferry_strmap_free(&worker);
        return 0;
}
