#!/usr/bin/env bash
# Installs the local MongoDB wire-protocol server (mongo-java-server 1.47.0 + our launcher).
#
# usage: tools/mongo-wire/install.sh [TARGET_DIR]
#   TARGET_DIR defaults to <repo>/.tools/mongo-wire. Afterwards it contains:
#     TARGET_DIR/lib/*.jar                    mongo-java-server + netty + h2 + slf4j
#     TARGET_DIR/classes/MongoWireServer.class
#   Start with:
#     java -cp "TARGET_DIR/classes:TARGET_DIR/lib/*" MongoWireServer --port 0 --backend memory
#
# Idempotent: if everything is in place (and pom.xml / MongoWireServer.java are unchanged since
# the last install) it prints "mongo-wire: already installed" and exits 0 immediately.
# Env: MAVEN_REPO_LOCAL (default ~/.m2/repository), MVN (default mvn), JAVAC (default javac,
#      or $JAVA_HOME/bin/javac when JAVA_HOME is set).
set -euo pipefail

SCRIPT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"
REPO_ROOT="$(cd -- "$SCRIPT_DIR/../.." && pwd -P)"
POM="$SCRIPT_DIR/pom.xml"
SRC="$SCRIPT_DIR/MongoWireServer.java"

TARGET="${1:-$REPO_ROOT/.tools/mongo-wire}"
mkdir -p -- "$TARGET"
TARGET="$(cd -- "$TARGET" && pwd -P)"
LIB="$TARGET/lib"
CLASSES="$TARGET/classes"
STAMP="$TARGET/.install-stamp"

log() { printf 'mongo-wire: %s\n' "$*"; }
fail() { printf 'mongo-wire: ERROR: %s\n' "$*" >&2; exit 1; }

[[ -f "$POM" ]] || fail "missing $POM"
[[ -f "$SRC" ]] || fail "missing $SRC"

# Jars that must be present for the install to count as complete.
REQUIRED_JARS=(
  "mongo-java-server-core-1.47.0.jar"
  "mongo-java-server-memory-backend-1.47.0.jar"
  "mongo-java-server-h2-backend-1.47.0.jar"
)

hash_of() { cksum < "$1" | tr -d ' \t'; }
POM_HASH="pom:$(hash_of "$POM")"
SRC_HASH="src:$(hash_of "$SRC")"

jars_ok() {
  local j
  for j in "${REQUIRED_JARS[@]}"; do [[ -f "$LIB/$j" ]] || return 1; done
  compgen -G "$LIB/h2-*.jar" >/dev/null || return 1
  compgen -G "$LIB/netty-transport-*.jar" >/dev/null || return 1
  compgen -G "$LIB/slf4j-simple-*.jar" >/dev/null || return 1
  [[ -f "$STAMP" ]] && grep -qxF "$POM_HASH" "$STAMP"
}
classes_ok() {
  [[ -f "$CLASSES/MongoWireServer.class" ]] && [[ -f "$STAMP" ]] && grep -qxF "$SRC_HASH" "$STAMP"
}

if jars_ok && classes_ok; then
  log "already installed"
  exit 0
fi

# Serialize concurrent installs into the same target (e.g. parallel test workers).
if command -v flock >/dev/null 2>&1; then
  exec 9>"$TARGET/.install.lock"
  flock 9
  if jars_ok && classes_ok; then
    log "already installed"
    exit 0
  fi
fi

need_jars=0
jars_ok || need_jars=1
rm -f -- "$STAMP"

if (( need_jars )); then
  MVN="${MVN:-mvn}"
  command -v "$MVN" >/dev/null 2>&1 || fail "maven ('$MVN') not found on PATH; install Maven 3.8+"
  REPO_LOCAL="${MAVEN_REPO_LOCAL:-$HOME/.m2/repository}"
  log "fetching mongo-java-server jars with Maven into $LIB (maven repo: $REPO_LOCAL) ..."
  rm -rf -- "$LIB" "$LIB.tmp"
  # Maven 3.8 -q still prints stray ANSI resets, so keep its output in a log shown only on failure.
  MVN_LOG="$TARGET/mvn.log"
  if ! "$MVN" -q -B -f "$POM" \
      -Dmaven.repo.local="$REPO_LOCAL" \
      dependency:copy-dependencies \
      -DincludeScope=runtime \
      -DoutputDirectory="$LIB.tmp" >"$MVN_LOG" 2>&1 </dev/null; then
    tail -n 40 -- "$MVN_LOG" >&2 || true
    rm -rf -- "$LIB.tmp"
    fail "Maven dependency download failed (mvn dependency:copy-dependencies -f $POM, full log: $MVN_LOG); check network access to Maven Central"
  fi
  rm -f -- "$MVN_LOG"
  mv -- "$LIB.tmp" "$LIB"
  for j in "${REQUIRED_JARS[@]}"; do
    [[ -f "$LIB/$j" ]] || fail "Maven finished but $LIB/$j is missing"
  done
  log "fetched $(find "$LIB" -maxdepth 1 -name '*.jar' | wc -l | tr -d ' ') jars"
fi

if [[ -n "${JAVAC:-}" ]]; then
  :
elif [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/javac" ]]; then
  JAVAC="$JAVA_HOME/bin/javac"
else
  JAVAC=javac
fi
command -v "$JAVAC" >/dev/null 2>&1 || fail "javac ('$JAVAC') not found; install a JDK 17+"

log "compiling launcher MongoWireServer.java -> $CLASSES ..."
rm -rf -- "$CLASSES" "$CLASSES.tmp"
mkdir -p -- "$CLASSES.tmp"
if ! "$JAVAC" --release 17 -nowarn -d "$CLASSES.tmp" -cp "$LIB/*" "$SRC"; then
  rm -rf -- "$CLASSES.tmp"
  fail "javac failed compiling $SRC"
fi
mv -- "$CLASSES.tmp" "$CLASSES"

printf '%s\n%s\n' "$POM_HASH" "$SRC_HASH" > "$STAMP"
log "installed into $TARGET"
log "run: java -cp \"$CLASSES:$LIB/*\" MongoWireServer --port 0 --backend memory"
