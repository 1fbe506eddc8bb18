/* Source offsets: the committed position of every source partition of every connector. Source
 * task runners read a partition's offset at start and commit acknowledged offsets; standalone
 * mode keeps them in a JSON file replaced atomically on every flush. */
#ifndef FERRY_OFFSETS_H
#define FERRY_OFFSETS_H

#include <ferry/config.h>
#include <ferry/data.h>

#include <stddef.h>

typedef struct ferry_offsets ferry_offsets_t;

struct ferry_klog_opts;
/* Distributed mode: the offsets topic (created when missing), read from the beginning; commits
 * are produced as Connect writes them: key ["<connector>",{partition}], value {offset} or null. */
ferry_offsets_t *ferry_offsets_open_kafka(const ferry_strmap_t *worker, const struct ferry_klog_opts *opts,
                                          char *errstr, size_t errstr_size);
/* Waits until every offset committed so far (by any worker) is visible here. */
int ferry_offsets_sync(ferry_offsets_t *o, int timeout_ms, char *errstr, size_t errstr_size);

/* Opens (and loads, if present) the offsets file. A malformed file is an error naming it. */
ferry_offsets_t *ferry_offsets_open_file(const char *path, char *errstr, size_t errstr_size);
void ferry_offsets_close(ferry_offsets_t *o);
/* A copy of the committed offset, NULL when none. */
ferry_value_t *ferry_offsets_get(ferry_offsets_t *o, const char *connector, const ferry_value_t *partition);
/* Records n offsets (copies; a NULL offset removes the partition) and makes them durable. */
int ferry_offsets_commit(ferry_offsets_t *o, const char *connector, ferry_value_t *const *partitions,
                         ferry_value_t *const *offsets, size_t n, char *errstr, size_t errstr_size);
/* Records n offsets in the table only (copies; NULL removes): offsets another writer already made
 * durable, such as a source task's transaction. */
int ferry_offsets_apply(ferry_offsets_t *o, const char *connector, ferry_value_t *const *partitions,
                        ferry_value_t *const *offsets, size_t n);
/* The offsets topic record of one partition as Connect writes it: key ["<connector>",{partition}],
 * value {offset} (*v NULL for a NULL offset). 0, or -1 when out of memory. The caller frees both. */
int ferry_offsets_encode(const char *connector, const ferry_value_t *partition, const ferry_value_t *offset,
                         char **k, size_t *klen, char **v, size_t *vlen);
/* Every partition of a connector as a list of {"partition":..., "offset":...} maps (REST shape). */
ferry_value_t *ferry_offsets_list(ferry_offsets_t *o, const char *connector);

#endif
