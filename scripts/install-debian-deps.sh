#!/usr/bin/env bash
# Installs the Debian (bookworm) packages that @gated/backend-gpujs's gpu.js modes and its browser
# check need. Idempotent and non-interactive: packages already installed are skipped, and
# `apt-get update` runs only when a missing package has no install candidate or a download fails.
#
#   scripts/install-debian-deps.sh            install what is missing (root, or sudo when available)
#   scripts/install-debian-deps.sh --check    list what is missing; exit 1 if anything is
#
# Why each package (see packages/backend-gpujs/NOTES.md for the measurements):
#   build-essential python-is-python3 pkg-config   node-gyp toolchain: `gl` (headless-gl) is built
#                                                  from source by `npm ci` (its prebuilt binaries are
#                                                  downloaded from GitHub, which is unreachable here)
#   libx11-dev libxi-dev libxext-dev libgl-dev     headers and libraries headless-gl links against
#   libgl1-mesa-dri                                Mesa's software rasteriser (llvmpipe) that runs the GL
#   xvfb xauth                                     an X display for headless-gl: `xvfb-run -a <cmd>`
#   chromium                                       headless browser for the WebGL check (Playwright
#                                                  drives /usr/bin/chromium; no browser download)
set -euo pipefail

PACKAGES=(
  build-essential
  python-is-python3
  pkg-config
  libx11-dev
  libxi-dev
  libxext-dev
  libgl-dev
  libgl1-mesa-dri
  xvfb
  xauth
  chromium
)

check_only=false
case "${1:-}" in
  --check) check_only=true ;;
  '') ;;
  -h | --help)
    sed -n '2,8p' "$0"
    exit 0
    ;;
  *)
    echo "install-debian-deps: unknown argument '$1' (expected --check or nothing)" >&2
    exit 2
    ;;
esac

if ! command -v dpkg-query > /dev/null 2>&1; then
  echo "install-debian-deps: dpkg-query not found: this script is for Debian/Ubuntu. Install the equivalents of: ${PACKAGES[*]}" >&2
  exit 2
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
  status="$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2> /dev/null || true)"
  # "ii " = installed and configured; anything else (absent, half-installed, removed) needs apt.
  if [[ "$status" != ii* ]]; then missing+=("$pkg"); fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-debian-deps: all ${#PACKAGES[@]} packages already installed"
  exit 0
fi

if $check_only; then
  echo "install-debian-deps: missing: ${missing[*]}"
  exit 1
fi

SUDO=()
if [[ "$(id -u)" -ne 0 ]]; then
  if command -v sudo > /dev/null 2>&1; then
    SUDO=(sudo --preserve-env=DEBIAN_FRONTEND)
  else
    echo "install-debian-deps: not root and no sudo; run as root to install: ${missing[*]}" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
APT_OPTS=(-y -q --no-install-recommends -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)

has_candidates() {
  local pkg candidate
  for pkg in "$@"; do
    candidate="$(apt-cache policy "$pkg" 2> /dev/null | awk '/Candidate:/ { print $2 }')"
    if [[ -z "$candidate" || "$candidate" == "(none)" ]]; then return 1; fi
  done
}

echo "install-debian-deps: installing ${missing[*]}"
updated=false
if ! has_candidates "${missing[@]}"; then
  "${SUDO[@]}" apt-get update -q
  updated=true
fi
if ! "${SUDO[@]}" apt-get install "${APT_OPTS[@]}" "${missing[@]}"; then
  # A stale package list points at versions the mirror no longer has: refresh once and retry.
  if $updated; then exit 1; fi
  "${SUDO[@]}" apt-get update -q
  "${SUDO[@]}" apt-get install "${APT_OPTS[@]}" "${missing[@]}"
fi
echo "install-debian-deps: done"
