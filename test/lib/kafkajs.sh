#!/usr/bin/env bash
# Makes KafkaJS (the npm package, a peer for interop tests) available and prints the
# NODE_PATH that finds it. Installed once into the cache through npm's usual registry.
set -euo pipefail
VERSION=${UVK_KAFKAJS_VERSION:-2.2.4}
DIR=${UVK_CACHE_DIR:-$HOME/.cache/uvkafka}/npm-kafkajs-$VERSION
if [ ! -f "$DIR/node_modules/kafkajs/package.json" ]; then
  command -v npm >/dev/null 2>&1 || { echo "kafkajs.sh: npm is missing" >&2; exit 1; }
  mkdir -p "$DIR"
  npm install --prefix "$DIR" --no-audit --no-fund --loglevel=error "kafkajs@$VERSION" >&2
fi
echo "$DIR/node_modules"
