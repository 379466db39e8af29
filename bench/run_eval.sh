#!/bin/sh
# Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
#
# Runs eval (nDCG@10, MAP@1000, recall@100 of quarry's BM25) on BEIR SciFact
# and every classic test collection in the shared data folder
# (../shared/data/ir: cranfield, cacm, cisi, med, npl-vaswani, time, lisa),
# each with four settings, and prints one table:
#   fields    schema {title, body}, English stemming, the query's words ORed
#             (Lucene's 33 stop words dropped from the query), compound words
#             matched as quarry does (as a phrase of their parts or joined)
#   flat      title + text in one field (Anserini's BEIR "flat" index), and
#             compound query words also as their separate parts (as Lucene's
#             tokenizer splits them) - the setting chosen on SciFact's TRAIN
#             queries
# each with k1=0.9 b=0.4 (Anserini's BEIR setting) and k1=1.2 b=0.75
# (Lucene's defaults). Collections that are absent are skipped.
#
#   bench/run_eval.sh [eval flags...]
#
# Environment:
#   BUILD_DIR  build tree holding bench/eval (default: build/release)
#   EVAL       the binary itself (overrides BUILD_DIR)
#   DATA_DIR   the shared data folder (default: <repo>/../shared/data)
# Extra arguments go to every eval run (e.g. --stopwords=none).
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${BUILD_DIR:-"$root/build/release"}
eval_bin=${EVAL:-"$build_dir/bench/eval"}
data=${DATA_DIR:-"$root/../shared/data"}

if [ ! -x "$eval_bin" ]; then
  echo "run_eval.sh: no eval binary at $eval_bin" >&2
  echo "  build it: cmake --preset release && cmake --build --preset release --target eval" >&2
  echo "  or set BUILD_DIR / EVAL" >&2
  exit 2
fi
if [ ! -d "$data/ir" ]; then
  echo "run_eval.sh: $data/ir not found (set DATA_DIR)" >&2
  exit 2
fi

results=$(mktemp)
log=$(mktemp)
trap 'rm -f "$results" "$log"' EXIT
status=0
for name in scifact cranfield cacm cisi med npl-vaswani time lisa; do
  dir="$data/ir/$name"
  [ -d "$dir" ] || { echo "run_eval.sh: skipping $name (no $dir)" >&2; continue; }
  for setting in fields flat; do
    case $setting in
      fields) flags="--layout=fields --compounds=phrase";;
      flat) flags="--layout=flat --compounds=parts";;
    esac
    # shellcheck disable=SC2086 # $flags is a list of flags
    if "$eval_bin" "--dir=$dir" $flags --k1=0.9,1.2 --b=0.4,0.75 "$@" > "$log" 2>&1; then
      grep '^RESULT' "$log" | sed "s/^RESULT\t[^\t]*/$name\t$setting/" >> "$results"
    else
      echo "run_eval.sh: eval failed on $name ($setting):" >&2
      cat "$log" >&2
      status=1
    fi
  done
done

echo "quarry BM25 retrieval quality (English stemming; Lucene's stop words"
echo "dropped from queries; top 1,000; trec_eval definitions)"
echo
printf '%-12s %-7s %6s %5s %5s %5s %8s %8s %8s\n' collection setting docs qrys k1 b nDCG@10 MAP R@100
printf '%s\n' "-------------------------------------------------------------------------"
# name setting docs queries k1 b title ndcg map recall
awk -F '\t' '{ printf "%-12s %-7s %6s %5s %5.2f %5.2f %8s %8s %8s\n", $1, $2, $3, $4, $5, $6, $8, $9, $10 }' "$results"
echo
echo "References (../shared/data/README.md): SciFact BM25 nDCG@10 0.665 (BEIR,"
echo "Elasticsearch, title+text), 0.679 (Anserini flat, k1=0.9 b=0.4, Porter,"
echo "Lucene stop words); NPL (Terrier BM25, Porter + stop words) MAP 0.2992."
exit $status
