#!/usr/bin/env bash
# Regenerates gen/ (ts-proto code for grpc-js) and envoy/descriptor.binpb (the
# descriptor set Envoy transcodes JSON with) from proto/. Runs before build, start
# and test; takes about a second. google/rpc error details are included so Envoy
# can render BadRequest and ErrorInfo details as JSON.
set -euo pipefail
cd "$(dirname "$0")/.."
buf=node_modules/.bin/buf
paths=(--path proto/shop
  --path node_modules/google-proto-files/google/rpc/status.proto
  --path node_modules/google-proto-files/google/rpc/error_details.proto)
rm -rf gen
mkdir -p envoy
"$buf" generate "${paths[@]}"
"$buf" build "${paths[@]}" \
  --path node_modules/grpc-health-check/proto/health/v1/health.proto \
  --path node_modules/@grpc/reflection/build/proto/grpc/reflection \
  -o envoy/descriptor.binpb
echo "gen: regenerated gen/ and envoy/descriptor.binpb"
