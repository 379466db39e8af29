#!/bin/sh
# Runs index_bench on the shared corpora, which live next to the repository
# (../shared/data relative to the repository root) and are never copied into
# it: Reuters-21578, the WordNet glosses and the first 10 enwiki shards
# (about 61k documents); with FULL=1 also all of enwiki (458k documents).
# Without the data folder the benchmark runs once on its generated corpus.
#
#   bench/run_index_bench.sh [index_bench flags...]
#
# Environment:
#   BUILD_DIR    build tree holding bench/index_bench (default: build/release;
#                configure it with `cmake --preset release && cmake --build
#                --preset release --target index_bench`)
#   INDEX_BENCH  the binary itself (overrides BUILD_DIR)
#   DATA_DIR     the shared data folder (default: <repo>/../shared/data)
#   FULL         1: also index all of enwiki (slow; engines from
#                FULL_ENGINES, default quarry,quarry2,quarry-nostore,fts5)
# Extra arguments go to every run, e.g. --repetitions=3, --engines=quarry,fts5
# or --ram-budget-mb=64.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${BUILD_DIR:-"$root/build/release"}
bench=${INDEX_BENCH:-"$build_dir/bench/index_bench"}
data=${DATA_DIR:-"$root/../shared/data"}

if [ ! -x "$bench" ]; then
  echo "run_index_bench.sh: no benchmark binary at $bench" >&2
  echo "  build it: cmake --preset release && cmake --build --preset release --target index_bench" >&2
  echo "  or set BUILD_DIR / INDEX_BENCH" >&2
  exit 2
fi

if [ ! -d "$data" ]; then
  echo "run_index_bench.sh: $data not found; using the generated corpus" >&2
  exec "$bench" "$@"
fi

# Joins the existing files among the arguments with commas.
join_existing() {
  out=""
  for f in "$@"; do
    [ -f "$f" ] || continue
    case "$f" in *,*)
      echo "run_index_bench.sh: file name with a comma: $f" >&2; exit 2;;
    esac
    out="${out:+$out,}$f"
  done
  printf '%s' "$out"
}

status=0
run() {
  name=$1
  shift
  echo
  echo "######## $name"
  "$bench" "$@" || status=1
}

reuters=$(join_existing "$data"/news/reuters21578/*.jsonl.gz)
wordnet=$(join_existing "$data"/corpora/wordnet-glosses/*.jsonl.gz)
# The first 10 shards.
enwiki10=$(join_existing $(ls "$data"/corpora/enwiki-2015-paragraphs/*.jsonl.gz 2>/dev/null | sort | head -n 10))
enwiki=$(join_existing "$data"/corpora/enwiki-2015-paragraphs/*.jsonl.gz)

[ -n "$reuters" ] && run "Reuters-21578" "--corpus=$reuters" "$@"
[ -n "$wordnet" ] && run "WordNet glosses" "--corpus=$wordnet" "$@"
[ -n "$enwiki10" ] && run "enwiki, first 10 shards" "--corpus=$enwiki10" "$@"
if [ "${FULL:-0}" = 1 ] && [ -n "$enwiki" ]; then
  run "enwiki, all shards" "--corpus=$enwiki" \
    "--engines=${FULL_ENGINES:-quarry,quarry2,quarry-nostore,fts5}" "$@"
fi
exit $status
