/* Avro schema resolution: whether a reader schema can read data written with a writer schema
 * (the Avro specification's rules: matching names, promotions int->long->float->double and
 * string<->bytes, reader fields missing from the writer need defaults, enum symbols, fixed sizes,
 * unions branch by branch). Built against the public SDK only; no global state. */
#ifndef FERRY_CONNECTORS_AVRO_COMPAT_H
#define FERRY_CONNECTORS_AVRO_COMPAT_H

#include "avro_schema.h"

#include <stdbool.h>
#include <stddef.h>

/* true when reader can read what writer writes; false with the first reason in errstr. */
bool ferry_avro_can_read(const ferry_avro_node_t *reader, const ferry_avro_node_t *writer, char *errstr,
                         size_t errstr_size);

#endif
