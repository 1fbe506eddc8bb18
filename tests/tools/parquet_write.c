/* parquet-write: writes a Parquet file with Ferry's writer (worker/connectors/shared/parquet) from a
 * Connect schema (JsonConverter's schema JSON) and JSON rows (one JsonConverter payload per line),
 * for tests that read the file back with an independent reader (tests/connectors/parquet/).
 * Output bytes are written to the file as the writer releases them (each finished row group), the
 * way a storage sink ships parts. Prints the Parquet schema with -s.
 *
 *   parquet-write [-c codec] [-g row_group_bytes] [-p page_bytes] [-s] [-3] SCHEMA.json ROWS.jsonl
 * OUT.parquet
 * (-3: parquet-avro's three-level lists, as the S3 sink writes them for arrays of optional items) */
#include "plugins/builtin.h"
#include "shared/parquet/parquet.h"

#include <ferry/strmap.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static char *slurp(const char *path, size_t *len)
{
        FILE *f = fopen(path, "rb");
        if (!f)
                return NULL;
        ferry_buf_t b;
        ferry_buf_init(&b);
        char tmp[65536];
        size_t n;
        while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
                ferry_buf_append(&b, tmp, n);
        fclose(f);
        *len = b.len;
        return b.p ? b.p : strdup("");
}

static double elapsed(const struct timespec *a, const struct timespec *b)
{
        return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

static int drain(ferry_buf_t *out, FILE *f)
{
        if (out->len && fwrite(out->p, 1, out->len, f) != out->len)
                return -1;
        ferry_buf_reset(out);
        return 0;
}

int main(int argc, char **argv)
{
        ferry_parquet_options_t opt = FERRY_PARQUET_OPTIONS_DEFAULT;
        bool print_schema = false;
        int c;
        char err[512] = "";
        while ((c = getopt(argc, argv, "c:g:p:s3")) != -1) {
                switch (c) {
                case 'c':
                        if (ferry_parquet_codec_parse(optarg, &opt.codec, err, sizeof(err)) < 0) {
                                fprintf(stderr, "parquet-write: %s\n", err);
                                return 2;
                        }
                        break;
                case 'g':
                        opt.row_group_bytes = strtoull(optarg, NULL, 10);
                        break;
                case 'p':
                        opt.page_bytes = strtoull(optarg, NULL, 10);
                        break;
                case 's':
                        print_schema = true;
                        break;
                case '3':
                        opt.three_level_lists = true;
                        break;
                default:
                        return 2;
                }
        }
        if (argc - optind != 3) {
                fprintf(stderr,
                        "usage: parquet-write [-c codec] [-g bytes] [-p bytes] [-s] [-3] SCHEMA ROWS OUT\n");
                return 2;
        }
        size_t schema_len, rows_len;
        char *schema_json = slurp(argv[optind], &schema_len);
        char *rows = slurp(argv[optind + 1], &rows_len);
        FILE *outf = fopen(argv[optind + 2], "wb");
        if (!schema_json || !rows || !outf) {
                perror("parquet-write");
                return 1;
        }
        ferry_strmap_t cfg;
        ferry_strmap_init(&cfg);
        ferry_strmap_set(&cfg, "schemas.enable", "true");
        void *conv = NULL;
        if (ferry_json_converter.configure(&conv, &cfg, false, err, sizeof(err)) != FERRY_ERR_OK) {
                fprintf(stderr, "parquet-write: JsonConverter: %s\n", err);
                return 1;
        }
        ferry_buf_t out, env;
        ferry_buf_init(&out);
        ferry_buf_init(&env);
        int rc = 0;
        /* Phase 1: every line through the JsonConverter (not timed). */
        ferry_schema_t **schemas = NULL;
        ferry_value_t **values = NULL;
        long *lines = NULL;
        size_t n = 0, cap = 0;
        long line_no = 0;
        for (char *line = rows, *next; line && *line; line = next) {
                next = strchr(line, '\n');
                size_t len = next ? (size_t)(next - line) : strlen(line);
                if (next)
                        next++;
                line_no++;
                if (len == 0)
                        continue;
                ferry_buf_reset(&env);
                ferry_buf_puts(&env, "{\"schema\":");
                ferry_buf_append(&env, schema_json, schema_len);
                ferry_buf_puts(&env, ",\"payload\":");
                ferry_buf_append(&env, line, len);
                ferry_buf_puts(&env, "}");
                if (n == cap) {
                        cap = cap ? cap * 2 : 1024;
                        schemas = realloc(schemas, cap * sizeof(*schemas));
                        values = realloc(values, cap * sizeof(*values));
                        lines = realloc(lines, cap * sizeof(*lines));
                        if (!schemas || !values || !lines) {
                                fprintf(stderr, "parquet-write: out of memory\n");
                                return 1;
                        }
                }
                schemas[n] = NULL;
                values[n] = NULL;
                if (ferry_json_converter.to_connect(conv, "t", env.p, env.len, &schemas[n], &values[n], err,
                                                    sizeof(err)) != FERRY_ERR_OK) {
                        fprintf(stderr, "parquet-write: line %ld: %s\n", line_no, err);
                        rc = 1;
                        break;
                }
                lines[n++] = line_no;
        }
        /* Phase 2: the writer, timed in CPU seconds; the released bytes go to the file as they come. */
        ferry_parquet_writer_t *w = NULL;
        ferry_schema_t *first = n ? schemas[0] : NULL;
        if (rc == 0 && first && print_schema) {
                ferry_parquet_writer_t *tmp = ferry_parquet_writer_new(first, &opt, &env, err, sizeof(err));
                if (tmp) {
                        ferry_buf_t text;
                        ferry_buf_init(&text);
                        ferry_parquet_writer_schema_text(tmp, &text);
                        fputs(text.p, stdout);
                        ferry_buf_free(&text);
                        ferry_parquet_writer_free(tmp);
                }
        }
        struct timespec t0, t1, c0, c1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
        if (rc == 0 && first && !(w = ferry_parquet_writer_new(first, &opt, &out, err, sizeof(err)))) {
                fprintf(stderr, "parquet-write: %s\n", err);
                rc = 1;
        }
        for (size_t i = 0; w && i < n; i++) {
                if (ferry_parquet_writer_write(w, values[i], err, sizeof(err)) < 0) {
                        fprintf(stderr, "parquet-write: line %ld: %s\n", lines[i], err);
                        rc = 3; /* a refused row: the rest is still written */
                }
                if (drain(&out, outf) < 0) {
                        perror("parquet-write");
                        rc = 1;
                        break;
                }
        }
        if (w && (rc == 0 || rc == 3)) {
                if (ferry_parquet_writer_close(w, err, sizeof(err)) < 0 || drain(&out, outf) < 0) {
                        fprintf(stderr, "parquet-write: %s\n", err);
                        rc = 1;
                }
                clock_gettime(CLOCK_MONOTONIC, &t1);
                clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
                fprintf(stderr,
                        "parquet-write: %lld rows, %lld row groups, %llu bytes, writer %.3f s (%.3f s CPU)\n",
                        (long long)ferry_parquet_writer_rows(w),
                        (long long)ferry_parquet_writer_row_groups(w),
                        (unsigned long long)ferry_parquet_writer_position(w), elapsed(&t0, &t1),
                        elapsed(&c0, &c1));
        }
        for (size_t i = 0; i < n; i++) {
                ferry_schema_unref(schemas[i]);
                ferry_value_free(values[i]);
        }
        free(schemas);
        free(values);
        free(lines);
        ferry_parquet_writer_free(w);
        ferry_json_converter.close(conv);
        ferry_strmap_free(&cfg);
        ferry_buf_free(&out);
        ferry_buf_free(&env);
        free(schema_json);
        free(rows);
        if (fclose(outf) != 0)
                rc = 1;
        return rc;
}
