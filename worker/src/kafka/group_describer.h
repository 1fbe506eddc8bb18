/* The live members of one consumer group, looked up by a long-lived child process
 * (`ferry-worker kafka-describer GROUP`) that keeps its admin client connected: the distributed
 * herder's leader asks it right after every rebalance, and a warm child answers in one round trip
 * where a fresh one (ferry_kafka_group_members_isolated) first starts a process, connects and finds
 * the group's coordinator. A child that dies (librdkafka 2.0 can abort on a coordinator-bound admin
 * request cut by a broker going away, kafka.h) or stops answering is killed and started again on
 * the next call. */
#ifndef FERRY_KAFKA_GROUP_DESCRIBER_H
#define FERRY_KAFKA_GROUP_DESCRIBER_H

#include <ferry/config.h>

#include <stddef.h>

typedef struct ferry_group_describer ferry_group_describer_t;

/* worker: the worker config (borrowed; it outlives the describer); group: the group to describe. */
ferry_group_describer_t *ferry_group_describer_new(const ferry_strmap_t *worker, const char *group);
/* Starts the child when none runs, so that the first call finds it connected. */
void ferry_group_describer_warm(ferry_group_describer_t *d);
/* The client ids of the group's members, sorted and de-duplicated; 0, or -1 with errstr (the
 * child is then gone: the next call starts another). One thread at a time. */
int ferry_group_describer_members(ferry_group_describer_t *d, int timeout_ms, char ***out, size_t *n_out,
                                  char *errstr, size_t errstr_size);
void ferry_group_describer_free(ferry_group_describer_t *d);

/* The child's side: the worker config on stdin as "key\0value\0" pairs and an empty key, then one
 * line per request; each answered on stdout by "OK\n", the members one a line, ".\n" (or
 * "ERR message\n.\n"). Ends at the end of stdin. Returns the exit code. */
int ferry_group_describer_main(const char *group);

#endif
