#!/usr/bin/env bash
# CI: the Debian packages. Builds them with dpkg-buildpackage from a copy of
# the committed tree with packaging/debian as debian/, runs lintian, installs
# them, builds and runs a C program against them with nothing but pkg-config,
# runs the autopkgtests on this machine (autopkgtest's null runner), and
# checks that the symbols file matches the built library. Removes the packages
# again at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
# Debian's own tools only: a python3 or cargo of another origin earlier in
# PATH (pyenv, rustup) must not take part in a package build.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
top=$PWD

apt-get install -y --no-install-recommends dpkg-dev devscripts lintian autopkgtest python3

# One version: meson.build, the Python package and the changelog agree.
version=$(sed -n "s/^  version: '\([^']*\)',$/\1/p" meson.build)
python_version=$(sed -n 's/^__version__ = "\(.*\)"$/\1/p' bindings/python/trainmetrics/_lib.py)
changelog_version=$(dpkg-parsechangelog -l packaging/debian/changelog -S Version)
echo "meson.build $version, _lib.py $python_version, debian/changelog $changelog_version"
[ -n "$version" ] && [ "$python_version" = "$version" ] && [ "${changelog_version%-*}" = "$version" ] || {
    echo "debian.sh: the versions disagree" >&2; exit 1; }

work=$(mktemp -d /tmp/trainmetrics-deb.XXXXXX)
trap 'rm -rf "$work"' EXIT
src=$work/trainmetrics-$version
git archive --format=tar --prefix="trainmetrics-$version/" HEAD | tar -x -C "$work"
cp -r packaging/debian "$src/debian"

# trainmetrics-tools needs the command in tools/; until tools/meson.build
# exists the build says so and uses the profile that leaves the package out.
profiles=
if [ ! -e tools/meson.build ]; then
    profiles=pkg.trainmetrics.notools
    echo "debian.sh: no tools/meson.build yet: building without trainmetrics-tools ($profiles)"
fi
apt-get build-dep -y ${profiles:+-P "$profiles"} "$src"
start=$(date +%s)
(cd "$src" && DEB_BUILD_PROFILES=$profiles DEB_BUILD_OPTIONS=parallel=2 dpkg-buildpackage -us -uc -b)
echo "debian.sh: dpkg-buildpackage took $(( $(date +%s) - start )) s"
ls -l "$work"/*.deb

# lintian: any error or warning fails, except the one tag that only an
# uploaded changelog entry can clear: the first upload of a package must
# close its ITP bug, and this UNRELEASED entry has none to close.
changes=$(ls "$work"/*.changes)
echo "debian.sh: the lintian tags of the UNRELEASED, first changelog entry (expected, not failures):"
lintian --tags initial-upload-closes-no-bugs "$changes" || true
lintian --fail-on error,warning --display-info \
    --suppress-tags initial-upload-closes-no-bugs "$changes"

# The symbols file is what refresh-symbols.py writes for this library
# (dpkg-gensymbols -c4 in the build already refused any difference in names).
python3 packaging/debian/refresh-symbols.py --check "$src"/obj-*/lib/libtrainmetrics.so.0 meson.build

packages=(libtrainmetrics0 libtrainmetrics-dev libtrainmetrics-doc python3-trainmetrics)
[ -n "$profiles" ] || packages+=(trainmetrics-tools trainmetrics-tools-dbgsym)
packages+=(libtrainmetrics0-dbgsym)
cleanup() { apt-get purge -y "${packages[@]}" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
apt-get install -y "$work"/*.deb

# A C consumer against the installed packages, no environment tweaks.
(cd / && sh "$top/packaging/debian/tests/c-consumer")
python3 -c 'import trainmetrics, sys; print(trainmetrics.library_path, trainmetrics.__file__); sys.exit(trainmetrics.__file__.startswith("/usr/lib/python3/dist-packages/") is False)'
if [ -z "$profiles" ]; then trainmetrics --help >/dev/null; man -w trainmetrics; fi
test -L /usr/share/doc/libtrainmetrics-doc/html/jquery.js
test -e /usr/share/doc/libtrainmetrics-doc/html/jquery.js
man -w trm_confusion_new

# The autopkgtests, with the packages just built, on this machine.
start=$(date +%s)
autopkgtest "$work"/*.deb "$src" -- null
echo "debian.sh: autopkgtest took $(( $(date +%s) - start )) s"
