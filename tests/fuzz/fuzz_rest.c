/* libFuzzer target for the REST request path without sockets: raw HTTP/1.1 request bytes are split
 * into method, target (path and query) and headers here, then go through ferry_rest_handle()
 * (router.c: authentication, path decoding, routing, media type, JSON body parsing) into the
 * resource handlers, which call an in-memory herder (below) and build JSON answers. Every answer
 * must be a well-formed status with a JSON body that json-c can parse back.
 *
 * One input holds up to 8 requests separated by "\n#\n", run in order against a fresh herder,
 * so that a create can be followed by reads. A request with the header "X-Fuzz-Auth: 1" goes to
 * an API that requires HTTP basic authentication (user "u", password "p"). An input that starts
 * with "CHUNKED\n" goes to the chunked request body decoder of server.c instead.
 * Build and run: make fuzz (tests/runtime/fuzz_short.sh runs it for 30 s inside make test). */
#include "rest/api.h"

#include <ferry/log.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* ---- an in-memory herder ---- */

#define MAX_CONNS 8

typedef struct {
        char *name;
        ferry_strmap_t config;
        ferry_target_t target;
        ferry_plugin_type_t type;
        int n_tasks;
        ferry_value_t *offsets; /* {"offsets":[...]} */
} fake_conn_t;

typedef struct {
        ferry_herder_t base;
        fake_conn_t c[MAX_CONNS];
        int n;
} fake_t;

static fake_conn_t *find(fake_t *f, const char *name)
{
        for (int i = 0; i < f->n; i++)
                if (!strcmp(f->c[i].name, name))
                        return &f->c[i];
        return NULL;
}

static void conn_clear(fake_conn_t *c)
{
        free(c->name);
        ferry_strmap_free(&c->config);
        ferry_value_free(c->offsets);
        memset(c, 0, sizeof(*c));
}

static ferry_herder_rc_t put_connector(ferry_herder_t *h, const char *name, const ferry_strmap_t *config,
                                       ferry_target_t initial, bool allow_update, bool *created,
                                       ferry_cfg_errors_t *errs, char *errstr, size_t errstr_size)
{
        fake_t *f = (fake_t *)h;
        const ferry_connector_plugin_t *p = ferry_worker_validate_connector(h->worker, config, errs);
        if (!p || errs->n)
                return FERRY_HERDER_INVALID;
        fake_conn_t *c = find(f, name);
        if (c && !allow_update) {
                snprintf(errstr, errstr_size, "Connector %s already exists", name);
                return FERRY_HERDER_EXISTS;
        }
        *created = !c;
        if (!c) {
                if (f->n == MAX_CONNS) {
                        snprintf(errstr, errstr_size, "too many connectors");
                        return FERRY_HERDER_ERROR;
                }
                c = &f->c[f->n++];
                c->name = strdup(name);
                c->target = initial;
                c->offsets = ferry_value_map();
                ferry_map_put_str(c->offsets, "offsets", ferry_value_array());
        }
        ferry_strmap_free(&c->config);
        ferry_strmap_copy(&c->config, config);
        c->type = p->info.type;
        c->n_tasks = (int)ferry_config_int(ferry_connector_config, config, "tasks.max");
        if (c->n_tasks > 4)
                c->n_tasks = 4;
        return FERRY_HERDER_OK;
}

static ferry_herder_rc_t delete_connector(ferry_herder_t *h, const char *name)
{
        fake_t *f = (fake_t *)h;
        fake_conn_t *c = find(f, name);
        if (!c)
                return FERRY_HERDER_NOT_FOUND;
        conn_clear(c);
        *c = f->c[--f->n];
        memset(&f->c[f->n], 0, sizeof(f->c[f->n]));
        return FERRY_HERDER_OK;
}

static char **list(ferry_herder_t *h, size_t *n)
{
        fake_t *f = (fake_t *)h;
        char **names = calloc((size_t)f->n + 1, sizeof(*names));
        *n = 0;
        for (int i = 0; names && i < f->n; i++)
                names[(*n)++] = strdup(f->c[i].name);
        return names;
}

static int tasks_of(const fake_conn_t *c)
{
        return c->target == FERRY_TARGET_STOPPED ? 0 : c->n_tasks;
}

static ferry_herder_rc_t info(ferry_herder_t *h, const char *name, ferry_connector_info_t *out)
{
        memset(out, 0, sizeof(*out));
        fake_conn_t *c = find((fake_t *)h, name);
        if (!c)
                return FERRY_HERDER_NOT_FOUND;
        out->name = strdup(c->name);
        ferry_strmap_copy(&out->config, &c->config);
        out->n_tasks = tasks_of(c);
        out->tasks = calloc((size_t)out->n_tasks + 1, sizeof(*out->tasks));
        for (int i = 0; i < out->n_tasks; i++) {
                ferry_strmap_copy(&out->tasks[i], &c->config);
                ferry_strmap_set(&out->tasks[i], "task.id", i ? "1" : "0");
        }
        out->type = c->type;
        out->type_known = true;
        return FERRY_HERDER_OK;
}

static ferry_state_t state_of(const fake_conn_t *c)
{
        return c->target == FERRY_TARGET_STOPPED  ? FERRY_STATE_STOPPED
               : c->target == FERRY_TARGET_PAUSED ? FERRY_STATE_PAUSED
                                                  : FERRY_STATE_RUNNING;
}

static ferry_herder_rc_t status(ferry_herder_t *h, const char *name, ferry_connector_status_t *out)
{
        memset(out, 0, sizeof(*out));
        fake_conn_t *c = find((fake_t *)h, name);
        if (!c)
                return FERRY_HERDER_NOT_FOUND;
        out->name = strdup(c->name);
        out->type = c->type;
        out->type_known = true;
        out->state = state_of(c);
        out->worker_id = strdup("fuzz:8083");
        out->trace = c->n_tasks == 3 ? strdup("org.example.Failure: \"quoted\"\n\tat line\x01") : NULL;
        out->n_tasks = tasks_of(c);
        out->tasks = calloc((size_t)out->n_tasks + 1, sizeof(*out->tasks));
        for (int i = 0; i < out->n_tasks; i++)
                out->tasks[i] = (ferry_task_status_t){i, i == 1 ? FERRY_STATE_FAILED : out->state,
                                                      strdup("fuzz:8083"), i == 1 ? strdup("trace") : NULL};
        return FERRY_HERDER_OK;
}

static ferry_herder_rc_t set_target(ferry_herder_t *h, const char *name, ferry_target_t target)
{
        fake_conn_t *c = find((fake_t *)h, name);
        if (!c)
                return FERRY_HERDER_NOT_FOUND;
        c->target = target;
        return FERRY_HERDER_OK;
}

static ferry_herder_rc_t restart_connector(ferry_herder_t *h, const char *name, bool include_tasks,
                                           bool only_failed, ferry_connector_status_t *out)
{
        ferry_connector_status_t st;
        ferry_herder_rc_t rc = status(h, name, &st);
        if (rc != FERRY_HERDER_OK)
                return rc;
        if (!only_failed)
                st.state = FERRY_STATE_RESTARTING;
        for (int i = 0; include_tasks && i < st.n_tasks; i++)
                if (!only_failed || st.tasks[i].state == FERRY_STATE_FAILED)
                        st.tasks[i].state = FERRY_STATE_RESTARTING;
        if (out)
                *out = st;
        else
                ferry_connector_status_free(&st);
        return FERRY_HERDER_OK;
}

static ferry_herder_rc_t restart_task(ferry_herder_t *h, const char *name, int task)
{
        fake_conn_t *c = find((fake_t *)h, name);
        return c && task >= 0 && task < tasks_of(c) ? FERRY_HERDER_OK : FERRY_HERDER_NOT_FOUND;
}

static ferry_herder_rc_t topics(ferry_herder_t *h, const char *name, char ***out, size_t *n)
{
        fake_conn_t *c = find((fake_t *)h, name);
        if (!c)
                return FERRY_HERDER_NOT_FOUND;
        *out = calloc(2, sizeof(**out));
        (*out)[0] = strdup("topic-\"x\"");
        *n = 1;
        return FERRY_HERDER_OK;
}

static ferry_herder_rc_t reset_topics(ferry_herder_t *h, const char *name)
{
        return find((fake_t *)h, name) ? FERRY_HERDER_OK : FERRY_HERDER_NOT_FOUND;
}

static ferry_herder_rc_t offsets(ferry_herder_t *h, const char *name, ferry_value_t **out, char *errstr,
                                 size_t errstr_size)
{
        fake_conn_t *c = find((fake_t *)h, name);
        if (!c)
                return FERRY_HERDER_NOT_FOUND;
        *out = ferry_value_copy(c->offsets);
        return FERRY_HERDER_OK;
}

static ferry_herder_rc_t alter_offsets(ferry_herder_t *h, const char *name, const ferry_value_t *doc,
                                       char *errstr, size_t errstr_size)
{
        fake_conn_t *c = find((fake_t *)h, name);
        if (!c)
                return FERRY_HERDER_NOT_FOUND;
        if (c->target != FERRY_TARGET_STOPPED) {
                snprintf(errstr, errstr_size, "Connectors must be in the STOPPED state");
                return FERRY_HERDER_INVALID;
        }
        ferry_value_free(c->offsets);
        c->offsets = doc ? ferry_value_copy(doc) : ferry_value_map();
        if (!doc)
                ferry_map_put_str(c->offsets, "offsets", ferry_value_array());
        return FERRY_HERDER_OK;
}

static ferry_health_t health(ferry_herder_t *h, char *message, size_t message_size)
{
        return FERRY_HEALTH_HEALTHY;
}

static void herder_reset(fake_t *f)
{
        for (int i = 0; i < f->n; i++)
                conn_clear(&f->c[i]);
        f->n = 0;
}

static const ferry_herder_ops_t fake_ops = {
        .put_connector = put_connector,
        .delete_connector = delete_connector,
        .list = list,
        .info = info,
        .status = status,
        .set_target = set_target,
        .restart_connector = restart_connector,
        .restart_task = restart_task,
        .topics = topics,
        .reset_topics = reset_topics,
        .offsets = offsets,
        .alter_offsets = alter_offsets,
        .health = health,
};

/* ---- harness ---- */

static ferry_worker_t *worker;
static fake_t herder;
static char creds[] = "/tmp/ferry-fuzz-creds.XXXXXX";

static void remove_creds(void)
{
        unlink(creds);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
        ferry_log_set_level(FERRY_LOG_ERROR);
        ferry_strmap_t conf;
        ferry_strmap_init(&conf);
        ferry_strmap_set(&conf, "key.converter", "org.apache.kafka.connect.storage.StringConverter");
        ferry_strmap_set(&conf, "value.converter", "org.apache.kafka.connect.json.JsonConverter");
        char errstr[1024];
        worker = ferry_worker_new(&conf, errstr, sizeof(errstr));
        ferry_strmap_free(&conf);
        if (!worker) {
                fprintf(stderr, "fuzz_rest: %s\n", errstr);
                abort();
        }
        worker->worker_id = strdup("fuzz:8083");
        worker->cluster_id = strdup("fuzz-cluster");
        herder.base.ops = &fake_ops;
        herder.base.worker = worker;
        atomic_store(&herder.base.ready, true);
        int fd = mkstemp(creds);
        if (fd < 0 || write(fd, "# fuzz\nu:p\n", 11) != 11)
                abort();
        close(fd);
        atexit(remove_creds);
        return 0;
}

static char *dupn(const char *s, size_t n)
{
        char *p = malloc(n + 1);
        memcpy(p, s, n);
        p[n] = '\0';
        return p;
}

/* Runs one raw request "METHOD TARGET HTTP/1.1\r\nName: value\r\n...\r\n\r\nbody". */
static void one_request(ferry_rest_api_t *api, ferry_rest_api_t *api_auth, const char *p, size_t n)
{
        const char *end = p + n;
        const char *sp = memchr(p, ' ', n);
        if (!sp || sp - p > 7)
                return;
        char method[8];
        memcpy(method, p, (size_t)(sp - p));
        method[sp - p] = '\0';
        const char *target = sp + 1;
        const char *eol = target;
        while (eol < end && *eol != ' ' && *eol != '\r' && *eol != '\n')
                eol++;
        const char *q = memchr(target, '?', (size_t)(eol - target));
        char *path = dupn(target, (size_t)((q ? q : eol) - target));
        char *query = q ? dupn(q + 1, (size_t)(eol - q - 1)) : NULL;
        const char *line = memchr(eol, '\n', (size_t)(end - eol));
        line = line ? line + 1 : end;
        char *ctype = NULL, *auth = NULL;
        bool use_auth = false;
        while (line < end) {
                const char *nl = memchr(line, '\n', (size_t)(end - line));
                const char *le = nl ? nl : end;
                size_t len = (size_t)(le - line);
                if (len && line[len - 1] == '\r')
                        len--;
                if (len == 0) {
                        line = nl ? nl + 1 : end;
                        break;
                }
                const char *colon = memchr(line, ':', len);
                if (colon) {
                        size_t klen = (size_t)(colon - line);
                        const char *v = colon + 1;
                        while (v < line + len && *v == ' ')
                                v++;
                        size_t vlen = (size_t)(line + len - v);
                        if (klen == 12 && !strncasecmp(line, "Content-Type", 12)) {
                                free(ctype);
                                ctype = dupn(v, vlen);
                        } else if (klen == 13 && !strncasecmp(line, "Authorization", 13)) {
                                free(auth);
                                auth = dupn(v, vlen);
                        } else if (klen == 11 && !strncasecmp(line, "X-Fuzz-Auth", 11)) {
                                use_auth = true;
                        }
                }
                line = nl ? nl + 1 : end;
        }
        size_t body_len = (size_t)(end - line);
        char *body = dupn(line, body_len);
        ferry_rest_request_t req = {
                .method = method,
                .path = path,
                .query = query,
                .content_type = ctype,
                .authorization = auth,
                .base_url = "http://fuzz:8083",
                .body = body,
                .body_len = body_len,
                .body_too_large = body_len > 60000,
        };
        ferry_rest_response_t resp;
        ferry_rest_handle(use_auth ? api_auth : api, &req, &resp);
        if (resp.status < 200 || resp.status > 599)
                abort();
        if (resp.body && resp.content_type) {
                /* The only non-JSON answer is the Prometheus text of /metrics: every line a
                 * comment or a ferry_ sample. */
                if (strncmp(resp.content_type, "text/plain", 10))
                        abort();
                const char *l = resp.body, *e = resp.body + resp.body_len;
                while (l < e) {
                        const char *nl = memchr(l, '\n', (size_t)(e - l));
                        if (!nl || (*l != '#' && strncmp(l, "ferry_", 6))) {
                                fprintf(stderr, "fuzz_rest: bad metrics line: %.*s\n",
                                        (int)(nl ? nl - l : e - l), l);
                                abort();
                        }
                        l = nl + 1;
                }
        } else if (resp.body) {
                /* Every other answer is JSON that parses back. */
                json_tokener *tok = json_tokener_new();
                json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
                json_object *o = json_tokener_parse_ex(tok, resp.body, (int)resp.body_len);
                if (!o || json_tokener_get_parse_end(tok) != resp.body_len) {
                        fprintf(stderr, "fuzz_rest: answer is not JSON: %.*s\n", (int)resp.body_len,
                                resp.body);
                        abort();
                }
                json_object_put(o);
                json_tokener_free(tok);
        } else if (resp.status != 204 && resp.status != 202 && !resp.head && strcmp(method, "OPTIONS")) {
                fprintf(stderr, "fuzz_rest: status %d without a body\n", resp.status);
                abort();
        }
        ferry_rest_response_free(&resp);
        free(path);
        free(query);
        free(ctype);
        free(auth);
        free(body);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        /* "CHUNKED\n" inputs exercise the chunked body decoder of server.c instead. */
        if (size >= 8 && !memcmp(data, "CHUNKED\n", 8)) {
                ferry_buf_t raw, body;
                ferry_buf_init(&raw);
                ferry_buf_init(&body);
                ferry_buf_append(&raw, data + 8, size - 8);
                int rc = ferry_rest_dechunk(&raw, &body);
                if (rc < -1 || rc > 1 || body.len > raw.len)
                        abort();
                ferry_buf_free(&raw);
                ferry_buf_free(&body);
                return 0;
        }
        /* Fresh state per input: herder, APIs (their logger tables) and the log threshold. */
        herder_reset(&herder);
        ferry_log_set_level(FERRY_LOG_ERROR);
        char errstr[1024];
        ferry_rest_api_t *api = ferry_rest_api_new(worker, &herder.base, NULL, errstr, sizeof(errstr));
        ferry_rest_api_t *api_auth = ferry_rest_api_new(worker, &herder.base, creds, errstr, sizeof(errstr));
        if (!api || !api_auth)
                abort();
        const char *p = (const char *)data, *end = p + size;
        for (int i = 0; i < 8 && p < end; i++) {
                const char *sep = memmem(p, (size_t)(end - p), "\n#\n", 3);
                const char *stop = sep ? sep : end;
                one_request(api, api_auth, p, (size_t)(stop - p));
                ferry_log_set_level(FERRY_LOG_ERROR); /* a PUT of the root level must not flood the log */
                p = sep ? sep + 3 : end;
        }
        ferry_rest_api_free(api);
        ferry_rest_api_free(api_auth);
        return 0;
}
