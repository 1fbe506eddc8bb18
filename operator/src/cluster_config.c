/* The worker configuration of a KafkaConnect: worker.properties (bootstrap servers, group id and
 * storage topics from the spec or their defaults, then spec.config without the keys the operator
 * owns, JsonConverter unless given; Java-properties escaped), the ConfigMap <name>-connect-config
 * that carries it to the pods, and the config hash (FNV-1a of worker.properties, the pod spec and
 * the values of the Secrets spec.tls and spec.authentication name) whose change rolls the workers. Part of
 * the KafkaConnect reconciler (cluster.h). */
#include "cluster.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Appends "k=v\n" with Java properties escaping (keys: separators and spaces; both: \ and controls). */
static void prop(char *buf, size_t len, size_t *n, const char *k, const char *v)
{
        for (int part = 0; part < 3; part++) {
                const char *s = part == 0 ? k : part == 1 ? "=" : v;
                for (; *s; s++) {
                        char esc[3] = {0};
                        if (part == 1)
                                esc[0] = *s;
                        else if (*s == '\\')
                                memcpy(esc, "\\\\", 2);
                        else if (*s == '\n')
                                memcpy(esc, "\\n", 2);
                        else if (*s == '\r')
                                memcpy(esc, "\\r", 2);
                        else if (*s == '\t')
                                memcpy(esc, "\\t", 2);
                        else if (part == 0 && (*s == '=' || *s == ':' || *s == ' ' || *s == '#' || *s == '!'))
                                esc[0] = '\\', esc[1] = *s;
                        else if (part == 2 && s == v && *s == ' ') /* leading blanks of a value */
                                memcpy(esc, "\\ ", 2);
                        else
                                esc[0] = *s;
                        size_t el = strlen(esc);
                        if (*n + el + 2 < len) {
                                memcpy(buf + *n, esc, el);
                                *n += el;
                        }
                }
        }
        if (*n + 1 < len)
                buf[(*n)++] = '\n';
        buf[*n] = '\0';
}

struct prop_buf {
        char *buf;
        size_t len, *n;
};

static void put_prop(void *arg, const char *k, const char *v)
{
        struct prop_buf *pb = arg;
        prop(pb->buf, pb->len, pb->n, k, v);
}

bool op_worker_key_owned(const char *k)
{
        return !strncmp(k, "rest.", 5) || !strcmp(k, "listeners") || !strncmp(k, "listeners.", 10) ||
               !strcmp(k, "bootstrap.servers") || !strcmp(k, "group.id") || !strcmp(k, "plugin.path") ||
               !strcmp(k, "config.storage.topic") || !strcmp(k, "offset.storage.topic") ||
               !strcmp(k, "status.storage.topic");
}

/* The distributed worker configuration shared by every pod. The listener and the advertised
 * host (the pod IP) are added per pod by the container's start script. */
char *op_worker_properties(const op_connect_spec_t *s)
{
        const char *name = s->name ? s->name : "";
        size_t len = 65536, n = 0;
        char *buf = calloc(1, len);
        if (!buf)
                return NULL;
        char v[512];
        prop(buf, len, &n, "bootstrap.servers", s->bootstrap_servers ? s->bootstrap_servers : "");
        snprintf(v, sizeof(v), "connect-%s", name);
        prop(buf, len, &n, "group.id", s->group_id ? s->group_id : v);
        snprintf(v, sizeof(v), "%s-configs", name);
        prop(buf, len, &n, "config.storage.topic", s->config_topic ? s->config_topic : v);
        snprintf(v, sizeof(v), "%s-offsets", name);
        prop(buf, len, &n, "offset.storage.topic", s->offset_topic ? s->offset_topic : v);
        snprintf(v, sizeof(v), "%s-status", name);
        prop(buf, len, &n, "status.storage.topic", s->status_topic ? s->status_topic : v);
        struct prop_buf pb = {buf, len, &n};
        cl_security_props(s, put_prop, &pb);
        for (size_t i = 0; i < s->config.n; i++)
                if (!op_worker_key_owned(s->config.kv[i].key))
                        prop(buf, len, &n, s->config.kv[i].key, s->config.kv[i].value);
        if (!ferry_strmap_get(&s->config, "key.converter"))
                prop(buf, len, &n, "key.converter", "org.apache.kafka.connect.json.JsonConverter");
        if (!ferry_strmap_get(&s->config, "value.converter"))
                prop(buf, len, &n, "value.converter", "org.apache.kafka.connect.json.JsonConverter");
        return buf;
}

void cl_config_hash(const char *props, const char *pod_spec, const char *secrets, char out[17])
{
        unsigned long long h = 1469598103934665603ULL;
        /* Without Secrets the hash is what it was before they counted (no roll on upgrade). */
        const char *parts[] = {props, "\n", pod_spec, secrets && *secrets ? "\n" : "",
                               secrets ? secrets : ""};
        for (size_t i = 0; i < 5; i++)
                for (const char *c = parts[i]; *c; c++) {
                        h ^= (unsigned char)*c;
                        h *= 1099511628211ULL;
                }
        snprintf(out, 17, "%016llx", h);
}

void cl_apply_config(op_ctx_t *ctx, const op_connect_spec_t *s, const char *cm_name, const char *props,
                     struct cluster_state *st)
{
        json_object *cm = json_object_new_object();
        json_object_object_add(cm, "apiVersion", json_object_new_string("v1"));
        json_object_object_add(cm, "kind", json_object_new_string("ConfigMap"));
        json_object_object_add(cm, "metadata", cl_meta(s, cm_name));
        json_object *data = json_object_new_object();
        json_object_object_add(data, "worker.properties", json_object_new_string(props));
        json_object_object_add(cm, "data", data);
        if (cl_apply(ctx, &cl_gvr_cm, s->ns, cm_name, cm)) {
                char msg[512];
                snprintf(msg, sizeof(msg), "cannot apply ConfigMap %s", cm_name);
                cl_problem(st, "ApplyFailed", msg);
                st->next = -1;
        }
        json_object_put(cm);
}
