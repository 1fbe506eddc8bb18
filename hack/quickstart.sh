#!/usr/bin/env bash
# `make run`: the quickstart. Starts a standalone worker on the embedded Kafka broker with a
# FileStreamSource (sample file -> topic connect-test) and a FileStreamSink (topic -> output file),
# waits until the lines have made the round trip, says where to look, and runs until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."

dir=${FERRY_QUICKSTART_DIR:-$PWD/.cache/quickstart}
rm -rf "$dir"
mkdir -p "$dir"
cp worker/config/quickstart-input.txt "$dir/input.txt"
sed -e "s#^offset.storage.file.filename=.*#offset.storage.file.filename=$dir/connect.offsets#" \
        -e "s#^offset.flush.interval.ms=.*#offset.flush.interval.ms=1000#" \
        worker/config/connect-standalone.properties >"$dir/worker.properties"
sed -e "s#^file=.*#file=$dir/input.txt#" worker/config/connect-file-source.properties >"$dir/source.properties"
sed -e "s#^file=.*#file=$dir/output.txt#" worker/config/connect-file-sink.properties >"$dir/sink.properties"

bin/ferry-worker standalone --embedded-kafka "$dir/worker.properties" "$dir/source.properties" \
        "$dir/sink.properties" >"$dir/worker.out" 2>"$dir/worker.log" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null; echo; echo "Worker stopped. Its log: $dir/worker.log"' EXIT
trap 'exit 0' INT TERM

want=$(wc -l <"$dir/input.txt")
deadline=$((SECONDS + 60))
until [ -f "$dir/output.txt" ] && [ "$(wc -l <"$dir/output.txt")" -ge "$want" ]; do
        if ! kill -0 "$pid" 2>/dev/null; then
                echo "The worker exited early; its log:" >&2
                cat "$dir/worker.log" >&2
                exit 1
        fi
        if [ "$SECONDS" -ge "$deadline" ]; then
                echo "The lines did not arrive within 60 s; see $dir/worker.log" >&2
                exit 1
        fi
        sleep 0.2
done
broker=$(sed -n 's/^Embedded Kafka broker: //p' "$dir/worker.out")
rest=$(sed -n 's/.*REST server listening on \(http[^ ]*\).*/\1/p' "$dir/worker.log" | head -1 | sed 's#//0.0.0.0:#//localhost:#')
cat <<TXT

Ferry quickstart is running (worker pid $pid).

  embedded Kafka broker   $broker
  source file             $dir/input.txt
  topic                   connect-test (JSON envelopes: schema + payload)
  sink file               $dir/output.txt
  source offsets          $dir/connect.offsets
  worker log              $dir/worker.log

$want lines went file -> Kafka -> file. The output file now reads:

TXT
sed 's/^/    /' "$dir/output.txt"
cat <<TXT

Look at the topic:   kcat -b $broker -C -t connect-test -e
Ask the REST API:    curl -s $rest/connectors?expand=status
Add a line:          echo "hello, ferry" >> $dir/input.txt   (it appears in output.txt)
Stop:                Ctrl-C
TXT
wait "$pid"
