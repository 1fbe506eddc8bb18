/* The transform chain of a connector: the SMTs listed in `transforms`, each optionally gated by a
 * predicate from `predicates` (with `negate`), applied in order to every record. Source tasks run
 * it between poll() and the converters, sink tasks between the converters and put(). A chain
 * belongs to one task thread. */
#ifndef FERRY_TRANSFORMS_H
#define FERRY_TRANSFORMS_H

#include "runtime/registry.h"

#include <ferry/config.h>
#include <ferry/record.h>

typedef struct ferry_transform_chain ferry_transform_chain_t;

/* Builds the chain from a connector config (transforms=a,b; transforms.a.type, transforms.a.<key>,
 * transforms.a.predicate, transforms.a.negate; predicates=p; predicates.p.type, predicates.p.<key>).
 * Returns NULL after adding one error per problem to errs, keyed by the full config key
 * (e.g. "transforms.a.type", "transforms.a.spec"). No `transforms` gives an empty chain. */
ferry_transform_chain_t *ferry_transform_chain_new(const ferry_registry_t *r,
                                                   const ferry_strmap_t *connector_config,
                                                   ferry_cfg_errors_t *errs);
/* Runs the chain. Takes ownership of rec; *out is the result, or NULL when a transformation
 * dropped it. On error *out is NULL, the record is freed and errstr tells why (the failing stage:
 * ferry_transform_chain_failed_class). */
ferry_err_t ferry_transform_chain_apply(ferry_transform_chain_t *chain, ferry_record_t *rec,
                                        ferry_record_t **out, char *errstr, size_t errstr_size);
/* Class name of the transformation that failed in the last apply (NULL when none). */
const char *ferry_transform_chain_failed_class(const ferry_transform_chain_t *chain);
/* Number of transformations. */
size_t ferry_transform_chain_size(const ferry_transform_chain_t *chain);
void ferry_transform_chain_free(ferry_transform_chain_t *chain);
/* Builds and frees a chain, for connector validation; errors go to errs. */
void ferry_transform_chain_validate(const ferry_registry_t *r, const ferry_strmap_t *config,
                                    ferry_cfg_errors_t *errs);

#endif
