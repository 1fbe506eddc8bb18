/* Parsing of WebHDFS response bodies (JSON): RemoteException errors, {"boolean":..} answers, file
 * statuses and directory listings (LISTSTATUS and LISTSTATUS_BATCH). Pure functions over the body
 * text, no I/O, so the fuzz target and unit tests call them directly. */
#ifndef FERRY_HDFS_WEBHDFS_PARSE_H
#define FERRY_HDFS_WEBHDFS_PARSE_H

#include <ferry/errors.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
        WEBHDFS_FILE,
        WEBHDFS_DIRECTORY,
        WEBHDFS_SYMLINK,
} webhdfs_type_t;

typedef struct {
        char *name; /* pathSuffix: the entry's name in a listing, "" for GETFILESTATUS */
        webhdfs_type_t type;
        int64_t length;
        int64_t modification_time; /* ms since epoch */
        int64_t file_id;           /* the NameNode's inode id (0: not given) */
} webhdfs_status_t;

typedef struct {
        webhdfs_status_t *items;
        size_t n, cap;
} webhdfs_listing_t;

/* A RemoteException body: {"RemoteException":{"exception":..,"javaClassName":..,"message":..}}. */
typedef struct {
        char exception[128]; /* short name, e.g. FileNotFoundException */
        char message[512];
} webhdfs_remote_exception_t;

/* 0 and *out filled when body is a RemoteException, else -1. */
int webhdfs_parse_remote_exception(const char *body, size_t len, webhdfs_remote_exception_t *out);
/* Ferry's error for a RemoteException (FileNotFoundException -> NOT_FOUND, ...). */
ferry_err_t webhdfs_exception_err(const char *exception);
/* Whether the exception means "ask another NameNode" (StandbyException, ObserverRetryOnActive...). */
bool webhdfs_exception_is_standby(const char *exception);
/* {"boolean":true|false}: 0 and *out, else -1. */
int webhdfs_parse_boolean(const char *body, size_t len, bool *out);
/* {"FileStatus":{...}}: 0 and *out (name ""), else -1. Free with webhdfs_status_free. */
int webhdfs_parse_file_status(const char *body, size_t len, webhdfs_status_t *out);
/* {"FileStatuses":{"FileStatus":[..]}} or {"DirectoryListing":{"partialListing":{"FileStatuses":
 * {"FileStatus":[..]}},"remainingEntries":N}}: appends the entries to out and sets *remaining (0
 * for LISTSTATUS). 0, or -1 when the body is neither. */
int webhdfs_parse_listing(const char *body, size_t len, webhdfs_listing_t *out, int64_t *remaining);
/* {"Location":"..."} (CREATE/APPEND/OPEN with noredirect=true): a new string, else NULL. */
char *webhdfs_parse_location(const char *body, size_t len);

void webhdfs_status_free(webhdfs_status_t *s);
void webhdfs_listing_free(webhdfs_listing_t *l);

#endif
