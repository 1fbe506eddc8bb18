/* Benchmark tool: publishes every line of stdin (without its newline) to one MQTT topic at QoS 0,
 * 1 or 2, and returns only once the broker acknowledged every QoS 1/2 message (mosquitto_pub -l
 * disconnects at the end of its input with messages still unacknowledged, which a clean session
 * then loses). At most WINDOW messages wait for their acknowledgement at a time.
 * Usage: mqtt-pub HOST PORT TOPIC QOS [WINDOW] < lines
 * Exit 0 when all were published (and acknowledged), 1 on a connection or protocol error, 2 on
 * usage errors. */
#define _POSIX_C_SOURCE 200809L

#include <mosquitto.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static long unacked;
static int connack = -1;
static int gone;

static void on_connect(struct mosquitto *m, void *ud, int rc)
{
        (void)m;
        (void)ud;
        pthread_mutex_lock(&lock);
        connack = rc;
        pthread_cond_broadcast(&cond);
        pthread_mutex_unlock(&lock);
}

static void on_disconnect(struct mosquitto *m, void *ud, int rc)
{
        (void)m;
        (void)ud;
        pthread_mutex_lock(&lock);
        gone = rc ? rc : -1;
        pthread_cond_broadcast(&cond);
        pthread_mutex_unlock(&lock);
}

static void on_publish(struct mosquitto *m, void *ud, int mid)
{
        (void)m;
        (void)ud;
        (void)mid;
        pthread_mutex_lock(&lock);
        unacked--;
        pthread_cond_broadcast(&cond);
        pthread_mutex_unlock(&lock);
}

int main(int argc, char **argv)
{
        if (argc < 5 || argc > 6) {
                fprintf(stderr, "usage: mqtt-pub HOST PORT TOPIC QOS [WINDOW] < lines\n");
                return 2;
        }
        char *end;
        long port = strtol(argv[2], &end, 10);
        long qos = strtol(argv[4], NULL, 10);
        long window = argc == 6 ? strtol(argv[5], NULL, 10) : 1000;
        if (*end || port < 1 || port > 65535 || qos < 0 || qos > 2 || window < 1) {
                fprintf(stderr, "mqtt-pub: bad port, QoS or window\n");
                return 2;
        }
        mosquitto_lib_init();
        struct mosquitto *m = mosquitto_new(NULL, true, NULL);
        if (!m)
                return 1;
        mosquitto_connect_callback_set(m, on_connect);
        mosquitto_disconnect_callback_set(m, on_disconnect);
        mosquitto_publish_callback_set(m, on_publish);
        mosquitto_max_inflight_messages_set(m, (unsigned)window);
        int rc = mosquitto_connect(m, argv[1], (int)port, 60);
        if (rc == MOSQ_ERR_SUCCESS)
                rc = mosquitto_loop_start(m);
        if (rc != MOSQ_ERR_SUCCESS) {
                fprintf(stderr, "mqtt-pub: %s\n", mosquitto_strerror(rc));
                return 1;
        }
        pthread_mutex_lock(&lock);
        while (connack < 0 && !gone)
                pthread_cond_wait(&cond, &lock);
        pthread_mutex_unlock(&lock);
        if (connack != 0) {
                fprintf(stderr, "mqtt-pub: connection refused (%d)\n", connack);
                return 1;
        }
        char *line = NULL;
        size_t cap = 0;
        ssize_t n;
        long sent = 0;
        while ((n = getline(&line, &cap, stdin)) >= 0) {
                if (n > 0 && line[n - 1] == '\n')
                        n--;
                if (qos > 0) {
                        pthread_mutex_lock(&lock);
                        while (unacked >= window && !gone)
                                pthread_cond_wait(&cond, &lock);
                        unacked++;
                        pthread_mutex_unlock(&lock);
                }
                if (gone) {
                        fprintf(stderr, "mqtt-pub: disconnected after %ld messages\n", sent);
                        return 1;
                }
                rc = mosquitto_publish(m, NULL, argv[3], (int)n, line, (int)qos, false);
                if (rc != MOSQ_ERR_SUCCESS) {
                        fprintf(stderr, "mqtt-pub: %s after %ld messages\n", mosquitto_strerror(rc), sent);
                        return 1;
                }
                sent++;
        }
        free(line);
        pthread_mutex_lock(&lock);
        while (unacked > 0 && !gone)
                pthread_cond_wait(&cond, &lock);
        long left = unacked;
        pthread_mutex_unlock(&lock);
        if (left > 0) {
                fprintf(stderr, "mqtt-pub: disconnected with %ld messages unacknowledged\n", left);
                return 1;
        }
        /* QoS 0: the messages may still sit in the client's queue; DISCONNECT goes out after them. */
        mosquitto_disconnect(m);
        mosquitto_loop_stop(m, false);
        mosquitto_destroy(m);
        mosquitto_lib_cleanup();
        return 0;
}
