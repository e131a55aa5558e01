#!/bin/sh
# Runs the bench CLI (built by turbo's `build` first). When no X display is set and Xvfb is installed
# (scripts/install-debian-deps.sh), it runs under `xvfb-run -a` so that gpu.js's headlessgl mode is
# measured too; without Xvfb that mode is listed as not run, with the reason.
if [ -z "${DISPLAY:-}" ] && command -v xvfb-run > /dev/null 2>&1; then
  exec xvfb-run -a -s "-screen 0 64x64x24" node --expose-gc dist/cli.js "$@"
fi
exec node --expose-gc dist/cli.js "$@"
