#!/usr/bin/env bash
# The engine benchmark, natively (criterion) and in headless Chromium (release wasm), and the
# wasm/native time ratio from this one run; in Chromium also a 600 k-request load run and the
# frame time of the load overlay animating 500 dots, and the work per pointer move while dragging a
# host in 12- and 200-node designs. Usage: bash benches/engine.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="${STACKSIM_TOOLS:-$HOME/.cache/stacksim/tools}/bin:$HOME/.cargo/bin:$PATH"
native_log=$(mktemp) browser_log=$(mktemp)
trap 'rm -f "$native_log" "$browser_log"' EXIT
cargo bench --bench engine 2>&1 | tee "$native_log"
CHROMEDRIVER=/usr/bin/chromedriver cargo test --release --target wasm32-unknown-unknown \
    --test browser_bench -- --include-ignored --nocapture 2>&1 | tee "$browser_log"
native=$(grep -oE 'native: .*' "$native_log" | tail -1 || true)
browser=$(grep -oE 'browser: .*' "$browser_log" | tail -1 || true)
load_run=$(grep -oE 'browser load run: .*' "$browser_log" | tail -1 || true)
overlay=$(grep -oE 'browser overlay: .*' "$browser_log" | tail -1 || true)
drag=$(grep -oE 'browser drag: .*' "$browser_log" | tail -1 || true)
secs() { grep -oE 'in [0-9.]+ s' <<<"$1" | grep -oE '[0-9.]+'; }
echo
echo "$native"
echo "$browser"
echo "$load_run"
echo "$overlay"
echo "$drag"
if [ -n "$native" ] && [ -n "$browser" ]; then
    awk -v w="$(secs "$browser")" -v n="$(secs "$native")" \
        'BEGIN { printf "wasm/native time ratio: %.2f (goal <= 1.2)\n", w / n }'
fi
