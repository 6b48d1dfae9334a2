#!/bin/sh
# Runs every per-stage benchmark given on the command line, one after another.
set -e
for exe in "$@"; do
  "$exe" --benchmark_min_time=0.2 --benchmark_counters_tabular=true
done
