#!/usr/bin/env bash
# The plugin SDK end to end, as a connector author and an image build use it: `make install` into a
# DESTDIR (worker, headers, ferry-sdk.pc, and a connector family built from a throwaway
# worker/connectors-style folder), the installed worker exporting exactly the FERRY_API functions,
# examples/plugin-hello built out of tree with nothing but `pkg-config --cflags ferry-sdk`, copied
# into the installed plugin directory and run by the installed worker (--embedded-kafka): listed by
# GET /connector-plugins, "hello N" records in the topic and through its sink into a file. Bad
# plugin.path content (another plugin ABI, files that are no shared library, a library without
# ferry_plugin_list, an unreadable entry) is logged with the file's name and the worker runs on; a
# name two plugins answer to, and a class two libraries provide, are refused listing both.
source "$(dirname "$0")/../lib.sh"
SUITE_WORKER=$FERRY_WORKER # the suite's build (ASan under tests/run.sh) loads plugins in run 2
command -v pkg-config >/dev/null || fail "pkg-config is needed"
command -v kcat >/dev/null || fail "kcat is needed"
ROOT=$WORK/root
PREFIX=/usr/local
PLUGINS=$ROOT$PREFIX/lib/ferry/plugins

# ---- make install, with one connector family built as worker/connectors/<family>/ are
mkdir -p "$WORK/connectors/greet"
cp "$REPO/examples/plugin-hello/hello.c" "$WORK/connectors/greet/greet.c"
echo "greet_CFLAGS := -DHELLO_CLASS_PREFIX='\"dev.ferry.family.\"'" >"$WORK/connectors/greet/plugin.mk"
make -C "$REPO" --no-print-directory install DESTDIR="$ROOT" PREFIX=$PREFIX \
        CONNECTORS_DIR="$WORK/connectors" PLUGIN_BUILD="$WORK/plugin-build" >"$WORK/install.log" 2>&1 ||
        fail "make install failed: $(tail -20 "$WORK/install.log")"
for f in bin/ferry-worker include/ferry/plugin.h include/ferry/connector.h include/ferry/api.h \
        lib/pkgconfig/ferry-sdk.pc lib/ferry/plugins/greet/greet.so; do
        [ -e "$ROOT$PREFIX/$f" ] || fail "make install did not install $PREFIX/$f"
done
grep -q -- "-I$REPO/worker/src" "$WORK/install.log" && fail "a connector family was compiled with worker/src"
W=$ROOT$PREFIX/bin/ferry-worker
# The worker's dynamic symbols are the SDK, nothing else.
"$REPO/hack/check-exports.sh" "$W" >"$WORK/exports.log" 2>&1 || fail "$(cat "$WORK/exports.log")"
nm -D --defined-only "$PLUGINS/greet/greet.so" | awk '$2 == "T" {print $3}' | grep -qx ferry_plugin_list ||
        fail "greet.so does not export ferry_plugin_list"

# ---- the example, out of tree, from the installed SDK only
cp -r "$REPO/examples/plugin-hello" "$WORK/hello-src"
rm -f "$WORK/hello-src/hello.so"
export PKG_CONFIG_PATH=$ROOT$PREFIX/lib/pkgconfig
sdk_cflags=$(pkg-config --define-variable=prefix="$ROOT$PREFIX" --cflags ferry-sdk)
[ "${sdk_cflags% }" = "-I$ROOT$PREFIX/include" ] ||
        fail "ferry-sdk.pc does not follow a prefix override: $sdk_cflags"
[ "$(pkg-config --variable=plugindir ferry-sdk)" = "$PREFIX/lib/ferry/plugins" ] || fail "ferry-sdk.pc plugindir"
make -C "$WORK/hello-src" SDK_PREFIX="$ROOT$PREFIX" >"$WORK/example.log" 2>&1 ||
        fail "example build failed: $(cat "$WORK/example.log")"
grep -q -- "-I$ROOT$PREFIX/include" "$WORK/example.log" || fail "example not built with the installed headers"
mkdir -p "$PLUGINS/hello"
cp "$WORK/hello-src/hello.so" "$PLUGINS/hello/"

# ---- bad content in the plugin directory
mkdir -p "$PLUGINS/old-abi" "$PLUGINS/junk" "$WORK/scratch"
cat >"$WORK/scratch/old.c" <<'C'
/* A plugin library as the previous plugin ABI built it. */
#include <ferry/plugin.h>
static const ferry_plugin_info_t old = {.abi = 1, .class_name = "dev.ferry.test.OldAbiConnector"};
FERRY_PLUGIN_LIST(&old)
C
cc -std=c11 -fPIC -shared $sdk_cflags \
        -o "$PLUGINS/old-abi/old.so" "$WORK/scratch/old.c" || fail "old-ABI plugin build"
echo 'int not_a_plugin = 1;' >"$WORK/scratch/nolist.c"
cc -fPIC -shared -o "$PLUGINS/junk/nolist.so" "$WORK/scratch/nolist.c" || fail "nolist.so build"
echo "this is not ELF" >"$PLUGINS/junk/notalib.so"
echo "docs" >"$PLUGINS/junk/README.txt"
ln -s loop "$PLUGINS/loop"
locked=""
if [ "$(id -u)" != 0 ]; then # root reads any directory
        mkdir -p "$PLUGINS/locked" && cp "$PLUGINS/hello/hello.so" "$PLUGINS/locked/" && chmod 000 "$PLUGINS/locked"
        CLEANUP+=("chmod 755 '$PLUGINS/locked'")
        locked=1
fi

worker_port() { sed -n 's/.*REST server listening on http:\/\/[^ ]*:\([0-9][0-9]*\).*/\1/p' "$WORK/$1.log" | head -1; }
started() {
        worker_alive "$1" || fail "worker $1 exited: $(tail -20 "$WORK/$1.log")"
        grep -q 'started in' "$WORK/$1.log"
}
worker_config() { # NAME [PLUGIN_PATH]
        cat <<P
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.storage.StringConverter
offset.storage.file.filename=$WORK/$1.offsets
offset.flush.interval.ms=500
listeners=http://127.0.0.1:0
P
        [ $# -lt 2 ] || echo "plugin.path=$2"
}
logged() { grep -qF -- "$2" "$WORK/$1.log" || fail "worker $1 did not log: $2"; }
FERRY_WORKER=$W

# ---- run 1: the installed plugin directory
worker_config w "$PLUGINS" >"$WORK/w.properties"
start_worker w standalone --embedded-kafka "$WORK/w.properties"
wait_until 60 "worker w started" started w
B=http://127.0.0.1:$(worker_port w)
logged w "refusing $PLUGINS/old-abi/old.so: built for plugin ABI 1, this worker has plugin ABI 2"
logged w "skipping $PLUGINS/junk/notalib.so: not a loadable shared library"
logged w "skipping $PLUGINS/junk/nolist.so: it exports no ferry_plugin_list()"
logged w "ignoring $PLUGINS/junk/README.txt: not a shared library"
logged w "skipping $PLUGINS/loop: Too many levels of symbolic links"
[ -z "$locked" ] || logged w "skipping directory $PLUGINS/locked: cannot list it: Permission denied"
logged w "Loaded plugin dev.ferry.examples.HelloSourceConnector (source) from $PLUGINS/hello/hello.so"
logged w "Loaded plugin dev.ferry.family.HelloSinkConnector (sink) from $PLUGINS/greet/greet.so"
logged w "WARN  plugin.path: skipping $PLUGINS/junk/notalib.so"
logged w "ERROR plugin.path: refusing $PLUGINS/old-abi/old.so"

curl -sf "$B/connector-plugins" >"$WORK/plugins.json" || fail "GET /connector-plugins"
for cls in dev.ferry.examples.HelloSourceConnector dev.ferry.examples.HelloSinkConnector \
        dev.ferry.family.HelloSourceConnector org.apache.kafka.connect.file.FileStreamSourceConnector; do
        grep -q "\"class\":\"$cls\"" "$WORK/plugins.json" || fail "GET /connector-plugins lacks $cls: $(cat "$WORK/plugins.json")"
done
grep -q OldAbi "$WORK/plugins.json" && fail "the old-ABI plugin is listed"
curl -sf "$B/connector-plugins/dev.ferry.examples.HelloSourceConnector/config" | grep -q '"name":"interval.ms"' ||
        fail "the example's config table is not served"

post() { # NAME JSON-CONFIG -> HTTP code; body in $WORK/post.json
        curl -s -o "$WORK/post.json" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
                "$B/connectors" -d "{\"name\":\"$1\",\"config\":$2}"
}
# "HelloSource" names the example's class and the family's: refused, naming both libraries.
code=$(post ambiguous '{"connector.class":"HelloSource","topic":"x"}')
[ "$code" = 400 ] || fail "ambiguous alias: HTTP $code $(cat "$WORK/post.json")"
grep -qF "More than one connector matches alias HelloSource" "$WORK/post.json" || fail "ambiguity message: $(cat "$WORK/post.json")"
grep -qF "dev.ferry.examples.HelloSourceConnector ($PLUGINS/hello/hello.so)" "$WORK/post.json" ||
        fail "ambiguity message lacks the example: $(cat "$WORK/post.json")"
grep -qF "dev.ferry.family.HelloSourceConnector ($PLUGINS/greet/greet.so)" "$WORK/post.json" ||
        fail "ambiguity message lacks the family: $(cat "$WORK/post.json")"

N=25
code=$(post hello-src "{\"connector.class\":\"dev.ferry.examples.HelloSourceConnector\",\"topic\":\"hello\",\"max.records\":\"$N\",\"interval.ms\":\"0\"}")
[ "$code" = 201 ] || fail "create hello-src: HTTP $code $(cat "$WORK/post.json")"
code=$(post hello-sink "{\"connector.class\":\"dev.ferry.examples.HelloSinkConnector\",\"topics\":\"hello\",\"file\":\"$WORK/out.txt\"}")
[ "$code" = 201 ] || fail "create hello-sink: HTTP $code $(cat "$WORK/post.json")"
wait_until 60 "$N lines through HelloSink" has_at_least "$WORK/out.txt" "$N"
seq 0 $((N - 1)) | sed 's/^/hello /' >"$WORK/want.txt"
cmp "$WORK/want.txt" "$WORK/out.txt" || fail "HelloSink wrote: $(head -5 "$WORK/out.txt")"
KB=$(sed -n 's/^Embedded Kafka broker: //p' "$WORK/w.out")
kcat -b "$KB" -C -t hello -e -q -f '%s\n' -o beginning >"$WORK/topic.txt" || fail "kcat"
cmp "$WORK/want.txt" "$WORK/topic.txt" || fail "topic hello holds: $(head -5 "$WORK/topic.txt")"
curl -sf "$B/connectors/hello-src/status" | grep -q '"state":"RUNNING"' || fail "hello-src not RUNNING"
# ferry_task_log() tags the plugin's line with its task.
logged w "[hello-src|task-0] HelloSource writes to hello from number 0"
stop_worker w TERM
[ "$WORKER_RC" -eq 0 ] || fail "worker w exited with $WORKER_RC"

# ---- run 2: one class from two libraries (with the suite's worker build)
mkdir -p "$WORK/dup"
cp "$WORK/hello-src/hello.so" "$WORK/dup/a.so"
cp "$WORK/hello-src/hello.so" "$WORK/dup/b.so"
worker_config dup "$WORK/dup" >"$WORK/dup.properties"
FERRY_WORKER=$SUITE_WORKER
start_worker dup standalone --embedded-kafka "$WORK/dup.properties"
wait_until 60 "worker dup started" started dup
B=http://127.0.0.1:$(worker_port dup)
logged dup "$WORK/dup/b.so: class dev.ferry.examples.HelloSourceConnector is also provided by $WORK/dup/a.so"
code=$(post twice '{"connector.class":"dev.ferry.examples.HelloSourceConnector","topic":"x"}')
[ "$code" = 400 ] || fail "duplicate class: HTTP $code $(cat "$WORK/post.json")"
grep -qF "More than one plugin library provides connector class dev.ferry.examples.HelloSourceConnector" "$WORK/post.json" ||
        fail "duplicate class message: $(cat "$WORK/post.json")"
grep -qF "dev.ferry.examples.HelloSourceConnector ($WORK/dup/a.so), dev.ferry.examples.HelloSourceConnector ($WORK/dup/b.so)" \
        "$WORK/post.json" || fail "duplicate class message: $(cat "$WORK/post.json")"
curl -sf "$B/" >/dev/null || fail "REST not answering after a refused duplicate"
stop_worker dup TERM
[ "$WORKER_RC" -eq 0 ] || fail "worker dup exited with $WORKER_RC"

# ---- run 3: no plugin.path: the compiled-in $PREFIX/lib/ferry/plugins
FERRY_WORKER=$W
worker_config def >"$WORK/def.properties"
start_worker def standalone --embedded-kafka "$WORK/def.properties"
wait_until 60 "worker def started" started def
grep -qE "plugin.path: $PREFIX/lib/ferry/plugins does not exist|Loaded plugin .* from $PREFIX/lib/ferry/plugins/" \
        "$WORK/def.log" || fail "default plugin.path not $PREFIX/lib/ferry/plugins: $(grep plugin "$WORK/def.log")"
stop_worker def TERM
[ "$WORKER_RC" -eq 0 ] || fail "worker def exited with $WORKER_RC"
