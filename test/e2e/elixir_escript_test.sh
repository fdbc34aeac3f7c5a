#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# elixir_escript_test.sh OTP_ROOT ELIXIR_DEB
#
# An Elixir application that depends on a NIF library, as one escript, on
# the patched Erlang/OTP in OTP_ROOT, with Debian's Elixir (ELIXIR_DEB, its
# binary package, or a file that holds its path):
#   1. elixir_escript/crc32_cli, which depends on elixir_escript/crc32_nif
#      (a path dependency whose module loads its library by a path under
#      :code.priv_dir/1, compiled by its own mix compiler task), is built
#      with `mix escript.build`, include_priv_for naming crc32_nif, offline;
#   2. the escript alone is copied into an empty directory and run there
#      under strace, with no Elixir installed (only OTP_ROOT/bin in PATH):
#      its CRC-32s of assorted files are python3's, the library is loaded
#      from a memfd, no .so is opened or created (check_trace.py, mode
#      archive), and nothing is left in TMPDIR;
#   3. built again without include_priv_for, the escript fails, and the
#      report of the failed on_load names mix's option that packs the
#      library.
set -euo pipefail
# shellcheck disable=SC2034 # used by lib.sh
E2E_NAME=elixir_escript
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
[ $# -eq 2 ] || die "usage: $0 OTP_ROOT ELIXIR_DEB"
otp=$1 deb=$2
require_patched_otp "$otp"
[ -f "$deb" ] || die "$deb not found (build the e2e_debian_packages target first)"
case $deb in *.deb) ;; *) deb=$(cat "$deb") ;; esac
[ -f "$deb" ] || die "$deb not found (build the e2e_debian_packages target again)"
for tool in dpkg-deb strace cc; do
    command -v "$tool" > /dev/null || die "$tool not found (cmake/install-debian-deps.sh installs it)"
done

make_scratch
work=$E2E_SCRATCH
bin=$otp/bin
dpkg-deb -x "$deb" "$work/elixir"
elixir_bin=$work/elixir/usr/bin
[ -x "$elixir_bin/mix" ] || die "$deb has no usr/bin/mix"

# --- 1. the escript, built by mix, offline ------------------------------------
cp -r "$E2E_DIR/elixir_escript/crc32_nif" "$E2E_DIR/elixir_escript/crc32_cli" "$work/"
(cd "$work/crc32_cli" && env -i PATH="$bin:$elixir_bin:/usr/bin:/bin" HOME="$work/home" \
     MIX_HOME="$work/home/.mix" HEX_OFFLINE=1 LANG=C.UTF-8 \
     mix escript.build) > "$work/mix.log" 2>&1 \
    || { cat "$work/mix.log"; fail_now "mix escript.build failed"; }
escript_file=$work/crc32_cli/crc32_cli
[ -f "$escript_file" ] || { cat "$work/mix.log"; fail_now "mix wrote no $escript_file"; }
log "escript built by mix from $(basename "$deb")"

# --- 2. the escript alone, from an empty directory, under strace -------------
mapfile -t files < <(make_test_files "$work/files")
run=$work/run
mkdir -p "$run" "$run.tmp"
cp "$escript_file" "$run/crc32_cli"
(cd "$run" && env -i PATH="$bin:/usr/bin:/bin" TMPDIR="$run.tmp" LANG=C.UTF-8 \
     strace -f -ff -qq -s 4096 -o "$work/trace" ./crc32_cli "${files[@]}" > "$work/escript.log" 2>&1) \
    || { cat "$work/escript.log"; fail_now "the escript failed"; }
check_crc_output "$work/escript.log" "${files[@]}"
TRACE_MODE=archive check_memory_traces "$work/trace" "the escript's strace" crc32_nif
[ "$(ls -A "$run")" = crc32_cli ] || fail "the escript wrote into its directory: $(ls -A "$run")"
[ -z "$(ls -A "$run.tmp")" ] || fail "the escript left files in TMPDIR: $(ls -A "$run.tmp")"

# --- 3. without include_priv_for: the text says what to add -----------------
sed -i 's/, include_priv_for: \[:crc32_nif\]//' "$work/crc32_cli/mix.exs"
grep -q include_priv_for "$work/crc32_cli/mix.exs" && die "include_priv_for is still in mix.exs"
(cd "$work/crc32_cli" && rm -f crc32_cli && env -i PATH="$bin:$elixir_bin:/usr/bin:/bin" \
     HOME="$work/home" MIX_HOME="$work/home/.mix" HEX_OFFLINE=1 LANG=C.UTF-8 \
     mix escript.build) > "$work/mix-unpacked.log" 2>&1 \
    || { cat "$work/mix-unpacked.log"; fail_now "mix escript.build without include_priv_for failed"; }
unpacked=$work/unpacked
mkdir -p "$unpacked"
cp "$escript_file" "$unpacked/crc32_cli"
if (cd "$unpacked" && env -i PATH="$bin:/usr/bin:/bin" LANG=C.UTF-8 ./crc32_cli "${files[0]}" \
        > "$work/unpacked.log" 2>&1); then
    fail "the escript without its library succeeded"
fi
hint="crc32_nif/priv/crc32_nif.so is not in the archive of $unpacked/crc32_cli, which has under crc32_nif/priv: nothing. With mix, add include_priv_for: [:crc32_nif] to the escript options in mix.exs"
if grep -qF "$hint" "$work/unpacked.log"; then
    pass "without include_priv_for: the on_load report names it"
else
    cat "$work/unpacked.log"
    fail "without include_priv_for: no report saying: $hint"
fi
finish
