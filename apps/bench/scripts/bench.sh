#!/bin/sh
# Runs the bench CLI (built by turbo's `build` first). When no X display is set and Xvfb is installed
# (scripts/install-debian-deps.sh), it runs under `xvfb-run -a` so that gpu.js's headlessgl mode is
# measured too; without Xvfb that mode is listed as not run, with the reason.
# Node 20 validates relaxed SIMD (the cpu:wasm-relaxed kernel set) only with a V8 flag; it is passed
# when this node accepts it.
NODE_FLAGS="--expose-gc"
if node --experimental-wasm-relaxed-simd -e 0 > /dev/null 2>&1; then
  NODE_FLAGS="$NODE_FLAGS --experimental-wasm-relaxed-simd"
fi
if [ -z "${DISPLAY:-}" ] && command -v xvfb-run > /dev/null 2>&1; then
  # shellcheck disable=SC2086
  exec xvfb-run -a -s "-screen 0 64x64x24" node $NODE_FLAGS dist/cli.js "$@"
fi
# shellcheck disable=SC2086
exec node $NODE_FLAGS dist/cli.js "$@"
