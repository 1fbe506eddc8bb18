/* Unit tests for the JDBC connectors' pure modules (worker/connectors/jdbc/jdbc_url.c, jdbc_sql.c,
 * jdbc_types.c): JDBC URLs to libpq conninfo, Confluent's source and sink SQL shapes, SQL types to
 * Connect schemas (numeric.mapping) and cell text to values. */
#include "../../../worker/connectors/jdbc/jdbc.h"

#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

static char *conninfo(const char *url, char **dropped)
{
        jdbc_url_t u;
        char err[256];
        cr_assert_eq(jdbc_url_parse(url, &u, err, sizeof(err)), 0, "%s: %s", url, err);
        char *ci = jdbc_pg_conninfo(&u, NULL, NULL, dropped);
        jdbc_url_free(&u);
        return ci;
}

Test(jdbc_url, postgres)
{
        char *dropped = NULL;
        char *ci = conninfo("jdbc:postgresql://db.example:5433/shop?user=u&password=p%27w&sslmode=require"
                            "&currentSchema=sales&ApplicationName=app&prepareThreshold=0",
                            &dropped);
        cr_assert_str_eq(ci, "host='db.example' port='5433' dbname='shop' user='u' password='p\\'w' "
                             "sslmode='require' options='-c search_path=sales' application_name='app'");
        cr_assert_str_eq(dropped, "prepareThreshold");
        free(ci);
        free(dropped);
        ci = conninfo("jdbc:postgresql://h1,[::1]:6000/d?ssl=true", &dropped);
        cr_assert_str_eq(ci, "host='h1,::1' port='5432,6000' dbname='d' sslmode='require'");
        cr_assert_null(dropped);
        free(ci);
        ci = conninfo("jdbc:postgresql:local", NULL);
        cr_assert_str_eq(ci, "dbname='local'");
        free(ci);
}

Test(jdbc_url, others_and_errors)
{
        jdbc_url_t u;
        char err[256];
        cr_assert_eq(jdbc_url_parse("jdbc:sqlite:/tmp/x.db", &u, err, sizeof(err)), 0);
        cr_assert_eq(u.kind, JDBC_DB_SQLITE);
        cr_assert_str_eq(u.database, "/tmp/x.db");
        jdbc_url_free(&u);
        cr_assert_eq(jdbc_url_parse("jdbc:sqlite::memory:", &u, err, sizeof(err)), 0);
        cr_assert_str_eq(u.database, ":memory:");
        jdbc_url_free(&u);
        cr_assert_eq(jdbc_url_parse("jdbc:mariadb://m:3307/app?user=a", &u, err, sizeof(err)), 0);
        cr_assert_eq(u.kind, JDBC_DB_MYSQL);
        cr_assert_str_eq(u.hosts, "m");
        cr_assert_str_eq(u.ports, "3307");
        cr_assert_str_eq(u.database, "app");
        cr_assert_str_eq(ferry_strmap_get(&u.params, "user"), "a");
        jdbc_url_free(&u);
        const char *bad[] = {"",
                             "postgresql://h/d",
                             "jdbc:oracle:thin:@h:1521:x",
                             "jdbc:postgresql://h:99999/d",
                             "jdbc:postgresql://h:x/d",
                             "jdbc:postgresql://u:pw@h/d",
                             "jdbc:postgresql://h/d?a=%zz",
                             "jdbc:postgresql://[::1/d",
                             "jdbc:sqlite:",
                             "jdbc:postgresql://h/d?=v",
                             NULL};
        for (int i = 0; bad[i]; i++) {
                cr_assert_eq(jdbc_url_parse(bad[i], &u, err, sizeof(err)), -1, "accepted %s", bad[i]);
                cr_assert_null(strstr(err, "pw"), "%s", err);
        }
}

static const jdbc_sql_style_t PG = {.quote = '"', .quote_identifiers = true, .placeholder = '$'};

static void expect_source(jdbc_mode_t mode, char **ts, size_t n_ts, const char *want)
{
        jdbc_table_id_t t = {.schema = "public", .table = "t"};
        ferry_buf_t b;
        ferry_buf_init(&b);
        cr_assert_eq(jdbc_source_sql(&b, &PG, &t, NULL, mode, "id", ts, n_ts, ""), 0);
        cr_assert_str_eq(b.p, want);
        ferry_buf_free(&b);
}

Test(jdbc_sql, source_shapes)
{
        char *ts[] = {"mod", "created"};
        expect_source(JDBC_MODE_BULK, NULL, 0, "SELECT * FROM \"public\".\"t\"");
        expect_source(JDBC_MODE_INCREMENTING, NULL, 0,
                      "SELECT * FROM \"public\".\"t\" WHERE \"public\".\"t\".\"id\" > $1 ORDER BY "
                      "\"public\".\"t\".\"id\" ASC");
        expect_source(JDBC_MODE_TIMESTAMP, ts, 1,
                      "SELECT * FROM \"public\".\"t\" WHERE \"public\".\"t\".\"mod\" > $1 AND "
                      "\"public\".\"t\".\"mod\" < "
                      "$2 ORDER BY \"public\".\"t\".\"mod\" ASC");
        expect_source(
                JDBC_MODE_TIMESTAMP_INCREMENTING, ts, 2,
                "SELECT * FROM \"public\".\"t\" WHERE "
                "COALESCE(\"public\".\"t\".\"mod\",\"public\".\"t\".\"created\") "
                "< $1 AND ((COALESCE(\"public\".\"t\".\"mod\",\"public\".\"t\".\"created\") = $2 AND "
                "\"public\".\"t\".\"id\" > $3) OR "
                "COALESCE(\"public\".\"t\".\"mod\",\"public\".\"t\".\"created\") > "
                "$4) ORDER BY "
                "COALESCE(\"public\".\"t\".\"mod\",\"public\".\"t\".\"created\"),\"public\".\"t\".\"id\" "
                "ASC");
        ferry_buf_t b;
        ferry_buf_init(&b);
        jdbc_sql_style_t lite = {.quote = '"', .quote_identifiers = false, .placeholder = '?'};
        cr_assert_eq(jdbc_source_sql(&b, &lite, NULL, "SELECT a FROM x", JDBC_MODE_INCREMENTING, "a", NULL, 0,
                                     "LIMIT 5"),
                     0);
        cr_assert_str_eq(b.p, "SELECT a FROM x WHERE a > ? ORDER BY a ASC LIMIT 5");
        ferry_buf_free(&b);
}

Test(jdbc_sql, sink_shapes)
{
        jdbc_table_id_t t = {.table = "orders"};
        ferry_schema_t *str = ferry_schema_new(FERRY_TYPE_STRING);
        ferry_schema_t *opt = ferry_schema_optional(FERRY_TYPE_INT32);
        ferry_schema_t *dec = ferry_schema_decimal(2);
        ferry_schema_set_optional(dec, true);
        jdbc_field_t f[] = {
                {.name = "id", .type_hint = FERRY_TYPE_INT64, .key = true},
                {.name = "name", .schema = str},
                {.name = "qty", .schema = opt},
                {.name = "amount", .schema = dec},
        };
        struct {
                jdbc_db_kind_t kind;
                jdbc_insert_mode_t mode;
                const char *want;
        } cases[] = {
                {JDBC_DB_POSTGRES, JDBC_INSERT,
                 "INSERT INTO \"orders\"(\"id\",\"name\",\"qty\",\"amount\") VALUES($1,$2,$3,$4)"},
                {JDBC_DB_POSTGRES, JDBC_UPSERT,
                 "INSERT INTO \"orders\" (\"id\",\"name\",\"qty\",\"amount\") VALUES ($1,$2,$3,$4) ON "
                 "CONFLICT (\"id\") DO "
                 "UPDATE SET "
                 "\"name\"=EXCLUDED.\"name\",\"qty\"=EXCLUDED.\"qty\",\"amount\"=EXCLUDED.\"amount\""},
                {JDBC_DB_POSTGRES, JDBC_UPDATE,
                 "UPDATE \"orders\" SET \"name\" = $1, \"qty\" = $2, \"amount\" = $3 WHERE \"id\" = $4"},
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                ferry_buf_t b;
                ferry_buf_init(&b);
                cr_assert_eq(jdbc_sink_sql(&b, &PG, cases[i].kind, &t, cases[i].mode, f, 4), 0);
                cr_assert_str_eq(b.p, cases[i].want);
                ferry_buf_free(&b);
        }
        jdbc_sql_style_t lite = {.quote = '"', .quote_identifiers = true, .placeholder = '?'};
        ferry_buf_t b;
        ferry_buf_init(&b);
        jdbc_sink_sql(&b, &lite, JDBC_DB_SQLITE, &t, JDBC_UPSERT, f, 2);
        cr_assert_str_eq(b.p, "INSERT OR REPLACE INTO \"orders\"(\"id\",\"name\") VALUES(?,?)");
        ferry_buf_reset(&b);
        jdbc_sql_style_t my = {.quote = '`', .quote_identifiers = true, .placeholder = '?'};
        jdbc_sink_sql(&b, &my, JDBC_DB_MYSQL, &t, JDBC_UPSERT, f, 3);
        cr_assert_str_eq(b.p, "insert into `orders`(`id`,`name`,`qty`) values(?,?,?) on duplicate key update "
                              "`name`=values(`name`),`qty`=values(`qty`)");
        ferry_buf_reset(&b);
        cr_assert_eq(jdbc_sink_sql_rows(&b, &PG, JDBC_DB_POSTGRES, &t, JDBC_UPSERT, f, 2, 3), 0);
        cr_assert_str_eq(
                b.p, "INSERT INTO \"orders\" (\"id\",\"name\") VALUES ($1,$2),($3,$4),($5,$6) ON CONFLICT "
                     "(\"id\") DO UPDATE SET \"name\"=EXCLUDED.\"name\"");
        ferry_buf_reset(&b);
        cr_assert_eq(jdbc_sink_sql_rows(&b, &my, JDBC_DB_MYSQL, &t, JDBC_INSERT, f, 2, 2), 0);
        cr_assert_str_eq(b.p, "INSERT INTO `orders`(`id`,`name`) VALUES(?,?),(?,?)");
        cr_assert_eq(jdbc_sink_sql_rows(&b, &PG, JDBC_DB_POSTGRES, &t, JDBC_UPDATE, f, 2, 2), -1);
        ferry_buf_reset(&b);
        cr_assert_str_eq(jdbc_sql_type(JDBC_DB_MYSQL, dec, FERRY_TYPE_BYTES), "DECIMAL(65,2)");
        jdbc_sink_sql(&b, &lite, JDBC_DB_POSTGRES, &t, JDBC_UPSERT, f, 1);
        cr_assert_str_eq(b.p, "INSERT INTO \"orders\" (\"id\") VALUES (?) ON CONFLICT (\"id\") DO NOTHING");
        ferry_buf_reset(&b);
        jdbc_delete_sql(&b, &PG, &t, f, 4);
        cr_assert_str_eq(b.p, "DELETE FROM \"orders\" WHERE \"id\" = $1");
        ferry_buf_reset(&b);
        cr_assert_eq(jdbc_create_sql(&b, &PG, JDBC_DB_POSTGRES, &t, f, 4), 0);
        cr_assert_str_eq(
                b.p,
                "CREATE TABLE \"orders\" (\n\"id\" BIGINT NOT NULL,\n\"name\" TEXT NOT NULL,\n\"qty\" INT "
                "NULL,\n\"amount\" DECIMAL NULL,\nPRIMARY KEY(\"id\"))");
        ferry_buf_reset(&b);
        cr_assert_eq(jdbc_alter_sql(&b, &PG, JDBC_DB_POSTGRES, &t, &f[2], 2), 0);
        cr_assert_str_eq(b.p, "ALTER TABLE \"orders\" \nADD \"qty\" INT NULL,\nADD \"amount\" DECIMAL NULL");
        ferry_buf_free(&b);
        ferry_schema_unref(str);
        ferry_schema_unref(opt);
        ferry_schema_unref(dec);
}

static ferry_schema_t *schema_of(jdbc_sqltype_t t, int p, int s, jdbc_numeric_mapping_t m)
{
        jdbc_column_t c = {.name = "c", .type = t, .precision = p, .scale = s, .nullable = true};
        return jdbc_column_schema(&c, m);
}

Test(jdbc_types, numeric_mapping)
{
        ferry_schema_t *s = schema_of(JDBC_T_NUMERIC, 10, 2, JDBC_NUMERIC_NONE);
        cr_assert_str_eq(s->name, FERRY_LOGICAL_DECIMAL);
        cr_assert_str_eq(ferry_schema_param(s, "scale"), "2");
        cr_assert_str_eq(ferry_schema_param(s, "connect.decimal.precision"), "10");
        cr_assert(s->optional);
        ferry_schema_unref(s);
        struct {
                int p, sc;
                jdbc_numeric_mapping_t m;
                ferry_type_t want;
        } cases[] = {
                {2, 0, JDBC_NUMERIC_PRECISION_ONLY, FERRY_TYPE_INT8},
                {4, 0, JDBC_NUMERIC_PRECISION_ONLY, FERRY_TYPE_INT16},
                {9, 0, JDBC_NUMERIC_PRECISION_ONLY, FERRY_TYPE_INT32},
                {18, 0, JDBC_NUMERIC_PRECISION_ONLY, FERRY_TYPE_INT64},
                {19, 0, JDBC_NUMERIC_PRECISION_ONLY, FERRY_TYPE_BYTES},
                {10, 2, JDBC_NUMERIC_PRECISION_ONLY, FERRY_TYPE_BYTES},
                {10, 2, JDBC_NUMERIC_BEST_FIT, FERRY_TYPE_FLOAT64},
                {10, 0, JDBC_NUMERIC_BEST_FIT, FERRY_TYPE_INT64},
                {30, 2, JDBC_NUMERIC_BEST_FIT, FERRY_TYPE_BYTES},
                {30, 2, JDBC_NUMERIC_BEST_FIT_EAGER_DOUBLE, FERRY_TYPE_FLOAT64},
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                s = schema_of(JDBC_T_NUMERIC, cases[i].p, cases[i].sc, cases[i].m);
                cr_assert_eq(s->type, cases[i].want, "case %zu", i);
                ferry_schema_unref(s);
        }
        cr_assert_null(schema_of(JDBC_T_UNKNOWN, 0, 0, JDBC_NUMERIC_NONE));
        cr_assert_eq(jdbc_numeric_mapping_parse("best_fit"), JDBC_NUMERIC_BEST_FIT);
        cr_assert_eq(jdbc_numeric_mapping_parse("nope"), -1);
}

Test(jdbc_types, cells_and_times)
{
        char err[128];
        ferry_value_t *v;
        ferry_schema_t *ts = schema_of(JDBC_T_TIMESTAMP, 0, 0, JDBC_NUMERIC_NONE);
        cr_assert_eq(jdbc_cell_value(ts, JDBC_T_TIMESTAMP, NULL, "2024-02-29 13:14:15.678+02", 26, &v, err,
                                     sizeof(err)),
                     0);
        cr_assert_eq(v->u.i, 1709205255678);
        ferry_value_free(v);
        cr_assert_eq(jdbc_cell_value(ts, JDBC_T_TIMESTAMP, NULL, NULL, 0, &v, err, sizeof(err)), 0);
        cr_assert_null(v);
        cr_assert_eq(jdbc_cell_value(ts, JDBC_T_TIMESTAMP, NULL, "garbage", 7, &v, err, sizeof(err)), -1);
        ferry_schema_unref(ts);
        int64_t ms;
        int32_t ns;
        cr_assert_eq(jdbc_parse_timestamp("1969-12-31 23:59:59.999999", 26, &ms, &ns), 0);
        cr_assert_eq(ms, -1);
        cr_assert_eq(ns, 999999000);
        char out[40];
        jdbc_format_timestamp(-1, 999999000, out);
        cr_assert_str_eq(out, "1969-12-31 23:59:59.999999000");
        jdbc_format_timestamp(1709212455678, -1, out);
        cr_assert_str_eq(out, "2024-02-29 13:14:15.678000000");
        int32_t d, t;
        cr_assert_eq(jdbc_parse_date("2024-02-29", 10, &d), 0);
        cr_assert_eq(d, 19782);
        char ds[16];
        jdbc_format_date(-1, ds);
        cr_assert_str_eq(ds, "1969-12-31");
        cr_assert_eq(jdbc_parse_time("13:14:15.678", 12, &t), 0);
        cr_assert_eq(t, 47655678);
        ferry_schema_t *dec = schema_of(JDBC_T_NUMERIC, 10, 2, JDBC_NUMERIC_NONE);
        cr_assert_eq(jdbc_cell_value(dec, JDBC_T_NUMERIC, NULL, "-0.01", 5, &v, err, sizeof(err)), 0);
        cr_assert_eq(v->u.s.len, 1);
        cr_assert_eq((unsigned char)v->u.s.data[0], 0xff);
        ferry_value_free(v);
        ferry_schema_unref(dec);
        ferry_schema_t *i16 = schema_of(JDBC_T_INT16, 0, 0, JDBC_NUMERIC_NONE);
        cr_assert_eq(jdbc_cell_value(i16, JDBC_T_INT16, NULL, "70000", 5, &v, err, sizeof(err)), -1);
        ferry_schema_unref(i16);
}

Test(jdbc_types, table_ids)
{
        jdbc_table_id_t t;
        cr_assert_eq(jdbc_table_id_parse("\"public\".\"my.table\"", &t), 0);
        cr_assert_str_eq(t.schema, "public");
        cr_assert_str_eq(t.table, "my.table");
        char *s = jdbc_table_id_unquoted(&t);
        cr_assert_str_eq(s, "public.my.table");
        free(s);
        jdbc_table_id_free(&t);
        cr_assert_eq(jdbc_table_id_parse("c.s.t", &t), 0);
        cr_assert_str_eq(t.catalog, "c");
        jdbc_table_id_free(&t);
        cr_assert_eq(jdbc_table_id_parse("a..b", &t), -1);
        cr_assert_eq(jdbc_table_id_parse("", &t), -1);
}

Test(jdbc_tz, zones_and_wall_times)
{
        char err[256];
        jdbc_tz_t *tz = NULL;
        cr_assert_eq(jdbc_tz_load("UTC", &tz, err, sizeof(err)), 0);
        cr_assert_null(tz);
        cr_assert_eq(jdbc_tz_load("Mars/Olympus", &tz, err, sizeof(err)), -1);
        cr_assert(strstr(err, "db.timezone"), "%s", err);
        cr_assert_eq(jdbc_tz_load("../../etc/passwd", &tz, err, sizeof(err)), -1);
        cr_assert_eq(jdbc_tz_load("+05:30", &tz, err, sizeof(err)), 0);
        cr_assert_eq(jdbc_tz_offset(tz, 0), 19800);
        jdbc_tz_free(tz);
        cr_assert_eq(jdbc_tz_load("Europe/Paris", &tz, err, sizeof(err)), 0, "%s", err);
        /* 2024-07-01 12:00 in Paris is 10:00 UTC (summer), 2024-01-15 12:00 is 11:00 UTC. */
        cr_assert_eq(jdbc_tz_local_to_utc_ms(tz, 1719835200000LL), 1719828000000LL);
        cr_assert_eq(jdbc_tz_utc_to_local_ms(tz, 1719828000000LL), 1719835200000LL);
        cr_assert_eq(jdbc_tz_local_to_utc_ms(tz, 1705320000000LL), 1705316400000LL);
        /* 2024-03-31 02:30 does not exist in Paris: moved forward to 03:30 CEST = 01:30 UTC. */
        cr_assert_eq(jdbc_tz_local_to_utc_ms(tz, 1711852200000LL), 1711848600000LL);
        int64_t ms;
        int32_t ns;
        cr_assert_eq(jdbc_parse_timestamp_tz("2024-07-01 12:00:00", 19, tz, &ms, &ns), 0);
        cr_assert_eq(ms, 1719828000000LL);
        /* Text with its own offset is an instant whatever the zone. */
        cr_assert_eq(jdbc_parse_timestamp_tz("2024-07-01 12:00:00+00", 22, tz, &ms, &ns), 0);
        cr_assert_eq(ms, 1719835200000LL);
        /* sqlite-jdbc's INTEGER dates: epoch milliseconds. */
        cr_assert_eq(jdbc_parse_timestamp_tz("1719835200123", 13, tz, &ms, &ns), 0);
        cr_assert_eq(ms, 1719835200123LL);
        cr_assert_eq(ns, 123000000);
        int32_t tm;
        cr_assert_eq(jdbc_parse_time_tz("10:00:00", 8, tz, &tm), 0);
        cr_assert_eq(tm, 9 * 3600000);
        cr_assert_eq(jdbc_parse_time_tz("00:30:00", 8, tz, &tm), 0);
        cr_assert_eq(tm, 23 * 3600000 + 30 * 60000); /* wrapped to the time of day */
        cr_assert_eq(jdbc_parse_time_tz("10:00:00+05", 11, tz, &tm), 0);
        cr_assert_eq(tm, 5 * 3600000); /* timetz: its own offset */
        cr_assert_eq(jdbc_parse_time_tz("10:00:00", 8, NULL, &tm), 0);
        cr_assert_eq(tm, 10 * 3600000);
        cr_assert_eq(jdbc_parse_time_tz("36000000", 8, tz, &tm), 0); /* sqlite-jdbc epoch ms */
        cr_assert_eq(tm, 10 * 3600000);
        int32_t days;
        cr_assert_eq(jdbc_parse_date_cell("2024-07-01", 10, &days), 0);
        cr_assert_eq(days, 19905);
        cr_assert_eq(jdbc_parse_date_cell("1719792000000", 13, &days), 0);
        cr_assert_eq(days, 19905);
        cr_assert_eq(jdbc_date_in_zone(tz, 19905), 19905);
        cr_assert_eq(jdbc_date_in_zone(NULL, 19905), 19905);
        jdbc_tz_t *ny = NULL;
        cr_assert_eq(jdbc_tz_load("America/New_York", &ny, err, sizeof(err)), 0, "%s", err);
        cr_assert_eq(jdbc_date_in_zone(ny, 19905), 19904);
        cr_assert_eq(jdbc_parse_time_tz("20:00:00", 8, ny, &tm), 0);
        cr_assert_eq(tm, 3600000); /* 20:00 EST is 01:00 UTC the next day */
        jdbc_tz_free(ny);
        jdbc_tz_free(tz);
        uint8_t junk[60] = "TZif2";
        cr_assert_eq(jdbc_tz_parse(junk, sizeof(junk), &tz), -1);
}
