/* A WebHDFS client over libcurl: the file-system operations the HDFS sink needs (CREATE and
 * APPEND through the DataNode redirect, OPEN, RENAME, MKDIRS, DELETE, GETFILESTATUS, LISTSTATUS
 * in batches), simple authentication with user.name, and a list of NameNodes tried in turn (HA:
 * a StandbyException or a NameNode that does not answer moves on to the next). Not thread-safe:
 * one client per task. */
#ifndef FERRY_HDFS_WEBHDFS_H
#define FERRY_HDFS_WEBHDFS_H

#include "webhdfs_parse.h"

#include <ferry/buf.h>
#include <ferry/errors.h>

#include <stdbool.h>
#include <stddef.h>

typedef struct webhdfs webhdfs_t;

typedef struct {
        char *const *namenodes; /* base URLs "http(s)://host:port" (no /webhdfs/v1) */
        size_t n_namenodes;
        const char *user;        /* user.name of every request; NULL or "": none */
        long connect_timeout_ms; /* 0: 10 s */
        long timeout_ms;         /* whole request; 0: 120 s */
} webhdfs_opts_t;

/* NULL when out of memory or no NameNode is given. */
webhdfs_t *webhdfs_new(const webhdfs_opts_t *opts);
void webhdfs_free(webhdfs_t *w);
/* The NameNode base URL requests go to first now (the last one that answered). */
const char *webhdfs_active(const webhdfs_t *w);

/* Every call returns FERRY_ERR_OK or an error with a message naming the operation, the path and
 * the RemoteException (FERRY_ERR_NOT_FOUND, _EXISTS, _RETRIABLE for unreachable NameNodes or
 * DataNodes, safe mode and standby everywhere, _FATAL for permission errors, _IO otherwise). */
ferry_err_t webhdfs_create(webhdfs_t *w, const char *path, const void *data, size_t len, bool overwrite,
                           char *errstr, size_t errstr_size);
ferry_err_t webhdfs_append(webhdfs_t *w, const char *path, const void *data, size_t len, char *errstr,
                           size_t errstr_size);
/* The NameNode's half of CREATE: *location is the DataNode URL (malloc'd) the data is to be PUT
 * to (webhdfs_stream.c streams it there); NULL when the NameNode created the file itself (no
 * redirect: a gateway such as HttpFS), which then needs webhdfs_create/append instead. */
ferry_err_t webhdfs_create_location(webhdfs_t *w, const char *path, bool overwrite, char **location,
                                    char *errstr, size_t errstr_size);
const char *webhdfs_user(const webhdfs_t *w);
long webhdfs_connect_timeout_ms(const webhdfs_t *w);
/* The whole file into out (appended). */
ferry_err_t webhdfs_open(webhdfs_t *w, const char *path, ferry_buf_t *out, char *errstr, size_t errstr_size);
/* *renamed: the NameNode's answer (false when the source is missing or the destination exists). */
ferry_err_t webhdfs_rename(webhdfs_t *w, const char *src, const char *dst, bool *renamed, char *errstr,
                           size_t errstr_size);
ferry_err_t webhdfs_mkdirs(webhdfs_t *w, const char *path, char *errstr, size_t errstr_size);
ferry_err_t webhdfs_delete(webhdfs_t *w, const char *path, bool recursive, bool *deleted, char *errstr,
                           size_t errstr_size);
ferry_err_t webhdfs_file_status(webhdfs_t *w, const char *path, webhdfs_status_t *out, char *errstr,
                                size_t errstr_size);
/* Every entry of a directory, fetched with LISTSTATUS_BATCH (startafter) in pages; falls back to
 * LISTSTATUS where the NameNode lacks the batch operation. */
ferry_err_t webhdfs_list(webhdfs_t *w, const char *path, webhdfs_listing_t *out, char *errstr,
                         size_t errstr_size);

/* Percent-encodes s for a URL path ('/' kept) or, with query, for a query value ('/' kept, '+' and
 * '&' encoded). Appends to b; -1 when out of memory. */
int webhdfs_url_encode(ferry_buf_t *b, const char *s, bool query);

#endif
