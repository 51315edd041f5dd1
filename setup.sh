#!/usr/bin/env bash
# Stacksim's one setup script. It installs what is missing (and skips what is already there at the
# right version), then serves the app or runs every check and test.
#
#   ./setup.sh serve   set up, then `trunk serve` on http://127.0.0.1:8080
#   ./setup.sh test    set up, then fmt, clippy (native + wasm32), native tests, browser tests in
#                      headless Chromium and Firefox, a release build, its size and a smoke
#                      test of it in both browsers; ends with one line "N passed, M failed"
#   ./setup.sh tools   set up only
#   ./setup.sh post-build
#                      Trunk's post-build hook (Trunk.toml): in a release build, short import and
#                      export names in the wasm and its JS glue (see post_build below)
#   ./setup.sh fuzz [seconds]
#                      fuzz the JSON import with cargo-fuzz on nightly for that long (default 60);
#                      a crash is saved under tests/fuzz/artifacts/import/
#
# Everything comes from the package registries (crates.io, npm, Debian): Trunk runs offline and
# finds wasm-bindgen and wasm-opt on PATH at the versions Trunk.toml pins.
set -euo pipefail

cd "$(dirname "$0")"

TRUNK_VERSION=0.21.14
BINARYEN_VERSION=132
SELENIUM_VERSION=4.51.0
TOOLS_DIR="${STACKSIM_TOOLS:-$HOME/.cache/stacksim/tools}"
export PATH="$TOOLS_DIR/bin:$HOME/.cargo/bin:$PATH"

say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

# The wasm-bindgen version Cargo.lock resolved; the CLI must match it exactly.
wasm_bindgen_version() {
    awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

apt_updated=
apt_install() {
    local missing=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    say "installing Debian packages: ${missing[*]}"
    if [ -z "$apt_updated" ]; then as_root apt-get update -qq; apt_updated=1; fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

has_version() { # command, expected substring of `command --version`
    command -v "$1" >/dev/null 2>&1 && "$1" --version 2>/dev/null | grep -qF "$2"
}

setup_build_tools() {
    rustup target list --installed | grep -qx wasm32-unknown-unknown \
        || { say "adding the wasm32 target"; rustup target add wasm32-unknown-unknown; }
    for component in rustfmt clippy; do
        rustup component list --installed | grep -q "^$component" \
            || { say "adding $component"; rustup component add "$component"; }
    done
    if [ ! -f Cargo.lock ]; then cargo generate-lockfile; fi
    local wbg
    wbg=$(wasm_bindgen_version)
    has_version wasm-bindgen "wasm-bindgen $wbg" || {
        say "installing wasm-bindgen-cli $wbg (a few minutes, once)"
        cargo install wasm-bindgen-cli --version "$wbg" --force
    }
    has_version trunk "trunk $TRUNK_VERSION" || {
        say "installing trunk $TRUNK_VERSION (about ten minutes, once)"
        cargo install trunk --version "$TRUNK_VERSION" --locked --force
    }
    has_version wasm-opt "version $BINARYEN_VERSION" || {
        say "installing wasm-opt (npm binaryen@$BINARYEN_VERSION)"
        command -v npm >/dev/null || apt_install nodejs npm
        npm install --global --prefix "$TOOLS_DIR" --no-audit --no-fund "binaryen@$BINARYEN_VERSION"
    }
}

setup_browsers() {
    apt_install chromium chromium-driver firefox-esr brotli
    # The real tools that check the exported configurations (tests/sim/export.rs) and run the
    # keepalived pair in network namespaces (tests/keepalived.rs: ip, pgrep).
    apt_install haproxy nginx keepalived nftables bind9-utils ufw openssl php8.2-fpm iproute2 procps
    command -v geckodriver >/dev/null 2>&1 || {
        say "installing geckodriver"
        cargo install geckodriver --locked
    }
    # The release build's smoke test (tests/release/smoke.py) drives both browsers with Selenium,
    # given the drivers above (it never downloads one).
    PYTHONPATH="$TOOLS_DIR/python" python3 -c "import selenium, sys; sys.exit(selenium.__version__ != '$SELENIUM_VERSION')" 2>/dev/null || {
        say "installing selenium $SELENIUM_VERSION (Python, for the release smoke test)"
        python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore --upgrade \
            --target "$TOOLS_DIR/python" "selenium==$SELENIUM_VERSION"
    }
}

# Totals over every test runner, printed as the last line.
passed=0
failed=0
summary() {
    local status=$?
    echo
    echo "$passed passed, $failed failed"
    exit "$status"
}

# Runs a test command, shows its output, and adds its "N passed; M failed" lines to the totals.
count_tests() {
    local log
    log=$(mktemp)
    set +e
    "$@" 2>&1 | tee "$log"
    local status=${PIPESTATUS[0]}
    set -e
    local p f
    p=$(grep -oE '[0-9]+ passed; [0-9]+ failed' "$log" | awk '{ s += $1 } END { print s + 0 }')
    f=$(grep -oE '[0-9]+ passed; [0-9]+ failed' "$log" | awk '{ s += $3 } END { print s + 0 }')
    rm -f "$log"
    passed=$((passed + p))
    failed=$((failed + f))
    if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then failed=$((failed + 1)); fi
    return "$status"
}

run_tests() {
    trap summary EXIT
    say "cargo fmt --check"
    cargo fmt --all -- --check
    say "clippy, native"
    cargo clippy --workspace --all-targets -- -D warnings
    say "clippy, wasm32"
    cargo clippy --workspace --all-targets --target wasm32-unknown-unknown -- -D warnings
    say "native tests"
    count_tests cargo test --workspace
    say "browser tests in headless Chromium"
    count_tests env -u GECKODRIVER CHROMEDRIVER=/usr/bin/chromedriver cargo test --target wasm32-unknown-unknown
    say "browser tests in headless Firefox"
    count_tests env -u CHROMEDRIVER GECKODRIVER="$(command -v geckodriver)" cargo test --target wasm32-unknown-unknown
    say "release build"
    trunk build --release
    bash benches/size.sh dist
    say "the release build in headless Chromium and Firefox"
    count_tests env PYTHONPATH="$TOOLS_DIR/python" python3 tests/release/smoke.py dist
}

# Trunk's post-build hook (Trunk.toml), for release builds only. wasm-bindgen names each import
# after its JS function plus a 16-digit hash (`__wbg_setAttribute_f75317b2b5cabfb4`), in both the
# wasm and the JS glue, about 200 of them; the hashes do not compress. wasm-opt's
# --minify-imports-and-exports-and-modules gives every import and export a one- or two-letter
# name and prints the mapping, which this applies to the glue; the integrity hashes Trunk wrote
# into index.html are then recomputed. A name the glue does not have stops the build, and a
# wrong name cannot go unnoticed: the browser refuses to instantiate a module whose imports are
# missing (the release smoke test loads the build in Chromium and Firefox).
post_build() {
    [ "${TRUNK_PROFILE:-}" = release ] || return 0
    python3 - "$TRUNK_STAGING_DIR" "$TRUNK_HTML_FILE" <<'PY'
import base64, hashlib, json, pathlib, re, subprocess, sys

staging, source_html = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]).read_text()
[wasm] = staging.glob("*_bg.wasm")
glue = wasm.with_name(wasm.name.removesuffix("_bg.wasm") + ".js")
html = staging / "index.html"

def integrity(data):
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()

# The same wasm features index.html gives Trunk's wasm-opt run (one list, in index.html).
params = re.search(r'data-wasm-opt-params="([^"]*)"', source_html).group(1)
features = [flag for flag in params.split() if flag.startswith("--enable-")]
minified = wasm.with_suffix(".min")
run = subprocess.run(
    ["wasm-opt", str(wasm), *features, "--optimize-level=2", "--shrink-level=2",
     "--generate-stack-ir", "--optimize-stack-ir", "--minify-imports-and-exports-and-modules",
     "-o", str(minified)],
    capture_output=True, text=True, check=True)
mapping = json.loads(run.stdout)

text = glue.read_text()
modules = {module for module, _, _ in mapping["imports"]}
if len(modules) != 1:
    sys.exit(f"post-build: expected one import module, found {sorted(modules)}")
[module] = modules
# wasm-opt names the one module "a"; the glue passes its import object under the old name.
text, n = re.subn(rf'^(\s*)"{re.escape(module)}":', r'\1"a":', text, flags=re.M)
if n != 1:
    sys.exit(f"post-build: the glue names the import module {module!r} {n} times, not once")
for _, old, new in mapping["imports"]:
    text, n = re.subn(rf"^(\s*){re.escape(old)}:", lambda m: m.group(1) + new + ":", text, flags=re.M)
    if n != 1:
        sys.exit(f"post-build: the glue defines the import {old} {n} times, not once")
for old, new in mapping["exports"]:
    text = re.sub(rf"\bwasm\.{re.escape(old)}\b", "wasm." + new, text)

before = [integrity(wasm.read_bytes()), integrity(glue.read_bytes())]
minified.replace(wasm)
glue.write_text(text)
after = [integrity(wasm.read_bytes()), integrity(glue.read_bytes())]
page = html.read_text()
for old, new in zip(before, after):
    page = page.replace(old, new)
html.write_text(page)
print(f"post-build: {len(mapping['imports'])} imports and {len(mapping['exports'])} exports renamed")
PY
}

# The cargo-fuzz target on the JSON import (tests/fuzz), seeded with the four stages and the
# checked-in regressions; new corpus entries stay in tests/fuzz/corpus (git-ignored).
run_fuzz() {
    local seconds=${1:-60}
    [[ "$seconds" =~ ^[1-9][0-9]*$ ]] || { echo "usage: ./setup.sh fuzz [seconds]" >&2; exit 2; }
    rustup toolchain list | grep -q '^nightly' || {
        say "installing the nightly toolchain"
        rustup toolchain install nightly --profile minimal
    }
    command -v cargo-fuzz >/dev/null 2>&1 || {
        say "installing cargo-fuzz (a few minutes, once)"
        cargo install cargo-fuzz --locked
    }
    local dir=tests/fuzz corpus=tests/fuzz/corpus/import host
    host=$(rustc +nightly -vV | sed -n 's/^host: //p')
    say "building the fuzz target (a few minutes the first time)"
    cargo +nightly fuzz build --fuzz-dir "$dir"
    say "writing the four stages as seeds"
    "$dir/target/$host/release/seeds" "$corpus"
    say "fuzzing the JSON import for $seconds s"
    cargo +nightly fuzz run --fuzz-dir "$dir" import "$corpus" "$dir/regressions" -- \
        -max_total_time="$seconds" -dict="$dir/import.dict" -print_final_stats=1
}

case "${1:-}" in
    serve)
        setup_build_tools
        shift
        exec trunk serve "$@"
        ;;
    test)
        setup_build_tools
        setup_browsers
        run_tests
        ;;
    tools)
        setup_build_tools
        setup_browsers
        ;;
    fuzz)
        shift
        run_fuzz "$@"
        ;;
    post-build)
        post_build
        ;;
    *)
        echo "usage: ./setup.sh serve | test | tools | post-build | fuzz [seconds]" >&2
        exit 2
        ;;
esac
