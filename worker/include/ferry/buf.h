/* A growable byte buffer: converters serialise into one, the runtime reuses it per record. */
#ifndef FERRY_BUF_H
#define FERRY_BUF_H

#include <ferry/api.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
        char *p; /* always NUL-terminated when non-NULL */
        size_t len;
        size_t cap;
} ferry_buf_t;

FERRY_API void ferry_buf_init(ferry_buf_t *b);
FERRY_API void ferry_buf_reset(ferry_buf_t *b); /* len = 0, memory kept */
FERRY_API void ferry_buf_free(ferry_buf_t *b);
FERRY_API int ferry_buf_reserve(ferry_buf_t *b, size_t extra);
FERRY_API int ferry_buf_append(ferry_buf_t *b, const void *p, size_t n);
FERRY_API int ferry_buf_puts(ferry_buf_t *b, const char *s);
FERRY_API int ferry_buf_putc(ferry_buf_t *b, char c);
/* Appends v in decimal (as printf's %lld, without its cost on the record path). */
FERRY_API int ferry_buf_put_int(ferry_buf_t *b, int64_t v);
FERRY_API int ferry_buf_printf(ferry_buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
FERRY_API int ferry_buf_vprintf(ferry_buf_t *b, const char *fmt, va_list ap);
/* Appends the whole file at path. 0, or -1 with errno set (the buffer keeps what was read). */
FERRY_API int ferry_buf_read_file(ferry_buf_t *b, const char *path);
/* Hands the memory to the caller (NUL-terminated, never NULL unless out of memory). */
FERRY_API char *ferry_buf_steal(ferry_buf_t *b);

#endif
