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

# jdk_major HOME -> the major version of the JDK/JRE at HOME (17, 21, 25...) or nothing. Reads HOME/release
# in bash (no process: the CLI's launcher runs this on every command); falls back to asking the java binary.
jdk_major() {
  local home="$1" v="" line
  if [ -f "$home/release" ]; then
    while IFS= read -r line || [ -n "$line" ]; do
      case "$line" in JAVA_VERSION=*) v="${line#JAVA_VERSION=}"; v="${v//\"/}"; break ;; esac
    done <"$home/release"
  fi
  [ -n "$v" ] || v="$(java_major "$home/bin/java")"
  case "$v" in 1.*|'') return 0 ;; esac
  echo "${v%%[.+-]*}"
}

# find_jdk -> prints a JAVA_HOME holding Java >= 21, or fails saying what to install.
# Order: $JAVA_HOME, `java` on PATH, /usr/lib/jvm/* (newest first). A full JDK (with javac, needed to build)
# is preferred; a JRE >= 21 is accepted when no JDK >= 21 is found (enough to run built jars).
find_jdk() {
  local c home major jre=""
  # one candidate at a time: the usual case ($JAVA_HOME is a JDK 21+) answers without starting a process
  for home in "${JAVA_HOME:-}" path /usr/lib/jvm; do
    case "$home" in
      '') continue ;;
      path)
        command -v java >/dev/null 2>&1 || continue
        c="$(readlink -f "$(command -v java)")"; set -- "$(dirname "$(dirname "$c")")" ;;
      /usr/lib/jvm) set -- $(ls -d /usr/lib/jvm/*/ 2>/dev/null | sort -rV) ;;
      *) set -- "$home" ;;
    esac
    for c in "$@"; do
      c="${c%/}"
      [ -x "$c/bin/java" ] || continue
      major="$(jdk_major "$c")"
      [ -n "$major" ] && [ "$major" -ge 21 ] 2>/dev/null || continue
      if [ -x "$c/bin/javac" ]; then echo "$c"; return 0; fi
      [ -n "$jre" ] || jre="$c"
    done
  done
  if [ -n "$jre" ]; then echo "$jre"; return 0; fi
  {
    echo "provisioning: no Java 21 or newer found."
    echo "  looked at: \$JAVA_HOME${JAVA_HOME:+ ($JAVA_HOME)}, 'java' on PATH, /usr/lib/jvm/*"
    echo "  install a JDK 21 or newer, e.g. 'sudo apt-get install openjdk-21-jdk' (Debian/Ubuntu),"
    echo "  'sudo dnf install java-21-openjdk-devel' (Fedora/RHEL) or Temurin 21+ from https://adoptium.net,"
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

# built ROOT MODULE -> true when MODULE's launcher classpath is complete: its own jar is written into
# MODULE/target/lib after the runtime dependencies were copied there.
built() {
  compgen -G "$1/$2/target/lib/provisioning-$2*.jar" >/dev/null
}

# ensure_built ROOT JAVA_HOME MODULE... -> builds the jars with the Maven wrapper when a module's
# target/lib is incomplete (cli, server). Serialized with a lock, so two first runs do not build twice.
ensure_built() {
  local root="$1" jh="$2" m missing=""; shift 2
  for m in "$@"; do built "$root" "$m" || missing="$missing $m"; done
  [ -n "$missing" ] || return 0
  if [ ! -x "$jh/bin/javac" ]; then
    echo "provisioning: building needs a JDK 21+ with javac; $jh has none (install e.g. openjdk-21-jdk)." >&2
    return 1
  fi
  mkdir -p "$root/target"
  (
    if command -v flock >/dev/null 2>&1; then flock 9; fi
    missing=""
    for m in "$@"; do built "$root" "$m" || missing="$missing $m"; done
    [ -n "$missing" ] || exit 0
    echo "provisioning: building (missing:$missing; first run takes a minute)..." >&2
    (cd "$root" && JAVA_HOME="$jh" ./mvnw -q -B -DskipTests install >&2) || {
      echo "provisioning: build failed; run 'cd $root && ./mvnw -DskipTests install' to see why." >&2; exit 1; }
    for m in "$@"; do
      built "$root" "$m" || { echo "provisioning: the build did not produce $root/$m/target/lib" >&2; exit 1; }
    done
  ) 9>"$root/target/.build.lock"
}

# ---- the CLI's start-up archive (JDK 25+: AOT cache, JEP 483/514/515) ----------------------------------------------
# cli/target/aot/ holds lib/ (the jars of cli/target/lib, picocli rewritten as Java 8 class files, which the archive
# can hold) and cli.aot, made by a training run (dev.provisioning.cli.Training) of those jars. See cli/README.md.

# cli_aot_fresh ROOT KEY -> true when cli.aot exists, was made for KEY (the JAVA_HOME and the JVM options), is newer
# than every jar of cli/target/lib, and aot/lib has as many jars. (The JVM ignores a cache that does not match,
# silently: hence the checks.)
cli_aot_fresh() {
  local aot="$1/cli/target/aot" j n=0 m=0
  [ -f "$aot/cli.aot" ] && [ -f "$aot/key" ] && [ "$(<"$aot/key")" = "$2" ] || return 1
  for j in "$1/cli/target/lib"/*.jar; do
    [ "$j" -nt "$aot/cli.aot" ] && return 1
    n=$((n + 1))
  done
  for j in "$aot/lib"/*.jar; do m=$((m + 1)); done
  [ "$n" -eq "$m" ]
}

# cli_aot_train ROOT JAVA_HOME JVM_OPTION... -> starts the training run in the background, detached, unless one is
# running (flock); returns at once. PROVISIONING_AOT_SYNC=1 waits for it instead (install scripts, benchmarks).
# Writes cli/target/aot/train.log; cli.aot appears only when the training's commands all exited as expected.
cli_aot_train() {
  local root="$1" jh="$2"; shift 2
  local aot="$root/cli/target/aot"
  mkdir -p "$aot" 2>/dev/null || return 0
  if [ "${PROVISIONING_AOT_SYNC:-}" = 1 ]; then
    cli_aot_build "$root" "$jh" "$@"
  else
    (setsid bash -c '. "$0/dist/libexec/common.sh"; cli_aot_build "$@"' "$root" "$root" "$jh" "$@" \
      </dev/null >/dev/null 2>&1 &)
  fi
  return 0
}

# cli_aot_build ROOT JAVA_HOME JVM_OPTION... -> the training run itself, under cli/target/aot/.lock.
cli_aot_build() {
  local root="$1" jh="$2"; shift 2
  local aot="$root/cli/target/aot" lib="$root/cli/target/lib" j
  (
    if command -v flock >/dev/null 2>&1; then flock -n 9 || exit 0; fi
    cli_aot_fresh "$root" "$jh $*" && exit 0
    exec >"$aot/train.log" 2>&1
    rm -f "$aot/cli.aot" "$aot/cli.aot.tmp" "$aot/cli.aot.tmp.config" "$aot/key"
    rm -rf "$aot/lib" && mkdir -p "$aot/lib" && cp "$lib"/*.jar "$aot/lib/" || exit 1
    for j in "$aot/lib"/picocli-*.jar; do
      [ -f "$j" ] || continue
      if "$jh/bin/java" "$root/dist/libexec/ClassVersionUpgrade.java" "$j" "$j.new"; then mv "$j.new" "$j"; fi
    done
    "$jh/bin/java" "$@" -XX:AOTCacheOutput="$aot/cli.aot.tmp" -Dprovisioning.home="$root" -cp "$aot/lib/*" \
      dev.provisioning.cli.Training || { echo "training failed"; rm -f "$aot/cli.aot.tmp"; exit 1; }
    echo "$jh $*" >"$aot/key"
    mv "$aot/cli.aot.tmp" "$aot/cli.aot"
    rm -f "$aot/cli.aot.tmp.config"
  ) 9>"$aot/.lock"
}
