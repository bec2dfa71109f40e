#!/usr/bin/env bash
# Regenerates gen/ (ts-proto code) and envoy/descriptor.binpb (for JSON transcoding)
# from proto/. Runs before build, start and test; takes about a second.
set -euo pipefail
cd "$(dirname "$0")/.."
buf=node_modules/.bin/buf
rm -rf gen
"$buf" generate proto
"$buf" generate node_modules/google-proto-files --path node_modules/google-proto-files/google/rpc/status.proto --path node_modules/google-proto-files/google/rpc/error_details.proto
"$buf" build proto -o envoy/descriptor.binpb
echo "gen: generated gen/ and envoy/descriptor.binpb"
