/* The operator's thin Kubernetes client: configuration (kubeconfig with exec credential plugins and
 * proxies, or in-cluster service account), generic REST returning json-c objects and streaming
 * watches over libcurl (curl.h), an informer (list + watch + cache + resync), a de-duplicating
 * rate-limited work queue and Lease leader election. No generated models: resources are addressed by
 * group/version/resource and handled as JSON. */
#ifndef FERRY_KUBE_H
#define FERRY_KUBE_H

#include <json-c/json.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

/* ---- small string-keyed hash map (strmap.c) ---- */
typedef struct kube_strmap kube_strmap_t;
kube_strmap_t *kube_strmap_new(void (*free_value)(void *));
void kube_strmap_free(kube_strmap_t *m);
/* Sets key to value (the key is copied; an old value is freed). */
int kube_strmap_set(kube_strmap_t *m, const char *key, void *value);
void *kube_strmap_get(const kube_strmap_t *m, const char *key);
bool kube_strmap_has(const kube_strmap_t *m, const char *key);
/* Removes key; returns its value without freeing it (NULL when absent). */
void *kube_strmap_take(kube_strmap_t *m, const char *key);
void kube_strmap_del(kube_strmap_t *m, const char *key);
size_t kube_strmap_len(const kube_strmap_t *m);
/* Calls fn for each entry; fn must not modify the map. */
void kube_strmap_foreach(const kube_strmap_t *m, void (*fn)(void *data, const char *key, void *value),
                         void *data);

/* ---- configuration (config.c) ---- */
/* A kubeconfig user's exec credential plugin (client.authentication.k8s.io v1 or v1beta1). */
typedef struct kube_exec_config {
        char *api_version; /* client.authentication.k8s.io/v1 or /v1beta1 */
        char *command;     /* relative paths with a '/' resolved against the kubeconfig's directory */
        char **args;       /* NULL-terminated */
        char **env;        /* "NAME=value", NULL-terminated, added to the operator's environment */
        char *cluster;     /* JSON of spec.cluster for KUBERNETES_EXEC_INFO when provideClusterInfo */
        char *install_hint;
        bool interactive_always; /* interactiveMode: Always (the operator has no terminal: fails) */
} kube_exec_config_t;

typedef struct kube_config {
        char *server; /* https://host:port (no trailing slash) */
        char *ca;     /* CA bundle, PEM bytes */
        size_t ca_len;
        char *cert; /* client certificate, PEM bytes */
        size_t cert_len;
        char *key; /* client key, PEM bytes */
        size_t key_len;
        char *token;      /* bearer token */
        char *token_file; /* re-read when it changes (projected service account tokens rotate) */
        char *username, *password;
        char *namespace; /* the context's namespace or the service account's; NULL: none */
        char *context;   /* name of the kubeconfig context used ("in-cluster" otherwise) */
        bool insecure;   /* insecure-skip-tls-verify */
        char *proxy_url; /* the cluster's proxy-url (http, https or socks5); NULL: the environment's */
        kube_exec_config_t *exec; /* the user's exec credential plugin, or NULL */
} kube_config_t;

/* Loads a kubeconfig file; context NULL means current-context. 0 on success, else -1 and errstr. */
int kube_config_load_file(kube_config_t *cfg, const char *path, const char *context, char *errstr,
                          size_t errlen);
/* Loads a kubeconfig from memory; dir resolves relative file paths. */
int kube_config_load_yaml(kube_config_t *cfg, const char *yaml, size_t len, const char *dir,
                          const char *context, char *errstr, size_t errlen);
/* In-cluster: KUBERNETES_SERVICE_HOST/PORT and token, ca.crt, namespace under sa_dir (NULL: the
 * standard /var/run/secrets/kubernetes.io/serviceaccount). */
int kube_config_load_incluster(kube_config_t *cfg, const char *sa_dir, char *errstr, size_t errlen);
/* path if given, else $KUBECONFIG, else in-cluster when KUBERNETES_SERVICE_HOST is set, else
 * ~/.kube/config. */
int kube_config_load_default(kube_config_t *cfg, const char *path, char *errstr, size_t errlen);
void kube_config_free(kube_config_t *cfg);
/* A deep copy of src into dst; 0, or -1 when out of memory. */
int kube_config_copy(kube_config_t *dst, const kube_config_t *src);

/* ---- exec credential plugins (exec_cred.c) ---- */
/* What a plugin returned: a bearer token, or a client certificate and key (PEM), valid until
 * expires (Unix seconds; 0: no expiry given). */
typedef struct kube_exec_cred {
        char *token;
        char *cert, *key;
        size_t cert_len, key_len;
        double expires;
} kube_exec_cred_t;
/* Parses a plugin's output, an ExecCredential of api_version. 0, or -1 with the reason. */
int kube_exec_cred_parse(const char *json, size_t len, const char *api_version, kube_exec_cred_t *out,
                         char *errstr, size_t errlen);
/* The KUBERNETES_EXEC_INFO value for x (malloc'd JSON). */
char *kube_exec_info(const kube_exec_config_t *x);
/* Runs the plugin (stdin /dev/null, stderr inherited, at most 60 s) and parses its output. */
int kube_exec_cred_run(const kube_exec_config_t *x, kube_exec_cred_t *out, char *errstr, size_t errlen);
void kube_exec_cred_free(kube_exec_cred_t *c);
kube_exec_config_t *kube_exec_config_copy(const kube_exec_config_t *x);
void kube_exec_config_free(kube_exec_config_t *x);

/* YAML text to JSON (scalars become strings; used for kubeconfig). NULL on error. */
json_object *kube_yaml_to_json(const char *yaml, size_t len, char *errstr, size_t errlen);
/* Standard Base64 encode (malloc'd, NUL-terminated) or NULL. */
char *kube_base64_encode(const char *in, size_t n);
/* Standard Base64 decode; returns a malloc'd NUL-terminated buffer or NULL. */
char *kube_base64_decode(const char *in, size_t *outlen);
/* strdup that passes NULL through; NULL also when out of memory. */
char *kube_strdup(const char *s);
/* n bytes of p and a NUL (p NULL: NULL). */
char *kube_memdup(const char *p, size_t n);
/* Reads a whole file (NUL-terminated); NULL on error. */
char *kube_read_file(const char *path, size_t *len);

/* ---- REST (client.c) ---- */
typedef struct kube_client kube_client_t;

typedef struct kube_result {
        long status;       /* HTTP status; 0 when the request did not complete */
        json_object *body; /* parsed response body, or NULL */
        char err[256];     /* transport error, or the Status message of a failure */
} kube_result_t;

/* Copies what it needs from cfg. Bad TLS material shows here; an exec plugin runs at the first
 * request. */
kube_client_t *kube_client_new(const kube_config_t *cfg, char *errstr, size_t errlen);
void kube_client_free(kube_client_t *c);
const char *kube_client_namespace(const kube_client_t *c);
void kube_client_set_timeout(kube_client_t *c, long timeout_ms);
/* The largest response body (and watch event) accepted; 0: KUBE_HTTP_MAX_BODY (64 MiB). Set before
 * the first request. */
void kube_client_set_max_body(kube_client_t *c, size_t bytes);
/* How many times the exec credential plugin ran (tests and metrics). */
long kube_client_exec_runs(kube_client_t *c);
/* One request. body may be NULL; content_type NULL means application/json. Returns 0 when an HTTP
 * answer came back (any status), -1 otherwise. Release with kube_result_clear. */
int kube_request(kube_client_t *c, const char *method, const char *path, const char *content_type,
                 json_object *body, kube_result_t *res);
void kube_result_clear(kube_result_t *res);

#define KUBE_MERGE_PATCH "application/merge-patch+json"
#define KUBE_JSON_PATCH  "application/json-patch+json"

typedef struct kube_gvr {
        const char *group; /* "" for the core group */
        const char *version;
        const char *resource;
} kube_gvr_t;

/* /api/v1/namespaces/ns/pods/name/sub?query; ns, name, sub, query may be NULL. */
int kube_path(char *buf, size_t len, const kube_gvr_t *gvr, const char *ns, const char *name, const char *sub,
              const char *query);

/* Watch: streams events to on_event(type, object) until the server ends the stream, on_event
 * returns non-zero, *stop becomes true or progress(data) returns non-zero. Returns 0 when the stream
 * ended, 410 when the resourceVersion is too old (relist), the HTTP status for other failures, -1
 * for transport errors. */
typedef int (*kube_event_fn)(void *data, const char *type, json_object *obj);
int kube_watch(kube_client_t *c, const char *path, kube_event_fn on_event, int (*progress)(void *data),
               void *data, atomic_bool *stop, char *errstr, size_t errlen);

/* "namespace/name" (or "name" for cluster objects) of an object. */
int kube_object_key(json_object *obj, char *buf, size_t len);
const char *kube_str(json_object *obj, const char *path); /* "metadata.name" style; NULL if missing */
json_object *kube_get(json_object *obj, const char *path);
/* One member of obj by its exact key (label and annotation keys hold dots). */
const char *kube_member_str(json_object *obj, const char *key);
/* RFC 3339 time, now, with microseconds when micro. */
void kube_now(char *buf, size_t len, bool micro);
double kube_monotonic(void);
/* Parses an RFC 3339 time to Unix seconds; -1 on error. */
double kube_parse_time(const char *s);

/* ---- informer (informer.c) ---- */
typedef struct kube_handlers {
        void (*on_add)(void *data, json_object *obj);
        void (*on_update)(void *data, json_object *old, json_object *obj);
        void (*on_delete)(void *data, json_object *obj);
        void *data;
} kube_handlers_t;

typedef struct kube_informer kube_informer_t;
typedef struct kube_informer_stats {
        long lists, relists_gone, watches, watch_errors, events, bookmarks, resyncs;
} kube_informer_stats_t;

/* ns NULL: all namespaces. resync_s 0: no resync. */
kube_informer_t *kube_informer_new(kube_client_t *c, const kube_gvr_t *gvr, const char *ns,
                                   const char *label_selector, int resync_s, const kube_handlers_t *h);
int kube_informer_start(kube_informer_t *inf);
void kube_informer_stop(kube_informer_t *inf);
void kube_informer_free(kube_informer_t *inf);
bool kube_informer_synced(kube_informer_t *inf);
/* A deep copy of the cached object (json_object_put it) or NULL. Copies because json-c reference
 * counts are not atomic: cached objects never cross threads. */
json_object *kube_informer_get(kube_informer_t *inf, const char *key);
/* Deep copies of all cached objects as a new JSON array. */
json_object *kube_informer_list(kube_informer_t *inf);
size_t kube_informer_len(kube_informer_t *inf);
void kube_informer_get_stats(kube_informer_t *inf, kube_informer_stats_t *st);
/* Sets the watch timeout sent to the server (seconds; tests use short ones). */
void kube_informer_set_watch_timeout(kube_informer_t *inf, int seconds);
/* Starts by watching from rv instead of listing (tests use it to provoke 410 Gone). */
void kube_informer_set_initial_rv(kube_informer_t *inf, const char *rv);

/* ---- threads (queue.c) ---- */
/* The operator's threads run with small stacks (KUBE_THREAD_STACK): their deepest frames are
 * libcurl's TLS handshakes and json-c parsing, far below glibc's default of 8 MB per thread. */
#define KUBE_THREAD_STACK (256 * 1024)
int kube_thread_create(pthread_t *t, void *(*fn)(void *), void *arg);

/* ---- work queue (queue.c) ---- */
typedef struct kube_queue kube_queue_t;
/* Delay before the n-th retry (n from 0): base * 2^n capped at max. */
double kube_backoff(double base, double max, int failures);
kube_queue_t *kube_queue_new(double base_delay_s, double max_delay_s);
void kube_queue_free(kube_queue_t *q);
void kube_queue_add(kube_queue_t *q, const char *key);
void kube_queue_add_after(kube_queue_t *q, const char *key, double delay_s);
void kube_queue_add_rate_limited(kube_queue_t *q, const char *key);
void kube_queue_forget(kube_queue_t *q, const char *key);
int kube_queue_requeues(kube_queue_t *q, const char *key);
/* Next key (caller frees it and calls kube_queue_done), waiting up to timeout_s (<0: forever).
 * NULL on timeout or after shutdown. A key is never handed to two callers at once. */
char *kube_queue_get(kube_queue_t *q, double timeout_s);
void kube_queue_done(kube_queue_t *q, const char *key);
size_t kube_queue_len(kube_queue_t *q);
void kube_queue_shutdown(kube_queue_t *q);

/* ---- leader election (leader.c) ---- */
typedef struct kube_leader_config {
        const char *ns, *name, *identity;
        int lease_s, renew_deadline_s, retry_s;
        void (*on_started)(void *data); /* became leader */
        void (*on_stopped)(void *data); /* lost leadership (not called on kube_leader_stop) */
        void *data;
} kube_leader_config_t;
typedef struct kube_leader kube_leader_t;
kube_leader_t *kube_leader_start(kube_client_t *c, const kube_leader_config_t *cfg);
bool kube_leader_is_leader(kube_leader_t *l);
/* Stops the loop; release gives the lease up so another instance takes over at once. */
void kube_leader_stop(kube_leader_t *l, bool release);

#endif
