/* WebHDFS response bodies (JSON, parsed with json-c) into Ferry structs: RemoteException errors
 * and their mapping onto Ferry's error codes, {"boolean"} answers, FileStatus objects and
 * (batched) directory listings. Called by webhdfs.c on every NameNode answer; fuzzed by
 * tests/fuzz/fuzz_webhdfs.c. */
#include "webhdfs_parse.h"

#include <json-c/json.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_object *parse(const char *body, size_t len)
{
        if (!body || len == 0 || len > (size_t)64 * 1024 * 1024)
                return NULL;
        json_tokener *tok = json_tokener_new_ex(64);
        if (!tok)
                return NULL;
        json_object *o = json_tokener_parse_ex(tok, body, (int)len);
        if (!o || json_tokener_get_error(tok) != json_tokener_success) {
                json_object_put(o);
                o = NULL;
        }
        json_tokener_free(tok);
        return o;
}

static json_object *member(json_object *o, const char *key, json_type type)
{
        json_object *v = NULL;
        if (!o || !json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, key, &v))
                return NULL;
        return json_object_is_type(v, type) ? v : NULL;
}

static void copy_str(char *dst, size_t cap, json_object *v)
{
        const char *s = v ? json_object_get_string(v) : NULL;
        snprintf(dst, cap, "%s", s ? s : "");
}

int webhdfs_parse_remote_exception(const char *body, size_t len, webhdfs_remote_exception_t *out)
{
        json_object *root = parse(body, len);
        json_object *re = member(root, "RemoteException", json_type_object);
        if (!re) {
                json_object_put(root);
                return -1;
        }
        copy_str(out->exception, sizeof(out->exception), member(re, "exception", json_type_string));
        if (!out->exception[0]) {
                /* Only the Java class name: keep its last component. */
                char full[sizeof(out->exception)];
                copy_str(full, sizeof(full), member(re, "javaClassName", json_type_string));
                const char *dot = strrchr(full, '.');
                snprintf(out->exception, sizeof(out->exception), "%s", dot ? dot + 1 : full);
        }
        copy_str(out->message, sizeof(out->message), member(re, "message", json_type_string));
        /* Some NameNodes append the Java stack trace: keep the first line. */
        char *nl = strchr(out->message, '\n');
        if (nl)
                *nl = 0;
        json_object_put(root);
        return 0;
}

ferry_err_t webhdfs_exception_err(const char *e)
{
        static const struct {
                const char *name;
                ferry_err_t err;
        } map[] = {
                {"FileNotFoundException", FERRY_ERR_NOT_FOUND},
                {"FileAlreadyExistsException", FERRY_ERR_EXISTS},
                {"AlreadyBeingCreatedException", FERRY_ERR_CONFLICT},
                {"RecoveryInProgressException", FERRY_ERR_RETRIABLE},
                {"LeaseExpiredException", FERRY_ERR_CONFLICT},
                {"AccessControlException", FERRY_ERR_FATAL},
                {"SecurityException", FERRY_ERR_FATAL},
                {"AuthorizationException", FERRY_ERR_FATAL},
                {"InvalidToken", FERRY_ERR_FATAL},
                {"ParentNotDirectoryException", FERRY_ERR_CONFLICT},
                {"PathIsNotEmptyDirectoryException", FERRY_ERR_CONFLICT},
                {"IllegalArgumentException", FERRY_ERR_BAD_REQUEST},
                {"InvalidPathException", FERRY_ERR_BAD_REQUEST},
                {"UnsupportedOperationException", FERRY_ERR_BAD_REQUEST},
                {"SafeModeException", FERRY_ERR_RETRIABLE},
                {"RetriableException", FERRY_ERR_RETRIABLE},
                {"StandbyException", FERRY_ERR_RETRIABLE},
                {"NotReplicatedYetException", FERRY_ERR_RETRIABLE},
                {"DSQuotaExceededException", FERRY_ERR_FATAL},
                {"NSQuotaExceededException", FERRY_ERR_FATAL},
        };
        if (!e)
                return FERRY_ERR_IO;
        for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
                if (strcmp(map[i].name, e) == 0)
                        return map[i].err;
        return FERRY_ERR_IO;
}

bool webhdfs_exception_is_standby(const char *e)
{
        return e && (strcmp(e, "StandbyException") == 0 || strcmp(e, "ObserverRetryOnActiveException") == 0);
}

int webhdfs_parse_boolean(const char *body, size_t len, bool *out)
{
        json_object *root = parse(body, len);
        json_object *b = member(root, "boolean", json_type_boolean);
        if (b)
                *out = json_object_get_boolean(b);
        json_object_put(root);
        return b ? 0 : -1;
}

static int64_t int_member(json_object *o, const char *key)
{
        json_object *v = member(o, key, json_type_int);
        return v ? json_object_get_int64(v) : 0;
}

static int status_from(json_object *fs, webhdfs_status_t *out)
{
        json_object *type = member(fs, "type", json_type_string);
        json_object *suffix = member(fs, "pathSuffix", json_type_string);
        if (!type)
                return -1;
        const char *t = json_object_get_string(type);
        if (strcmp(t, "FILE") == 0)
                out->type = WEBHDFS_FILE;
        else if (strcmp(t, "DIRECTORY") == 0)
                out->type = WEBHDFS_DIRECTORY;
        else if (strcmp(t, "SYMLINK") == 0)
                out->type = WEBHDFS_SYMLINK;
        else
                return -1;
        out->name = strdup(suffix ? json_object_get_string(suffix) : "");
        if (!out->name)
                return -1;
        out->length = int_member(fs, "length");
        out->modification_time = int_member(fs, "modificationTime");
        out->file_id = int_member(fs, "fileId");
        return 0;
}

int webhdfs_parse_file_status(const char *body, size_t len, webhdfs_status_t *out)
{
        memset(out, 0, sizeof(*out));
        json_object *root = parse(body, len);
        json_object *fs = member(root, "FileStatus", json_type_object);
        int rc = fs ? status_from(fs, out) : -1;
        json_object_put(root);
        return rc;
}

int webhdfs_parse_listing(const char *body, size_t len, webhdfs_listing_t *out, int64_t *remaining)
{
        json_object *root = parse(body, len);
        json_object *statuses = member(root, "FileStatuses", json_type_object);
        *remaining = 0;
        if (!statuses) {
                json_object *dl = member(root, "DirectoryListing", json_type_object);
                statuses = member(member(dl, "partialListing", json_type_object), "FileStatuses",
                                  json_type_object);
                *remaining = int_member(dl, "remainingEntries");
                if (*remaining < 0)
                        *remaining = 0;
        }
        json_object *arr = member(statuses, "FileStatus", json_type_array);
        if (!arr) {
                json_object_put(root);
                return -1;
        }
        size_t n = json_object_array_length(arr);
        for (size_t i = 0; i < n; i++) {
                webhdfs_status_t st = {0};
                if (status_from(json_object_array_get_idx(arr, i), &st) != 0) {
                        free(st.name);
                        continue; /* an entry we cannot read is skipped, not fatal */
                }
                if (out->n == out->cap) {
                        size_t cap = out->cap ? out->cap * 2 : 16;
                        webhdfs_status_t *items = realloc(out->items, cap * sizeof(*items));
                        if (!items) {
                                free(st.name);
                                json_object_put(root);
                                return -1;
                        }
                        out->items = items;
                        out->cap = cap;
                }
                out->items[out->n++] = st;
        }
        json_object_put(root);
        return 0;
}

char *webhdfs_parse_location(const char *body, size_t len)
{
        json_object *root = parse(body, len);
        json_object *loc = member(root, "Location", json_type_string);
        char *s = loc ? strdup(json_object_get_string(loc)) : NULL;
        json_object_put(root);
        return s;
}

void webhdfs_status_free(webhdfs_status_t *s)
{
        if (s) {
                free(s->name);
                s->name = NULL;
        }
}

void webhdfs_listing_free(webhdfs_listing_t *l)
{
        if (!l)
                return;
        for (size_t i = 0; i < l->n; i++)
                free(l->items[i].name);
        free(l->items);
        memset(l, 0, sizeof(*l));
}
