#!/usr/bin/env bash
# Prints the size of a release build's wasm and JS: raw, gzip -9 and brotli (when installed).
# Usage: bash benches/size.sh [dist-dir]   (run `trunk build --release` first)
set -euo pipefail
dist="${1:-dist}"
shopt -s nullglob
files=("$dist"/*.wasm "$dist"/*.js)
if [ ${#files[@]} -eq 0 ]; then
    echo "size: no .wasm or .js in $dist; run trunk build --release first" >&2
    exit 1
fi
total_raw=0 total_gz=0 total_br=0
printf '%-44s %10s %10s %10s\n' "file" "raw" "gzip -9" "brotli"
for file in "${files[@]}"; do
    raw=$(wc -c <"$file")
    gz=$(gzip -9 -c "$file" | wc -c)
    if command -v brotli >/dev/null; then br=$(brotli -q 11 -c "$file" | wc -c); else br=0; fi
    total_raw=$((total_raw + raw)) total_gz=$((total_gz + gz)) total_br=$((total_br + br))
    printf '%-44s %10d %10d %10d\n' "$(basename "$file")" "$raw" "$gz" "$br"
done
kib() { awk -v b="$1" 'BEGIN { printf "%.1f KiB", b / 1024 }'; }
printf '%-44s %10d %10d %10d\n' "total" "$total_raw" "$total_gz" "$total_br"
echo "release size: $(kib "$total_raw") raw, $(kib "$total_gz") gzip, $(kib "$total_br") brotli (goal: 120 KiB compressed)"
