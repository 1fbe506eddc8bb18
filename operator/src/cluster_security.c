/* Secured Kafka for a KafkaConnect's workers, from spec.tls and spec.authentication (Strimzi's
 * fields): the worker.properties keys (security.protocol, PEM trust and key stores, sasl.mechanism,
 * the OAuth endpoint), for the worker's own clients and again under producer./consumer./admin. as
 * Strimzi writes them; the Secret volumes (certificates at /opt/kafka/connect-certs/<secret>/,
 * passwords at /opt/kafka/connect-password/<secret>/); the start script's part that concatenates
 * the trusted certificates into one PEM trust store, the certificate and key into one PEM key store,
 * and writes sasl.jaas.config with the password read from its Secret file (so no password is ever
 * in the ConfigMap, the pod spec or the operator's memory); and the digest of the referenced Secret
 * contents that goes into the config hash, so that a rotated Secret rolls the workers. Part of the
 * KafkaConnect reconciler (cluster.h). */
#include "cluster.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TRUSTSTORE OP_DATA_DIR "/truststore.pem"
#define KEYSTORE   OP_DATA_DIR "/keystore.pem"

static const kube_gvr_t gvr_secret = {"", "v1", "secrets"};

static const char *const client_prefixes[] = {"", "producer.", "consumer.", "admin."};

bool cl_secured(const op_connect_spec_t *s)
{
        return s->tls || s->auth.type != OP_AUTH_NONE;
}

static bool sasl(const op_connect_spec_t *s)
{
        return s->auth.type != OP_AUTH_NONE && s->auth.type != OP_AUTH_TLS;
}

static const char *mechanism(op_auth_type_t t)
{
        switch (t) {
        case OP_AUTH_SCRAM_SHA_256:
                return "SCRAM-SHA-256";
        case OP_AUTH_SCRAM_SHA_512:
                return "SCRAM-SHA-512";
        case OP_AUTH_PLAIN:
                return "PLAIN";
        case OP_AUTH_OAUTH:
                return "OAUTHBEARER";
        default:
                return NULL;
        }
}

void cl_security_props(const op_connect_spec_t *s, void (*put)(void *arg, const char *k, const char *v),
                       void *arg)
{
        if (!cl_secured(s))
                return;
        const char *proto = sasl(s) ? (s->tls ? "SASL_SSL" : "SASL_PLAINTEXT") : "SSL";
        for (size_t i = 0; i < 4; i++) {
                const char *p = client_prefixes[i];
                char k[128];
#define PUT(key, val)                                                                                        \
        do {                                                                                                 \
                snprintf(k, sizeof(k), "%s%s", p, key);                                                      \
                put(arg, k, val);                                                                            \
        } while (0)
                PUT("security.protocol", proto);
                if (s->n_trusted) {
                        PUT("ssl.truststore.type", "PEM");
                        PUT("ssl.truststore.location", TRUSTSTORE);
                }
                if (s->auth.type == OP_AUTH_TLS) {
                        PUT("ssl.keystore.type", "PEM");
                        PUT("ssl.keystore.location", KEYSTORE);
                }
                if (sasl(s))
                        PUT("sasl.mechanism", mechanism(s->auth.type));
                if (s->auth.type == OP_AUTH_OAUTH) {
                        PUT("sasl.login.callback.handler.class",
                            "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler");
                        PUT("sasl.oauthbearer.token.endpoint.url", s->auth.token_endpoint_uri);
                }
#undef PUT
        }
}

/* The mount directory of a Secret reference: certificates and keys, or passwords. */
static const char *ref_dir(const op_connect_spec_t *s, const op_secret_ref_t *r)
{
        return r == &s->auth.password ? OP_PASSWORD_DIR : OP_CERTS_DIR;
}

/* Every Secret reference of the spec, in a fixed order; n set to the count. */
static size_t refs(const op_connect_spec_t *s, const op_secret_ref_t *out[], size_t max)
{
        size_t n = 0;
        for (size_t i = 0; i < s->n_trusted && n < max; i++)
                out[n++] = &s->trusted[i];
        if (s->auth.cert.secret && n < max)
                out[n++] = &s->auth.cert;
        if (s->auth.password.secret && n < max)
                out[n++] = &s->auth.password;
        return n;
}

#define MAX_REFS 64

void cl_security_volumes(const op_connect_spec_t *s, json_object *vols, json_object *mounts)
{
        const op_secret_ref_t *r[MAX_REFS];
        size_t n = refs(s, r, MAX_REFS), vol = 0;
        for (size_t i = 0; i < n; i++) {
                bool seen = false; /* one volume per Secret and directory */
                for (size_t j = 0; j < i && !seen; j++)
                        seen = !strcmp(r[j]->secret, r[i]->secret) && ref_dir(s, r[j]) == ref_dir(s, r[i]);
                if (seen)
                        continue;
                char name[64], path[512];
                snprintf(name, sizeof(name), OP_VOLUME_SEC_PREFIX "%zu", vol++);
                snprintf(path, sizeof(path), "%s%s", ref_dir(s, r[i]), r[i]->secret);
                json_object *src = json_object_new_object();
                json_object_object_add(src, "secretName", json_object_new_string(r[i]->secret));
                json_object_object_add(src, "defaultMode", json_object_new_int(0444));
                json_object *v = json_object_new_object();
                json_object_object_add(v, "name", json_object_new_string(name));
                json_object_object_add(v, "secret", src);
                json_object_array_add(vols, v);
                json_object *m = json_object_new_object();
                json_object_object_add(m, "name", json_object_new_string(name));
                json_object_object_add(m, "mountPath", json_object_new_string(path));
                json_object_object_add(m, "readOnly", json_object_new_boolean(1));
                json_object_array_add(mounts, m);
        }
}

/* Appends text to a growing string (*buf, *len used, *cap allocated). */
static void cat(char **buf, size_t *len, size_t *cap, const char *text)
{
        size_t tl = strlen(text);
        if (*len + tl + 1 > *cap) {
                size_t nc = (*len + tl + 1) * 2;
                char *nb = realloc(*buf, nc);
                if (!nb)
                        return;
                *buf = nb;
                *cap = nc;
        }
        memcpy(*buf + *len, text, tl + 1);
        *len += tl;
}

/* JAAS double-quoted value (\ and " escaped), then Java-properties escaped as the middle of a
 * value (\, newline, CR, tab), appended. */
static void jaas_prop(char **buf, size_t *len, size_t *cap, const char *v)
{
        for (; *v; v++) {
                char c[2] = {*v, 0};
                cat(buf, len, cap,
                    *v == '\\'   ? "\\\\\\\\"
                    : *v == '"'  ? "\\\\\""
                    : *v == '\n' ? "\\n"
                    : *v == '\r' ? "\\r"
                    : *v == '\t' ? "\\t"
                                 : c);
        }
}

char *cl_jaas_head(const op_connect_spec_t *s)
{
        size_t len = 0, cap = 0;
        char *b = NULL;
        const op_connect_auth_t *a = &s->auth;
        if (a->type == OP_AUTH_OAUTH) {
                cat(&b, &len, &cap,
                    "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required "
                    "clientId=\"");
                jaas_prop(&b, &len, &cap, a->client_id);
                cat(&b, &len, &cap, "\" clientSecret=\"");
        } else {
                cat(&b, &len, &cap,
                    a->type == OP_AUTH_PLAIN ? "org.apache.kafka.common.security.plain.PlainLoginModule"
                                             : "org.apache.kafka.common.security.scram.ScramLoginModule");
                cat(&b, &len, &cap, " required username=\"");
                jaas_prop(&b, &len, &cap, a->username ? a->username : "");
                cat(&b, &len, &cap, "\" password=\"");
        }
        return b;
}

char *cl_jaas_tail(const op_connect_spec_t *s)
{
        size_t len = 0, cap = 0;
        char *b = NULL;
        cat(&b, &len, &cap, "\"");
        if (s->auth.type == OP_AUTH_OAUTH && s->auth.scope) {
                cat(&b, &len, &cap, " scope=\"");
                jaas_prop(&b, &len, &cap, s->auth.scope);
                cat(&b, &len, &cap, "\"");
        }
        cat(&b, &len, &cap, ";");
        return b;
}

void cl_security_env(const op_connect_spec_t *s, json_object *env)
{
        if (!sasl(s))
                return;
        char *v[2] = {cl_jaas_head(s), cl_jaas_tail(s)};
        const char *names[2] = {CL_ENV_JAAS_HEAD, CL_ENV_JAAS_TAIL};
        for (size_t i = 0; i < 2; i++) {
                json_object *e = json_object_new_object();
                json_object_object_add(e, "name", json_object_new_string(names[i]));
                json_object_object_add(e, "value", json_object_new_string(v[i] ? v[i] : ""));
                json_object_array_add(env, e);
                free(v[i]);
        }
}

/* '<dir><secret>/' single-quoted (Secret names and keys hold no quote: spec.c checks them). */
static void quoted_dir(char **b, size_t *len, size_t *cap, const op_connect_spec_t *s,
                       const op_secret_ref_t *r)
{
        cat(b, len, cap, "'");
        cat(b, len, cap, ref_dir(s, r));
        cat(b, len, cap, r->secret);
        cat(b, len, cap, "/'");
}

char *cl_security_prepare(const op_connect_spec_t *s)
{
        size_t len = 0, cap = 0;
        char *b = NULL;
        cat(&b, &len, &cap, "");
        if (s->n_trusted) {
                /* One PEM trust store from every trusted certificate (patterns are globs over the
                 * mounted Secret's files; Kubernetes' own ..data entries start with a dot). */
                cat(&b, &len, &cap, "cat");
                for (size_t i = 0; i < s->n_trusted; i++) {
                        cat(&b, &len, &cap, " ");
                        quoted_dir(&b, &len, &cap, s, &s->trusted[i]);
                        if (s->trusted[i].file) {
                                cat(&b, &len, &cap, "'");
                                cat(&b, &len, &cap, s->trusted[i].file);
                                cat(&b, &len, &cap, "'");
                        } else {
                                cat(&b, &len, &cap, s->trusted[i].pattern);
                        }
                }
                cat(&b, &len, &cap, " >" TRUSTSTORE "; ");
        }
        if (s->auth.type == OP_AUTH_TLS) {
                cat(&b, &len, &cap, "cat ");
                quoted_dir(&b, &len, &cap, s, &s->auth.cert);
                cat(&b, &len, &cap, "'");
                cat(&b, &len, &cap, s->auth.cert.file);
                cat(&b, &len, &cap, "' ");
                quoted_dir(&b, &len, &cap, s, &s->auth.cert);
                cat(&b, &len, &cap, "'");
                cat(&b, &len, &cap, s->auth.cert.key);
                cat(&b, &len, &cap, "' >" KEYSTORE "; ");
        }
        return b;
}

char *cl_security_jaas(const op_connect_spec_t *s)
{
        size_t len = 0, cap = 0;
        char *b = NULL;
        cat(&b, &len, &cap, "");
        if (!sasl(s))
                return b;
        const char *field = s->auth.type == OP_AUTH_OAUTH ? "spec.authentication.clientSecret"
                                                          : "spec.authentication.passwordSecret";
        /* The secret is read from its file when the container starts, escaped for a JAAS
         * double-quoted value (\ and ") and then for Java properties (\), and written between the
         * head and tail (from the env) under every client prefix. */
        cat(&b, &len, &cap, "p=$(cat ");
        quoted_dir(&b, &len, &cap, s, &s->auth.password);
        cat(&b, &len, &cap, "'");
        cat(&b, &len, &cap, s->auth.password.file);
        cat(&b, &len, &cap, "'); case $p in *'\n'*) echo '");
        cat(&b, &len, &cap, field);
        cat(&b, &len, &cap,
            ": the value holds a line break' >&2; exit 1;; esac; "
            "p=$(printf '%s' \"$p\" | sed -e 's/\\\\/\\\\\\\\\\\\\\\\/g' -e 's/\"/\\\\\\\\\"/g'); "
            "for x in '' producer. consumer. admin.; do "
            "printf '%ssasl.jaas.config=%s%s%s\\n' \"$x\" \"$" CL_ENV_JAAS_HEAD
            "\" \"$p\" \"$" CL_ENV_JAAS_TAIL "\"; done; ");
        return b;
}

/* The field path of a reference, for messages. */
static void ref_path(const op_connect_spec_t *s, const op_secret_ref_t *r, char *buf, size_t len)
{
        if (r == &s->auth.cert)
                snprintf(buf, len, "spec.authentication.certificateAndKey");
        else if (r == &s->auth.password)
                snprintf(buf, len, "spec.authentication.%s",
                         s->auth.type == OP_AUTH_OAUTH ? "clientSecret" : "passwordSecret");
        else
                snprintf(buf, len, "spec.tls.trustedCertificates[%zu]", (size_t)(r - s->trusted));
}

/* One value of a Secret's data into the digest; 0, or -1 (problem reported) when it is missing. */
static int digest_key(const op_connect_spec_t *s, const op_secret_ref_t *r, json_object *data,
                      const char *field, const char *key, char **b, size_t *len, size_t *cap,
                      struct cluster_state *st)
{
        const char *v = data ? kube_member_str(data, key) : NULL;
        if (!v) {
                char path[128], msg[512];
                ref_path(s, r, path, sizeof(path));
                snprintf(msg, sizeof(msg), "%s.%s: Secret %s has no key %s", path, field, r->secret, key);
                cl_problem(st, "SecretKeyMissing", msg);
                return -1;
        }
        cat(b, len, cap, r->secret);
        cat(b, len, cap, "/");
        cat(b, len, cap, key);
        cat(b, len, cap, "=");
        cat(b, len, cap, v);
        cat(b, len, cap, "\n");
        return 0;
}

int cl_secrets_digest(op_ctx_t *ctx, const op_connect_spec_t *s, struct cluster_state *st, char **out)
{
        size_t len = 0, cap = 0;
        char *b = NULL;
        cat(&b, &len, &cap, "");
        *out = b;
        const op_secret_ref_t *r[MAX_REFS];
        size_t n = refs(s, r, MAX_REFS);
        int rc = 0;
        for (size_t i = 0; i < n && rc == 0; i++) {
                char path[1024], field[128], msg[512];
                kube_path(path, sizeof(path), &gvr_secret, s->ns, r[i]->secret, NULL, NULL);
                kube_result_t res;
                kube_request(ctx->kube, "GET", path, NULL, NULL, &res);
                ref_path(s, r[i], field, sizeof(field));
                if (res.status == 404) {
                        snprintf(msg, sizeof(msg), "%s.secretName: Secret %s not found", field, r[i]->secret);
                        cl_problem(st, "SecretNotFound", msg);
                        rc = -1;
                } else if (res.status != 200) {
                        snprintf(msg, sizeof(msg), "%s.secretName: cannot read Secret %s: %s", field,
                                 r[i]->secret, res.err[0] ? res.err : "error");
                        cl_problem(st, "SecretReadFailed", msg);
                        st->next = -1;
                        rc = -1;
                } else {
                        json_object *data = kube_get(res.body, "data");
                        if (data && !json_object_is_type(data, json_type_object))
                                data = NULL;
                        const op_secret_ref_t *x = r[i];
                        if (x->pattern) {
                                size_t matched = 0;
                                if (data) {
                                        json_object_object_foreach(data, k, v)
                                        {
                                                (void)v;
                                                if (!fnmatch(x->pattern, k, FNM_PERIOD) &&
                                                    !digest_key(s, x, data, "pattern", k, &b, &len, &cap, st))
                                                        matched++;
                                        }
                                }
                                if (!matched) {
                                        snprintf(msg, sizeof(msg),
                                                 "%s.pattern: no key of Secret %s matches %s", field,
                                                 x->secret, x->pattern);
                                        cl_problem(st, "SecretKeyMissing", msg);
                                        rc = -1;
                                }
                        } else {
                                const char *ff =
                                        x == &s->auth.password
                                                ? (s->auth.type == OP_AUTH_OAUTH ? "key" : "password")
                                                : "certificate";
                                rc = digest_key(s, x, data, ff, x->file, &b, &len, &cap, st);
                                if (rc == 0 && x->key)
                                        rc = digest_key(s, x, data, "key", x->key, &b, &len, &cap, st);
                        }
                }
                kube_result_clear(&res);
        }
        *out = b;
        return rc;
}
