/* kubeconfig exec credential plugins (client.authentication.k8s.io v1 and v1beta1), as kubectl
 * runs them: the command with its args and env added to the operator's environment, stdin from
 * /dev/null, stderr passed through, KUBERNETES_EXEC_INFO describing the request (and the cluster
 * with provideClusterInfo); its stdout is an ExecCredential whose status holds a bearer token or a
 * client certificate and key (PEM), and optionally expirationTimestamp. kube/client.c decides when
 * to run it (no credential yet, expired, or a 401 answer); config.c parses the kubeconfig part. */
#include "kube/kube.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <ferry/buf.h>

extern char **environ;

#define EXEC_TIMEOUT_MS 60000
#define EXEC_MAX_OUTPUT (1 << 20)

void kube_exec_cred_free(kube_exec_cred_t *c)
{
        free(c->token);
        free(c->cert);
        free(c->key);
        memset(c, 0, sizeof(*c));
}

int kube_exec_cred_parse(const char *json, size_t len, const char *api_version, kube_exec_cred_t *out,
                         char *errstr, size_t errlen)
{
        memset(out, 0, sizeof(*out));
        json_tokener *tok = json_tokener_new();
        json_object *o = tok ? json_tokener_parse_ex(tok, json, (int)len) : NULL;
        json_tokener_free(tok);
        int rc = -1;
        if (!o || !json_object_is_type(o, json_type_object)) {
                snprintf(errstr, errlen, "exec plugin: output is not a JSON object");
                goto out;
        }
        const char *kind = kube_str(o, "kind"), *av = kube_str(o, "apiVersion");
        if (!kind || strcmp(kind, "ExecCredential")) {
                snprintf(errstr, errlen, "exec plugin: output kind is %s, not ExecCredential",
                         kind ? kind : "missing");
                goto out;
        }
        if (!av || (api_version && strcmp(av, api_version))) {
                snprintf(errstr, errlen, "exec plugin: output apiVersion %s differs from the configured %s",
                         av ? av : "(none)", api_version ? api_version : "");
                goto out;
        }
        json_object *st = kube_get(o, "status");
        if (!st || !json_object_is_type(st, json_type_object)) {
                snprintf(errstr, errlen, "exec plugin: output has no status");
                goto out;
        }
        const char *token = kube_str(st, "token"), *cert = kube_str(st, "clientCertificateData"),
                   *key = kube_str(st, "clientKeyData"), *exp = kube_str(st, "expirationTimestamp");
        if (!cert != !key) {
                snprintf(errstr, errlen, "exec plugin: status has %s without %s",
                         cert ? "clientCertificateData" : "clientKeyData",
                         cert ? "clientKeyData" : "clientCertificateData");
                goto out;
        }
        if ((!token || !*token) && !cert) {
                snprintf(errstr, errlen, "exec plugin: status has neither token nor clientCertificateData");
                goto out;
        }
        if (exp && *exp) {
                out->expires = kube_parse_time(exp);
                if (out->expires < 0) {
                        snprintf(errstr, errlen,
                                 "exec plugin: expirationTimestamp %s is not an RFC 3339 time", exp);
                        goto out;
                }
        }
        out->token = token && *token ? strdup(token) : NULL;
        if (cert) {
                out->cert = strdup(cert);
                out->key = strdup(key);
                out->cert_len = strlen(cert);
                out->key_len = strlen(key);
        }
        if ((token && *token && !out->token) || (cert && (!out->cert || !out->key))) {
                snprintf(errstr, errlen, "out of memory");
                goto out;
        }
        rc = 0;
out:
        json_object_put(o);
        if (rc)
                kube_exec_cred_free(out);
        return rc;
}

char *kube_exec_info(const kube_exec_config_t *x)
{
        json_object *o = json_object_new_object(), *spec = json_object_new_object();
        json_object_object_add(o, "kind", json_object_new_string("ExecCredential"));
        json_object_object_add(o, "apiVersion", json_object_new_string(x->api_version ? x->api_version : ""));
        json_object_object_add(spec, "interactive", json_object_new_boolean(0));
        if (x->cluster) {
                json_object *cl = json_tokener_parse(x->cluster);
                if (cl)
                        json_object_object_add(spec, "cluster", cl);
        }
        json_object_object_add(o, "spec", spec);
        char *s = kube_strdup(
                json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(o);
        return s;
}

static size_t count(char **v)
{
        size_t n = 0;
        while (v && v[n])
                n++;
        return n;
}

/* environ with x->env and KUBERNETES_EXEC_INFO added (later entries of the same name win, so they
 * are put first and the inherited ones of those names left out). */
static char **make_env(const kube_exec_config_t *x, char *info_var)
{
        size_t ne = count(environ), nx = count(x->env);
        char **env = calloc(ne + nx + 2, sizeof(*env));
        if (!env)
                return NULL;
        size_t n = 0;
        env[n++] = info_var;
        for (size_t i = 0; i < nx; i++)
                env[n++] = x->env[i];
        for (size_t i = 0; i < ne; i++) {
                const char *eq = strchr(environ[i], '=');
                size_t kl = eq ? (size_t)(eq - environ[i]) : strlen(environ[i]);
                bool dup = false;
                for (size_t j = 0; j < n && !dup; j++)
                        dup = !strncmp(env[j], environ[i], kl) && env[j][kl] == '=';
                if (!dup)
                        env[n++] = environ[i];
        }
        env[n] = NULL;
        return env;
}

int kube_exec_cred_run(const kube_exec_config_t *x, kube_exec_cred_t *out, char *errstr, size_t errlen)
{
        memset(out, 0, sizeof(*out));
        if (x->interactive_always) {
                snprintf(errstr, errlen, "exec plugin %s: interactiveMode Always needs a terminal",
                         x->command);
                return -1;
        }
        char *info = kube_exec_info(x);
        ferry_buf_t var, output;
        ferry_buf_init(&var);
        ferry_buf_init(&output);
        if (!info || ferry_buf_printf(&var, "KUBERNETES_EXEC_INFO=%s", info)) {
                free(info);
                snprintf(errstr, errlen, "out of memory");
                return -1;
        }
        free(info);
        char **env = make_env(x, var.p);
        size_t na = count(x->args);
        char **argv = calloc(na + 2, sizeof(*argv));
        int pfd[2] = {-1, -1};
        int rc = -1;
        pid_t pid = -1;
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        if (!env || !argv || pipe2(pfd, O_CLOEXEC)) {
                snprintf(errstr, errlen, "exec plugin %s: %s", x->command, strerror(errno ? errno : ENOMEM));
                goto out;
        }
        argv[0] = x->command;
        for (size_t i = 0; i < na; i++)
                argv[i + 1] = x->args[i];
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_adddup2(&fa, pfd[1], 1);
        int err = posix_spawnp(&pid, x->command, &fa, NULL, argv, env);
        close(pfd[1]);
        pfd[1] = -1;
        if (err) {
                pid = -1;
                snprintf(errstr, errlen, "exec plugin %s: %s%s%s", x->command, strerror(err),
                         x->install_hint ? "; " : "", x->install_hint ? x->install_hint : "");
                goto out;
        }
        struct timespec t0, t;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        bool timed_out = false, too_much = false;
        for (;;) {
                clock_gettime(CLOCK_MONOTONIC, &t);
                long left = EXEC_TIMEOUT_MS -
                            ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000);
                struct pollfd p = {.fd = pfd[0], .events = POLLIN};
                if (left <= 0) {
                        timed_out = true;
                        break;
                }
                int pr = poll(&p, 1, (int)left);
                if (pr < 0 && errno == EINTR)
                        continue;
                if (pr <= 0) {
                        timed_out = pr == 0;
                        break;
                }
                char buf[4096];
                ssize_t r = read(pfd[0], buf, sizeof(buf));
                if (r < 0 && errno == EINTR)
                        continue;
                if (r <= 0)
                        break;
                if (output.len + (size_t)r > EXEC_MAX_OUTPUT) {
                        too_much = true;
                        break;
                }
                if (ferry_buf_append(&output, buf, (size_t)r))
                        break;
        }
        if (timed_out || too_much)
                kill(pid, SIGKILL);
        int status = 0;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        if (timed_out) {
                snprintf(errstr, errlen, "exec plugin %s: no answer within %d s", x->command,
                         EXEC_TIMEOUT_MS / 1000);
        } else if (too_much) {
                snprintf(errstr, errlen, "exec plugin %s: more than %d bytes of output", x->command,
                         EXEC_MAX_OUTPUT);
        } else if (!WIFEXITED(status) || WEXITSTATUS(status)) {
                if (WIFEXITED(status))
                        snprintf(errstr, errlen, "exec plugin %s: exit status %d%s%s", x->command,
                                 WEXITSTATUS(status),
                                 x->install_hint && WEXITSTATUS(status) == 127 ? "; " : "",
                                 x->install_hint && WEXITSTATUS(status) == 127 ? x->install_hint : "");
                else
                        snprintf(errstr, errlen, "exec plugin %s: killed by signal %d", x->command,
                                 WIFSIGNALED(status) ? WTERMSIG(status) : 0);
        } else {
                char why[400];
                rc = kube_exec_cred_parse(output.p ? output.p : "", output.len, x->api_version, out, why,
                                          sizeof(why));
                if (rc)
                        snprintf(errstr, errlen, "%s (%s)", why, x->command);
        }
out:
        posix_spawn_file_actions_destroy(&fa);
        if (pfd[0] >= 0)
                close(pfd[0]);
        if (pfd[1] >= 0)
                close(pfd[1]);
        free(argv);
        free(env);
        ferry_buf_free(&var);
        ferry_buf_free(&output);
        return rc;
}

static char **dup_vec(char **v, bool *oom)
{
        if (!v)
                return NULL;
        size_t n = count(v);
        char **d = calloc(n + 1, sizeof(*d));
        if (!d) {
                *oom = true;
                return NULL;
        }
        for (size_t i = 0; i < n; i++)
                if (!(d[i] = strdup(v[i])))
                        *oom = true;
        return d;
}

static void free_vec(char **v)
{
        for (size_t i = 0; v && v[i]; i++)
                free(v[i]);
        free(v);
}

kube_exec_config_t *kube_exec_config_copy(const kube_exec_config_t *x)
{
        if (!x)
                return NULL;
        kube_exec_config_t *d = calloc(1, sizeof(*d));
        if (!d)
                return NULL;
        bool oom = false;
        d->api_version = kube_strdup(x->api_version);
        d->command = kube_strdup(x->command);
        d->cluster = kube_strdup(x->cluster);
        d->install_hint = kube_strdup(x->install_hint);
        d->interactive_always = x->interactive_always;
        d->args = dup_vec(x->args, &oom);
        d->env = dup_vec(x->env, &oom);
        if (oom || (x->api_version && !d->api_version) || (x->command && !d->command) ||
            (x->cluster && !d->cluster) || (x->install_hint && !d->install_hint)) {
                kube_exec_config_free(d);
                return NULL;
        }
        return d;
}

void kube_exec_config_free(kube_exec_config_t *x)
{
        if (!x)
                return;
        free(x->api_version);
        free(x->command);
        free(x->cluster);
        free(x->install_hint);
        free_vec(x->args);
        free_vec(x->env);
        free(x);
}
