#!/bin/sh
# Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
#
# Runs search_bench on the shared enwiki corpus (all 458,529 paragraphs
# unless MAX_DOCS is set) with the luceneutil tasks and the search benchmark
# game's queries. The data lives next to the repository (../shared/data) and
# is never copied into it. The three indexes are kept in INDEX_DIR and reused
# by later runs over the same documents (building them takes many minutes).
# The report goes to stdout and to OUT.
#
#   bench/run_search_bench.sh [search_bench flags...]
#
# Environment:
#   BUILD_DIR     build tree holding bench/search_bench (default:
#                 build/release; e.g. `cmake --preset release && cmake
#                 --build --preset release --target search_bench`)
#   SEARCH_BENCH  the binary itself (overrides BUILD_DIR)
#   DATA_DIR      the shared data folder (default: <repo>/../shared/data)
#   MAX_DOCS      index only the first N documents (default: all)
#   INDEX_DIR     where the indexes live (default:
#                 <repo>/build/search_bench/index-<MAX_DOCS or all>)
#   OUT           the report (default:
#                 <repo>/build/search_bench/results-<date>.txt)
# Extra arguments go to search_bench, e.g. --per-class=20 --repeats=3.
# Exit status: search_bench's (1 when an answer check failed).
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${BUILD_DIR:-"$root/build/release"}
bench=${SEARCH_BENCH:-"$build_dir/bench/search_bench"}
data=${DATA_DIR:-"$root/../shared/data"}
max_docs=${MAX_DOCS:-}
out_dir="$root/build/search_bench"
index_dir=${INDEX_DIR:-"$out_dir/index-${max_docs:-all}"}
out=${OUT:-"$out_dir/results-$(date +%Y%m%d-%H%M%S).txt"}

if [ ! -x "$bench" ]; then
  echo "run_search_bench.sh: no benchmark binary at $bench" >&2
  echo "  build it: cmake --preset release && cmake --build --preset release --target search_bench" >&2
  echo "  or set BUILD_DIR / SEARCH_BENCH" >&2
  exit 2
fi
corpus="$data/corpora/enwiki-2015-paragraphs"
if [ ! -d "$corpus" ]; then
  echo "run_search_bench.sh: $corpus not found (the shared data folder is" \
       "needed; set DATA_DIR)" >&2
  exit 2
fi

queries=""
for f in "$data/queries/luceneutil/wikimedium.10M.tasks" \
         "$data/queries/luceneutil/wikinightly.tasks" \
         "$data/queries/search-benchmark-game/queries.txt"; do
  [ -f "$f" ] && queries="${queries:+$queries,}$f"
done

mkdir -p "$out_dir" "$(dirname "$out")"
set -- "--corpus=$corpus" "--index-dir=$index_dir" \
  ${queries:+"--queries=$queries"} ${max_docs:+"--max-docs=$max_docs"} "$@"
echo "run_search_bench.sh: $bench $*" | tee "$out"
echo "  on $(uname -n), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(date)" | tee -a "$out"
# Keep search_bench's exit status through the pipe (POSIX sh has no
# pipefail).
status_file=$(mktemp)
trap 'rm -f "$status_file"' EXIT
{ st=0; "$bench" "$@" 2>&1 || st=$?; echo "$st" > "$status_file"; } | tee -a "$out"
status=$(cat "$status_file")
echo "run_search_bench.sh: report in $out (exit status $status)"
exit "$status"
