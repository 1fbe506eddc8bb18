#!/usr/bin/env python3
"""Report of hack/bench/run.sh: reads the raw samples (metric, system, run, value per line) and the
failover figures of hack/bench/failover.sh, prints the markdown table on stdout, writes the JSON
(--json) and draws the PNG chart with gnuplot (--png). Medians are the lower median of the runs, so
every figure is one that was measured. Ratios are Ferry/other: above 1 means Ferry is higher
(better for rates, worse for CPU, memory and times)."""
import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys

SYSTEMS = ("ferry", "java", "kcat")
NAMES = {"ferry": "Ferry", "java": "Kafka Connect (Java)", "kcat": "kcat"}

ap = argparse.ArgumentParser()
for a in ("raw", "failover", "lines", "bytes", "runs", "short", "load-before", "load-after", "json", "png",
          "gnuplot-script"):
    ap.add_argument("--" + a, required=a not in ("failover",))
ap.add_argument("--avro", required=False)  # hack/bench/avro.sh's BENCH_AVRO_JSON
args = ap.parse_args()
lines, nbytes, runs = int(args.lines), int(args.bytes), int(args.runs)

samples = {}  # metric -> system -> [values]
with open(args.raw) as f:
    for row in f:
        row = row.rstrip("\n")
        if not row:
            continue
        metric, system, _run, value = row.split("\t")
        samples.setdefault(metric, {}).setdefault(system, []).append(float(value))

failover = {}
if args.failover and os.path.exists(args.failover) and os.path.getsize(args.failover) > 0:
    with open(args.failover) as f:
        failover = json.load(f)


def med(metric, system):
    v = samples.get(metric, {}).get(system)
    return statistics.median_low(v) if v else None


def peak(system):
    # per run the higher of the source and sink VmHWM (recorded in that order), then the median
    v = samples.get("peak_rss_kb", {}).get(system, [])
    if not v:
        return None
    per_run = [max(v[i:i + 2]) for i in range(0, len(v), 2)]
    return statistics.median_low(per_run)


mb_per_record = nbytes / lines / 1048576
fig = {}  # name -> dict(label, unit, better, values{system: v}, samples)


def add(name, label, unit, better, values, raw=None, digits=1):
    fig[name] = {"label": label, "unit": unit, "better": better, "digits": digits,
                 "values": {s: values.get(s) for s in SYSTEMS if values.get(s) is not None},
                 "samples": raw or {}}


def by_sys(metric, scale=1.0, systems=SYSTEMS):
    out = {}
    for s in systems:
        m = med(metric, s)
        if m is not None:
            out[s] = m * scale
    return out


for side, what in (("source", "source: file -> topic"), ("sink", "sink: topic -> file")):
    add(f"{side}_records_per_s", f"{what}, records/s", "records/s", "higher", by_sys(f"{side}_rps"),
        samples.get(f"{side}_rps"), 0)
    add(f"{side}_mb_per_s", f"{what}, MB/s", "MB/s", "higher", by_sys(f"{side}_rps", mb_per_record), None, 1)
    add(f"{side}_cpu_s_per_million", f"{what}, CPU-seconds per million records", "CPU-s/M records", "lower",
        by_sys(f"{side}_cpu_per_m"), samples.get(f"{side}_cpu_per_m"), 2)
    add(f"{side}_cpu_s_per_million_with_startup",
        f"{what}, CPU-seconds per million records, start-up included", "CPU-s/M records", "lower",
        by_sys(f"{side}_cpu_total_per_m"), samples.get(f"{side}_cpu_total_per_m"), 2)
for side in ("source", "sink"):
    add(f"{side}_s_from_process_start", f"{side}: worker process start to the last record, s", "s", "lower",
        by_sys(f"{side}_from_process_start_s"), samples.get(f"{side}_from_process_start_s"), 2)
nochain = med("source_rps", "ferry")
chains = (("source_3_smts_records_per_s", "ferry_3_smts",
           "Ferry source + 3 SMTs (HoistField$Value, ExtractField$Value, RegexRouter), records/s"),
          ("source_3_smts_header_records_per_s", "ferry_3_smts_hdr",
           "Ferry source + 3 SMTs adding a header (InsertHeader, SetSchemaMetadata$Value, RegexRouter), "
           "records/s"))
for key, label_key, label in chains:
    v = med("source_rps", label_key)
    fig[key] = {
        "label": label, "unit": "records/s", "better": "higher", "digits": 0,
        "values": {"ferry": v} if v is not None else {}, "no_chain": nochain,
        "of_no_chain": v / nochain if v and nochain else None,
        "samples": {"ferry": samples.get("source_rps", {}).get(label_key, [])}}
smt = med("source_rps", "ferry_3_smts")
smt_hdr = med("source_rps", "ferry_3_smts_hdr")
add("idle_rss_mb", "worker RSS idle, no connectors, MB", "MB", "lower", by_sys("idle_rss_kb", 1 / 1024),
    samples.get("idle_rss_kb"), 1)
add("pipeline_idle_rss_mb", "worker RSS idle after a 1000-record source + sink pipeline, MB", "MB", "lower",
    by_sys("pipeline_rss_kb", 1 / 1024), samples.get("pipeline_rss_kb"), 1)
add("peak_rss_mb", "worker peak RSS under load (source, sink), MB", "MB", "lower",
    {s: peak(s) / 1024 for s in ("ferry", "java") if peak(s) is not None},
    {s: v for s, v in samples.get("peak_rss_kb", {}).items() if s in ("ferry", "java")}, 1)
add("startup_s", "start-up: process start to first 200 from GET /, s", "s", "lower", by_sys("startup_s"),
    samples.get("startup_s"), 2)

fo = {}
if failover:
    f_ = failover.get("ferry-default", {})
    for key, jlabel, jname in (("java-0", "Java scheduled.rebalance.max.delay.ms=0", "java_delay_0"),
                               ("java-default", "Java at defaults (scheduled.rebalance.max.delay.ms=300000)",
                                "java_defaults")):
        j = failover.get(key)
        if not f_ and not j:
            continue
        for stat, slabel in (("failover_p50_s", "p50"), ("failover_max_s", "max")):
            vals = {}
            if f_.get(stat) is not None:
                vals["ferry"] = f_[stat]
            if j and j.get(stat) is not None:
                vals["java"] = j[stat]
            add(f"failover_{slabel}_s_vs_{jname}",
                f"failover after kill -9, {slabel}, s (Ferry {f_.get('kills', 0)} kills; {jlabel}, "
                f"{j.get('kills', 0) if j else 0} kills)", "s", "lower", vals, None, 1)
    # Kubernetes: the operator announces the dead worker (hack/bench/failover_k8s.sh); beside the
    # plain distributed figure (in the label) and Java with delay 0 (the ratio).
    k_, j0 = failover.get("ferry-kubernetes"), failover.get("java-0") or {}
    for stat, slabel in (("failover_p50_s", "p50"), ("failover_max_s", "max")):
        if k_ and k_.get(stat) is not None:
            vals = {"ferry": k_[stat]}
            if j0.get(stat) is not None:
                vals["java"] = j0[stat]
            plain = f_.get(stat)
            add(f"failover_kubernetes_{slabel}_s",
                f"failover after kill -9 on Kubernetes (operator + worker pods), {slabel}, s (Ferry "
                f"{k_.get('kills', 0)} kills; plain distributed mode {plain if plain is None else round(plain, 1)} s; "
                f"Java scheduled.rebalance.max.delay.ms=0)", "s", "lower", vals, None, 1)
    fo = failover

avro = {}
if args.avro and os.path.exists(args.avro) and os.path.getsize(args.avro) > 0:
    with open(args.avro) as f:
        avro = json.load(f)
if avro.get("avro_records_per_s"):
    a_, j_ = avro["avro_records_per_s"], avro.get("json_records_per_s")
    fig["avro_converter_records_per_s"] = {
        "label": f"Ferry source + HoistField$Value + AvroConverter, records/s ({avro.get('lines')} lines, "
                 f"{avro.get('avro_value_bytes')}-byte values; {avro.get('schema_versions')} schema "
                 f"version{'s' if avro.get('schema_versions') != 1 else ''} registered over {avro.get('runs')} "
                 f"run{'s' if avro.get('runs') != 1 else ''})",
        "unit": "records/s", "better": "higher", "digits": 0, "values": {"ferry": a_},
        "json_converter": j_, "json_value_bytes": avro.get("json_value_bytes"),
        "of_json_converter": a_ / j_ if j_ else None,
        "samples": {"ferry": avro.get("samples", {}).get("avro", []),
                    "ferry_json_converter": avro.get("samples", {}).get("json", [])}}


def ratio(name, other):
    v = fig[name]["values"]
    if v.get("ferry") and v.get(other):
        return v["ferry"] / v[other]
    return None


def fmt(v, digits):
    if v is None:
        return ""
    if digits == 0:
        return f"{v:,.0f}".replace(",", " ")
    return f"{v:.{digits}f}"


def fmt_ratio(r):
    if r is None:
        return ""
    return f"{r:.2f}" if r >= 0.1 else f"{r:.3f}"


# ---- markdown table
order = ["source_records_per_s", "source_mb_per_s", "source_cpu_s_per_million",
         "source_cpu_s_per_million_with_startup", "source_3_smts_records_per_s",
         "source_3_smts_header_records_per_s",
         "source_s_from_process_start", "sink_records_per_s", "sink_mb_per_s", "sink_cpu_s_per_million",
         "sink_cpu_s_per_million_with_startup", "sink_s_from_process_start",
         "idle_rss_mb", "pipeline_idle_rss_mb", "peak_rss_mb", "startup_s"]
order += [k for k in fig if k.startswith("failover_")]
order += [k for k in fig if k == "avro_converter_records_per_s"]
out = []
out.append(f"| figure (median of {runs} run{'s' if runs != 1 else ''}, {lines} lines, {nbytes / 1048576:.1f} MB) "
           f"| Ferry | Kafka Connect (Java) | kcat | Ferry/Java | Ferry/kcat |")
out.append("|---|---|---|---|---|---|")
for name in order:
    f = fig[name]
    v = f["values"]
    if name in ("source_3_smts_records_per_s", "source_3_smts_header_records_per_s"):
        of = f.get("of_no_chain")
        note = f"{fmt_ratio(of)} of no chain (overhead {100 * (1 - of):.0f}%)" if of else ""
        out.append(f"| {f['label']} | {fmt(v.get('ferry'), 0)} | | | {note} | |")
        continue
    if name == "avro_converter_records_per_s":
        of = f.get("of_json_converter")
        note = (f"{fmt_ratio(of)} of JsonConverter with schemas ({fmt(f.get('json_converter'), 0)} records/s, "
                f"{f.get('json_value_bytes')}-byte values)") if of else ""
        out.append(f"| {f['label']} | {fmt(v.get('ferry'), 0)} | | | {note} | |")
        continue
    r_java, r_kcat = ratio(name, "java"), ratio(name, "kcat")
    f["ferry_ratio"] = {k: x for k, x in (("java", r_java), ("kcat", r_kcat)) if x is not None}
    out.append(f"| {f['label']} | {fmt(v.get('ferry'), f['digits'])} | {fmt(v.get('java'), f['digits'])} | "
               f"{fmt(v.get('kcat'), f['digits'])} | {fmt_ratio(r_java)} | {fmt_ratio(r_kcat)} |")
print("\n".join(out))

# ---- JSON
cpu = ""
try:
    with open("/proc/cpuinfo") as f:
        cpu = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), "")
except OSError:
    pass
doc = {
    "schema": 1,
    "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    "short": args.short not in ("", "0"),
    "lines": lines, "bytes": nbytes, "runs": runs,
    "machine": {"cpus": os.cpu_count(), "cpu": cpu, "kernel": platform.release(),
                "loadavg_before": args.load_before, "loadavg_after": args.load_after},
    "ratio": "ferry/other; above 1 means Ferry's figure is higher",
    "figures": {k: {kk: vv for kk, vv in v.items() if kk != "digits"} for k, v in fig.items()},
    "failover": fo,
    "table_markdown": "\n".join(out),
}
tmp = args.json + ".tmp"
with open(tmp, "w") as f:
    json.dump(doc, f, indent=1)
    f.write("\n")
os.replace(tmp, args.json)


# ---- chart
def num(v):
    return "NaN" if v is None else f"{v:.6g}"


def block(name, rows, cols):
    """rows: [(label, {col: value})]; cols: [(key, title)]"""
    body = "\n".join(f'"{label}" ' + " ".join(num(vals.get(c)) for c, _ in cols) for label, vals in rows)
    return f"${name} << EOD\n{body}\nEOD\n"


def plot(name, cols, title, ylabel, log=False):
    s = f'set title "{title}"\nset ylabel "{ylabel}"\n'
    s += "set logscale y\n" if log else "unset logscale y\n"
    parts = []
    for i, (_, t) in enumerate(cols):
        parts.append(f"${name} using {i + 2}{':xtic(1)' if i == 0 else ''} title \"{t}\" lc {i + 1}")
    return s + "plot " + ", ".join(parts) + "\n"


V = lambda n: fig[n]["values"]  # noqa: E731
three = [("ferry", "Ferry"), ("java", "Kafka Connect"), ("kcat", "kcat")]
two = [("ferry", "Ferry"), ("java", "Kafka Connect")]
gp = ['set terminal pngcairo size 1500,900 font "sans,10"', f'set output "{args.png}"',
      "set style data histograms", "set style histogram clustered gap 1", "set style fill solid 0.85 border -1",
      "set boxwidth 0.9", "set grid ytics", "set key top left", "set yrange [0:*]", "set datafile missing 'NaN'"]
gp.append(block("rate", [("source", {s: (V("source_records_per_s").get(s) or 0) / 1000 or None for s in SYSTEMS}),
                         ("sink", {s: (V("sink_records_per_s").get(s) or 0) / 1000 or None for s in SYSTEMS})], three))
gp.append(block("cpu", [("source", V("source_cpu_s_per_million")), ("sink", V("sink_cpu_s_per_million"))], three))
gp.append(block("rss", [("idle", V("idle_rss_mb")), ("after pipeline", V("pipeline_idle_rss_mb")),
                        ("peak", V("peak_rss_mb"))], two))
gp.append(block("start", [("GET / -> 200", V("startup_s"))], two))
smt_rows = [("no chain", {"ferry": nochain}), ("3 SMTs", {"ferry": smt}), ("3 SMTs, a header", {"ferry": smt_hdr})]
gp.append(block("smt", [(l, {"ferry": (v["ferry"] or 0) / 1000 or None}) for l, v in smt_rows], [("ferry", "Ferry")]))
fo_rows = []
for key, label in (("ferry-default", "Ferry"), ("ferry-kubernetes", "Ferry, Kubernetes"), ("java-0", "Java, delay 0"),
                   ("java-default", "Java, defaults")):
    if key in fo:
        fo_rows.append((label, {"p50": fo[key].get("failover_p50_s"), "max": fo[key].get("failover_max_s")}))
title = (f"Ferry vs Kafka Connect vs kcat: {lines} lines, median of {runs} run(s), "
         f"{os.cpu_count()} CPUs, {doc['date']}")
gp.append(f'set multiplot layout 2,3 title "{title}"')
gp.append(plot("rate", three, "throughput (higher is better)", "thousand records/s"))
gp.append(plot("cpu", three, "CPU per million records (lower is better)", "CPU-seconds"))
gp.append(plot("rss", two, "worker RSS (lower is better)", "MB"))
gp.append(plot("start", two, "start-up to first 200 from GET / (lower is better)", "s"))
gp.append(plot("smt", [("ferry", "Ferry")], "Ferry source, SMT chain cost", "thousand records/s"))
if fo_rows:
    gp.append(block("fo", fo_rows, [("p50", "p50"), ("max", "max")]))
    gp.append("set yrange [0.1:*]")
    gp.append(plot("fo", [("p50", "p50"), ("max", "max")], "failover after kill -9 (lower is better)", "s (log)",
                   log=True))
else:
    gp.append('set title "failover after kill -9: not measured in this run"\nunset logscale y\nunset ylabel\n'
              'unset xtics\nunset ytics\nunset border\nunset grid\nset yrange [0:1]\nset xrange [0:1]\n'
              'plot 2 notitle')
gp.append("unset multiplot")
with open(args.gnuplot_script, "w") as f:
    f.write("\n".join(gp) + "\n")
r = subprocess.run(["gnuplot", args.gnuplot_script], capture_output=True, text=True)
if r.returncode != 0 or not os.path.exists(args.png) or os.path.getsize(args.png) == 0:
    sys.stderr.write(f"report: gnuplot failed ({r.returncode}): {r.stderr[-2000:]}\n")
    sys.exit(1)
