#!/usr/bin/env bash
# Installs the Debian packages jira2sql needs (only the missing ones) and builds it into build/.
#   scripts/setup.sh            Release build of everything (binary: build/jira2sql)
#   BUILD_TYPE=Debug scripts/setup.sh
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(build-essential cmake pkg-config libcurl4-openssl-dev libssl-dev nlohmann-json3-dev libpqxx-dev
          libsqlitecpp-dev libsqlite3-dev libyaml-cpp-dev libspdlog-dev catch2 libcli11-dev libcpp-httplib-dev
          libhowardhinnant-date-dev libsimdjson-dev tzdata sqlite3 postgresql ${EXTRA_PACKAGES:-})
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

cmake -S . -B build -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-Release}" >/dev/null
cmake --build build -j"$(nproc)"
