/* Unit tests for the KCQL parser shared by the Lenses-style connectors
 * (worker/connectors/shared/kcql.c): statements as the MQTT and Cassandra configs write them, every
 * clause of the grammar, case and quoting rules, several statements, the error messages, and the
 * canonical formatter (parse -> format -> parse gives the same text). */
#include "shared/kcql.h"

#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

static char errstr[512];

static ferry_kcql_t *ok(const char *kcql)
{
        ferry_kcql_t *k = NULL;
        errstr[0] = '\0';
        int rc = ferry_kcql_parse(kcql, &k, errstr, sizeof(errstr));
        cr_assert_eq(rc, 0, "parse of [%s] failed: %s", kcql, errstr);
        cr_assert_not_null(k);
        /* Every statement formats to text that parses back to the same statement. */
        for (size_t i = 0; i < k->n; i++) {
                char *f1 = ferry_kcql_format(&k->stmts[i]);
                ferry_kcql_t *k2 = NULL;
                cr_assert_eq(ferry_kcql_parse(f1, &k2, errstr, sizeof(errstr)), 0, "reparse of [%s]: %s", f1,
                             errstr);
                cr_assert_eq(k2->n, 1);
                char *f2 = ferry_kcql_format(&k2->stmts[0]);
                cr_assert_str_eq(f1, f2);
                free(f1);
                free(f2);
                ferry_kcql_free(k2);
        }
        return k;
}

static void bad(const char *kcql, const char *want)
{
        ferry_kcql_t *k = (ferry_kcql_t *)1;
        errstr[0] = '\0';
        cr_assert_eq(ferry_kcql_parse(kcql, &k, errstr, sizeof(errstr)), -1, "[%s] parsed", kcql);
        cr_assert_null(k);
        if (want)
                cr_assert_str_eq(errstr, want, "[%s]", kcql);
        else
                cr_assert_neq(errstr[0], '\0');
}

static void bad_has(const char *kcql, const char *part)
{
        bad(kcql, NULL);
        cr_assert_not_null(strstr(errstr, part), "[%s]: '%s' not in '%s'", kcql, part, errstr);
}

Test(kcql, mqtt_source_simple)
{
        ferry_kcql_t *k = ok("INSERT INTO kafka_topic SELECT * FROM /mqttSourceTopic");
        cr_assert_eq(k->n, 1);
        ferry_kcql_stmt_t *s = &k->stmts[0];
        cr_assert_eq(s->mode, FERRY_KCQL_INSERT);
        cr_assert_str_eq(s->target, "kafka_topic");
        cr_assert_str_eq(s->source, "/mqttSourceTopic");
        cr_assert_eq(s->fields.n, 1);
        cr_assert(s->fields.items[0].wildcard);
        cr_assert_eq(s->fields.items[0].depth, 0);
        cr_assert_eq(s->clauses, 0);
        cr_assert_str_eq(s->text, "INSERT INTO kafka_topic SELECT * FROM /mqttSourceTopic");
        ferry_kcql_free(k);
}

Test(kcql, mqtt_wildcards_and_dollar_target)
{
        ferry_kcql_t *k = ok("INSERT INTO $ SELECT * FROM truck/+/position;"
                             "INSERT INTO `$` SELECT * FROM `/sensors/#`;"
                             "insert into shared select * from `$share/group1/devices/+/temp/#`");
        cr_assert_eq(k->n, 3);
        cr_assert_str_eq(k->stmts[0].target, "$");
        cr_assert_str_eq(k->stmts[0].source, "truck/+/position");
        cr_assert_str_eq(k->stmts[1].target, "$");
        cr_assert_str_eq(k->stmts[1].source, "/sensors/#");
        cr_assert_str_eq(k->stmts[2].source, "$share/group1/devices/+/temp/#");
        cr_assert_str_eq(k->stmts[1].text, "INSERT INTO `$` SELECT * FROM `/sensors/#`");
        cr_assert_eq(k->stmts[1].offset, strlen("INSERT INTO $ SELECT * FROM truck/+/position;"));
        ferry_kcql_free(k);
}

Test(kcql, mqtt_source_converter_and_keys)
{
        ferry_kcql_t *k = ok(
                "INSERT INTO kafka_topic SELECT * FROM /mjson WITHCONVERTER=`io.lenses.streamreactor.connect."
                "converters.source.JsonSimpleConverter` WITHKEY(id, device.serial) KEYDELIMITER='-'");
        ferry_kcql_stmt_t *s = &k->stmts[0];
        cr_assert(ferry_kcql_has(s, FERRY_KCQL_WITHCONVERTER));
        cr_assert_str_eq(s->converter,
                         "io.lenses.streamreactor.connect.converters.source.JsonSimpleConverter");
        cr_assert_eq(s->with_keys.n, 2);
        cr_assert_str_eq(s->with_keys.items[0], "id");
        cr_assert_str_eq(s->with_keys.items[1], "device.serial");
        cr_assert_str_eq(s->key_delimiter, "-");
        cr_assert_eq(s->clause_pos[FERRY_KCQL_WITHCONVERTER], 46);
        ferry_kcql_free(k);
}

Test(kcql, mqtt_regex_and_dynamic_sink_target)
{
        ferry_kcql_t *k = ok("INSERT INTO `$` SELECT * FROM `/a/+/b` WITHREGEX=`/a/[0-9]+/b`;\n"
                             "  INSERT INTO _key SELECT * FROM kafka_topic WITHCONVERTER=`x.Y`  ;  ");
        cr_assert_eq(k->n, 2);
        cr_assert_str_eq(k->stmts[0].regex, "/a/[0-9]+/b");
        cr_assert_str_eq(k->stmts[1].target, "_key");
        cr_assert_str_eq(k->stmts[1].text, "INSERT INTO _key SELECT * FROM kafka_topic WITHCONVERTER=`x.Y`");
        ferry_kcql_free(k);
}

Test(kcql, cassandra_projection_aliases_nested)
{
        ferry_kcql_t *k = ok("INSERT INTO ks.orders SELECT id, product AS prod, price.amount AS price, "
                             "customer.address.* , _key.id AS kid, _header.h1, _.topic FROM orders-topic "
                             "IGNORE secret, a.b WITHSTRUCTURE TTL=86400");
        ferry_kcql_stmt_t *s = &k->stmts[0];
        cr_assert_str_eq(s->target, "ks.orders");
        cr_assert_str_eq(s->source, "orders-topic");
        cr_assert_eq(s->fields.n, 7);
        ferry_kcql_field_t *f = s->fields.items;
        cr_assert_eq(f[0].depth, 1);
        cr_assert_str_eq(f[0].path[0], "id");
        cr_assert_null(f[0].alias);
        cr_assert_str_eq(f[1].alias, "prod");
        cr_assert_eq(f[2].depth, 2);
        cr_assert_str_eq(f[2].path[1], "amount");
        cr_assert_str_eq(f[2].alias, "price");
        cr_assert(f[3].wildcard);
        cr_assert_eq(f[3].depth, 3);
        cr_assert_str_eq(f[3].path[2], "*");
        cr_assert_eq(f[4].scope, FERRY_KCQL_SCOPE_KEY);
        cr_assert_eq(f[4].scope_depth, 1);
        cr_assert_eq(f[5].scope, FERRY_KCQL_SCOPE_HEADER);
        cr_assert_eq(f[6].scope, FERRY_KCQL_SCOPE_TOPIC);
        cr_assert_eq(f[6].scope_depth, 2);
        cr_assert_eq(f[0].scope, FERRY_KCQL_SCOPE_VALUE);
        cr_assert_eq(s->ignored.n, 2);
        cr_assert_str_eq(s->ignored.items[1].path[1], "b");
        cr_assert_eq(s->ttl, 86400);
        cr_assert(s->with_structure);
        cr_assert(ferry_kcql_has(s, FERRY_KCQL_TTL));
        cr_assert(!ferry_kcql_has(s, FERRY_KCQL_BATCH));
        ferry_kcql_free(k);
}

Test(kcql, write_modes)
{
        ferry_kcql_t *k =
                ok("UPSERT INTO t SELECT * FROM a; upsert pk id into t select * from a;"
                   "UPDATE INTO t SELECT * FROM a; SELECT a, b FROM tbl PK ts INCREMENTALMODE=TIMESTAMP");
        cr_assert_eq(k->n, 4);
        cr_assert_eq(k->stmts[0].mode, FERRY_KCQL_UPSERT);
        cr_assert_null(k->stmts[0].upsert_pk);
        cr_assert_eq(k->stmts[1].mode, FERRY_KCQL_UPSERT);
        cr_assert_str_eq(k->stmts[1].upsert_pk, "id");
        cr_assert_eq(k->stmts[2].mode, FERRY_KCQL_UPDATE);
        cr_assert_eq(k->stmts[3].mode, FERRY_KCQL_SELECT);
        cr_assert_null(k->stmts[3].target);
        cr_assert_str_eq(k->stmts[3].pk.items[0].path[0], "ts");
        cr_assert_str_eq(k->stmts[3].incremental_mode, "TIMESTAMP");
        ferry_kcql_free(k);
}

Test(kcql, every_insert_clause)
{
        ferry_kcql_t *k = ok(
                "INSERT INTO tbl SELECT * FROM topic AUTOCREATE WITHSTRUCTURE PK a, b.c WITHTARGET=x.y "
                "AUTOEVOLVE BATCH=100 CAPITALIZE INITIALIZE PROJECTTO 2 PARTITIONBY p1, p2.q "
                "DISTRIBUTEBY d1, d2 INTO 4 BUCKETS CLUSTERBY c1 INTO 8 BUCKETS WITHTIMESTAMP sys_time() "
                "TIMESTAMPUNIT=seconds WITHFORMAT json WITHUNWRAP STOREAS `parquet` (k1 = v1, k2 = 3) "
                "WITHTAG(t1, t2 = c, t3 AS al) INCREMENTALMODE=incrementing WITHTYPE doc WITHDOCTYPE=dt "
                "WITHINDEXSUFFIX=_{YYYY-MM-dd} TTL=60 WITHCONVERTER=`a.B` WITHJMSSELECTOR=`x > 1` "
                "WITHKEY(k1, k2) KEYDELIMITER='|' WITHPIPELINE=pipe WITHPARTITIONER=hash "
                "WITHSUBSCRIPTION=shared WITHCOMPRESSION=gzip WITHDELAY=5 WITHREGEX=`.*` "
                "WITH_FLUSH_SIZE=1000 WITH_FLUSH_INTERVAL=30 WITH_FLUSH_COUNT=10 WITH_SCHEMA_EVOLUTION=add "
                "WITH_TABLE_LOCATION=`/tmp/x` WITH_OVERWRITE WITH_PARTITIONING=dynamic LIMIT 10 "
                "WITH_SESSION=sess WITH_ACK WITH_ENCODE_BASE64 WITH_LOCK_TIME=7 "
                "PROPERTIES('flush.count'=1, 'a.b'='c d', k=v)");
        ferry_kcql_stmt_t *s = &k->stmts[0];
        for (int c = 0; c <= FERRY_KCQL_PROPERTIES; c++)
                if (c != FERRY_KCQL_NOPARTITION)
                        cr_assert(ferry_kcql_has(s, c), "%s missing", ferry_kcql_clause_name(c));
        cr_assert_eq(s->pk.n, 2);
        cr_assert_str_eq(s->with_target, "x.y");
        cr_assert_eq(s->batch_size, 100);
        cr_assert_eq(s->project_to, 2);
        cr_assert_eq(s->partition_by.n, 2);
        cr_assert_str_eq(s->partition_by.items[1].path[1], "q");
        cr_assert_eq(s->distribute_by.n, 2);
        cr_assert_eq(s->distribute_buckets, 4);
        cr_assert_str_eq(s->cluster_by.items[0], "c1");
        cr_assert_eq(s->cluster_buckets, 8);
        cr_assert_str_eq(s->timestamp, "sys_time()");
        cr_assert_str_eq(s->timestamp_unit, "SECONDS");
        cr_assert_str_eq(s->format, "JSON");
        cr_assert(s->with_unwrap);
        cr_assert_str_eq(s->store_as, "parquet");
        cr_assert_eq(s->store_as_params.n, 2);
        cr_assert_str_eq(s->store_as_params.items[1].value, "3");
        cr_assert_eq(s->n_tags, 3);
        cr_assert_eq(s->tags[0].kind, FERRY_KCQL_TAG_DEFAULT);
        cr_assert_eq(s->tags[1].kind, FERRY_KCQL_TAG_CONSTANT);
        cr_assert_str_eq(s->tags[1].value, "c");
        cr_assert_eq(s->tags[2].kind, FERRY_KCQL_TAG_ALIAS);
        cr_assert_str_eq(s->incremental_mode, "incrementing");
        cr_assert_str_eq(s->with_type, "doc");
        cr_assert_str_eq(s->doc_type, "dt");
        cr_assert_str_eq(s->index_suffix, "_{YYYY-MM-dd}");
        cr_assert_eq(s->ttl, 60);
        cr_assert_str_eq(s->converter, "a.B");
        cr_assert_str_eq(s->jms_selector, "x > 1");
        cr_assert_str_eq(s->key_delimiter, "|");
        cr_assert_str_eq(s->pipeline, "pipe");
        cr_assert_str_eq(s->partitioner, "hash");
        cr_assert_str_eq(s->subscription, "shared");
        cr_assert_str_eq(s->compression, "GZIP");
        cr_assert_eq(s->delay, 5);
        cr_assert_str_eq(s->regex, ".*");
        cr_assert_eq(s->flush_size, 1000);
        cr_assert_eq(s->flush_interval, 30);
        cr_assert_eq(s->flush_count, 10);
        cr_assert_str_eq(s->schema_evolution, "ADD");
        cr_assert_str_eq(s->table_location, "/tmp/x");
        cr_assert_str_eq(s->partitioning, "DYNAMIC");
        cr_assert_eq(s->limit, 10);
        cr_assert_str_eq(s->session, "sess");
        cr_assert_eq(s->lock_time, 7);
        cr_assert_eq(s->properties.n, 3);
        cr_assert_str_eq(s->properties.items[0].key, "flush.count");
        cr_assert_str_eq(s->properties.items[0].value, "1");
        cr_assert_str_eq(s->properties.items[1].value, "c d");
        cr_assert_str_eq(s->properties.items[2].key, "k");
        ferry_kcql_free(k);
}

Test(kcql, select_only_clauses)
{
        ferry_kcql_t *k = ok("SELECT * FROM topic WITHFORMAT avro WITHGROUP g1 WITHOFFSET (0, 100), (1) "
                             "SAMPLE 5 EVERY 1000 LIMIT 3");
        ferry_kcql_stmt_t *s = &k->stmts[0];
        cr_assert_str_eq(s->consumer_group, "g1");
        cr_assert_eq(s->n_offsets, 2);
        cr_assert_eq(s->offsets[0].offset, 100);
        cr_assert(s->offsets[0].has_offset);
        cr_assert_eq(s->offsets[1].partition, 1);
        cr_assert(!s->offsets[1].has_offset);
        cr_assert_eq(s->sample_count, 5);
        cr_assert_eq(s->sample_every, 1000);
        ferry_kcql_free(k);
}

Test(kcql, nopartition_and_empty_properties_and_calls)
{
        ferry_kcql_t *k = ok("INSERT INTO b SELECT now() AS ts, f(a, b.c) FROM t NOPARTITION PROPERTIES()");
        ferry_kcql_stmt_t *s = &k->stmts[0];
        cr_assert(ferry_kcql_has(s, FERRY_KCQL_NOPARTITION));
        cr_assert(ferry_kcql_has(s, FERRY_KCQL_PROPERTIES));
        cr_assert_eq(s->properties.n, 0);
        cr_assert(s->fields.items[0].call);
        cr_assert_str_eq(s->fields.items[0].path[0], "now");
        cr_assert_eq(s->fields.items[0].args.n, 0);
        cr_assert_str_eq(s->fields.items[0].alias, "ts");
        cr_assert_eq(s->fields.items[1].args.n, 2);
        ferry_kcql_free(k);
        char deep[400] = "INSERT INTO b SELECT ";
        for (int i = 0; i < 40; i++)
                strcat(deep, "f(");
        strcat(deep, "a");
        for (int i = 0; i < 40; i++)
                strcat(deep, ")");
        strcat(deep, " FROM t");
        ferry_kcql_free(ok("INSERT INTO b SELECT f(g(), *) FROM t"));
        bad_has(deep, "function calls nested deeper than 32 at position 87");
}

Test(kcql, case_variants)
{
        ferry_kcql_t *k =
                ok("insert into t select a as b from s batch=5 projectTo 1 ttl=3 withconverter=`c`");
        cr_assert_eq(k->stmts[0].batch_size, 5);
        cr_assert_str_eq(k->stmts[0].fields.items[0].alias, "b");
        cr_assert_eq(k->stmts[0].project_to, 1);
        ferry_kcql_free(k);
        /* Mixed case is a name, not a keyword. */
        bad("Insert INTO t SELECT * FROM s", "KCQL statement 1: expected INSERT, UPSERT, UPDATE or SELECT at "
                                             "position 1 near 'Insert INTO t SELECT * F' "
                                             "(keywords are all upper- or all lower-case)");
        bad("INSERT INTO t SELECT * FROM s Batch=5",
            "KCQL statement 1: unknown clause at position 31 near 'Batch=5' (keywords are all upper- or all "
            "lower-case)");
        /* A mixed-case word is an ordinary field name. */
        k = ok("INSERT INTO t SELECT Select, From FROM s");
        cr_assert_str_eq(k->stmts[0].fields.items[1].path[0], "From");
        ferry_kcql_free(k);
}

Test(kcql, quoting_styles)
{
        ferry_kcql_t *k =
                ok("INSERT INTO 'my table' SELECT `a b`.c AS 'x y', 'select' FROM `topic with spaces` "
                   "PROPERTIES('k'='v;w')");
        ferry_kcql_stmt_t *s = &k->stmts[0];
        cr_assert_str_eq(s->target, "my table");
        cr_assert_str_eq(s->source, "topic with spaces");
        cr_assert_str_eq(s->fields.items[0].path[0], "a b");
        cr_assert_str_eq(s->fields.items[0].alias, "x y");
        cr_assert_str_eq(s->fields.items[1].path[0], "select");
        cr_assert_str_eq(s->properties.items[0].value, "v;w");
        char *f = ferry_kcql_format(s);
        cr_assert_str_eq(f,
                         "INSERT INTO `my table` SELECT `a b`.c AS `x y`, `select` FROM `topic with spaces` "
                         "PROPERTIES(k = `v;w`)");
        free(f);
        ferry_kcql_free(k);
}

Test(kcql, whitespace_and_newlines)
{
        ferry_kcql_t *k = ok("\n\tINSERT\nINTO\r\n  t\tSELECT\n*\nFROM\n s \n BATCH = 3 ;\n\n"
                             "INSERT INTO u SELECT * FROM v;\n");
        cr_assert_eq(k->n, 2);
        cr_assert_eq(k->stmts[0].batch_size, 3);
        cr_assert_str_eq(k->stmts[1].target, "u");
        ferry_kcql_free(k);
}

Test(kcql, missing_keywords)
{
        bad("INSERT t SELECT * FROM s",
            "KCQL statement 1: expected INTO at position 8 near 't SELECT * FROM s'");
        bad("INSERT INTO t * FROM s", "KCQL statement 1: expected SELECT at position 15 near '* FROM s'");
        bad("INSERT INTO t SELECT * FROM s; INSERT INTO t2 SELECT a form s2",
            "KCQL statement 2: expected FROM at position 25 near 'form s2'");
        bad("INSERT INTO t SELECT * FROM",
            "KCQL statement 1: expected a source after FROM at end of statement");
        bad("INSERT INTO SELECT * FROM s",
            "KCQL statement 1: expected a target after INTO at position 13 near "
            "'SELECT * FROM s'");
        bad("INSERT INTO t SELECT FROM s", NULL);
        bad("", "KCQL is empty: expected a statement such as INSERT INTO target SELECT * FROM source");
        bad("  ;", NULL);
        bad("INSERT INTO t SELECT * FROM s;;INSERT INTO t SELECT * FROM s",
            "KCQL statement 2: empty statement at position 1 (two ';' in a row?)");
}

Test(kcql, bad_numbers)
{
        bad("INSERT INTO t SELECT * FROM s BATCH=0",
            "KCQL statement 1: BATCH must be an integer from 1 to 2147483647, got 0 at position 37");
        bad_has("INSERT INTO t SELECT * FROM s BATCH=abc", "BATCH must be an integer");
        bad_has("INSERT INTO t SELECT * FROM s BATCH=-1", "got -1 at position 37");
        bad_has("INSERT INTO t SELECT * FROM s TTL=99999999999999999999", "TTL must be an integer");
        bad_has("INSERT INTO t SELECT * FROM s LIMIT 3000000000", "LIMIT must be an integer");
        bad_has("INSERT INTO t SELECT * FROM s BATCH 5", "expected '=' after BATCH at position 37");
        bad_has("INSERT INTO t SELECT * FROM s DISTRIBUTEBY a INTO 0 BUCKETS", "number of buckets");
        ferry_kcql_t *k = ok("INSERT INTO t SELECT * FROM s TTL=9223372036854775807");
        cr_assert_eq(k->stmts[0].ttl, INT64_MAX);
        ferry_kcql_free(k);
}

Test(kcql, unterminated_quotes)
{
        bad("INSERT INTO `t SELECT * FROM s", "KCQL statement 1: unterminated quote at position 13");
        bad("INSERT INTO t SELECT * FROM s WITHCONVERTER='abc\n'", "KCQL statement 1: unterminated quote at "
                                                                   "position 45");
        bad_has("INSERT INTO t SELECT * FROM s KEYDELIMITER='", "unterminated quote");
}

Test(kcql, unknown_clause_and_trailing_garbage)
{
        bad("INSERT INTO t SELECT * FROM s WITHFOO=1",
            "KCQL statement 1: unknown clause at position 31 near 'WITHFOO=1'");
        bad("INSERT INTO t SELECT * FROM s BATCH=1 )",
            "KCQL statement 1: unexpected at position 39 near ')'");
        bad_has("INSERT INTO t SELECT * FROM s x y", "unknown clause at position 31 near 'x y'");
        bad_has("INSERT INTO t SELECT * FROM /a/#", "names with characters such as '#' must be quoted");
        bad_has("INSERT INTO t SELECT * FROM s WITHKEY(a b)", "expected ',' or ')' at position 41");
}

Test(kcql, clause_order_and_duplicates)
{
        bad("INSERT INTO t SELECT * FROM s WITHKEY(a) WITHCONVERTER=`c`",
            "KCQL statement 1: WITHCONVERTER at position 42 must come before WITHKEY (clauses go in the "
            "grammar's "
            "order)");
        bad("INSERT INTO t SELECT * FROM s TTL=1 TTL=2",
            "KCQL statement 1: TTL at position 37 is given twice");
        bad_has("INSERT INTO t SELECT * FROM s NOPARTITION PARTITIONBY a",
                "cannot be combined with NOPARTITION");
        bad_has("INSERT INTO t SELECT * FROM s SAMPLE 1 EVERY 2", "not allowed in an INSERT/UPSERT/UPDATE");
        bad_has("SELECT * FROM s AUTOCREATE", "not allowed in a SELECT-only statement");
}

Test(kcql, enums_and_values)
{
        bad("INSERT INTO t SELECT * FROM s WITHFORMAT xml",
            "KCQL statement 1: WITHFORMAT 'XML' at position 42 is not one of AVRO, PROTOBUF, TEXT, BINARY, "
            "JSON, "
            "OBJECT, MAP");
        bad_has("INSERT INTO t SELECT * FROM s TIMESTAMPUNIT=weeks", "TIMESTAMPUNIT 'WEEKS'");
        bad_has("INSERT INTO t SELECT * FROM s KEYDELIMITER=' '", "KEYDELIMITER at position 44 is empty");
        bad_has("INSERT INTO t SELECT * FROM s KEYDELIMITER=-", "a quoted delimiter");
        bad_has("INSERT INTO t SELECT * FROM s WITHTAG(a.)", "ends with '.'");
        bad_has("INSERT INTO t SELECT * FROM s STOREAS x (a=1, A=2)", "given twice");
        bad_has("INSERT INTO '' SELECT * FROM s", "empty name at position 13");
        ferry_kcql_t *k = ok("INSERT INTO t SELECT * FROM s WITH_SCHEMA_EVOLUTION=IGNORE");
        cr_assert_str_eq(k->stmts[0].schema_evolution, "IGNORE");
        ferry_kcql_free(k);
        bad_has("INSERT INTO t SELECT * AS x FROM s", "expected FROM");
        bad("INSERT INTO t SELECT a, b, a AS c FROM s",
            "KCQL statement 1: field 'a' at position 28 is selected twice");
        bad_has("INSERT INTO t SELECT *, * FROM s", "field '*' at position 25 is selected twice");
        ferry_kcql_free(ok("INSERT INTO t SELECT a.b, a.c, a, _key.a, f(), f() FROM s"));
}

Test(kcql, check_clauses_for_a_connector)
{
        ferry_kcql_t *k = ok("INSERT INTO a SELECT * FROM b TTL=5; INSERT INTO c SELECT * FROM d WITHTAG(x)");
        uint64_t cassandra = FERRY_KCQL_BIT(FERRY_KCQL_TTL) | FERRY_KCQL_BIT(FERRY_KCQL_WITHSTRUCTURE);
        cr_assert_eq(ferry_kcql_check_clauses(k, cassandra, "the Cassandra sink", errstr, sizeof(errstr)),
                     -1);
        cr_assert_str_eq(errstr,
                         "KCQL statement 2: WITHTAG at position 31 is not supported by the Cassandra sink");
        cr_assert_eq(ferry_kcql_check_clauses(k, cassandra | FERRY_KCQL_BIT(FERRY_KCQL_WITHTAG), "x", errstr,
                                              sizeof(errstr)),
                     0);
        cr_assert_str_eq(ferry_kcql_clause_name(FERRY_KCQL_WITH_FLUSH_SIZE), "WITH_FLUSH_SIZE");
        ferry_kcql_free(k);
}

Test(kcql, format_canonical)
{
        ferry_kcql_t *k = ok("upsert pk id into ks.t select a.b as c, * from `x#` ignore z "
                             "withtimestamp SYS_TIME() keydelimiter='.' properties(a=b)");
        char *f = ferry_kcql_format(&k->stmts[0]);
        cr_assert_str_eq(
                f, "UPSERT PK `id` INTO ks.t SELECT a.b AS c, * FROM `x#` IGNORE z WITHTIMESTAMP sys_time() "
                   "KEYDELIMITER = '.' PROPERTIES(a = b)");
        free(f);
        ferry_kcql_free(k);
        ferry_kcql_free(NULL);
}
