/* Config providers (config_providers.h): resolves ${provider:[path:]key} placeholders of connector
 * and task configs at the moment a connector or task starts, from the providers the worker config
 * declares (file, env, directory). Sits between the herder's stored raw config and the copies the
 * worker hands to plugins, converters, transforms and Kafka clients. Values are read fresh on every
 * start, so a restarted task sees rotated secrets. */
#include "core/config_providers.h"

#include <ferry/buf.h>

#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef enum { PROV_FILE, PROV_ENV, PROV_DIRECTORY } prov_kind_t;

static const struct {
        const char *cls;
        prov_kind_t kind;
} known[] = {
        {"org.apache.kafka.common.config.provider.FileConfigProvider", PROV_FILE},
        {"org.apache.kafka.common.config.provider.EnvVarConfigProvider", PROV_ENV},
        {"org.apache.kafka.common.config.provider.DirectoryConfigProvider", PROV_DIRECTORY},
};

static int kind_of(const char *cls)
{
        if (!cls)
                return -1;
        for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
                const char *simple = strrchr(known[i].cls, '.') + 1;
                if (!strcmp(cls, known[i].cls) || !strcmp(cls, simple))
                        return (int)known[i].kind;
        }
        return -1;
}

/* Is `name` one of the worker's providers? Returns its class (NULL when not declared). */
static const char *provider_class(const ferry_strmap_t *worker, const char *name, bool *declared)
{
        *declared = false;
        const char *list = ferry_strmap_get(worker, "config.providers");
        if (!list)
                return NULL;
        size_t n;
        char **names = ferry_split_list(list, &n);
        for (size_t i = 0; i < n && !*declared; i++)
                *declared = !strcmp(names[i], name);
        ferry_strlist_free(names, n);
        if (!*declared)
                return NULL;
        char key[512];
        snprintf(key, sizeof(key), "config.providers.%s.class", name);
        return ferry_strmap_get(worker, key);
}

static const char *provider_param(const ferry_strmap_t *worker, const char *name, const char *param)
{
        char key[512];
        snprintf(key, sizeof(key), "config.providers.%s.param.%s", name, param);
        return ferry_strmap_get(worker, key);
}

/* allowed.paths: the path must lie under one of the listed directories. */
static bool path_allowed(const ferry_strmap_t *worker, const char *name, const char *path)
{
        const char *allowed = provider_param(worker, name, "allowed.paths");
        if (!allowed || !*allowed)
                return true;
        char real[4096];
        const char *p = realpath(path, real) ? real : path;
        size_t n;
        char **dirs = ferry_split_list(allowed, &n);
        bool ok = false;
        for (size_t i = 0; i < n && !ok; i++) {
                size_t l = strlen(dirs[i]);
                while (l > 1 && dirs[i][l - 1] == '/')
                        l--;
                ok = !strncmp(p, dirs[i], l) && (p[l] == '/' || p[l] == '\0');
        }
        ferry_strlist_free(dirs, n);
        return ok;
}

static char *read_file(const char *path, size_t *len)
{
        FILE *f = fopen(path, "rb");
        if (!f)
                return NULL;
        ferry_buf_t b;
        ferry_buf_init(&b);
        char chunk[4096];
        size_t got;
        while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0)
                ferry_buf_append(&b, chunk, got);
        fclose(f);
        *len = b.len;
        char *out = ferry_buf_steal(&b);
        return out;
}

/* Looks up one variable. 1 = found (*out malloc'd), 0 = no such key (leave the placeholder),
 * -1 = error (errstr). */
static int lookup(const ferry_strmap_t *worker, const char *name, int kind, const char *path, const char *key,
                  char **out, char *errstr, size_t errstr_size)
{
        *out = NULL;
        switch ((prov_kind_t)kind) {
        case PROV_ENV: {
                if (path && *path) {
                        snprintf(errstr, errstr_size, "EnvVarConfigProvider takes no path (got '%s')", path);
                        return -1;
                }
                const char *allow = provider_param(worker, name, "allowlist.pattern");
                if (allow && *allow) {
                        regex_t re;
                        char anchored[1024];
                        snprintf(anchored, sizeof(anchored), "^(%s)$", allow);
                        if (regcomp(&re, anchored, REG_EXTENDED | REG_NOSUB) != 0) {
                                snprintf(errstr, errstr_size, "invalid allowlist.pattern of provider %s",
                                         name);
                                return -1;
                        }
                        bool match = regexec(&re, key, 0, NULL, 0) == 0;
                        regfree(&re);
                        if (!match)
                                return 0;
                }
                const char *v = getenv(key);
                if (!v)
                        return 0;
                *out = strdup(v);
                return *out ? 1 : -1;
        }
        case PROV_FILE: {
                if (!path || !*path)
                        return 0;
                if (!path_allowed(worker, name, path)) {
                        snprintf(errstr, errstr_size, "The path %s is not allowed to be accessed", path);
                        return -1;
                }
                ferry_strmap_t props;
                ferry_strmap_init(&props);
                char perr[512];
                if (ferry_props_load(path, &props, perr, sizeof(perr)) < 0) {
                        snprintf(errstr, errstr_size, "Could not read properties from file %s", path);
                        ferry_strmap_free(&props);
                        return -1;
                }
                const char *v = ferry_strmap_get(&props, key);
                int rc = 0;
                if (v) {
                        *out = strdup(v);
                        rc = *out ? 1 : -1;
                }
                ferry_strmap_free(&props);
                return rc;
        }
        case PROV_DIRECTORY: {
                if (!path || !*path || strchr(key, '/'))
                        return 0;
                char full[4096];
                snprintf(full, sizeof(full), "%s/%s", path, key);
                if (!path_allowed(worker, name, full)) {
                        snprintf(errstr, errstr_size, "The path %s is not allowed to be accessed", path);
                        return -1;
                }
                size_t len;
                *out = read_file(full, &len);
                if (!*out) {
                        if (errno == ENOENT)
                                return 0;
                        snprintf(errstr, errstr_size, "Could not read file %.900s: %s", full,
                                 strerror(errno));
                        return -1;
                }
                return 1;
        }
        }
        return 0;
}

/* Resolves every placeholder of one value into b. */
static int resolve_value(const ferry_strmap_t *worker, const char *cfg_key, const char *v, ferry_buf_t *b,
                         char *errstr, size_t errstr_size)
{
        const char *p = v;
        while (*p) {
                const char *start = strstr(p, "${");
                const char *end = start ? strchr(start + 2, '}') : NULL;
                const char *colon = end ? memchr(start + 2, ':', (size_t)(end - start - 2)) : NULL;
                if (!start || !end || !colon) {
                        ferry_buf_puts(b, p);
                        break;
                }
                ferry_buf_append(b, p, (size_t)(start - p));
                char *name = strndup(start + 2, (size_t)(colon - start - 2));
                const char *rest = colon + 1;
                const char *colon2 = memchr(rest, ':', (size_t)(end - rest));
                char *path = colon2 ? strndup(rest, (size_t)(colon2 - rest)) : NULL;
                char *key = colon2 ? strndup(colon2 + 1, (size_t)(end - colon2 - 1))
                                   : strndup(rest, (size_t)(end - rest));
                bool declared = false;
                const char *cls = name ? provider_class(worker, name, &declared) : NULL;
                int rc = 0;
                char *val = NULL;
                if (declared) {
                        int kind = kind_of(cls);
                        if (kind < 0) {
                                snprintf(errstr, errstr_size, "%s: config provider %s has unknown class %s",
                                         cfg_key, name, cls ? cls : "(none)");
                                rc = -1;
                        } else {
                                char err[1024] = "";
                                rc = lookup(worker, name, kind, path, key ? key : "", &val, err, sizeof(err));
                                if (rc < 0)
                                        snprintf(errstr, errstr_size, "%s: %s", cfg_key, err);
                        }
                }
                if (rc == 1)
                        ferry_buf_puts(b, val);
                else if (rc == 0)
                        ferry_buf_append(b, start, (size_t)(end - start + 1));
                free(val);
                free(name);
                free(path);
                free(key);
                if (rc < 0)
                        return -1;
                p = end + 1;
        }
        return 0;
}

int ferry_config_resolve(const ferry_strmap_t *worker, const ferry_strmap_t *src, ferry_strmap_t *dst,
                         char *errstr, size_t errstr_size)
{
        ferry_strmap_init(dst);
        ferry_buf_t b;
        ferry_buf_init(&b);
        for (size_t i = 0; i < src->n; i++) {
                const char *v = src->kv[i].value;
                if (!v || !strstr(v, "${")) {
                        if (ferry_strmap_set(dst, src->kv[i].key, v) < 0)
                                goto nomem;
                        continue;
                }
                ferry_buf_reset(&b);
                if (resolve_value(worker, src->kv[i].key, v, &b, errstr, errstr_size) < 0) {
                        ferry_buf_free(&b);
                        ferry_strmap_free(dst);
                        return -1;
                }
                if (ferry_strmap_set(dst, src->kv[i].key, b.p ? b.p : "") < 0)
                        goto nomem;
        }
        ferry_buf_free(&b);
        return 0;
nomem:
        ferry_buf_free(&b);
        ferry_strmap_free(dst);
        snprintf(errstr, errstr_size, "out of memory");
        return -1;
}

bool ferry_config_has_placeholders(const ferry_strmap_t *m)
{
        for (size_t i = 0; m && i < m->n; i++)
                if (m->kv[i].value && strstr(m->kv[i].value, "${"))
                        return true;
        return false;
}

void ferry_config_unresolve(const ferry_strmap_t *raw, const ferry_strmap_t *resolved, ferry_strmap_t *tasks,
                            int n_tasks)
{
        for (size_t i = 0; i < raw->n; i++) {
                const char *rv = raw->kv[i].value;
                if (!rv || !strstr(rv, "${"))
                        continue;
                const char *val = ferry_strmap_get(resolved, raw->kv[i].key);
                if (!val || !strcmp(val, rv))
                        continue;
                for (int t = 0; t < n_tasks; t++) {
                        /* The same key first, then any key holding exactly the resolved value. */
                        for (size_t k = 0; k < tasks[t].n; k++)
                                if (tasks[t].kv[k].value && !strcmp(tasks[t].kv[k].value, val))
                                        ferry_strmap_set(&tasks[t], tasks[t].kv[k].key, rv);
                }
        }
}

int ferry_config_providers_check(const ferry_strmap_t *worker, char *errstr, size_t errstr_size)
{
        const char *list = ferry_strmap_get(worker, "config.providers");
        if (!list)
                return 0;
        size_t n;
        char **names = ferry_split_list(list, &n);
        int rc = 0;
        for (size_t i = 0; i < n && rc == 0; i++) {
                char key[512];
                snprintf(key, sizeof(key), "config.providers.%s.class", names[i]);
                const char *cls = ferry_strmap_get(worker, key);
                if (kind_of(cls) < 0) {
                        snprintf(errstr, errstr_size, "%s: %s", key,
                                 cls ? "unknown ConfigProvider class (FileConfigProvider, "
                                       "EnvVarConfigProvider "
                                       "and DirectoryConfigProvider are built in)"
                                     : "missing");
                        rc = -1;
                }
        }
        ferry_strlist_free(names, n);
        return rc;
}

bool ferry_config_is_secret(const ferry_config_def_t *defs, const char *key)
{
        const ferry_config_def_t *d = defs ? ferry_config_find(defs, key) : NULL;
        if (d && d->type == FERRY_CFG_PASSWORD)
                return true;
        return strstr(key, "password") || strstr(key, "secret") || strstr(key, "sasl.jaas.config") ||
               strstr(key, "sasl.oauthbearer.config") || strstr(key, ".key.pem") ||
               strstr(key, "ssl.keystore.key") || strstr(key, "credentials");
}

static bool secret_param(const char *name, size_t len)
{
        static const char *const words[] = {"password", "pwd", "secret"};
        for (size_t w = 0; w < sizeof(words) / sizeof(words[0]); w++) {
                size_t wl = strlen(words[w]);
                for (size_t i = 0; i + wl <= len; i++)
                        if (!strncasecmp(name + i, words[w], wl))
                                return true;
        }
        return false;
}

char *ferry_config_mask_value(const char *value)
{
        if (!value)
                return NULL;
        ferry_buf_t b;
        ferry_buf_init(&b);
        bool masked = false;
        const char *p = value;
        /* user:password@ of the authority after "://". */
        const char *scheme = strstr(value, "://");
        if (scheme) {
                const char *auth = scheme + 3;
                size_t alen = strcspn(auth, "/?#;");
                const char *at = memchr(auth, '@', alen);
                const char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
                if (colon) {
                        ferry_buf_append(&b, value, (size_t)(colon + 1 - value));
                        ferry_buf_puts(&b, "[hidden]");
                        p = at;
                        masked = true;
                }
        }
        /* name=value parameters after ? & or ; */
        while (*p) {
                char c = *p;
                ferry_buf_putc(&b, c);
                p++;
                if (c != '?' && c != '&' && c != ';')
                        continue;
                size_t nlen = strcspn(p, "=&;#");
                if (p[nlen] != '=' || !secret_param(p, nlen))
                        continue;
                ferry_buf_append(&b, p, nlen + 1);
                p += nlen + 1;
                p += strcspn(p, "&;#");
                ferry_buf_puts(&b, "[hidden]");
                masked = true;
        }
        if (!masked) {
                ferry_buf_free(&b);
                return NULL;
        }
        return ferry_buf_steal(&b);
}
