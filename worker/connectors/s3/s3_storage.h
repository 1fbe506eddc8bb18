/* The S3 storage backend: files of the storage-sink core as S3 objects (see s3_storage.c). */
#ifndef FERRY_S3_STORAGE_H
#define FERRY_S3_STORAGE_H

#include "s3_client.h"
#include "s3_upload.h"

#include "shared/storage/storage_writer.h"

typedef struct s3_completer s3_completer_t;

typedef struct {
        s3_client_t *client;
        s3_uploader_t *uploader;   /* parts go up in the background */
        s3_completer_t *completer; /* objects are stored (PUT or completed) in the background */
        size_t part_size;          /* s3.part.size */
        uint64_t objects;          /* committed so far */
        uint64_t spilled;          /* bytes moved to spill files by the memory budget */
} s3_storage_t;

/* Starts the thread that stores committed objects (its own client over cfg, as the task's);
 * -1 with a message. */
int s3_storage_start(s3_storage_t *s, const s3_client_config_t *cfg, char *errstr, size_t errstr_size);
/* Stops it; every committed object must have been settled. */
void s3_storage_stop(s3_storage_t *s);
/* New keys for the task's client and the background one. */
void s3_storage_set_creds(s3_storage_t *s, const char *access_key, const char *secret_key,
                          const char *session_token);

/* Fills b with the backend over s (which must outlive it); s3_storage_start comes first. */
void s3_storage_backend(s3_storage_t *s, storage_backend_t *b);

#endif
