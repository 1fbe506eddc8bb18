# Ferry build: `make` builds bin/ferry-worker; `make test` installs what is missing, builds and
# runs every test; `make run` starts the quickstart. See README.md.
.DEFAULT_GOAL := all
SHELL := /bin/bash

VERSION ?= $(shell cat VERSION 2>/dev/null || echo 0.0.0)
COMMIT ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
CC ?= cc
PKGS := rdkafka libcurl yaml-0.1 json-c libwebsockets openssl
WARN := -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter -Wstrict-prototypes -Wformat=2
BASE_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) -Iworker/include -Iworker/src -Ibuild/gen -pthread \
	-DFERRY_VERSION='"$(VERSION)"' -DFERRY_COMMIT='"$(COMMIT)"' -fvisibility=hidden
DEPS_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
DEPS_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -ldl -lm -pthread

# Variants: release (bin/), asan (build/asan: ASan + UBSan, used by the tests).
OPT_release := -O2 -g
OPT_asan := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
LDOPT_release := -rdynamic
LDOPT_asan := -rdynamic -fsanitize=address,undefined

WORKER_SRC := $(sort $(wildcard worker/src/*.c worker/src/*/*.c worker/plugins/*.c worker/plugins/*/*.c))
WORKER_LIB_SRC := $(filter-out worker/src/main.c,$(WORKER_SRC))
UNIT_SRC := $(filter-out tests/unit/operator/%,$(sort $(wildcard tests/unit/*.c tests/unit/*/*.c)))

# The operator (bin/ferry-operator) is built from its own object list; it shares no code with the
# worker but worker/src/common (logger, byte buffer). Its unit tests are a separate Criterion binary.
OPERATOR_SRC := $(sort $(wildcard operator/src/*.c operator/src/*/*.c worker/src/common/*.c))
OPERATOR_LIB_SRC := $(filter-out operator/src/main.c,$(OPERATOR_SRC))
OPERATOR_UNIT_SRC := $(sort $(wildcard tests/unit/operator/*.c))
OPERATOR_PKGS := libcurl libwebsockets openssl yaml-0.1 json-c
OPERATOR_LIBS = $(shell pkg-config --libs $(OPERATOR_PKGS) 2>/dev/null) -lm -pthread

objs = $(patsubst %.c,build/$(1)/%.o,$(2))
OPERATOR_OBJS := $(foreach v,release asan,$(call objs,$(v),$(OPERATOR_SRC) $(OPERATOR_UNIT_SRC)))
$(OPERATOR_OBJS): BASE_CFLAGS += -Ioperator/src

.PHONY: all deps test unit integration run bench clean fmt lint check-fmt asan plugins install
all: bin/ferry-worker bin/ferry-operator plugins

# Installation layout (`make install PREFIX=... DESTDIR=...`). The worker's default plugin.path is
# $(PREFIX)/lib/ferry/plugins, compiled in through build/gen/ferry_paths.h (rewritten only when
# PREFIX changes, so a new PREFIX rebuilds the one object that uses it).
PREFIX ?= /usr/local
DESTDIR ?=
PLUGIN_DIR := $(PREFIX)/lib/ferry/plugins
build/gen/ferry_paths.h: FORCE
	@mkdir -p $(dir $@)
	@printf '#define FERRY_PLUGIN_DIR "%s"\n' '$(PLUGIN_DIR)' >$@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi
.PHONY: FORCE
FORCE:
$(foreach v,release asan fuzz,build/$(v)/worker/src/runtime/worker_config.o): build/gen/ferry_paths.h

bin/ferry-worker: $(call objs,release,$(WORKER_SRC))
	@mkdir -p bin
	$(CC) $(LDOPT_release) -o $@ $^ $(DEPS_LIBS)

build/asan/ferry-worker: $(call objs,asan,$(WORKER_SRC))
	$(CC) $(LDOPT_asan) -o $@ $^ $(DEPS_LIBS)

build/asan/unit-tests: $(call objs,asan,$(WORKER_LIB_SRC) $(UNIT_SRC))
	$(CC) $(LDOPT_asan) -o $@ $^ $(DEPS_LIBS) -lcriterion

# Code shared by several connector families (worker/connectors/shared: the KCQL parser, ...). It is
# built against the public SDK only; the unit tests and fuzz targets link it and include it as
# "shared/<name>.h".
CONNECTOR_SHARED_SRC := $(sort $(wildcard worker/connectors/shared/*.c worker/connectors/shared/*/*.c))
CONNECTOR_SHARED_USERS := $(CONNECTOR_SHARED_SRC) $(wildcard tests/unit/connectors/*.c tests/fuzz/*.c)
$(foreach v,asan fuzz,$(call objs,$(v),$(CONNECTOR_SHARED_USERS))): BASE_CFLAGS += -Iworker/connectors
build/asan/unit-tests: $(call objs,asan,$(CONNECTOR_SHARED_SRC))
# The libraries the shared code links: the Avro object container writer (deflate, snappy), the
# Parquet writer (snappy, gzip, zstd), the CQL client's frames (LZ4, snappy) and the named time
# zones of shared/tz (ICU).
CONNECTOR_SHARED_LIBS := -lz -lsnappy -lzstd -llz4 $(shell pkg-config --libs icu-i18n icu-uc 2>/dev/null)
build/asan/unit-tests: DEPS_LIBS += $(CONNECTOR_SHARED_LIBS)
# The JDBC connector's pure modules (URL parser, SQL builders, type mapping: no client library)
# link into the unit tests (tests/unit/connectors/test_jdbc.c).
JDBC_PURE_SRC := $(addprefix worker/connectors/jdbc/,jdbc_url.c jdbc_sql.c jdbc_types.c jdbc_tz.c)
build/asan/unit-tests: $(call objs,asan,$(JDBC_PURE_SRC))
# The AvroConverter's mapping of schema.registry.ssl.* onto libcurl settings and its registry client
# (OpenSSL and libcurl, both in DEPS_LIBS): tests/unit/connectors/test_avro_registry_tls.c.
AVRO_PURE_SRC := worker/connectors/avro/registry_tls.c worker/connectors/avro/registry_client.c
build/asan/unit-tests: $(call objs,asan,$(AVRO_PURE_SRC))
# The HDFS sink's pure modules (WebHDFS answers, the WAL text, hadoop.conf.dir with libxml2):
# tests/unit/connectors/test_hdfs.c, tests/fuzz/fuzz_webhdfs.c, fuzz_hdfs_wal.c, fuzz_hadoop_conf.c.
HDFS_PURE_SRC := $(addprefix worker/connectors/hdfs/,webhdfs_parse.c hdfs_wal.c hdfs_wal_text.c hadoop_conf.c)
HDFS_XML_CFLAGS = $(shell pkg-config --cflags libxml-2.0 2>/dev/null)
HDFS_XML_LIBS = $(shell pkg-config --libs libxml-2.0 2>/dev/null)
build/asan/unit-tests: $(call objs,asan,$(HDFS_PURE_SRC))
build/asan/unit-tests: DEPS_LIBS += $(HDFS_XML_LIBS)
$(call objs,asan,$(HDFS_PURE_SRC) tests/unit/connectors/test_hdfs.c): DEPS_CFLAGS += $(HDFS_XML_CFLAGS)
build/fuzz/tests/fuzz/fuzz_hadoop_conf.o: DEPS_CFLAGS += $(HDFS_XML_CFLAGS)
build/fuzz/fuzz_hadoop_conf: DEPS_LIBS += $(HDFS_XML_LIBS)
# The S3 sink's pure modules (SigV4 on OpenSSL, the XML response scanner, the credentials file
# parser, the STS answer parser and the credential chain): tests/unit/connectors/test_s3.c.
S3_PURE_SRC := $(addprefix worker/connectors/s3/,s3_sigv4.c s3_xml.c s3_creds.c s3_sts.c)
build/asan/unit-tests: $(call objs,asan,$(S3_PURE_SRC))
# The Elasticsearch sink's documents and config (index names, ids, actions, JSON sources, mappings):
# tests/unit/connectors/test_es_doc.c.
ES_PURE_SRC := worker/connectors/elasticsearch/es_doc.c worker/connectors/elasticsearch/es_config.c
build/asan/unit-tests: $(call objs,asan,$(ES_PURE_SRC))
# The Cassandra sinks' trust/key store keys: tests/unit/connectors/test_cass_tls.c.
CASS_PURE_SRC := worker/connectors/cassandra/cass_tls.c
build/asan/unit-tests: $(call objs,asan,$(CASS_PURE_SRC))

bin/ferry-operator: $(call objs,release,$(OPERATOR_SRC))
	@mkdir -p bin
	$(CC) -o $@ $^ $(OPERATOR_LIBS)

build/asan/ferry-operator: $(call objs,asan,$(OPERATOR_SRC))
	$(CC) -fsanitize=address,undefined -o $@ $^ $(OPERATOR_LIBS)

build/asan/operator-unit-tests: $(call objs,asan,$(OPERATOR_LIB_SRC) $(OPERATOR_UNIT_SRC))
	$(CC) -fsanitize=address,undefined -o $@ $^ $(OPERATOR_LIBS) -lcriterion

build/release/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "CC $<"
	@$(CC) $(BASE_CFLAGS) $(OPT_release) $(DEPS_CFLAGS) -MMD -MP -c -o $@ $<

build/asan/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "CC [asan] $<"
	@$(CC) $(BASE_CFLAGS) $(OPT_asan) $(DEPS_CFLAGS) -MMD -MP -c -o $@ $<

-include $(shell find build -name '*.d' 2>/dev/null)

asan: build/asan/ferry-worker build/asan/ferry-operator

TOOLS := build/tools/kafka-committed build/tools/kafka-create-topic build/tools/kafka-wait-hw \
	build/tools/kafka-delete-records
build/tools/kafka-committed: tests/tools/kafka_committed.c
build/tools/kafka-delete-records: tests/tools/kafka_delete_records.c
build/tools/kafka-create-topic: tests/tools/kafka_create_topic.c
build/tools/kafka-wait-hw: tests/tools/kafka_wait_hw.c
$(TOOLS):
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) -O1 -g $(DEPS_CFLAGS) -o $@ $< $(DEPS_LIBS)

# mqtt-pub: a publisher that waits for every acknowledgement (hack/bench/mqtt.sh).
build/tools/mqtt-pub: tests/tools/mqtt_pub.c
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) -O2 -g -o $@ $< -lmosquitto -pthread
TOOLS += build/tools/mqtt-pub

# The CQL client's check against a real node (tests/connectors/cassandra/cql_client.sh): links the
# worker library and the shared connector code, with ASan/UBSan.
CQL_CHECK := build/tools/cql-check
build/asan/tests/tools/cql_check.o: BASE_CFLAGS += -Iworker/connectors
$(CQL_CHECK): build/asan/tests/tools/cql_check.o $(call objs,asan,$(WORKER_LIB_SRC) $(CONNECTOR_SHARED_SRC))
	@mkdir -p $(dir $@)
	$(CC) $(LDOPT_asan) -o $@ $^ $(DEPS_LIBS) $(CONNECTOR_SHARED_LIBS)

# parquet-write: the shared Parquet writer fed JSON rows through the built-in JsonConverter, for
# tests that read its files with pyarrow (tests/connectors/parquet/).
PARQUET_SRC := $(filter-out %/storage_format_parquet.c,$(sort $(wildcard worker/connectors/shared/parquet/*.c)))
$(call objs,release,$(PARQUET_SRC) tests/tools/parquet_write.c): BASE_CFLAGS += -Iworker -Iworker/connectors
build/tools/parquet-write: $(call objs,release,$(WORKER_LIB_SRC) $(PARQUET_SRC) tests/tools/parquet_write.c)
	@mkdir -p $(dir $@)
	$(CC) -o $@ $^ $(DEPS_LIBS) $(CONNECTOR_SHARED_LIBS)
TOOLS += build/tools/parquet-write

deps:
	@hack/deps.sh

unit: build/asan/unit-tests build/asan/operator-unit-tests
	build/asan/unit-tests --jobs 2
	build/asan/operator-unit-tests --jobs 2

test: deps
	@$(MAKE) --no-print-directory all asan build/asan/unit-tests build/asan/operator-unit-tests $(TOOLS) $(CQL_CHECK) tsan
	@tests/run.sh

run: deps
	@$(MAKE) --no-print-directory all
	@hack/quickstart.sh

bench: deps
	@$(MAKE) --no-print-directory all $(TOOLS) $(CQL_CHECK)
	@hack/bench/run.sh

fmt:
	clang-format -i $(WORKER_SRC) $(UNIT_SRC) $(CONNECTOR_SHARED_SRC) $(OPERATOR_SRC) $(OPERATOR_UNIT_SRC) \
		$(wildcard operator/src/*.h operator/src/*/*.h) tests/tools/*.c tests/fuzz/*.c \
		$(wildcard worker/include/ferry/*.h worker/src/*/*.h tests/*/*.h) \
		$(wildcard worker/connectors/*/*.c worker/connectors/*/*.h worker/connectors/shared/*/*.[ch] examples/*/*.c)

lint:
	@hack/lint.sh

# Connector families: every worker/connectors/<family>/ builds to $(PLUGIN_BUILD)/<family>/<family>.so
# from its *.c files, against the SDK headers only (worker/include; never worker/src) and the
# client libraries its plugin.mk names (`<family>_PKGS := libpq`, pkg-config names; optional
# `<family>_CFLAGS`/`<family>_LIBS`) and the shared connector code it uses (`<family>_SHARED := kcql
# avro/codec`: worker/connectors/shared/<name>.c compiled into the family; headers included as
# "shared/<name>.h"). SDK symbols resolve against the worker at load; the worker
# links none of these libraries. $ORIGIN in the rpath finds client libraries shipped beside a .so.
# CONNECTORS_DIR and PLUGIN_BUILD may point elsewhere (tests build a throwaway family that way).
CONNECTORS_DIR ?= worker/connectors
PLUGIN_BUILD ?= build/plugins
FAMILIES := $(filter-out shared,$(notdir $(patsubst %/,%,$(sort $(dir $(wildcard $(CONNECTORS_DIR)/*/*.c))))))
-include $(wildcard $(CONNECTORS_DIR)/*/plugin.mk)
PLUGIN_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) -Iworker/include -Iworker/connectors -fPIC -fvisibility=hidden -O2 -g -pthread \
	-DFERRY_VERSION='"$(VERSION)"'
PLUGIN_SOS := $(foreach f,$(FAMILIES),$(PLUGIN_BUILD)/$(f)/$(f).so)
plugins: $(PLUGIN_SOS)

define family_rules
$(PLUGIN_BUILD)/$(1)/%.o: $(CONNECTORS_DIR)/$(1)/%.c
	@mkdir -p $$(dir $$@)
	@echo "CC [plugin $(1)] $$<"
	@$$(CC) $$(PLUGIN_CFLAGS) $$($(1)_CFLAGS) $$(if $$($(1)_PKGS),$$(shell pkg-config --cflags $$($(1)_PKGS))) \
		-MMD -MP -c -o $$@ $$<
$(PLUGIN_BUILD)/$(1)/shared/%.o: worker/connectors/shared/%.c
	@mkdir -p $$(dir $$@)
	@echo "CC [plugin $(1)] $$<"
	@$$(CC) $$(PLUGIN_CFLAGS) $$($(1)_CFLAGS) -MMD -MP -c -o $$@ $$<
$(PLUGIN_BUILD)/$(1)/$(1).so: $$(patsubst $(CONNECTORS_DIR)/$(1)/%.c,$(PLUGIN_BUILD)/$(1)/%.o,$$(wildcard $(CONNECTORS_DIR)/$(1)/*.c)) \
		$$(foreach s,$$($(1)_SHARED),$(PLUGIN_BUILD)/$(1)/shared/$$(s).o)
	$$(CC) -shared -Wl,-rpath,'$$$$ORIGIN' -o $$@ $$^ \
		$$(if $$($(1)_PKGS),$$(shell pkg-config --libs $$($(1)_PKGS))) $$($(1)_LIBS) -pthread
endef
$(foreach f,$(FAMILIES),$(eval $(call family_rules,$(f))))

# pkg-config file for out-of-tree plugins: Cflags only (no library: plugins resolve the SDK
# against the worker). `pkg-config --define-variable=prefix=DIR` relocates it.
build/ferry-sdk.pc: FORCE
	@mkdir -p $(dir $@)
	@printf '%s\n' 'prefix=$(PREFIX)' 'includedir=$${prefix}/include' 'plugindir=$${prefix}/lib/ferry/plugins' '' \
		'Name: ferry-sdk' 'Description: Ferry plugin SDK (headers; plugins resolve it against ferry-worker)' \
		'Version: $(VERSION)' 'Cflags: -I$${includedir}' >$@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi

# make install [PREFIX=/usr/local] [DESTDIR=]: the worker, the SDK headers, ferry-sdk.pc, and every
# connector plugin under lib/ferry/plugins/<family>/.
install: bin/ferry-worker plugins build/ferry-sdk.pc
	install -d "$(DESTDIR)$(PREFIX)/bin" "$(DESTDIR)$(PREFIX)/include/ferry" "$(DESTDIR)$(PREFIX)/lib/pkgconfig" \
		"$(DESTDIR)$(PLUGIN_DIR)"
	install -m 0755 bin/ferry-worker "$(DESTDIR)$(PREFIX)/bin/ferry-worker"
	install -m 0644 worker/include/ferry/*.h "$(DESTDIR)$(PREFIX)/include/ferry/"
	install -m 0644 build/ferry-sdk.pc "$(DESTDIR)$(PREFIX)/lib/pkgconfig/ferry-sdk.pc"
	@set -e; for f in $(FAMILIES); do \
		echo "install $(PLUGIN_BUILD)/$$f/$$f.so -> $(DESTDIR)$(PLUGIN_DIR)/$$f/"; \
		install -d "$(DESTDIR)$(PLUGIN_DIR)/$$f"; \
		install -m 0755 "$(PLUGIN_BUILD)/$$f/$$f.so" "$(DESTDIR)$(PLUGIN_DIR)/$$f/$$f.so"; \
	done

clean:
	rm -rf build bin

# libFuzzer targets (clang): every tests/fuzz/fuzz_<name>.c is linked against the worker sources and
# the shared connector code into build/fuzz/fuzz_<name>. `make fuzz` runs each for FUZZ_TIME seconds
# from its seed corpus tests/fuzz/corpus/<name> (and tests/fuzz/<name>.dict when there is one);
# tests/runtime/fuzz_short.sh runs each briefly in make test.
FUZZ_CC ?= clang
FUZZ_TIME ?= 600
OPT_fuzz := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,%,$(sort $(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_BINS := $(addprefix build/fuzz/,$(FUZZ_TARGETS))

# -Wno-format-nonliteral: clang flags vprintf-style wrappers that gcc accepts (gcc builds keep it).
build/fuzz/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "CC [fuzz] $<"
	@$(FUZZ_CC) $(BASE_CFLAGS) -Wno-format-nonliteral $(OPT_fuzz) -fsanitize=fuzzer-no-link $(DEPS_CFLAGS) -MMD -MP -c -o $@ $<

$(FUZZ_BINS): build/fuzz/%: $(call objs,fuzz,$(WORKER_LIB_SRC) $(CONNECTOR_SHARED_SRC)) build/fuzz/tests/fuzz/%.o
	$(FUZZ_CC) $(OPT_fuzz) -fsanitize=fuzzer -rdynamic -o $@ $^ $(DEPS_LIBS) $(CONNECTOR_SHARED_LIBS)

.PHONY: fuzz
fuzz: $(FUZZ_BINS)
	@set -e; for t in $(FUZZ_TARGETS); do \
		n=$${t#fuzz_}; mkdir -p build/fuzz/corpus-$$n; \
		dict=; [ -f tests/fuzz/$$n.dict ] && dict=-dict=tests/fuzz/$$n.dict; \
		echo "== $$t for $(FUZZ_TIME) s"; \
		build/fuzz/$$t -max_total_time=$(FUZZ_TIME) -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
			$$dict build/fuzz/corpus-$$n tests/fuzz/corpus/$$n; \
	done

# Packaging (helm/ferry, deploy/, Dockerfiles). helm and yaml2json are built from Go modules pinned
# in hack/tools/go.mod into $(FERRY_CACHE or .cache)/tools/bin on first use (hack/tools.sh).
.PHONY: deploy helm-crds helm-lint tools packaging-check
deploy:
	@hack/packaging.sh deploy

helm-crds:
	@hack/packaging.sh sync

helm-lint:
	@"$$(hack/tools.sh helm | tail -1)" lint --strict helm/ferry

tools:
	@hack/tools.sh build

packaging-check:
	@hack/packaging.sh check

# ThreadSanitizer build of the worker: `make tsan` builds build/tsan/ferry-worker;
# tests/runtime/tsan_pipeline.sh runs it (hack/tsan.sh sets the runtime options and suppressions).
OPT_tsan := -O1 -g -fno-omit-frame-pointer -fsanitize=thread
build/tsan/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "CC [tsan] $<"
	@$(CC) $(BASE_CFLAGS) $(OPT_tsan) $(DEPS_CFLAGS) -MMD -MP -c -o $@ $<

# hack/tsan_c11_threads.c routes librdkafka's C11 thread calls through the intercepted pthread ones.
build/tsan/ferry-worker: $(call objs,tsan,$(WORKER_SRC) hack/tsan_c11_threads.c)
	$(CC) -rdynamic -fsanitize=thread -o $@ $^ $(DEPS_LIBS)

.PHONY: tsan
tsan: build/tsan/ferry-worker
