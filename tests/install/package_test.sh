#!/usr/bin/env bash
# The Debian package as a user gets it: built with cpack from this build, unpacked into a scratch
# root (dpkg-deb -x), and run from there with the source and build trees out of reach (a private
# mount namespace puts empty folders over them), so nothing the programs need may point back at
# them: `ct logs` on the bundled log list, and the README's sandbox scan.
# Usage: package_test.sh BUILD_DIR SOURCE_DIR SANDBOX_PROGRAM   (as root: unshare --mount)
set -euo pipefail
build=$(realpath "$1") src=$(realpath "$2") sandbox=$3
scratch=$(mktemp -d /tmp/lookalike-package-XXXXXX)
trap 'rm -rf "$scratch"' EXIT

if ! (cd "$build" && cpack -G DEB -B "$scratch/out") >"$scratch/cpack.log" 2>&1; then
  cat "$scratch/cpack.log"
  exit 1
fi
deb=$(ls "$scratch"/out/lookalike_*.deb)
dpkg-deb --field "$deb" Package Version Architecture Depends
root=$scratch/root
dpkg-deb -x "$deb" "$root"
for f in usr/bin/lookalike usr/bin/lookalike-engine usr/lib/systemd/system/lookalike-watch.service \
         usr/share/doc/lookalike/examples/watch.example.toml usr/share/doc/lookalike/README.md; do
  [ -e "$root/$f" ] || { echo "package_test: $f is not in the package"; dpkg-deb -c "$deb"; exit 1; }
done
grep -qx 'ExecStart=/usr/bin/lookalike watch --config /etc/lookalike/watch.toml' \
  "$root/usr/lib/systemd/system/lookalike-watch.service" || { echo "package_test: unit's ExecStart is not /usr/bin"; exit 1; }
# The test world is a test program, not part of the package: copied beside the root.
cp "$sandbox" "$scratch/lookalike-sandbox"

export ROOT=$root SCRATCH=$scratch SRC=$src BUILD=$build
unshare --mount -- bash -euo pipefail -c '
  mount --make-rprivate /
  # The build folder first: it may lie inside the source tree, which would then hide it.
  [ "$BUILD" = "${BUILD#"$SRC"/}" ] && mount -t tmpfs -o size=1m none "$BUILD"
  mount -t tmpfs -o size=1m none "$SRC"
  [ -z "$(ls -A "$SRC")" ] || { echo "package_test: the source tree is still visible"; exit 1; }
  cd "$SCRATCH"
  root/usr/bin/lookalike --version
  root/usr/bin/lookalike --db ./db ct logs --logs bundled >ct-logs.txt
  cat ct-logs.txt
  grep -q "^# log list lookalike-snapshot-" ct-logs.txt
  grep -q "^Aviator	rfc6962	" ct-logs.txt
  ./lookalike-sandbox --lookalike root/usr/bin/lookalike --db ./scan-db >scan.txt
  cat scan.txt
  grep -q " examplebnak.com " scan.txt
  root/usr/bin/lookalike watch --check --config root/usr/share/doc/lookalike/examples/watch.example.toml
'
echo "package_test: OK"
