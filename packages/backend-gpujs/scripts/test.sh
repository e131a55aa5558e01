#!/bin/sh
# Runs the package's tests with an X display when none is set and Xvfb is installed, so that the
# headlessgl mode is tested wherever scripts/install-debian-deps.sh has run (CI included).
if [ -z "${DISPLAY:-}" ] && command -v xvfb-run > /dev/null 2>&1; then
  exec xvfb-run -a -s "-screen 0 64x64x24" vitest run "$@"
fi
exec vitest run "$@"
