# SPDX-License-Identifier: Apache-2.0
#
# Sourced by the scripts that read a Debian source control file (.dsc).

# dsc_path <dsc-or-file>: the .dsc itself, or the path a file holds (the
# build writes the fetched .dsc's path into <src>.dsc-path).
dsc_path() {
    case $1 in *.dsc) echo "$1" ;; *) cat "$1" ;; esac
}

# dsc_checksums <dsc>: "sha256 size name" for every file the .dsc lists.
dsc_checksums() {
    awk '/^Checksums-Sha256:/ { s = 1; next } s && /^[ \t]/ { print $1, $2, $3; next } { s = 0 }' "$1"
}

# dsc_orig_tarball <dsc>: the path of its upstream (.orig) tarball, beside it.
dsc_orig_tarball() {
    local name
    name=$(dsc_checksums "$1" | awk '$3 ~ /\.orig\.tar\./ { print $3; exit }')
    [ -n "$name" ] || return 1
    echo "$(dirname "$1")/$name"
}
