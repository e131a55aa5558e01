#!/bin/sh
# Runs the package's tests with an X display when none is set and Xvfb is installed, so that the
# headlessgl mode is tested wherever scripts/install-debian-deps.sh has run (CI included). Without
# either, the headlessgl checks skip with the reason (and fail with CI=true: CI must run them all).
if [ -z "${DISPLAY:-}" ] && command -v xvfb-run > /dev/null 2>&1; then
  exec xvfb-run -a -s "-screen 0 64x64x24" vitest run "$@"
fi
if [ -z "${DISPLAY:-}" ]; then
  echo "backend-gpujs: no DISPLAY and no xvfb-run: the headlessgl checks will be SKIPPED (run scripts/install-debian-deps.sh; with CI=true they fail)" >&2
fi
exec vitest run "$@"
