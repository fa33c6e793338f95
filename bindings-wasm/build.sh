#!/usr/bin/env bash
# Builds the `smtp-rs` JavaScript package in place (bindings-wasm/pkg/) and
# the playground's copy of it (bindings-wasm/www/dist/). Afterwards
# `npm install /path/to/bindings-wasm` works from any project.
#
# Installs what it needs when missing: the wasm32 Rust target, the
# wasm-bindgen CLI of the version in Cargo.lock (into <repo>/.tools, cached),
# and the npm dev dependencies (binaryen's wasm-opt) with `npm ci`.
#
# Env: WASM_TOOLS=<dir> where the wasm-bindgen CLI lives (default <repo>/.tools).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
TARGET=wasm32-unknown-unknown
TOOLS=${WASM_TOOLS:-$ROOT/.tools}
export PATH="$TOOLS/bin:$PATH"
cd "$ROOT"

if ! rustup target list --installed | grep -qx "$TARGET"; then
  rustup target add "$TARGET"
fi

# The CLI must be exactly the version of the wasm-bindgen crate in
# Cargo.lock, or the generated glue does not match the module.
WB=$(cargo pkgid -p wasm-bindgen | sed 's/.*@//')
if [ "$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen $WB" ]; then
  echo "installing wasm-bindgen-cli $WB into $TOOLS (a few minutes, once)"
  # No --locked: the CLI's own lockfile pins a crate version this registry
  # does not serve.
  cargo install wasm-bindgen-cli --version "$WB" --root "$TOOLS" --force
fi

if [ ! -x "$HERE/node_modules/.bin/wasm-opt" ]; then
  (cd "$HERE" && npm ci --no-audit --no-fund)
fi

# Release profile for the module only (the workspace profile serves the
# native crates): one codegen unit and LTO make it smaller and faster.
# SIMD128 (every runtime we target has it: V8 since 2021, Safari 16.4)
# lets memchr scan message bodies 16 octets at a time: the DATA decoder
# runs about 6x faster with it (bench/run.sh).
export CARGO_PROFILE_RELEASE_LTO=true CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-C target-feature=+simd128"
cargo build --release --locked --target "$TARGET" -p smtp-rs-wasm
RAW="$ROOT/target/$TARGET/release/smtp_rs_wasm.wasm"

# --target web is the only output whose init takes bytes, a URL, a
# Response or a WebAssembly.Module: one build serves every runtime entry
# (js/node.js, js/workerd.js, js/web.js).
rm -rf "$HERE/pkg"
wasm-bindgen --target web --out-dir "$HERE/pkg" \
  --remove-name-section --remove-producers-section "$RAW"
# binaryen from npm: Debian's wasm-opt (108) silently breaks this output.
"$HERE/node_modules/.bin/wasm-opt" -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
  --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue --enable-simd \
  "$HERE/pkg/smtp_rs_wasm_bg.wasm" -o "$HERE/pkg/smtp_rs_wasm_bg.wasm"

# The playground serves a copy of the package and of the conformance
# transcripts, so the page works offline from its own directory.
DIST="$HERE/www/dist"
rm -rf "$DIST"
mkdir -p "$DIST/smtp-rs/js" "$DIST/smtp-rs/pkg" "$DIST/transcripts"
cp "$HERE"/js/*.js "$DIST/smtp-rs/js/"
cp -r "$HERE/js/smtp" "$HERE/js/adapters" "$DIST/smtp-rs/js/"
cp "$HERE/pkg/smtp_rs_wasm.js" "$HERE/pkg/smtp_rs_wasm_bg.wasm" "$DIST/smtp-rs/pkg/"
cp "$ROOT"/conformance/transcripts/*.txt "$DIST/transcripts/"
(cd "$DIST/transcripts" && ls -1 *.txt | node -e '
  const names = require("fs").readFileSync(0, "utf8").split("\n").filter(Boolean);
  require("fs").writeFileSync("index.json", JSON.stringify(names) + "\n");')

wasm_size=$(wc -c <"$HERE/pkg/smtp_rs_wasm_bg.wasm")
gz_size=$(gzip -9 -c "$HERE/pkg/smtp_rs_wasm_bg.wasm" | wc -c)
echo "built $HERE/pkg: smtp_rs_wasm_bg.wasm $wasm_size octets, $gz_size gzipped"
