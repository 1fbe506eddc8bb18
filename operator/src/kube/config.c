/* Where the operator learns how to reach the API server: a kubeconfig file (current or named
 * context, cluster CA/server/proxy-url, user client certificate, key, token, basic credentials or
 * exec credential plugin, inline `-data` or files relative to the kubeconfig) or the in-cluster
 * service account. The result, kube_config_t, is what client.c turns into libcurl options and
 * request headers; exec_cred.c runs the plugin. */
#include "kube/kube.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define SA_DIR "/var/run/secrets/kubernetes.io/serviceaccount"

static void seterr(char *errstr, size_t errlen, const char *fmt, ...)
{
        if (!errstr || !errlen)
                return;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(errstr, errlen, fmt, ap);
        va_end(ap);
}

char *kube_read_file(const char *path, size_t *len)
{
        FILE *f = fopen(path, "rb");
        if (!f)
                return NULL;
        size_t cap = 4096, n = 0;
        char *buf = malloc(cap);
        while (buf) {
                size_t r = fread(buf + n, 1, cap - n - 1, f);
                n += r;
                if (r == 0)
                        break;
                if (cap - n - 1 == 0) {
                        char *nb = realloc(buf, cap * 2);
                        if (!nb) {
                                free(buf);
                                buf = NULL;
                                break;
                        }
                        buf = nb;
                        cap *= 2;
                }
        }
        if (buf && ferror(f)) {
                free(buf);
                buf = NULL;
        }
        fclose(f);
        if (!buf)
                return NULL;
        buf[n] = '\0';
        if (len)
                *len = n;
        return buf;
}

static int b64val(int c)
{
        if (c >= 'A' && c <= 'Z')
                return c - 'A';
        if (c >= 'a' && c <= 'z')
                return c - 'a' + 26;
        if (c >= '0' && c <= '9')
                return c - '0' + 52;
        if (c == '+' || c == '-')
                return 62;
        if (c == '/' || c == '_')
                return 63;
        return -1;
}

char *kube_base64_decode(const char *in, size_t *outlen)
{
        size_t len = strlen(in);
        char *out = malloc(len / 4 * 3 + 4);
        if (!out)
                return NULL;
        size_t n = 0;
        unsigned acc = 0;
        int bits = 0;
        for (size_t i = 0; i < len; i++) {
                int c = (unsigned char)in[i];
                if (c == '=')
                        break;
                if (c == ' ' || c == '\n' || c == '\r' || c == '\t')
                        continue;
                int v = b64val(c);
                if (v < 0) {
                        free(out);
                        return NULL;
                }
                acc = (acc << 6) | (unsigned)v;
                bits += 6;
                if (bits >= 8) {
                        bits -= 8;
                        out[n++] = (char)((acc >> bits) & 0xff);
                }
        }
        out[n] = '\0';
        if (outlen)
                *outlen = n;
        return out;
}

/* ---- YAML -> JSON ---- */

static json_object *node_to_json(yaml_document_t *doc, yaml_node_t *node, int depth)
{
        if (!node || depth > 64)
                return NULL;
        switch (node->type) {
        case YAML_SCALAR_NODE: {
                const char *v = (const char *)node->data.scalar.value;
                size_t len = node->data.scalar.length;
                if (node->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
                    (len == 0 || !strcmp(v, "~") || !strcmp(v, "null")))
                        return NULL;
                return json_object_new_string_len(v, (int)len);
        }
        case YAML_SEQUENCE_NODE: {
                json_object *arr = json_object_new_array();
                for (yaml_node_item_t *it = node->data.sequence.items.start;
                     it < node->data.sequence.items.top; it++)
                        json_object_array_add(arr,
                                              node_to_json(doc, yaml_document_get_node(doc, *it), depth + 1));
                return arr;
        }
        case YAML_MAPPING_NODE: {
                json_object *obj = json_object_new_object();
                for (yaml_node_pair_t *p = node->data.mapping.pairs.start; p < node->data.mapping.pairs.top;
                     p++) {
                        yaml_node_t *k = yaml_document_get_node(doc, p->key);
                        if (!k || k->type != YAML_SCALAR_NODE)
                                continue;
                        json_object_object_add(
                                obj, (const char *)k->data.scalar.value,
                                node_to_json(doc, yaml_document_get_node(doc, p->value), depth + 1));
                }
                return obj;
        }
        default:
                return NULL;
        }
}

json_object *kube_yaml_to_json(const char *yaml, size_t len, char *errstr, size_t errlen)
{
        yaml_parser_t parser;
        yaml_document_t doc;
        if (!yaml_parser_initialize(&parser)) {
                seterr(errstr, errlen, "yaml: out of memory");
                return NULL;
        }
        yaml_parser_set_input_string(&parser, (const unsigned char *)yaml, len);
        if (!yaml_parser_load(&parser, &doc)) {
                seterr(errstr, errlen, "yaml: %s at line %zu",
                       parser.problem ? parser.problem : "parse error", parser.problem_mark.line + 1);
                yaml_parser_delete(&parser);
                return NULL;
        }
        yaml_node_t *root = yaml_document_get_root_node(&doc);
        json_object *out = root ? node_to_json(&doc, root, 0) : NULL;
        if (!out)
                out = json_object_new_object();
        yaml_document_delete(&doc);
        yaml_parser_delete(&parser);
        return out;
}

/* ---- kubeconfig ---- */

const char *kube_str(json_object *obj, const char *path)
{
        json_object *v = kube_get(obj, path);
        return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

const char *kube_member_str(json_object *obj, const char *key)
{
        json_object *v;
        if (!obj || !json_object_is_type(obj, json_type_object) || !json_object_object_get_ex(obj, key, &v) ||
            !json_object_is_type(v, json_type_string))
                return NULL;
        return json_object_get_string(v);
}

json_object *kube_get(json_object *obj, const char *path)
{
        char seg[256];
        while (obj && *path) {
                const char *dot = strchr(path, '.');
                size_t n = dot ? (size_t)(dot - path) : strlen(path);
                if (n >= sizeof(seg))
                        return NULL;
                memcpy(seg, path, n);
                seg[n] = '\0';
                if (!json_object_is_type(obj, json_type_object) || !json_object_object_get_ex(obj, seg, &obj))
                        return NULL;
                path += n + (dot ? 1 : 0);
        }
        return obj;
}

/* The entry named name in a kubeconfig list (clusters, users, contexts), its inner object. */
static json_object *named(json_object *root, const char *list, const char *inner, const char *name)
{
        json_object *arr = kube_get(root, list);
        if (!arr || !json_object_is_type(arr, json_type_array))
                return NULL;
        for (size_t i = 0; i < json_object_array_length(arr); i++) {
                json_object *e = json_object_array_get_idx(arr, i);
                const char *n = kube_str(e, "name");
                if (n && !strcmp(n, name))
                        return kube_get(e, inner);
        }
        return NULL;
}

char *kube_strdup(const char *s)
{
        return s ? strdup(s) : NULL;
}

char *kube_memdup(const char *p, size_t n)
{
        if (!p)
                return NULL;
        char *d = malloc(n + 1);
        if (d) {
                memcpy(d, p, n);
                d[n] = '\0';
        }
        return d;
}

char *kube_base64_encode(const char *in, size_t n)
{
        static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        char *out = malloc((n + 2) / 3 * 4 + 1), *o = out;
        if (!out)
                return NULL;
        for (size_t i = 0; i < n; i += 3) {
                unsigned v = (unsigned char)in[i] << 16;
                if (i + 1 < n)
                        v |= (unsigned char)in[i + 1] << 8;
                if (i + 2 < n)
                        v |= (unsigned char)in[i + 2];
                *o++ = tab[(v >> 18) & 63];
                *o++ = tab[(v >> 12) & 63];
                *o++ = i + 1 < n ? tab[(v >> 6) & 63] : '=';
                *o++ = i + 2 < n ? tab[v & 63] : '=';
        }
        *o = '\0';
        return out;
}

/* A path from the kubeconfig: absolute, or relative to its directory. */
static void resolve_path(char *out, size_t len, const char *dir, const char *file)
{
        if (file[0] == '/' || !dir)
                snprintf(out, len, "%s", file);
        else
                snprintf(out, len, "%s/%s", dir, file);
}

/* spec.cluster of KUBERNETES_EXEC_INFO (provideClusterInfo): the cluster as the plugin sees it. */
static char *exec_cluster_info(json_object *cluster, const kube_config_t *cfg)
{
        json_object *o = json_object_new_object();
        json_object_object_add(o, "server", json_object_new_string(cfg->server));
        const char *v = kube_str(cluster, "tls-server-name");
        if (v)
                json_object_object_add(o, "tls-server-name", json_object_new_string(v));
        if (cfg->insecure)
                json_object_object_add(o, "insecure-skip-tls-verify", json_object_new_boolean(1));
        if (cfg->ca) {
                char *b = kube_base64_encode(cfg->ca, cfg->ca_len);
                if (b)
                        json_object_object_add(o, "certificate-authority-data", json_object_new_string(b));
                free(b);
        }
        if (cfg->proxy_url)
                json_object_object_add(o, "proxy-url", json_object_new_string(cfg->proxy_url));
        json_object *ext = kube_get(cluster, "extensions");
        for (size_t i = 0;
             ext && json_object_is_type(ext, json_type_array) && i < json_object_array_length(ext); i++) {
                json_object *e = json_object_array_get_idx(ext, i);
                const char *n = kube_str(e, "name");
                json_object *conf = kube_get(e, "extension");
                if (n && !strcmp(n, "client.authentication.k8s.io/exec") && conf)
                        json_object_object_add(o, "config", json_object_get(conf));
        }
        char *s = kube_strdup(
                json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(o);
        return s;
}

/* user.exec of a kubeconfig. */
static int load_exec(json_object *exec, json_object *cluster, const char *dir, kube_config_t *cfg,
                     char *errstr, size_t errlen)
{
        const char *cmd = kube_str(exec, "command"), *av = kube_str(exec, "apiVersion");
        if (!cmd || !*cmd) {
                seterr(errstr, errlen, "kubeconfig: exec has no command");
                return -1;
        }
        if (!av || (strcmp(av, "client.authentication.k8s.io/v1") &&
                    strcmp(av, "client.authentication.k8s.io/v1beta1"))) {
                seterr(errstr, errlen,
                       "kubeconfig: exec apiVersion %s: only client.authentication.k8s.io/v1 and v1beta1",
                       av ? av : "(none)");
                return -1;
        }
        const char *mode = kube_str(exec, "interactiveMode");
        if (mode && strcmp(mode, "Never") && strcmp(mode, "IfAvailable") && strcmp(mode, "Always")) {
                seterr(errstr, errlen,
                       "kubeconfig: exec interactiveMode %s: not Never, IfAvailable or Always", mode);
                return -1;
        }
        if (!mode && !strcmp(av, "client.authentication.k8s.io/v1")) {
                seterr(errstr, errlen, "kubeconfig: exec interactiveMode must be set for apiVersion %s", av);
                return -1;
        }
        kube_exec_config_t *x = calloc(1, sizeof(*x));
        if (!x)
                goto oom;
        cfg->exec = x;
        x->api_version = strdup(av);
        x->interactive_always = mode && !strcmp(mode, "Always");
        x->install_hint = kube_strdup(kube_str(exec, "installHint"));
        char path[4096];
        if (strchr(cmd, '/'))
                resolve_path(path, sizeof(path), dir, cmd);
        else
                snprintf(path, sizeof(path), "%s", cmd);
        x->command = strdup(path);
        json_object *args = kube_get(exec, "args"), *env = kube_get(exec, "env");
        size_t na = args && json_object_is_type(args, json_type_array) ? json_object_array_length(args) : 0;
        size_t ne = env && json_object_is_type(env, json_type_array) ? json_object_array_length(env) : 0;
        x->args = calloc(na + 1, sizeof(char *));
        x->env = calloc(ne + 1, sizeof(char *));
        if (!x->api_version || !x->command || !x->args || !x->env)
                goto oom;
        for (size_t i = 0; i < na; i++) {
                json_object *a = json_object_array_get_idx(args, i);
                if (!(x->args[i] = strdup(a ? json_object_get_string(a) : "")))
                        goto oom;
        }
        for (size_t i = 0; i < ne; i++) {
                json_object *e = json_object_array_get_idx(env, i);
                const char *n = kube_str(e, "name"), *v = kube_str(e, "value");
                if (!n || !*n || strchr(n, '=')) {
                        seterr(errstr, errlen, "kubeconfig: exec env entry %zu has no valid name", i);
                        return -1;
                }
                size_t len = strlen(n) + strlen(v ? v : "") + 2;
                if (!(x->env[i] = malloc(len)))
                        goto oom;
                snprintf(x->env[i], len, "%s=%s", n, v ? v : "");
        }
        const char *pci = kube_str(exec, "provideClusterInfo");
        if (pci && !strcmp(pci, "true") && !(x->cluster = exec_cluster_info(cluster, cfg)))
                goto oom;
        return 0;
oom:
        seterr(errstr, errlen, "out of memory");
        return -1;
}

/* Loads PEM (or token) material from key-data (Base64) or key (a file relative to dir). */
static int load_blob(json_object *o, const char *data_key, const char *file_key, const char *dir, char **out,
                     size_t *outlen, char *errstr, size_t errlen)
{
        const char *data = kube_str(o, data_key);
        if (data) {
                *out = kube_base64_decode(data, outlen);
                if (!*out) {
                        seterr(errstr, errlen, "kubeconfig: %s is not valid Base64", data_key);
                        return -1;
                }
                return 0;
        }
        const char *file = kube_str(o, file_key);
        if (!file)
                return 0;
        char path[4096];
        resolve_path(path, sizeof(path), dir, file);
        *out = kube_read_file(path, outlen);
        if (!*out) {
                seterr(errstr, errlen, "kubeconfig: cannot read %s %s: %s", file_key, path, strerror(errno));
                return -1;
        }
        return 0;
}

static void trim(char *s)
{
        size_t n = strlen(s);
        while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' '))
                s[--n] = '\0';
}

int kube_config_load_yaml(kube_config_t *cfg, const char *yaml, size_t len, const char *dir,
                          const char *context, char *errstr, size_t errlen)
{
        memset(cfg, 0, sizeof(*cfg));
        json_object *root = kube_yaml_to_json(yaml, len, errstr, errlen);
        if (!root)
                return -1;
        int rc = -1;
        const char *ctxname = context ? context : kube_str(root, "current-context");
        if (!ctxname || !*ctxname) {
                seterr(errstr, errlen, "kubeconfig: no current-context and no context given");
                goto out;
        }
        json_object *ctx = named(root, "contexts", "context", ctxname);
        if (!ctx) {
                seterr(errstr, errlen, "kubeconfig: context \"%s\" not found", ctxname);
                goto out;
        }
        const char *cname = kube_str(ctx, "cluster"), *uname = kube_str(ctx, "user");
        json_object *cluster = cname ? named(root, "clusters", "cluster", cname) : NULL;
        if (!cluster) {
                seterr(errstr, errlen, "kubeconfig: cluster \"%s\" of context \"%s\" not found",
                       cname ? cname : "", ctxname);
                goto out;
        }
        const char *server = kube_str(cluster, "server");
        if (!server || !*server) {
                seterr(errstr, errlen, "kubeconfig: cluster \"%s\" has no server", cname);
                goto out;
        }
        cfg->server = strdup(server);
        size_t sl = strlen(cfg->server);
        while (sl && cfg->server[sl - 1] == '/')
                cfg->server[--sl] = '\0';
        cfg->context = strdup(ctxname);
        cfg->namespace = kube_strdup(kube_str(ctx, "namespace"));
        const char *insecure = kube_str(cluster, "insecure-skip-tls-verify");
        cfg->insecure = insecure && !strcmp(insecure, "true");
        if (load_blob(cluster, "certificate-authority-data", "certificate-authority", dir, &cfg->ca,
                      &cfg->ca_len, errstr, errlen))
                goto out;
        const char *proxy = kube_str(cluster, "proxy-url");
        if (proxy && *proxy) {
                if (strncmp(proxy, "http://", 7) && strncmp(proxy, "https://", 8) &&
                    strncmp(proxy, "socks5://", 9)) {
                        seterr(errstr, errlen,
                               "kubeconfig: cluster \"%s\" proxy-url %s: not http, https or socks5", cname,
                               proxy);
                        goto out;
                }
                cfg->proxy_url = strdup(proxy);
        }
        json_object *user = uname ? named(root, "users", "user", uname) : NULL;
        if (uname && !user) {
                seterr(errstr, errlen, "kubeconfig: user \"%s\" of context \"%s\" not found", uname, ctxname);
                goto out;
        }
        if (user) {
                if (load_blob(user, "client-certificate-data", "client-certificate", dir, &cfg->cert,
                              &cfg->cert_len, errstr, errlen) ||
                    load_blob(user, "client-key-data", "client-key", dir, &cfg->key, &cfg->key_len, errstr,
                              errlen))
                        goto out;
                if (!cfg->cert != !cfg->key) {
                        seterr(errstr, errlen,
                               "kubeconfig: user \"%s\" has a client certificate without key or "
                               "a key without certificate",
                               uname);
                        goto out;
                }
                cfg->token = kube_strdup(kube_str(user, "token"));
                const char *tf = kube_str(user, "tokenFile");
                if (tf && !cfg->token) {
                        char path[4096];
                        resolve_path(path, sizeof(path), dir, tf);
                        cfg->token_file = strdup(path);
                        cfg->token = kube_read_file(path, NULL);
                        if (!cfg->token) {
                                seterr(errstr, errlen, "kubeconfig: cannot read tokenFile %s", path);
                                goto out;
                        }
                        trim(cfg->token);
                }
                cfg->username = kube_strdup(kube_str(user, "username"));
                cfg->password = kube_strdup(kube_str(user, "password"));
                json_object *exec = kube_get(user, "exec");
                if (exec && load_exec(exec, cluster, dir, cfg, errstr, errlen))
                        goto out;
        }
        rc = 0;
out:
        json_object_put(root);
        if (rc)
                kube_config_free(cfg);
        return rc;
}

int kube_config_load_file(kube_config_t *cfg, const char *path, const char *context, char *errstr,
                          size_t errlen)
{
        size_t len;
        char *buf = kube_read_file(path, &len);
        if (!buf) {
                memset(cfg, 0, sizeof(*cfg));
                seterr(errstr, errlen, "cannot read kubeconfig %s: %s", path, strerror(errno));
                return -1;
        }
        char dir[4096];
        snprintf(dir, sizeof(dir), "%s", path);
        char *slash = strrchr(dir, '/');
        if (slash)
                *slash = '\0';
        else
                snprintf(dir, sizeof(dir), ".");
        int rc = kube_config_load_yaml(cfg, buf, len, dir, context, errstr, errlen);
        free(buf);
        return rc;
}

int kube_config_load_incluster(kube_config_t *cfg, const char *sa_dir, char *errstr, size_t errlen)
{
        memset(cfg, 0, sizeof(*cfg));
        const char *host = getenv("KUBERNETES_SERVICE_HOST"), *port = getenv("KUBERNETES_SERVICE_PORT");
        if (!host || !*host || !port || !*port) {
                seterr(errstr, errlen, "not in a cluster: KUBERNETES_SERVICE_HOST/PORT unset");
                return -1;
        }
        if (!sa_dir)
                sa_dir = SA_DIR;
        char buf[4096];
        /* An IPv6 address needs brackets in a URL. */
        snprintf(buf, sizeof(buf), strchr(host, ':') ? "https://[%s]:%s" : "https://%s:%s", host, port);
        cfg->server = strdup(buf);
        cfg->context = strdup("in-cluster");
        snprintf(buf, sizeof(buf), "%s/token", sa_dir);
        cfg->token_file = strdup(buf);
        cfg->token = kube_read_file(buf, NULL);
        if (!cfg->token) {
                seterr(errstr, errlen, "in-cluster: cannot read %s: %s", buf, strerror(errno));
                kube_config_free(cfg);
                return -1;
        }
        trim(cfg->token);
        snprintf(buf, sizeof(buf), "%s/ca.crt", sa_dir);
        cfg->ca = kube_read_file(buf, &cfg->ca_len);
        if (!cfg->ca) {
                seterr(errstr, errlen, "in-cluster: cannot read %s: %s", buf, strerror(errno));
                kube_config_free(cfg);
                return -1;
        }
        snprintf(buf, sizeof(buf), "%s/namespace", sa_dir);
        cfg->namespace = kube_read_file(buf, NULL);
        if (cfg->namespace)
                trim(cfg->namespace);
        return 0;
}

int kube_config_load_default(kube_config_t *cfg, const char *path, char *errstr, size_t errlen)
{
        if (path && *path)
                return kube_config_load_file(cfg, path, NULL, errstr, errlen);
        const char *env = getenv("KUBECONFIG");
        if (env && *env) {
                char first[4096];
                snprintf(first, sizeof(first), "%s", env);
                char *colon = strchr(first, ':'); /* only the first file of a list */
                if (colon)
                        *colon = '\0';
                return kube_config_load_file(cfg, first, NULL, errstr, errlen);
        }
        if (getenv("KUBERNETES_SERVICE_HOST"))
                return kube_config_load_incluster(cfg, NULL, errstr, errlen);
        const char *home = getenv("HOME");
        char p[4096];
        snprintf(p, sizeof(p), "%s/.kube/config", home ? home : "");
        return kube_config_load_file(cfg, p, NULL, errstr, errlen);
}

void kube_config_free(kube_config_t *cfg)
{
        free(cfg->server);
        free(cfg->ca);
        free(cfg->cert);
        free(cfg->key);
        free(cfg->token);
        free(cfg->token_file);
        free(cfg->username);
        free(cfg->password);
        free(cfg->namespace);
        free(cfg->context);
        free(cfg->proxy_url);
        kube_exec_config_free(cfg->exec);
        memset(cfg, 0, sizeof(*cfg));
}

int kube_config_copy(kube_config_t *dst, const kube_config_t *src)
{
        memset(dst, 0, sizeof(*dst));
        dst->server = kube_strdup(src->server);
        dst->ca = kube_memdup(src->ca, src->ca_len);
        dst->ca_len = src->ca_len;
        dst->cert = kube_memdup(src->cert, src->cert_len);
        dst->cert_len = src->cert_len;
        dst->key = kube_memdup(src->key, src->key_len);
        dst->key_len = src->key_len;
        dst->token = kube_strdup(src->token);
        dst->token_file = kube_strdup(src->token_file);
        dst->username = kube_strdup(src->username);
        dst->password = kube_strdup(src->password);
        dst->namespace = kube_strdup(src->namespace);
        dst->context = kube_strdup(src->context);
        dst->insecure = src->insecure;
        dst->proxy_url = kube_strdup(src->proxy_url);
        dst->exec = kube_exec_config_copy(src->exec);
        if ((src->server && !dst->server) || (src->ca && !dst->ca) || (src->cert && !dst->cert) ||
            (src->key && !dst->key) || (src->token && !dst->token) || (src->token_file && !dst->token_file) ||
            (src->username && !dst->username) || (src->password && !dst->password) ||
            (src->namespace && !dst->namespace) || (src->context && !dst->context) ||
            (src->proxy_url && !dst->proxy_url) || (src->exec && !dst->exec)) {
                kube_config_free(dst);
                return -1;
        }
        return 0;
}
