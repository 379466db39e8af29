#!/bin/sh
# Runs analysis_bench on the shared corpora, which live next to the repository
# (../shared/data relative to the repository root) and are never copied into
# it. Without them the benchmark runs on its generated text.
#
#   bench/run_analysis_bench.sh [analysis_bench flags...]
#
# Environment:
#   BUILD_DIR       build tree holding bench/analysis_bench
#                   (default: build/release; configure it with
#                   `cmake --preset release && cmake --build --preset release`)
#   ANALYSIS_BENCH  the binary itself (overrides BUILD_DIR)
#   DATA_DIR        the shared data folder (default: <repo>/../shared/data)
# Extra arguments go to the benchmark, e.g. --benchmark_min_time=0.5,
# --benchmark_repetitions=1, --max-mb=8 or --benchmark_filter=news.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${BUILD_DIR:-"$root/build/release"}
bench=${ANALYSIS_BENCH:-"$build_dir/bench/analysis_bench"}
data=${DATA_DIR:-"$root/../shared/data"}

if [ ! -x "$bench" ]; then
  echo "run_analysis_bench.sh: no benchmark binary at $bench" >&2
  echo "  build it: cmake --preset release && cmake --build --preset release --target analysis_bench" >&2
  echo "  or set BUILD_DIR / ANALYSIS_BENCH" >&2
  exit 2
fi

# Joins the existing files among the arguments with commas.
join_existing() {
  out=""
  for f in "$@"; do
    [ -f "$f" ] || continue
    case "$f" in *,*)
      echo "run_analysis_bench.sh: file name with a comma: $f" >&2; exit 2;;
    esac
    out="${out:+$out,}$f"
  done
  printf '%s' "$out"
}

# Defaults first so that the caller's flags win. Repetitions run interleaved
# so that noise from a shared machine hits every contender alike; the summary
# reports medians.
set -- --benchmark_min_time=2 --benchmark_repetitions=3 \
  --benchmark_enable_random_interleaving=true "$@"
if [ -d "$data" ]; then
  news=$(join_existing "$data"/news/reuters21578/*.jsonl.gz \
                       "$data"/news/bbc/*.jsonl.gz)
  multilingual=$(join_existing "$data"/multilingual/ud/*/sentences.txt \
                               "$data"/multilingual/udhr/*.txt)
  [ -n "$news" ] && set -- "--news=$news" "$@"
  [ -n "$multilingual" ] && set -- "--multilingual=$multilingual" "$@"
else
  echo "run_analysis_bench.sh: $data not found; using generated text" >&2
fi

exec "$bench" "$@"
