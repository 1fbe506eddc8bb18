/* MQTT connection setup shared by the source and sink tasks: parses the broker URIs of
 * mqtt.server.uri, checks topic filters, and builds a libmosquitto client from a parsed config
 * (credentials, TLS from PEM files, MQTT 3.1.1 as Paho's mqttv3 client speaks it). The tasks then
 * drive the client: the source from its own poll() loop, the sink from libmosquitto's thread. */
#include "mqtt_client.h"

#include <ferry/log.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static pthread_once_t lib_once = PTHREAD_ONCE_INIT;

static void lib_init(void)
{
        mosquitto_lib_init();
}

int64_t mqtt_now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int mqtt_uri_parse(const char *uri, mqtt_uri_t *out, char *errstr, size_t errstr_size)
{
        memset(out, 0, sizeof(*out));
        const char *rest;
        if (!strncmp(uri, "tcp://", 6) || !strncmp(uri, "mqtt://", 7)) {
                rest = strstr(uri, "//") + 2;
                out->port = 1883;
        } else if (!strncmp(uri, "ssl://", 6) || !strncmp(uri, "mqtts://", 8)) {
                rest = strstr(uri, "//") + 2;
                out->tls = true;
                out->port = 8883;
        } else {
                snprintf(errstr, errstr_size,
                         "'%s' is not an MQTT broker URI: use tcp://host:port or ssl://host:port", uri);
                return -1;
        }
        const char *end = rest + strcspn(rest, "/");
        const char *colon = NULL;
        if (*rest == '[') { /* [v6]:port */
                const char *close = memchr(rest, ']', (size_t)(end - rest));
                if (!close) {
                        snprintf(errstr, errstr_size, "'%s': unterminated [ in the host", uri);
                        return -1;
                }
                if ((size_t)(close - rest - 1) >= sizeof(out->host))
                        goto long_host;
                memcpy(out->host, rest + 1, (size_t)(close - rest - 1));
                colon = close[1] == ':' ? close + 1 : NULL;
        } else {
                colon = memchr(rest, ':', (size_t)(end - rest));
                size_t hl = (size_t)((colon ? colon : end) - rest);
                if (hl >= sizeof(out->host))
                        goto long_host;
                memcpy(out->host, rest, hl);
        }
        if (!out->host[0]) {
                snprintf(errstr, errstr_size, "'%s' has no host", uri);
                return -1;
        }
        if (colon) {
                char *e;
                long p = strtol(colon + 1, &e, 10);
                if (e == colon + 1 || e != end || p < 1 || p > 65535) {
                        snprintf(errstr, errstr_size, "'%s' has an invalid port", uri);
                        return -1;
                }
                out->port = (int)p;
        }
        return 0;
long_host:
        snprintf(errstr, errstr_size, "'%s': the host name is too long", uri);
        return -1;
}

void mqtt_uri_format(const mqtt_uri_t *u, char *out, size_t out_size)
{
        snprintf(out, out_size, "%s://%s%s%s:%d", u->tls ? "ssl" : "tcp", strchr(u->host, ':') ? "[" : "",
                 u->host, strchr(u->host, ':') ? "]" : "", u->port);
}

int mqtt_check_uris(const char *name, const char *value, char *errstr, size_t errstr_size)
{
        size_t n;
        char **uris = ferry_split_list(value, &n);
        int rc = 0;
        for (size_t i = 0; i < n && rc == 0; i++) {
                mqtt_uri_t u;
                char why[400];
                if (mqtt_uri_parse(uris[i], &u, why, sizeof(why)) < 0) {
                        snprintf(errstr, errstr_size, "%s: %s", name, why);
                        rc = -1;
                }
        }
        ferry_strlist_free(uris, n);
        return rc;
}

int mqtt_check_topic_filters(const char *name, const char *value, char *errstr, size_t errstr_size)
{
        size_t n;
        char **topics = ferry_split_list(value, &n);
        int rc = 0;
        for (size_t i = 0; i < n && rc == 0; i++) {
                if (mosquitto_sub_topic_check(topics[i]) != MOSQ_ERR_SUCCESS) {
                        snprintf(errstr, errstr_size,
                                 "%s: '%s' is not a valid MQTT topic filter ('+' and '#' stand for whole "
                                 "levels, "
                                 "'#' only last)",
                                 name, topics[i]);
                        rc = -1;
                }
        }
        ferry_strlist_free(topics, n);
        return rc;
}

const char *mqtt_connack_words(int rc)
{
        switch (rc) {
        case 1:
                return "unacceptable protocol version";
        case 2:
                return "client identifier rejected";
        case 3:
                return "server unavailable";
        case 4:
                return "bad user name or password (mqtt.username / mqtt.password)";
        case 5:
                return "not authorized (mqtt.username / mqtt.password)";
        default:
                return mosquitto_connack_string(rc);
        }
}

/* The private key's password for OpenSSL (libmosquitto hands it the userdata's config). */
static const char *key_password;
static pthread_mutex_t key_password_lock = PTHREAD_MUTEX_INITIALIZER;

static int pw_callback(char *buf, int size, int rwflag, void *userdata)
{
        (void)rwflag;
        (void)userdata;
        pthread_mutex_lock(&key_password_lock);
        int n = snprintf(buf, (size_t)size, "%s", key_password ? key_password : "");
        pthread_mutex_unlock(&key_password_lock);
        return n < size ? n : size - 1;
}

int mqtt_uris_parse(const char *key, const char *const *uris, size_t n, mqtt_uri_t **out, char *errstr,
                    size_t errstr_size)
{
        *out = calloc(n ? n : 1, sizeof(**out));
        if (!*out) {
                snprintf(errstr, errstr_size, "out of memory");
                return -1;
        }
        if (n == 0) {
                snprintf(errstr, errstr_size, "%s: no MQTT broker given", key);
                goto fail;
        }
        for (size_t i = 0; i < n; i++) {
                char why[400];
                if (mqtt_uri_parse(uris[i], &(*out)[i], why, sizeof(why)) < 0) {
                        snprintf(errstr, errstr_size, "%s: %s", key, why);
                        goto fail;
                }
        }
        return 0;
fail:
        free(*out);
        *out = NULL;
        return -1;
}

static bool set(const char *s)
{
        return s && *s;
}

struct mosquitto *mqtt_client_new(const ferry_config_t *c, const char *client_id, bool clean_session,
                                  bool threaded, void *userdata, char *errstr, size_t errstr_size)
{
        mqtt_auth_t a = {
                .user = ferry_config_get_password(c, "mqtt.username"),
                .password = ferry_config_get_password(c, "mqtt.password"),
                .ca_file = ferry_config_get_string(c, "mqtt.ssl.trust.store.path"),
                .cert_file = ferry_config_get_string(c, "mqtt.ssl.key.store.path"),
                .key_file = ferry_config_get_string(c, "mqtt.ssl.key.path"),
                .key_password = ferry_config_get_password(c, "mqtt.ssl.key.password"),
                .tls_keys = "mqtt.ssl.trust.store.path / mqtt.ssl.key.store.path",
        };
        if (!set(a.key_password))
                a.key_password = ferry_config_get_password(c, "mqtt.ssl.key.store.password");
        size_t n;
        const char *const *uris = ferry_config_get_list(c, "mqtt.server.uri", &n);
        for (size_t i = 0; i < n; i++) {
                mqtt_uri_t u;
                char why[300];
                if (mqtt_uri_parse(uris[i], &u, why, sizeof(why)) == 0 && u.tls)
                        a.tls = true;
        }
        return mqtt_client_new_auth(&a, client_id, clean_session, threaded, userdata, errstr, errstr_size);
}

struct mosquitto *mqtt_client_new_auth(const mqtt_auth_t *a, const char *client_id, bool clean_session,
                                       bool threaded, void *userdata, char *errstr, size_t errstr_size)
{
        pthread_once(&lib_once, lib_init);
        struct mosquitto *m = mosquitto_new(client_id, clean_session, userdata);
        if (!m) {
                snprintf(errstr, errstr_size, "cannot create an MQTT client with id '%s'", client_id);
                return NULL;
        }
        mosquitto_int_option(m, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
        if (threaded)
                mosquitto_threaded_set(m, true);
        if (set(a->user) && mosquitto_username_pw_set(m, a->user, set(a->password) ? a->password : NULL) !=
                                    MOSQ_ERR_SUCCESS) {
                snprintf(errstr, errstr_size, "the MQTT user name cannot be used");
                mosquitto_destroy(m);
                return NULL;
        }
        if (a->tls) {
                const char *ca = a->ca_file, *cert = a->cert_file, *key = a->key_file;
                if (!set(key))
                        key = cert;
                pthread_mutex_lock(&key_password_lock);
                free((char *)key_password);
                key_password = set(a->key_password) ? strdup(a->key_password) : NULL;
                pthread_mutex_unlock(&key_password_lock);
                int rc;
                if (set(ca)) {
                        rc = mosquitto_tls_set(m, ca, NULL, set(cert) ? cert : NULL, set(cert) ? key : NULL,
                                               pw_callback);
                } else {
                        rc = mosquitto_int_option(m, MOSQ_OPT_TLS_USE_OS_CERTS, 1);
                        if (rc == MOSQ_ERR_SUCCESS && set(cert))
                                rc = mosquitto_tls_set(m, NULL, "/etc/ssl/certs", cert, key, pw_callback);
                }
                if (rc != MOSQ_ERR_SUCCESS) {
                        snprintf(errstr, errstr_size, "%s: cannot use the TLS files (%s)",
                                 a->tls_keys ? a->tls_keys : "TLS", mosquitto_strerror(rc));
                        mosquitto_destroy(m);
                        return NULL;
                }
        }
        return m;
}
