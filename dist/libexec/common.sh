# Shared by the launchers and CI: locate the project root, a JDK >= 21 and a Nushell binary.
# Source it; it defines functions only.

prov_root() {
  local src="${BASH_SOURCE[0]}"
  while [ -L "$src" ]; do src="$(readlink -f "$src")"; done
  (cd "$(dirname "$src")/../.." && pwd)
}

# java_major JAVA_BIN -> prints the major version (17, 21, 25...) or nothing
java_major() {
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p' | head -n1
}

# find_jdk -> prints a JAVA_HOME holding a JDK >= 21 (with javac), or fails with what to install.
# Order: $JAVA_HOME, `java` on PATH, /usr/lib/jvm/*.
find_jdk() {
  local cands=() c home major
  [ -n "${JAVA_HOME:-}" ] && cands+=("$JAVA_HOME")
  if command -v java >/dev/null 2>&1; then
    c="$(readlink -f "$(command -v java)")"; cands+=("$(dirname "$(dirname "$c")")")
  fi
  for c in $(ls -d /usr/lib/jvm/*/ 2>/dev/null | sort -rV); do cands+=("${c%/}"); done
  for home in "${cands[@]}"; do
    [ -x "$home/bin/java" ] || continue
    major="$(java_major "$home/bin/java")"
    case "$major" in ''|1.*) continue ;; esac
    if [ "$major" -ge 21 ] 2>/dev/null; then echo "$home"; return 0; fi
  done
  {
    echo "provisioning: no JDK 21 or newer found."
    echo "  looked at: \$JAVA_HOME, 'java' on PATH, /usr/lib/jvm/*"
    echo "  install one, e.g. 'apt-get install openjdk-21-jdk' (Debian/Ubuntu) or Temurin 21+,"
    echo "  then set JAVA_HOME to it."
  } >&2
  return 1
}

# find_nu ROOT -> prints the path of a `nu` binary; installs npm nushell@0.115.1 into ROOT/tools if needed.
PROV_NU_VERSION="0.115.1"
find_nu() {
  local root="$1" local_nu="$1/tools/node_modules/@nushell/linux-x64/bin/nu"
  if [ -n "${PROVISIONING_NUSHELL_BINARY:-}" ] && [ -x "${PROVISIONING_NUSHELL_BINARY}" ]; then
    echo "$PROVISIONING_NUSHELL_BINARY"; return 0
  fi
  if command -v nu >/dev/null 2>&1; then command -v nu; return 0; fi
  if [ -x "$local_nu" ]; then echo "$local_nu"; return 0; fi
  if ! command -v npm >/dev/null 2>&1; then
    echo "provisioning: Nushell not found: no 'nu' on PATH and no npm to install nushell@$PROV_NU_VERSION." >&2
    echo "  install Nushell (https://www.nushell.sh) or Node.js+npm, then retry." >&2
    return 1
  fi
  echo "provisioning: installing nushell@$PROV_NU_VERSION into $root/tools (one time)..." >&2
  mkdir -p "$root/tools"
  [ -f "$root/tools/package.json" ] || echo '{"name":"provisioning-tools","private":true}' > "$root/tools/package.json"
  if ! (cd "$root/tools" && npm install --no-audit --no-fund --loglevel=error "nushell@$PROV_NU_VERSION" >&2); then
    echo "provisioning: 'npm install nushell@$PROV_NU_VERSION' failed; install Nushell by hand." >&2
    return 1
  fi
  [ -x "$local_nu" ] || { echo "provisioning: npm installed nushell but $local_nu is missing" >&2; return 1; }
  echo "$local_nu"
}

# ensure_built ROOT JAVA_HOME -> builds the jars with the Maven wrapper if the dist lib dir is missing.
ensure_built() {
  local root="$1" jh="$2"
  if [ ! -f "$root/dist/target/lib/.complete" ]; then
    echo "provisioning: building (first run)..." >&2
    (cd "$root" && JAVA_HOME="$jh" ./mvnw -q -B -DskipTests install >&2) || {
      echo "provisioning: build failed; run './mvnw -DskipTests install' to see why." >&2; return 1; }
  fi
}
