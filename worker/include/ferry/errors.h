/* Error codes shared by the runtime and plugins, with a description table (ferry_err2str).
 * Functions that can fail return ferry_err_t and, where a message helps, fill errstr/errstr_size. */
#ifndef FERRY_ERRORS_H
#define FERRY_ERRORS_H

#include <ferry/api.h>

#define FERRY_ERRORS(X)                                                                                      \
        X(OK, "success")                                                                                     \
        X(NOMEM, "out of memory")                                                                            \
        X(INVALID_CONFIG, "invalid configuration")                                                           \
        X(BAD_REQUEST, "bad request")                                                                        \
        X(NOT_FOUND, "not found")                                                                            \
        X(EXISTS, "already exists")                                                                          \
        X(CONFLICT, "conflict")                                                                              \
        X(CONVERSION, "data conversion failed")                                                              \
        X(TRANSFORM, "transformation failed")                                                                \
        X(IO, "I/O error")                                                                                   \
        X(KAFKA, "Kafka client error")                                                                       \
        X(RETRIABLE, "retriable error")                                                                      \
        X(TIMEOUT, "timed out")                                                                              \
        X(FATAL, "fatal error")

typedef enum {
#define FERRY_X_ENUM(name, desc) FERRY_ERR_##name,
        FERRY_ERRORS(FERRY_X_ENUM)
#undef FERRY_X_ENUM
                FERRY_ERR__END
} ferry_err_t;

FERRY_API const char *ferry_err2str(ferry_err_t err);
/* Connect's name for the error, e.g. "NOT_FOUND". */
FERRY_API const char *ferry_err2name(ferry_err_t err);

#endif
