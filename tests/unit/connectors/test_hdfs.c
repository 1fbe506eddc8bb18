/* Unit tests for the HDFS sink's pure modules: WebHDFS answers (worker/connectors/hdfs/
 * webhdfs_parse.c), the write-ahead log (Confluent's WALFile, hdfs_wal.c; the old text log,
 * hdfs_wal_text.c) and committed file names, and
 * hadoop.conf.dir plus hdfs.url resolution (hadoop_conf.c). */
#include "../../../worker/connectors/hdfs/hadoop_conf.h"
#include "../../../worker/connectors/hdfs/hdfs_wal.h"
#include "../../../worker/connectors/hdfs/webhdfs_parse.h"

#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

#define S(x) x, strlen(x)

Test(webhdfs_parse, remote_exception)
{
        webhdfs_remote_exception_t re;
        cr_assert_eq(webhdfs_parse_remote_exception(S("{\"RemoteException\":{\"exception\":"
                                                      "\"FileAlreadyExistsException\",\"javaClassName\":"
                                                      "\"org.apache.hadoop.fs.FileAlreadyExistsException\","
                                                      "\"message\":\"/a exists\\n\\tat "
                                                      "x.y(Z.java:1)\"}}"),
                                                    &re),
                     0);
        cr_assert_str_eq(re.exception, "FileAlreadyExistsException");
        cr_assert_str_eq(re.message, "/a exists");
        cr_assert_eq(webhdfs_exception_err(re.exception), FERRY_ERR_EXISTS);
        cr_assert_eq(webhdfs_exception_err("FileNotFoundException"), FERRY_ERR_NOT_FOUND);
        cr_assert_eq(webhdfs_exception_err("SafeModeException"), FERRY_ERR_RETRIABLE);
        cr_assert_eq(webhdfs_exception_err("AccessControlException"), FERRY_ERR_FATAL);
        cr_assert_eq(webhdfs_exception_err("SomethingNew"), FERRY_ERR_IO);
        cr_assert(webhdfs_exception_is_standby("StandbyException"));
        cr_assert_not(webhdfs_exception_is_standby("FileNotFoundException"));
        /* only the class name */
        cr_assert_eq(webhdfs_parse_remote_exception(S("{\"RemoteException\":{\"javaClassName\":\"org.apache."
                                                      "hadoop.ipc.StandbyException\"}}"),
                                                    &re),
                     0);
        cr_assert_str_eq(re.exception, "StandbyException");
        cr_assert_neq(webhdfs_parse_remote_exception(S("{\"boolean\":true}"), &re), 0);
        cr_assert_neq(webhdfs_parse_remote_exception(S("<html>502</html>"), &re), 0);
}

Test(webhdfs_parse, boolean_status_listing)
{
        bool b = false;
        cr_assert_eq(webhdfs_parse_boolean(S("{\"boolean\":true}"), &b), 0);
        cr_assert(b);
        cr_assert_neq(webhdfs_parse_boolean(S("{\"boolean\":1}"), &b), 0);
        webhdfs_status_t st;
        cr_assert_eq(webhdfs_parse_file_status(S("{\"FileStatus\":{\"length\":12,\"modificationTime\":5,"
                                                 "\"pathSuffix\":\"\",\"type\":\"FILE\"}}"),
                                               &st),
                     0);
        cr_assert_eq(st.type, WEBHDFS_FILE);
        cr_assert_eq(st.length, 12);
        webhdfs_status_free(&st);
        webhdfs_listing_t l = {0};
        int64_t rem = -1;
        cr_assert_eq(webhdfs_parse_listing(
                             S("{\"DirectoryListing\":{\"partialListing\":{\"FileStatuses\":{\"FileStatus\":["
                               "{\"pathSuffix\":\"a\",\"type\":\"DIRECTORY\"},{\"pathSuffix\":\"b\","
                               "\"type\":\"FILE\",\"length\":3}]}},\"remainingEntries\":7}}"),
                             &l, &rem),
                     0);
        cr_assert_eq(l.n, 2);
        cr_assert_eq(rem, 7);
        cr_assert_str_eq(l.items[0].name, "a");
        cr_assert_eq(l.items[0].type, WEBHDFS_DIRECTORY);
        cr_assert_eq(
                webhdfs_parse_listing(
                        S("{\"FileStatuses\":{\"FileStatus\":[{\"pathSuffix\":\"c\",\"type\":\"FILE\"}]}}"),
                        &l, &rem),
                0);
        cr_assert_eq(l.n, 3);
        cr_assert_eq(rem, 0);
        webhdfs_listing_free(&l);
        cr_assert_neq(webhdfs_parse_listing(S("{\"FileStatuses\":{}}"), &l, &rem), 0);
        char *loc = webhdfs_parse_location(S("{\"Location\":\"http://dn:1/x\"}"));
        cr_assert_str_eq(loc, "http://dn:1/x");
        free(loc);
}

static char *wal_text(void)
{
        ferry_buf_t b;
        ferry_buf_init(&b);
        hdfs_wal_pair_t p1[] = {
                {"/t/+tmp/o/partition=0/a_tmp.json", "/t/o/partition=0/o+0+0000000000+0000000004.json"}};
        hdfs_wal_pair_t p2[] = {
                {"/t/+tmp/o/x=1/b_tmp.json", "/t/o/x=1/o+0+0000000005+0000000009.json"},
                {"/t/+tmp/o/x=2/c\tweird%_tmp.json", "/t/o/x=2/o+0+0000000006+0000000008.json"}};
        cr_assert_eq(hdfs_wal_text_encode(&b, true, p1, 1), 0);
        cr_assert_eq(hdfs_wal_text_encode(&b, false, p2, 2), 0);
        return ferry_buf_steal(&b);
}

/* Ferry's old text log is still read (an upgraded worker finishes its batches). */
Test(hdfs_wal, legacy_text_round_trip)
{
        char *t = wal_text();
        hdfs_wal_log_t l;
        char why[128];
        cr_assert_eq(hdfs_wal_parse(t, strlen(t), &l, why, sizeof(why)), 0, "%s", why);
        cr_assert(l.legacy);
        cr_assert_eq(l.batches, 2);
        cr_assert_eq(l.n, 3);
        cr_assert_str_eq(l.pairs[2].temp, "/t/+tmp/o/x=2/c\tweird%_tmp.json");
        cr_assert_str_eq(l.pairs[1].final, "/t/o/x=1/o+0+0000000005+0000000009.json");
        hdfs_wal_log_free(&l);
        free(t);
}

Test(hdfs_wal, legacy_cut_short_and_corrupt)
{
        char *t = wal_text();
        hdfs_wal_log_t l;
        char why[128];
        const char *end = strstr(t, "END\n");
        end = strstr(end + 1, "END\n");
        cr_assert_eq(hdfs_wal_parse(t, (size_t)(end - t) - 14, &l, why, sizeof(why)), 0, "%s", why);
        cr_assert_eq(l.n, 1);
        hdfs_wal_log_free(&l);
        cr_assert_eq(hdfs_wal_parse(t, 5, &l, why, sizeof(why)), 0); /* header cut short */
        cr_assert_eq(l.n, 0);
        hdfs_wal_log_free(&l);
        strstr(t, "x=1/b_tmp")[0] = 'y';
        cr_assert_eq(hdfs_wal_parse(t, strlen(t), &l, why, sizeof(why)), 1);
        cr_assert(strstr(why, "checksum"), "%s", why);
        cr_assert_eq(l.n, 1);
        hdfs_wal_log_free(&l);
        free(t);
}

static const unsigned char SYNC[16] = {0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};

/* The exact bytes of Confluent's WALFile: header, then BEGIN, the pair and END records (int32
 * record length, int32 key length, Text key, Text value; a Text is a Hadoop vint and UTF-8). */
Test(hdfs_wal, walfile_bytes)
{
        hdfs_wal_writer_t w;
        hdfs_wal_writer_new(&w);
        memcpy(w.sync, SYNC, 16);
        char longname[201];
        memset(longname, 'a', 200);
        longname[200] = 0;
        hdfs_wal_pair_t p = {longname, "/f"};
        ferry_buf_t b;
        ferry_buf_init(&b);
        cr_assert_eq(hdfs_wal_encode(&b, &w, &p, 1), 0);
        ferry_buf_t want;
        ferry_buf_init(&want);
        ferry_buf_append(&want, "WAL\0", 4);
        ferry_buf_append(&want, SYNC, 16);
        ferry_buf_append(&want, "\0\0\0\7\0\0\0\6\5BEGIN\0", 15);
        /* key: vint 200 = 0x8f 0xc8 then 200 bytes; value: 2 "/f" */
        ferry_buf_append(&want, "\0\0\0\xcd\0\0\0\xca\x8f\xc8", 10);
        ferry_buf_append(&want, longname, 200);
        ferry_buf_append(&want, "\2/f", 3);
        ferry_buf_append(&want, "\0\0\0\5\0\0\0\4\3END\0", 13);
        cr_assert_eq(b.len, want.len);
        cr_assert_eq(memcmp(b.p, want.p, b.len), 0);
        cr_assert_eq(w.pos, b.len);
        hdfs_wal_log_t l;
        char why[128];
        cr_assert_eq(hdfs_wal_parse(b.p, b.len, &l, why, sizeof(why)), 0, "%s", why);
        cr_assert(l.header && !l.legacy && !l.cut_short);
        cr_assert_eq(memcmp(l.sync, SYNC, 16), 0);
        cr_assert_eq(l.n, 1);
        cr_assert_str_eq(l.pairs[0].temp, longname);
        cr_assert_str_eq(l.pairs[0].final, "/f");
        hdfs_wal_log_free(&l);
        ferry_buf_free(&b);
        ferry_buf_free(&want);
}

/* Sync marks: every 2,000 bytes as the Java writer, and first when a writer reopens a file. */
Test(hdfs_wal, sync_marks_and_reopen)
{
        hdfs_wal_writer_t w;
        hdfs_wal_writer_new(&w);
        memcpy(w.sync, SYNC, 16);
        ferry_buf_t b;
        ferry_buf_init(&b);
        hdfs_wal_pair_t p = {"hdfs://nn:8020/topics/+tmp/t/partition=0/0000-uuid_tmp.avro",
                             "hdfs://nn:8020/topics/t/partition=0/t+0+0000000000+0000000009.avro"};
        for (int i = 0; i < 40; i++)
                cr_assert_eq(hdfs_wal_encode(&b, &w, &p, 1), 0);
        size_t marks = 0;
        for (size_t i = 20; i + 20 <= b.len; i++)
                if (memcmp(b.p + i, "\xff\xff\xff\xff", 4) == 0 && memcmp(b.p + i + 4, SYNC, 16) == 0)
                        marks++;
        cr_assert(marks >= b.len / 2200 && marks <= b.len / 2000 && marks > 0, "%zu marks in %zu bytes",
                  marks, b.len);
        /* reopen: a sync mark first, then the batch */
        hdfs_wal_writer_t r;
        hdfs_wal_writer_reopen(&r, SYNC, b.len);
        size_t at = b.len;
        cr_assert_eq(hdfs_wal_mark(&b, &r), 0);
        cr_assert_eq(b.len, at + 20);
        cr_assert_eq(memcmp(b.p + at + 4, SYNC, 16), 0);
        cr_assert_eq(hdfs_wal_encode(&b, &r, &p, 1), 0);
        cr_assert_eq(r.pos, b.len);
        hdfs_wal_log_t l;
        char why[128];
        cr_assert_eq(hdfs_wal_parse(b.p, b.len, &l, why, sizeof(why)), 0, "%s", why);
        cr_assert_eq(l.batches, 41);
        cr_assert_eq(l.n, 41);
        cr_assert_str_eq(hdfs_wal_entry_path(l.pairs[40].temp),
                         "/topics/+tmp/t/partition=0/0000-uuid_tmp.avro");
        cr_assert_eq(hdfs_committed_end_offset(hdfs_wal_entry_path(l.pairs[3].final), "t", 0, "+"), 9);
        hdfs_wal_log_free(&l);
        /* every prefix reads without error: a crash mid-write loses only the unfinished batch */
        for (size_t cut = 0; cut < b.len; cut += 7) {
                cr_assert_eq(hdfs_wal_parse(b.p, cut, &l, why, sizeof(why)), 0, "cut %zu: %s", cut, why);
                cr_assert_eq(l.n, l.batches);
                hdfs_wal_log_free(&l);
        }
        /* a sync mark that is not the header's: corrupt, the batches before it kept */
        b.p[at + 4] ^= 1;
        cr_assert_eq(hdfs_wal_parse(b.p, b.len, &l, why, sizeof(why)), 1);
        cr_assert(strstr(why, "sync"), "%s", why);
        cr_assert_eq(l.n, 40);
        hdfs_wal_log_free(&l);
        ferry_buf_free(&b);
}

Test(hdfs_wal, walfile_corrupt)
{
        hdfs_wal_log_t l;
        char why[128];
        cr_assert_eq(hdfs_wal_parse(S("garbage\n"), &l, why, sizeof(why)), 1);
        hdfs_wal_log_free(&l);
        cr_assert_eq(hdfs_wal_parse("WAL\1xxxxxxxxxxxxxxxx", 20, &l, why, sizeof(why)), 1);
        cr_assert(strstr(why, "version"), "%s", why);
        hdfs_wal_log_free(&l);
        /* a key length beyond the record */
        cr_assert_eq(hdfs_wal_parse("WAL\0xxxxxxxxxxxxxxxx\0\0\0\2\0\0\0\3\1a", 30, &l, why, sizeof(why)), 1);
        hdfs_wal_log_free(&l);
        /* a Text length that does not fill the key */
        cr_assert_eq(hdfs_wal_parse("WAL\0xxxxxxxxxxxxxxxx\0\0\0\3\0\0\0\3\1a\0", 31, &l, why, sizeof(why)),
                     1);
        hdfs_wal_log_free(&l);
        /* the Java reader's rules: pairs after END without BEGIN count at the next END */
        ferry_buf_t b;
        ferry_buf_init(&b);
        ferry_buf_append(&b, "WAL\0xxxxxxxxxxxxxxxx", 20);
        ferry_buf_append(&b, "\0\0\0\5\0\0\0\4\3END\0", 13);
        ferry_buf_append(&b, "\0\0\0\4\0\0\0\2\1a\1b", 12);
        ferry_buf_append(&b, "\0\0\0\5\0\0\0\4\3END\0", 13);
        ferry_buf_append(&b, "\0\0\0\4\0\0\0\2\1c\1d", 12);
        cr_assert_eq(hdfs_wal_parse(b.p, b.len, &l, why, sizeof(why)), 0, "%s", why);
        cr_assert_eq(l.n, 1);
        cr_assert_str_eq(l.pairs[0].temp, "a");
        hdfs_wal_log_free(&l);
        ferry_buf_free(&b);
        cr_assert_str_eq(hdfs_wal_entry_path("webhdfs://h:9870/x/y"), "/x/y");
        cr_assert_str_eq(hdfs_wal_entry_path("/x/y"), "/x/y");
        cr_assert_str_eq(hdfs_wal_entry_path("hdfs://ns1"), "/");
}

Test(hdfs_wal, committed_names)
{
        cr_assert_eq(
                hdfs_committed_end_offset("/t/o/partition=0/o+0+0000000000+0000000004.json", "o", 0, "+"), 4);
        cr_assert_eq(hdfs_committed_end_offset("o+12+0000000100+0000000199.keys.avro", "o", 12, "+"), 199);
        cr_assert_eq(hdfs_committed_end_offset("o+12+0000000100+0000000199", "o", 12, "+"), 199);
        cr_assert_eq(hdfs_committed_end_offset("o+1+0000000100+0000000199.avro", "o", 12, "+"), -1);
        cr_assert_eq(hdfs_committed_end_offset("or+12+0000000100+0000000199.avro", "o", 12, "+"), -1);
        cr_assert_eq(hdfs_committed_end_offset("o+12+0000000100.avro", "o", 12, "+"), -1);
        cr_assert_eq(hdfs_committed_end_offset("o+12+0000000200+0000000199.avro", "o", 12, "+"), -1);
        cr_assert_eq(hdfs_committed_end_offset("0a1b_tmp.avro", "o", 12, "+"), -1);
        cr_assert_eq(hdfs_committed_end_offset("o_3_0000000001_0000000002.json", "o", 3, "_"), 2);
}

static const char ha_site[] =
        "<?xml version=\"1.0\"?>\n<configuration>\n"
        "<property><name>dfs.nameservices</name><value>ns1,ns2</value></property>\n"
        "<property><name>dfs.ha.namenodes.ns1</name><value>nn1, nn2</value></property>\n"
        "<property><name>dfs.namenode.http-address.ns1.nn1</name><value>a.example:9870</value></property>\n"
        "<property><name>dfs.namenode.http-address.ns1.nn2</name><value> b.example:50070 "
        "</value></property>\n"
        "<property><name>fs.defaultFS</name><value>hdfs://ns1</value><final>true</final></property>\n"
        "<property><name>fs.defaultFS</name><value>hdfs://other</value></property>\n"
        "</configuration>\n";

Test(hadoop_conf, ha_nameservice)
{
        ferry_strmap_t p;
        ferry_strmap_init(&p);
        char err[512];
        cr_assert_eq(hadoop_conf_parse_xml(S(ha_site), "hdfs-site.xml", &p, err, sizeof(err)), 0, "%s", err);
        cr_assert_str_eq(ferry_strmap_get(&p, "fs.defaultFS"), "hdfs://ns1"); /* final wins */
        hdfs_target_t t;
        cr_assert_eq(hdfs_target_resolve(NULL, &p, &t, err, sizeof(err)), 0, "%s", err);
        cr_assert_eq(t.n, 2);
        cr_assert_str_eq(t.namenodes[0], "http://a.example:9870");
        cr_assert_str_eq(t.namenodes[1], "http://b.example:50070");
        cr_assert_str_eq(t.path, "");
        hdfs_target_free(&t);
        /* ns2 has no namenodes listed */
        cr_assert_neq(hdfs_target_resolve("hdfs://ns2", &p, &t, err, sizeof(err)), 0);
        cr_assert(strstr(err, "dfs.ha.namenodes.ns2"), "%s", err);
        ferry_strmap_free(&p);
}

Test(hadoop_conf, urls)
{
        ferry_strmap_t p;
        ferry_strmap_init(&p);
        char err[512];
        hdfs_target_t t;
        cr_assert_eq(hdfs_target_resolve("hdfs://nn.example:8020/data/", &p, &t, err, sizeof(err)), 0, "%s",
                     err);
        cr_assert_str_eq(t.namenodes[0], "http://nn.example:9870");
        cr_assert_str_eq(t.path, "/data");
        hdfs_target_free(&t);
        cr_assert_eq(hdfs_target_resolve("webhdfs://h", &p, &t, err, sizeof(err)), 0, "%s", err);
        cr_assert_str_eq(t.namenodes[0], "http://h:9870");
        hdfs_target_free(&t);
        cr_assert_eq(hdfs_target_resolve("swebhdfs://h:1", &p, &t, err, sizeof(err)), 0, "%s", err);
        cr_assert_str_eq(t.namenodes[0], "https://h:1");
        hdfs_target_free(&t);
        cr_assert_eq(hdfs_target_resolve("http://a:1/webhdfs/v1/x, http://b:2", &p, &t, err, sizeof(err)), 0,
                     "%s", err);
        cr_assert_eq(t.n, 2);
        cr_assert_str_eq(t.path, "/x");
        cr_assert_str_eq(t.namenodes[1], "http://b:2");
        hdfs_target_free(&t);
        ferry_strmap_set(&p, "dfs.namenode.http-address", "0.0.0.0:50070");
        cr_assert_eq(hdfs_target_resolve("hdfs://nn.example:8020", &p, &t, err, sizeof(err)), 0, "%s", err);
        cr_assert_str_eq(t.namenodes[0], "http://nn.example:50070");
        hdfs_target_free(&t);
        cr_assert_neq(hdfs_target_resolve("s3a://bucket", &p, &t, err, sizeof(err)), 0);
        cr_assert(strstr(err, "unsupported scheme"), "%s", err);
        cr_assert_neq(hdfs_target_resolve("", &p, &t, err, sizeof(err)), 0);
        cr_assert(strstr(err, "hdfs.url"), "%s", err);
        cr_assert_neq(hadoop_conf_parse_xml(S("<configuration><property>"), "x.xml", &p, err, sizeof(err)),
                      0);
        cr_assert(strstr(err, "x.xml"), "%s", err);
        cr_assert_neq(hadoop_conf_parse_xml(S("<conf/>"), "y.xml", &p, err, sizeof(err)), 0);
        ferry_strmap_free(&p);
}
