/* Herders decide which connectors and tasks run and where; the CLI and the REST resources talk to a
 * herder only through these functions, so standalone and distributed modes are interchangeable. */
#ifndef FERRY_HERDER_H
#define FERRY_HERDER_H

#include "worker.h"

typedef struct ferry_herder ferry_herder_t;

typedef enum {
        FERRY_HERDER_OK = 0,
        FERRY_HERDER_NOT_FOUND,   /* 404 */
        FERRY_HERDER_EXISTS,      /* 409 */
        FERRY_HERDER_INVALID,     /* 400, errs filled */
        FERRY_HERDER_CONFLICT,    /* 409: rebalance under way / no leader */
        FERRY_HERDER_ERROR,       /* 500 */
} ferry_herder_rc_t;

typedef struct ferry_herder_ops {
        /* Creates (or, when allow_update, replaces) a connector. *created tells which. */
        ferry_herder_rc_t (*put_connector)(ferry_herder_t *h, const char *name, const ferry_strmap_t *config,
                                           ferry_target_t initial, bool allow_update, bool *created,
                                           ferry_cfg_errors_t *errs, char *errstr, size_t errstr_size);
        ferry_herder_rc_t (*delete_connector)(ferry_herder_t *h, const char *name);
        /* Names of all connectors (caller frees with ferry_strlist_free). */
        char **(*list)(ferry_herder_t *h, size_t *n);
        /* Config copy; NOT_FOUND when unknown. */
        ferry_herder_rc_t (*config)(ferry_herder_t *h, const char *name, ferry_strmap_t *out);
        ferry_herder_rc_t (*set_target)(ferry_herder_t *h, const char *name, ferry_target_t target);
        void (*stop)(ferry_herder_t *h);
        void (*free)(ferry_herder_t *h);
} ferry_herder_ops_t;

struct ferry_herder {
        const ferry_herder_ops_t *ops;
        ferry_worker_t *worker;
};

ferry_herder_t *ferry_standalone_herder_new(ferry_worker_t *w);

#endif
