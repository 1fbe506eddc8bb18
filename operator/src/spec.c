/* Parsing of KafkaConnect and KafkaConnector resources into the typed structs of spec.h, once per
 * reconcile: types, ranges, defaults, reserved names and references between fields are checked
 * here, and the first invalid field is reported as "spec.<path>: <problem>" for the Ready
 * condition. The CRD schemas refuse most of these already; the operator checks again because
 * objects can predate a schema change or come from an API server that skips validation. */
#include "spec.h"

#include "operator.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parse state: the first error wins. */
struct pc {
        char *err;
        size_t errlen;
        int rc;
};

__attribute__((format(printf, 2, 3))) static void bad(struct pc *pc, const char *fmt, ...)
{
        if (pc->rc)
                return;
        pc->rc = -1;
        if (pc->err && pc->errlen) {
                va_list ap;
                va_start(ap, fmt);
                vsnprintf(pc->err, pc->errlen, fmt, ap);
                va_end(ap);
        }
}

static char *dup(const char *s)
{
        return s ? strdup(s) : NULL;
}

static json_object *member(json_object *obj, const char *key)
{
        json_object *v = NULL;
        if (!obj || !json_object_is_type(obj, json_type_object) || !json_object_object_get_ex(obj, key, &v))
                return NULL;
        return json_object_is_type(v, json_type_null) ? NULL : v;
}

/* An optional string member; absent: NULL. */
static char *opt_str(struct pc *pc, json_object *obj, const char *key, const char *path)
{
        json_object *v = member(obj, key);
        if (!v)
                return NULL;
        if (!json_object_is_type(v, json_type_string)) {
                bad(pc, "%s: must be a string", path);
                return NULL;
        }
        return strdup(json_object_get_string(v));
}

/* An optional integer member in [lo, hi]; absent or invalid: def. */
static int opt_int(struct pc *pc, json_object *obj, const char *key, const char *path, long long lo,
                   long long hi, int def, const char *what)
{
        json_object *v = member(obj, key);
        if (!v)
                return def;
        long long n = json_object_get_int64(v);
        if (!json_object_is_type(v, json_type_int) || n < lo || n > hi) {
                bad(pc, "%s: must be %s", path, what);
                return def;
        }
        return (int)n;
}

/* An optional number member >= lo (> lo when strict); absent or invalid: def. */
static double opt_num(struct pc *pc, json_object *obj, const char *key, const char *path, double lo,
                      bool strict, double def, const char *what)
{
        json_object *v = member(obj, key);
        if (!v)
                return def;
        double d = json_object_get_double(v);
        if ((!json_object_is_type(v, json_type_int) && !json_object_is_type(v, json_type_double)) || d < lo ||
            (strict && d == lo)) {
                bad(pc, "%s: must be %s", path, what);
                return def;
        }
        return d;
}

static bool opt_bool(struct pc *pc, json_object *obj, const char *key, const char *path, bool def)
{
        json_object *v = member(obj, key);
        if (!v)
                return def;
        if (!json_object_is_type(v, json_type_boolean)) {
                bad(pc, "%s: must be true or false", path);
                return def;
        }
        return json_object_get_boolean(v);
}

/* An optional object member; absent: NULL. */
static json_object *opt_obj(struct pc *pc, json_object *obj, const char *key, const char *path)
{
        json_object *v = member(obj, key);
        if (v && !json_object_is_type(v, json_type_object)) {
                bad(pc, "%s: must be an object", path);
                return NULL;
        }
        return v;
}

static json_object *opt_arr(struct pc *pc, json_object *obj, const char *key, const char *path)
{
        json_object *v = member(obj, key);
        if (v && !json_object_is_type(v, json_type_array)) {
                bad(pc, "%s: must be a list", path);
                return NULL;
        }
        return v;
}

/* A configuration map: every value as a string (Connect wants strings); nulls dropped. */
static void config_map(struct pc *pc, json_object *spec, const char *key, const char *path,
                       ferry_strmap_t *out)
{
        json_object *cfg = opt_obj(pc, spec, key, path);
        if (!cfg)
                return;
        json_object_object_foreach(cfg, k, v)
        {
                char buf[32];
                switch (json_object_get_type(v)) {
                case json_type_null:
                        continue;
                case json_type_string:
                        ferry_strmap_set(out, k, json_object_get_string(v));
                        break;
                case json_type_boolean:
                        ferry_strmap_set(out, k, json_object_get_boolean(v) ? "true" : "false");
                        break;
                case json_type_int:
                        snprintf(buf, sizeof(buf), "%lld", (long long)json_object_get_int64(v));
                        ferry_strmap_set(out, k, buf);
                        break;
                default:
                        ferry_strmap_set(out, k, json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
                        break;
                }
        }
}

/* A map of strings (labels, annotations). */
static void string_map(struct pc *pc, json_object *obj, const char *key, const char *path,
                       ferry_strmap_t *out)
{
        json_object *m = opt_obj(pc, obj, key, path);
        if (!m)
                return;
        json_object_object_foreach(m, k, v)
        {
                if (!json_object_is_type(v, json_type_string)) {
                        bad(pc, "%s.%s: must be a string", path, k);
                        continue;
                }
                ferry_strmap_set(out, k, json_object_get_string(v));
        }
}

/* RFC 1123 label: lower-case alphanumerics and '-', alphanumeric at both ends, at most max. */
static bool dns_label(const char *s, size_t max)
{
        size_t n = strlen(s);
        if (!n || n > max || s[0] == '-' || s[n - 1] == '-')
                return false;
        for (const char *c = s; *c; c++)
                if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-'))
                        return false;
        return true;
}

static const char *annotation(json_object *obj, const char *key)
{
        json_object *ann = kube_get(obj, "metadata.annotations");
        return ann && json_object_is_type(ann, json_type_object) ? kube_member_str(ann, key) : NULL;
}

static void ext_config(struct pc *pc, json_object *spec, op_connect_spec_t *s)
{
        json_object *xc = opt_obj(pc, spec, "externalConfiguration", "spec.externalConfiguration");
        json_object *env = opt_arr(pc, xc, "env", "spec.externalConfiguration.env");
        char path[128];
        for (size_t i = 0; env && i < json_object_array_length(env); i++) {
                json_object *e = json_object_array_get_idx(env, i);
                snprintf(path, sizeof(path), "spec.externalConfiguration.env[%zu]", i);
                const char *n = kube_str(e, "name");
                json_object *vf = member(e, "valueFrom");
                if (!json_object_is_type(e, json_type_object) || !n || !*n) {
                        bad(pc, "%s.name: required", path);
                        continue;
                }
                if (!strcmp(n, "POD_IP") || !strcmp(n, "POD_NAME") || !strncmp(n, "FERRY_SASL_JAAS_", 16)) {
                        bad(pc, "%s.name: %s is set by the operator", path, n);
                        continue;
                }
                if (!vf || !json_object_is_type(vf, json_type_object) ||
                    !member(vf, "secretKeyRef") == !member(vf, "configMapKeyRef")) {
                        bad(pc, "%s.valueFrom: needs exactly one of secretKeyRef, configMapKeyRef", path);
                        continue;
                }
                json_object_array_add(s->ext_env, json_object_get(e));
        }
        json_object *vols = opt_arr(pc, xc, "volumes", "spec.externalConfiguration.volumes");
        size_t nv = vols ? json_object_array_length(vols) : 0;
        s->ext_volumes = nv ? calloc(nv, sizeof(*s->ext_volumes)) : NULL;
        for (size_t i = 0; s->ext_volumes && i < nv; i++) {
                json_object *v = json_object_array_get_idx(vols, i), *src;
                snprintf(path, sizeof(path), "spec.externalConfiguration.volumes[%zu]", i);
                const char *n = kube_str(v, "name");
                if (!n || !dns_label(n, 54)) {
                        bad(pc, "%s.name: must be a lower-case DNS label of at most 54 characters", path);
                        continue;
                }
                for (size_t j = 0; j < s->n_ext_volumes; j++)
                        if (!strcmp(s->ext_volumes[j].name, n))
                                bad(pc, "%s.name: duplicate volume name \"%s\"", path, n);
                const char *kind = (src = member(v, "secret"))      ? "secret"
                                   : (src = member(v, "configMap")) ? "configMap"
                                                                    : NULL;
                if (!kind)
                        continue; /* no source: nothing to mount */
                op_ext_volume_t *x = &s->ext_volumes[s->n_ext_volumes++];
                x->name = strdup(n);
                x->kind = kind;
                x->source = json_object_get(src);
        }
}

/* A Secret name: RFC 1123 subdomain (lower-case alphanumerics, '-', '.'), at most 253 characters. */
static bool dns_subdomain(const char *s)
{
        size_t n = strlen(s);
        if (!n || n > 253 || s[0] == '-' || s[0] == '.' || s[n - 1] == '-' || s[n - 1] == '.')
                return false;
        for (const char *c = s; *c; c++)
                if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-' || *c == '.'))
                        return false;
        return true;
}

/* A key of a Secret's data ([-._a-zA-Z0-9]+, not "." or ".."); with glob, also '*' and '?'. */
static bool secret_key(const char *s, bool glob)
{
        size_t n = strlen(s);
        if (!n || n > 253 || !strcmp(s, ".") || !strcmp(s, ".."))
                return false;
        for (const char *c = s; *c; c++)
                if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
                      *c == '-' || *c == '.' || *c == '_' || (glob && (*c == '*' || *c == '?'))))
                        return false;
        return true;
}

/* {secretName, <file_field>[, key]} at path into r; a field is required unless it is NULL here. */
static void secret_ref(struct pc *pc, json_object *o, const char *path, const char *file_field,
                       const char *key_field, op_secret_ref_t *r)
{
        char sub[256];
        snprintf(sub, sizeof(sub), "%s.secretName", path);
        r->secret = opt_str(pc, o, "secretName", sub);
        if (!r->secret)
                bad(pc, "%s: required", sub);
        else if (!dns_subdomain(r->secret))
                bad(pc, "%s: must be a Secret name (lower-case DNS subdomain)", sub);
        const char *fields[] = {file_field, key_field};
        char **out[] = {&r->file, &r->key};
        for (size_t i = 0; i < 2; i++) {
                if (!fields[i])
                        continue;
                snprintf(sub, sizeof(sub), "%s.%s", path, fields[i]);
                *out[i] = opt_str(pc, o, fields[i], sub);
                if (!*out[i])
                        bad(pc, "%s: required", sub);
                else if (!secret_key(*out[i], false))
                        bad(pc, "%s: must be a key of the Secret ([-._a-zA-Z0-9]+)", sub);
        }
}

static void secret_ref_free(op_secret_ref_t *r)
{
        free(r->secret);
        free(r->file);
        free(r->pattern);
        free(r->key);
        memset(r, 0, sizeof(*r));
}

/* Strimzi's oauth fields Ferry cannot honour: refused by name rather than ignored. */
static const char *const oauth_unsupported[] = {"accessToken",     "refreshToken",
                                                "passwordSecret",  "username",
                                                "audience",        "tlsTrustedCertificates",
                                                "clientAssertion", "clientAssertionLocation",
                                                "saslExtensions",  NULL};

/* spec.tls {trustedCertificates} and spec.authentication, as Strimzi spells them. */
static void security(struct pc *pc, json_object *spec, op_connect_spec_t *s)
{
        json_object *tls = opt_obj(pc, spec, "tls", "spec.tls");
        s->tls = tls != NULL;
        json_object *tc = opt_arr(pc, tls, "trustedCertificates", "spec.tls.trustedCertificates");
        size_t nt = tc ? json_object_array_length(tc) : 0;
        s->trusted = nt ? calloc(nt, sizeof(*s->trusted)) : NULL;
        char path[128], sub[192];
        for (size_t i = 0; s->trusted && i < nt; i++) {
                json_object *c = json_object_array_get_idx(tc, i);
                snprintf(path, sizeof(path), "spec.tls.trustedCertificates[%zu]", i);
                if (!json_object_is_type(c, json_type_object)) {
                        bad(pc, "%s: must be an object", path);
                        continue;
                }
                op_secret_ref_t *r = &s->trusted[s->n_trusted++];
                secret_ref(pc, c, path, NULL, NULL, r);
                snprintf(sub, sizeof(sub), "%s.certificate", path);
                r->file = opt_str(pc, c, "certificate", sub);
                snprintf(sub, sizeof(sub), "%s.pattern", path);
                r->pattern = opt_str(pc, c, "pattern", sub);
                if (!r->file == !r->pattern)
                        bad(pc, "%s: needs exactly one of certificate, pattern", path);
                else if (r->file && !secret_key(r->file, false))
                        bad(pc, "%s.certificate: must be a key of the Secret ([-._a-zA-Z0-9]+)", path);
                else if (r->pattern && !secret_key(r->pattern, true))
                        bad(pc, "%s.pattern: must be a glob over the Secret's keys ([-._a-zA-Z0-9*?]+)",
                            path);
        }

        json_object *a = opt_obj(pc, spec, "authentication", "spec.authentication");
        if (!a)
                return;
        op_connect_auth_t *au = &s->auth;
        char *type = opt_str(pc, a, "type", "spec.authentication.type");
        static const struct {
                const char *name;
                op_auth_type_t type;
        } types[] = {{"tls", OP_AUTH_TLS},
                     {"scram-sha-256", OP_AUTH_SCRAM_SHA_256},
                     {"scram-sha-512", OP_AUTH_SCRAM_SHA_512},
                     {"plain", OP_AUTH_PLAIN},
                     {"oauth", OP_AUTH_OAUTH}};
        for (size_t i = 0; type && i < sizeof(types) / sizeof(types[0]); i++)
                if (!strcmp(type, types[i].name))
                        au->type = types[i].type;
        if (!type)
                bad(pc,
                    "spec.authentication.type: required (tls, scram-sha-256, scram-sha-512, plain or oauth)");
        else if (au->type == OP_AUTH_NONE)
                bad(pc,
                    "spec.authentication.type: unsupported type \"%s\" (tls, scram-sha-256, scram-sha-512, "
                    "plain or oauth)",
                    type);
        free(type);
        bool sasl_pw = au->type == OP_AUTH_SCRAM_SHA_256 || au->type == OP_AUTH_SCRAM_SHA_512 ||
                       au->type == OP_AUTH_PLAIN;
        json_object *ck = opt_obj(pc, a, "certificateAndKey", "spec.authentication.certificateAndKey");
        if (au->type == OP_AUTH_TLS) {
                if (!ck)
                        bad(pc, "spec.authentication.certificateAndKey: required with type tls");
                else
                        secret_ref(pc, ck, "spec.authentication.certificateAndKey", "certificate", "key",
                                   &au->cert);
                if (!s->tls)
                        bad(pc, "spec.authentication.type: tls needs spec.tls (TLS to the brokers)");
        } else if (ck && au->type != OP_AUTH_NONE) {
                bad(pc, "spec.authentication.certificateAndKey: only with type tls");
        }
        if (au->type == OP_AUTH_OAUTH) {
                for (size_t i = 0; oauth_unsupported[i]; i++)
                        if (member(a, oauth_unsupported[i]))
                                bad(pc,
                                    "spec.authentication.%s: not supported with type oauth (clientId, "
                                    "clientSecret, tokenEndpointUri and scope are)",
                                    oauth_unsupported[i]);
                json_object *v = member(a, "disableTlsHostnameVerification");
                if (v && (!json_object_is_type(v, json_type_boolean) || json_object_get_boolean(v)))
                        bad(pc, "spec.authentication.disableTlsHostnameVerification: not supported with type "
                                "oauth (the token endpoint's host name is always checked)");
                au->client_id = opt_str(pc, a, "clientId", "spec.authentication.clientId");
                if (!au->client_id || !*au->client_id)
                        bad(pc, "spec.authentication.clientId: required with type oauth");
                json_object *cs = opt_obj(pc, a, "clientSecret", "spec.authentication.clientSecret");
                if (!cs)
                        bad(pc, "spec.authentication.clientSecret: required with type oauth");
                else
                        secret_ref(pc, cs, "spec.authentication.clientSecret", "key", NULL, &au->password);
                au->token_endpoint_uri =
                        opt_str(pc, a, "tokenEndpointUri", "spec.authentication.tokenEndpointUri");
                if (!au->token_endpoint_uri)
                        bad(pc, "spec.authentication.tokenEndpointUri: required with type oauth");
                else if (strncmp(au->token_endpoint_uri, "https://", 8) &&
                         strncmp(au->token_endpoint_uri, "http://", 7))
                        bad(pc, "spec.authentication.tokenEndpointUri: must be an http:// or https:// URL");
                au->scope = opt_str(pc, a, "scope", "spec.authentication.scope");
        } else if (au->type != OP_AUTH_NONE) {
                static const char *const oauth_only[] = {"clientId", "clientSecret", "tokenEndpointUri",
                                                         "scope", NULL};
                for (size_t i = 0; oauth_only[i]; i++)
                        if (member(a, oauth_only[i]))
                                bad(pc, "spec.authentication.%s: only with type oauth", oauth_only[i]);
        }
        if (sasl_pw) {
                au->username = opt_str(pc, a, "username", "spec.authentication.username");
                if (!au->username || !*au->username)
                        bad(pc, "spec.authentication.username: required with type %s",
                            au->type == OP_AUTH_PLAIN ? "plain" : "scram-sha-*");
                json_object *ps = opt_obj(pc, a, "passwordSecret", "spec.authentication.passwordSecret");
                if (!ps)
                        bad(pc, "spec.authentication.passwordSecret: required with type %s",
                            au->type == OP_AUTH_PLAIN ? "plain" : "scram-sha-*");
                else
                        secret_ref(pc, ps, "spec.authentication.passwordSecret", "password", NULL,
                                   &au->password);
        } else if (au->type == OP_AUTH_TLS) {
                if (member(a, "username") || member(a, "passwordSecret"))
                        bad(pc, "spec.authentication.%s: not with type tls",
                            member(a, "username") ? "username" : "passwordSecret");
        }
}

bool op_security_key_owned(const op_connect_spec_t *s, const char *k)
{
        if (!s->tls && s->auth.type == OP_AUTH_NONE)
                return false;
        static const char *const prefixes[] = {"producer.", "consumer.", "admin."};
        for (size_t i = 0; i < 3; i++)
                if (!strncmp(k, prefixes[i], strlen(prefixes[i]))) {
                        k += strlen(prefixes[i]);
                        break;
                }
        /* What spec.tls and spec.authentication set, and librdkafka's names for the same things. */
        static const char *const owned[] = {"security.protocol",
                                            "ssl.truststore.",
                                            "ssl.keystore.",
                                            "ssl.key.",
                                            "ssl.ca.",
                                            "ssl.certificate.",
                                            "sasl.mechanism",
                                            "sasl.jaas.config",
                                            "sasl.username",
                                            "sasl.password",
                                            "sasl.login.callback.handler.class",
                                            "sasl.oauthbearer.",
                                            NULL};
        for (size_t i = 0; owned[i]; i++) {
                size_t n = strlen(owned[i]);
                if (owned[i][n - 1] == '.' ? !strncmp(k, owned[i], n)
                                           : !strncmp(k, owned[i], n) && (k[n] == '\0' || k[n] == 's'))
                        return true;
        }
        return false;
}

/* Volume sources spec.template.pod.volumes may use (Strimzi's). */
static const char *const volume_sources[] = {"secret", "configMap", "emptyDir", "persistentVolumeClaim",
                                             "csi"};
#define N_VOLUME_SOURCES (sizeof(volume_sources) / sizeof(volume_sources[0]))

/* Whether path is dir or below it. */
static bool under(const char *path, const char *dir)
{
        size_t n = strlen(dir);
        while (n && dir[n - 1] == '/')
                n--;
        return !strncmp(path, dir, n) && (path[n] == '\0' || path[n] == '/');
}

static void template(struct pc *pc, json_object *spec, op_connect_spec_t *s)
{
        json_object *t = opt_obj(pc, spec, "template", "spec.template");
        string_map(pc, t, "podLabels", "spec.template.podLabels", &s->pod_labels);
        string_map(pc, t, "podAnnotations", "spec.template.podAnnotations", &s->pod_annotations);
        json_object *pod = opt_obj(pc, t, "pod", "spec.template.pod");
        json_object *vols = opt_arr(pc, pod, "volumes", "spec.template.pod.volumes");
        char path[128];
        for (size_t i = 0; vols && i < json_object_array_length(vols); i++) {
                json_object *v = json_object_array_get_idx(vols, i);
                snprintf(path, sizeof(path), "spec.template.pod.volumes[%zu]", i);
                const char *n = json_object_is_type(v, json_type_object) ? kube_str(v, "name") : NULL;
                if (!n || !dns_label(n, 63)) {
                        bad(pc, "%s.name: must be a lower-case DNS label of at most 63 characters", path);
                        continue;
                }
                if (!strcmp(n, OP_VOLUME_CONFIG) || !strcmp(n, OP_VOLUME_DATA) ||
                    !strncmp(n, OP_VOLUME_EXT_PREFIX, strlen(OP_VOLUME_EXT_PREFIX)) ||
                    !strncmp(n, OP_VOLUME_SEC_PREFIX, strlen(OP_VOLUME_SEC_PREFIX))) {
                        bad(pc,
                            "%s.name: \"%s\" conflicts with the operator's own volumes (%s, "
                            "%s, " OP_VOLUME_EXT_PREFIX "<name>, " OP_VOLUME_SEC_PREFIX "<n>)",
                            path, n, OP_VOLUME_CONFIG, OP_VOLUME_DATA);
                        continue;
                }
                bool dupe = false;
                for (size_t j = 0; j < json_object_array_length(s->pod_volumes); j++)
                        dupe |= !strcmp(kube_str(json_object_array_get_idx(s->pod_volumes, j), "name"), n);
                if (dupe) {
                        bad(pc, "%s.name: duplicate volume name \"%s\"", path, n);
                        continue;
                }
                int sources = 0;
                for (size_t k = 0; k < N_VOLUME_SOURCES; k++) {
                        json_object *src = member(v, volume_sources[k]);
                        if (src && !json_object_is_type(src, json_type_object))
                                bad(pc, "%s.%s: must be an object", path, volume_sources[k]);
                        sources += src != NULL;
                }
                if (sources != 1) {
                        bad(pc,
                            "%s: needs exactly one of secret, configMap, emptyDir, persistentVolumeClaim, "
                            "csi",
                            path);
                        continue;
                }
                json_object_array_add(s->pod_volumes, json_object_get(v));
        }
        json_object *cc = opt_obj(pc, t, "connectContainer", "spec.template.connectContainer");
        json_object *mounts = opt_arr(pc, cc, "volumeMounts", "spec.template.connectContainer.volumeMounts");
        for (size_t i = 0; mounts && i < json_object_array_length(mounts); i++) {
                json_object *m = json_object_array_get_idx(mounts, i);
                snprintf(path, sizeof(path), "spec.template.connectContainer.volumeMounts[%zu]", i);
                if (!json_object_is_type(m, json_type_object)) {
                        bad(pc, "%s: must be an object", path);
                        continue;
                }
                char sub[192];
                snprintf(sub, sizeof(sub), "%s.name", path);
                char *n = opt_str(pc, m, "name", sub);
                snprintf(sub, sizeof(sub), "%s.mountPath", path);
                char *mp = opt_str(pc, m, "mountPath", sub);
                snprintf(sub, sizeof(sub), "%s.subPath", path);
                char *sp = opt_str(pc, m, "subPath", sub);
                snprintf(sub, sizeof(sub), "%s.readOnly", path);
                opt_bool(pc, m, "readOnly", sub, false);
                bool known = false;
                for (size_t j = 0; n && j < json_object_array_length(s->pod_volumes); j++)
                        known |= !strcmp(kube_str(json_object_array_get_idx(s->pod_volumes, j), "name"), n);
                bool clash = false;
                for (size_t j = 0; mp && j < s->n_ext_volumes && !clash; j++) {
                        char xp[256];
                        snprintf(xp, sizeof(xp), OP_EXTERNAL_CONFIG_DIR "%s", s->ext_volumes[j].name);
                        clash = under(mp, xp);
                }
                for (size_t j = 0; mp && j < json_object_array_length(s->volume_mounts); j++)
                        clash |= !strcmp(
                                kube_str(json_object_array_get_idx(s->volume_mounts, j), "mountPath"), mp);
                if (!n)
                        bad(pc, "%s.name: required", path);
                else if (!known)
                        bad(pc, "%s.name: no volume \"%s\" in spec.template.pod.volumes", path, n);
                else if (!mp || mp[0] != '/')
                        bad(pc, "%s.mountPath: must be an absolute path", path);
                else if (under(mp, OP_CONFIG_DIR) || under(mp, OP_DATA_DIR))
                        bad(pc,
                            "%s.mountPath: %s is where the operator mounts the worker configuration (%s, %s)",
                            path, mp, OP_CONFIG_DIR, OP_DATA_DIR);
                else if (under(mp, OP_CERTS_DIR) || under(mp, OP_PASSWORD_DIR))
                        bad(pc,
                            "%s.mountPath: %s is where the operator mounts the Secrets of spec.tls and "
                            "spec.authentication (%s, %s)",
                            path, mp, OP_CERTS_DIR, OP_PASSWORD_DIR);
                else if (clash)
                        bad(pc,
                            "%s.mountPath: %s is already mounted (externalConfiguration or another mount)",
                            path, mp);
                else if (sp && (sp[0] == '/' || strstr(sp, "..")))
                        bad(pc, "%s.subPath: must be a relative path without '..'", path);
                else
                        json_object_array_add(s->volume_mounts, json_object_get(m));
                free(n);
                free(mp);
                free(sp);
        }
}

int op_connect_spec_parse(json_object *kc, op_connect_spec_t *s, char *err, size_t errlen)
{
        struct pc pc = {err, errlen, 0};
        if (err && errlen)
                err[0] = '\0';
        memset(s, 0, sizeof(*s));
        s->name = dup(kube_str(kc, "metadata.name"));
        s->ns = dup(kube_str(kc, "metadata.namespace"));
        s->uid = dup(kube_str(kc, "metadata.uid"));
        json_object *gen = kube_get(kc, "metadata.generation");
        s->generation = gen ? json_object_get_int64(gen) : 0;
        s->rest_url = dup(annotation(kc, OP_ANN_REST_URL));
        s->status_url = dup(kube_str(kc, "status.url"));
        const char *use = annotation(kc, OP_ANN_USE_RESOURCES);
        s->use_resources = use && !strcmp(use, "true");
        s->replicas = 1;
        s->rest_port = 8083;
        s->min_replicas = s->max_replicas = 1;
        s->tasks_per_worker = 4;
        s->scale_down_delay_s = 60;
        s->ext_env = json_object_new_array();
        s->pod_volumes = json_object_new_array();
        s->volume_mounts = json_object_new_array();

        json_object *spec = member(kc, "spec");
        if (spec && !json_object_is_type(spec, json_type_object)) {
                bad(&pc, "spec: must be an object");
                spec = NULL;
        }
        s->replicas =
                opt_int(&pc, spec, "replicas", "spec.replicas", 0, 1 << 20, 1, "a non-negative integer");
        s->bootstrap_servers = opt_str(&pc, spec, "bootstrapServers", "spec.bootstrapServers");
        if (!s->bootstrap_servers || !*s->bootstrap_servers)
                bad(&pc, "spec.bootstrapServers: required");
        s->group_id = opt_str(&pc, spec, "groupId", "spec.groupId");
        s->config_topic = opt_str(&pc, spec, "configStorageTopic", "spec.configStorageTopic");
        s->offset_topic = opt_str(&pc, spec, "offsetStorageTopic", "spec.offsetStorageTopic");
        s->status_topic = opt_str(&pc, spec, "statusStorageTopic", "spec.statusStorageTopic");
        config_map(&pc, spec, "config", "spec.config", &s->config);
        for (size_t i = 0; i < s->config.n; i++)
                if (op_worker_key_owned(s->config.kv[i].key))
                        bad(&pc, "spec.config.%s: set by the operator", s->config.kv[i].key);
        s->image = opt_str(&pc, spec, "image", "spec.image");
        s->image_pull_policy = opt_str(&pc, spec, "imagePullPolicy", "spec.imagePullPolicy");
        if (s->image_pull_policy && strcmp(s->image_pull_policy, "Always") &&
            strcmp(s->image_pull_policy, "IfNotPresent") && strcmp(s->image_pull_policy, "Never"))
                bad(&pc, "spec.imagePullPolicy: must be Always, IfNotPresent or Never");
        s->resources = json_object_get(opt_obj(&pc, spec, "resources", "spec.resources"));
        s->rest_port = opt_int(&pc, spec, "restPort", "spec.restPort", 1, 65535, 8083,
                               "an integer between 1 and 65535");
        json_object *as = opt_obj(&pc, spec, "autoscaling", "spec.autoscaling");
        if (as) {
                s->autoscaling = true;
                s->min_replicas = opt_int(&pc, as, "minReplicas", "spec.autoscaling.minReplicas", 1, 1 << 20,
                                          1, "an integer >= 1");
                s->max_replicas = opt_int(&pc, as, "maxReplicas", "spec.autoscaling.maxReplicas", 1, 1 << 20,
                                          s->min_replicas, "an integer >= 1");
                if (s->max_replicas < s->min_replicas)
                        bad(&pc, "spec.autoscaling.maxReplicas: must not be less than minReplicas (%d)",
                            s->min_replicas);
                s->tasks_per_worker = opt_int(&pc, as, "tasksPerWorker", "spec.autoscaling.tasksPerWorker", 1,
                                              1 << 20, 4, "an integer >= 1");
                s->scale_down_delay_s =
                        opt_num(&pc, as, "scaleDownDelaySeconds", "spec.autoscaling.scaleDownDelaySeconds", 0,
                                false, 60, "a non-negative number of seconds");
        }
        json_object *hc = opt_obj(&pc, spec, "healthCheck", "spec.healthCheck");
        s->unhealthy_s = opt_num(&pc, hc, "unhealthySeconds", "spec.healthCheck.unhealthySeconds", 0, true, 0,
                                 "a positive number of seconds");
        ext_config(&pc, spec, s);
        security(&pc, spec, s);
        for (size_t i = 0; i < s->config.n; i++)
                if (op_security_key_owned(s, s->config.kv[i].key))
                        bad(&pc, "spec.config.%s: set by the operator from spec.tls and spec.authentication",
                            s->config.kv[i].key);
        s->delete_unmanaged =
                opt_bool(&pc, spec, "deleteUnmanagedConnectors", "spec.deleteUnmanagedConnectors", false);
        template(&pc, spec, s);
        json_object *cn = opt_arr(&pc, spec, "connectorNamespaces", "spec.connectorNamespaces");
        size_t ncn = cn ? json_object_array_length(cn) : 0;
        s->connector_namespaces = ncn ? calloc(ncn, sizeof(char *)) : NULL;
        for (size_t i = 0; s->connector_namespaces && i < ncn; i++) {
                json_object *v = json_object_array_get_idx(cn, i);
                const char *n = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
                if (!n || (strcmp(n, "*") && !dns_label(n, 63))) {
                        bad(&pc, "spec.connectorNamespaces[%zu]: must be a namespace name or \"*\"", i);
                        continue;
                }
                s->any_connector_namespace |= !strcmp(n, "*");
                s->connector_namespaces[s->n_connector_namespaces++] = strdup(n);
        }
        return pc.rc;
}

void op_connect_spec_free(op_connect_spec_t *s)
{
        free(s->name);
        free(s->ns);
        free(s->uid);
        free(s->rest_url);
        free(s->status_url);
        free(s->bootstrap_servers);
        free(s->group_id);
        free(s->config_topic);
        free(s->offset_topic);
        free(s->status_topic);
        ferry_strmap_free(&s->config);
        free(s->image);
        free(s->image_pull_policy);
        json_object_put(s->resources);
        json_object_put(s->ext_env);
        for (size_t i = 0; i < s->n_ext_volumes; i++) {
                free(s->ext_volumes[i].name);
                json_object_put(s->ext_volumes[i].source);
        }
        free(s->ext_volumes);
        ferry_strmap_free(&s->pod_labels);
        ferry_strmap_free(&s->pod_annotations);
        json_object_put(s->pod_volumes);
        json_object_put(s->volume_mounts);
        for (size_t i = 0; i < s->n_connector_namespaces; i++)
                free(s->connector_namespaces[i]);
        free(s->connector_namespaces);
        for (size_t i = 0; i < s->n_trusted; i++)
                secret_ref_free(&s->trusted[i]);
        free(s->trusted);
        secret_ref_free(&s->auth.cert);
        secret_ref_free(&s->auth.password);
        free(s->auth.username);
        free(s->auth.client_id);
        free(s->auth.token_endpoint_uri);
        free(s->auth.scope);
        memset(s, 0, sizeof(*s));
}

bool op_connect_allows_namespace(const op_connect_spec_t *s, const char *ns)
{
        if (!ns || (s->ns && !strcmp(s->ns, ns)) || s->any_connector_namespace)
                return true;
        for (size_t i = 0; i < s->n_connector_namespaces; i++)
                if (!strcmp(s->connector_namespaces[i], ns))
                        return true;
        return false;
}

/* spec.clusterRef {name, namespace} or the label; errors only for a malformed clusterRef. */
static void cluster_ref(struct pc *pc, json_object *kctr, char **name, char **ns)
{
        json_object *ref = opt_obj(pc, member(kctr, "spec"), "clusterRef", "spec.clusterRef");
        json_object *labels = kube_get(kctr, "metadata.labels");
        const char *label = labels && json_object_is_type(labels, json_type_object)
                                    ? kube_member_str(labels, OP_LABEL_CLUSTER)
                                    : NULL;
        const char *own = kube_str(kctr, "metadata.namespace");
        *name = *ns = NULL;
        if (ref) {
                *name = opt_str(pc, ref, "name", "spec.clusterRef.name");
                *ns = opt_str(pc, ref, "namespace", "spec.clusterRef.namespace");
                if (!*name || !**name) {
                        bad(pc, "spec.clusterRef.name: required");
                } else if (label && strcmp(label, *name)) {
                        bad(pc,
                            "spec.clusterRef.name: \"%s\" differs from the label " OP_LABEL_CLUSTER
                            " (\"%s\")",
                            *name, label);
                }
                if (*ns && !dns_label(*ns, 63))
                        bad(pc, "spec.clusterRef.namespace: must be a namespace name");
        } else if (label) {
                *name = strdup(label);
        }
        if (*name && !*ns)
                *ns = dup(own);
        if (pc->rc) {
                free(*name);
                free(*ns);
                *name = *ns = NULL;
        }
}

int op_connector_cluster(json_object *kctr, char *ns, size_t nslen, char *name, size_t namelen)
{
        struct pc pc = {NULL, 0, 0};
        char *n, *cns;
        cluster_ref(&pc, kctr, &n, &cns);
        int rc = n && cns ? 0 : -1;
        if (!rc) {
                snprintf(ns, nslen, "%s", cns);
                snprintf(name, namelen, "%s", n);
        }
        free(n);
        free(cns);
        return rc;
}

int op_connector_spec_parse(json_object *kctr, op_connector_spec_t *s, char *err, size_t errlen)
{
        struct pc pc = {err, errlen, 0};
        if (err && errlen)
                err[0] = '\0';
        memset(s, 0, sizeof(*s));
        s->name = dup(kube_str(kctr, "metadata.name"));
        s->ns = dup(kube_str(kctr, "metadata.namespace"));
        json_object *gen = kube_get(kctr, "metadata.generation");
        s->generation = gen ? json_object_get_int64(gen) : 0;
        s->tasks_max = 1;
        s->state = "RUNNING";
        s->max_restarts = -1;
        json_object *spec = member(kctr, "spec");
        if (spec && !json_object_is_type(spec, json_type_object)) {
                bad(&pc, "spec: must be an object");
                spec = NULL;
        }
        cluster_ref(&pc, kctr, &s->cluster_name, &s->cluster_ns);
        s->class_name = opt_str(&pc, spec, "class", "spec.class");
        if (!s->class_name || !*s->class_name)
                bad(&pc, "spec.class: required");
        s->tasks_max = opt_int(&pc, spec, "tasksMax", "spec.tasksMax", 1, 1 << 20, 1, "an integer >= 1");
        config_map(&pc, spec, "config", "spec.config", &s->config);
        static const char *const owned[][2] = {
                {"name", "metadata.name"}, {"connector.class", "spec.class"}, {"tasks.max", "spec.tasksMax"}};
        for (size_t i = 0; i < 3; i++)
                if (ferry_strmap_get(&s->config, owned[i][0]))
                        bad(&pc, "spec.config.%s: not allowed (set from %s)", owned[i][0], owned[i][1]);
        char *state = opt_str(&pc, spec, "state", "spec.state");
        if (state && !strcmp(state, "paused"))
                s->state = "PAUSED";
        else if (state && !strcmp(state, "stopped"))
                s->state = "STOPPED";
        else if (state && strcmp(state, "running"))
                bad(&pc, "spec.state: must be running, paused or stopped");
        free(state);
        json_object *ar = opt_obj(&pc, spec, "autoRestart", "spec.autoRestart");
        if (ar) {
                s->auto_restart = opt_bool(&pc, ar, "enabled", "spec.autoRestart.enabled", true);
                s->max_restarts = opt_int(&pc, ar, "maxRestarts", "spec.autoRestart.maxRestarts", 0, 1 << 30,
                                          -1, "a non-negative integer");
        }
        return pc.rc;
}

void op_connector_spec_free(op_connector_spec_t *s)
{
        free(s->name);
        free(s->ns);
        free(s->class_name);
        ferry_strmap_free(&s->config);
        free(s->cluster_name);
        free(s->cluster_ns);
        memset(s, 0, sizeof(*s));
}
