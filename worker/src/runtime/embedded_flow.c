/* Source and sink tasks on the embedded broker (embedded_flow.h). A source task, before it hands
 * records to its producer, asks the broker's gate for room on the topic, naming the sink
 * connectors of this worker that read it (so that records they have not committed are never
 * dropped by the mock cluster's fixed retention); it waits, serving its delivery reports, until
 * the sinks commit. */
#include "runtime/embedded_flow.h"

#include "kafka/embedded_gate.h"
#include "kafka/kafka.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ferry_gate *ferry_flow_gate(const ferry_task_t *t)
{
        return t && t->w ? ferry_embedded_kafka_gate(t->w->embedded) : NULL;
}

static bool reads_topic(const ferry_strmap_t *config, const char *topic)
{
        const char *regex = ferry_strmap_get(config, "topics.regex");
        if (regex && *regex) {
                size_t len = strlen(regex) + 8;
                char *anchored = malloc(len);
                if (!anchored)
                        return true;
                snprintf(anchored, len, "^(%s)$", regex);
                regex_t re;
                bool match = true; /* a pattern POSIX cannot read counts as a reader: hold back */
                if (regcomp(&re, anchored, REG_EXTENDED | REG_NOSUB) == 0) {
                        match = regexec(&re, topic, 0, NULL, 0) == 0;
                        regfree(&re);
                }
                free(anchored);
                return match;
        }
        size_t n;
        char **topics = ferry_split_list(ferry_strmap_get(config, "topics"), &n);
        bool match = false;
        for (size_t i = 0; topics && i < n && !match; i++)
                match = !strcmp(topics[i], topic);
        ferry_strlist_free(topics, n);
        return match;
}

char **ferry_flow_readers(ferry_worker_t *w, const char *topic, size_t *n)
{
        *n = 0;
        pthread_mutex_lock(&w->lock);
        char **out = calloc(w->n_conns + 1, sizeof(*out));
        for (size_t i = 0; out && i < w->n_conns; i++) {
                const ferry_conn_t *c = w->conns[i];
                if (c->plugin->info.type == FERRY_PLUGIN_SINK && reads_topic(&c->config, topic)) {
                        out[*n] = strdup(c->name);
                        if (out[*n])
                                (*n)++;
                }
        }
        pthread_mutex_unlock(&w->lock);
        return out;
}

int ferry_flow_admit(ferry_task_t *t, rd_kafka_t *rk, const char *topic, size_t bytes, size_t max_batch)
{
        struct ferry_gate *g = ferry_flow_gate(t);
        if (!g)
                return 0;
        for (;;) {
                size_t n;
                char **readers = ferry_flow_readers(t->w, topic, &n);
                bool ok = ferry_gate_admit(g, topic, bytes, max_batch, readers, n);
                ferry_strlist_free(readers, n);
                if (ok)
                        return 0;
                if (ferry_task_stopping(t))
                        return -1;
                rd_kafka_poll(rk, 0);
                ferry_gate_wait(g, 100);
        }
}
