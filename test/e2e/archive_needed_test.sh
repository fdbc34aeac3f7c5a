#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# archive_needed_test.sh OTP_ROOT
#
# A NIF library that needs its own shared libraries, run from one escript:
# archive_needed/needs_helper.erl loads priv/needs_helper_nif.so by its
# code:priv_dir/1 path; the library needs libhelper.so through RUNPATH
# $ORIGIN/lib, which needs libinner.so through RUNPATH $ORIGIN. None of them
# is where the dynamic linker looks on disk.
#   1. from a directory, all three load from their files (the reference);
#   2. packed with escript:create/2, copied alone into an empty directory and
#      run under strace: the NIF answers as from the directory, all three
#      came from memfds (check_trace.py archive), nothing was created, and
#      code:priv_nif/2's map names the two needed images;
#   3. the same for a driver: archive_needed/needs_helper_port.erl loads
#      priv/needs_helper_drv.so (which needs libhelper.so as the NIF library
#      does) with erl_ddll:load/2 from code:priv_dir/1, then reloads it
#      while a port holds it (the reload loads its copy of all three images
#      once the port closes): from the directory and from an escript, where
#      all three come from memfds, at the load and at the reload;
#   4. a reload whose images are too large to keep, in a VM with a limited
#      address space: {error, system_limit}, the driver unharmed;
#   5. without libinner.so in the archive: the on_load report names the
#      missing library, the library that needs it, and where in the archive
#      it was looked for, and so does erl_ddll's needed_not_in_archive for
#      the driver; without a DT_SONAME in libhelper.so: the report says the
#      dynamic linker cannot take it for a DT_NEEDED library.
#   6. a hostile image in the library's place (archive_needed/hostile_image.py:
#      4,000 DT_NEEDED names, none terminated within 1 MiB), read by kernel
#      for its DT_NEEDED names before erts's loader refuses it: the escript
#      fails at once with the loader's text, the VM alive to print it.
set -euo pipefail
# shellcheck disable=SC2034 # used by lib.sh
E2E_NAME=archive_needed
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
[ $# -eq 1 ] || die "usage: $0 OTP_ROOT"
otp=$(cd "$1" && pwd)
command -v strace > /dev/null || die "strace not found (apt-get install strace)"
require_patched_otp "$otp"
unset ERL_LIBS ERL_FLAGS ERL_AFLAGS ERL_ZFLAGS LD_LIBRARY_PATH || true

make_scratch
work=$E2E_SCRATCH
src=$E2E_DIR/archive_needed
include=$("$otp/bin/erl" -noshell -eval \
    'io:format("~s", [filename:join([code:root_dir(), "usr", "include"])]), halt().')

# build_app <lib dir> [helper soname option]: myapp in <lib dir>.
# shellcheck disable=SC2016 # $ORIGIN is the dynamic linker's, not the shell's
build_app() {
    local lib=$1 priv=$1/myapp/priv
    mkdir -p "$lib/myapp/ebin" "$priv/lib"
    gcc -shared -fPIC -O2 -Wl,-soname,libinner.so -o "$priv/lib/libinner.so" "$src/libinner.c"
    gcc -shared -fPIC -O2 "${@:2}" -o "$priv/lib/libhelper.so" "$src/libhelper.c" \
        -L"$priv/lib" -linner -Wl,-rpath,'$ORIGIN'
    local kind
    for kind in nif drv; do
        gcc -shared -fPIC -O2 -I"$include" -o "$priv/needs_helper_$kind.so" "$src/needs_helper_$kind.c" \
            -L"$priv/lib" -lhelper -Wl,-rpath-link,"$priv/lib" -Wl,-rpath,'$ORIGIN/lib'
    done
    "$otp/bin/erlc" -o "$lib/myapp/ebin" "$src/needs_helper.erl" "$src/needs_helper_port.erl"
}

build_app "$work/lib" -Wl,-soname,libhelper.so
readelf -d "$work/lib/myapp/priv/needs_helper_nif.so" | grep -qF "[\$ORIGIN/lib]" \
    || die "needs_helper_nif.so has no RUNPATH \$ORIGIN/lib"

# --- 1. from a directory: the files ------------------------------------------
(cd "$work" && "$otp/bin/erl" -noshell -pa lib/myapp/ebin -eval 'needs_helper:main([]), halt().') \
    > "$work/dir.log" 2>&1 || { cat "$work/dir.log"; fail_now "the library does not load from its directory"; }
grep -qx "value 42" "$work/dir.log" \
    || { cat "$work/dir.log"; fail_now "from the directory: no value 42"; }
pass "from the directory: value 42 (files)"
want_driver="value 42
reload ok
value after reload 42"
(cd "$work" && "$otp/bin/erl" -noshell -pa lib/myapp/ebin -eval 'needs_helper_port:main([]), halt().') \
    > "$work/dir_drv.log" 2>&1 || { cat "$work/dir_drv.log"; fail_now "the driver does not load from its directory"; }
[ "$(cat "$work/dir_drv.log")" = "$want_driver" ] \
    || { cat "$work/dir_drv.log"; fail_now "from the directory, the driver: expected: $want_driver"; }
pass "from the directory, the driver: value 42, reloaded, value 42 (files)"

# run_alone <escript> <name> <library>...: the escript copied alone into the
# empty directory $work/<name>, run there under strace (trace $work/<name>.trace,
# output $work/<name>.log), with its own TMPDIR; it must succeed, the
# libraries must come from memfds, and it must leave no file behind.
run_alone() {
    local escript=$1 name=$2 dir=$work/$2
    shift 2
    mkdir -p "$dir" "$dir.tmp"
    cp "$escript" "$dir/prog"
    (cd "$dir" && env -i PATH="$otp/bin:/usr/bin:/bin" TMPDIR="$dir.tmp" \
         strace -f -ff -qq -s 4096 -o "$work/$name.trace" ./prog > "$work/$name.log" 2>&1) \
        || { cat "$work/$name.log"; fail_now "$name: the escript failed"; }
    TRACE_MODE=archive check_memory_traces "$work/$name.trace" "$name: the escript's strace" "$@"
    [ "$(ls -A "$dir")" = prog ] || fail "$name: the escript wrote into its directory: $(ls -A "$dir")"
    [ -z "$(ls -A "$dir.tmp")" ] || fail "$name: the escript left files in TMPDIR: $(ls -A "$dir.tmp")"
}

# expect_log <log> <expected text> <what>: the whole log is the text.
expect_log() {
    if [ "$(cat "$1")" = "$2" ]; then
        pass "$3"
    else
        cat "$1"
        fail "$3: expected: $2"
    fi
}

# --- 2. from an escript: all three from memfds --------------------------------
pack_escript "$otp/bin" needs_helper "$work/prog" "$work/lib" myapp/ebin/needs_helper.beam \
    myapp/priv/needs_helper_nif.so myapp/priv/lib/libhelper.so myapp/priv/lib/libinner.so
run_alone "$work/prog" run needs_helper_nif libhelper.so libinner.so
run=$work/run
if grep -qx "value 42" "$work/run.log"; then
    pass "from the escript: value 42, as from the directory"
else
    cat "$work/run.log"
    fail "from the escript: no value 42"
fi
want_needed="priv_nif needed $run/prog/myapp/priv/lib/libhelper.so
priv_nif needed $run/prog/myapp/priv/lib/libinner.so"
if [ "$(grep '^priv_nif needed ' "$work/run.log")" = "$want_needed" ]; then
    pass "code:priv_nif/2 gives both needed images, labelled by their paths"
else
    cat "$work/run.log"
    fail "code:priv_nif/2: expected: $want_needed"
fi

# --- 3. the driver from an escript: all three from memfds, twice -------------
pack_escript "$otp/bin" needs_helper_port "$work/prog_drv" "$work/lib" \
    myapp/ebin/needs_helper_port.beam myapp/priv/needs_helper_drv.so \
    myapp/priv/lib/libhelper.so myapp/priv/lib/libinner.so
run_alone "$work/prog_drv" run_drv needs_helper_drv libhelper.so libinner.so
expect_log "$work/run_drv.log" "$want_driver" \
    "the driver from the escript: value 42, reloaded, value 42, as from the directory"
memfds=$(cat "$work"/run_drv.trace.* | grep -c '^memfd_create("libhelper.so"' || true)
[ "$memfds" -eq 2 ] || fail "libhelper.so: $memfds memfds, expected 2 (the load and the reload)"

# --- 4. a reload whose images cannot be kept, in a VM limited to 4 GB of
# address space: the driver from the map form, then a reload whose 'needed'
# lists one 256 MiB binary 64 times (16 GiB to copy) fails with
# system_limit, and the driver answers as before.
(cd "$work" && ulimit -v 4000000 && "$otp/bin/erl" -noshell -eval '
    Priv = "lib/myapp/priv",
    {ok, Drv} = file:read_file(filename:join(Priv, "needs_helper_drv.so")),
    {ok, Helper} = file:read_file(filename:join(Priv, "lib/libhelper.so")),
    {ok, Inner} = file:read_file(filename:join(Priv, "lib/libinner.so")),
    ok = erl_ddll:load(#{memory => Drv, needed => [#{memory => Helper}, #{memory => Inner}]},
                       needs_helper_drv),
    Port = open_port({spawn_driver, "needs_helper_drv"}, []),
    Big = binary:copy(<<0>>, 256 bsl 20),
    Result = erl_ddll:reload(#{memory => Drv, needed => lists:duplicate(64, #{memory => Big})},
                             needs_helper_drv),
    io:format("reload ~p: ~ts~n", [Result, erl_ddll:format_error(element(2, Result))]),
    io:format("value ~s~n", [erlang:port_control(Port, 0, [])]),
    halt().') > "$work/system_limit.log" 2>&1 || true
expect_log "$work/system_limit.log" "reload {error,system_limit}: The images to reload the driver from are too large to keep until the reload
value 42" "a reload whose images cannot be kept: system_limit, the driver as it was"

# --- 5. what the errors say (and 6. a hostile image) ------------------------
# run_failing <escript> <log>: it must fail (its module is not loaded).
run_failing() {
    mkdir -p "$work/fail"
    cp "$1" "$work/fail/prog"
    if (cd "$work/fail" && env -i PATH="$otp/bin:/usr/bin:/bin" ./prog > "$2" 2>&1); then
        fail "$(basename "$1") succeeded"
    fi
}
pack_escript "$otp/bin" needs_helper "$work/prog_no_inner" "$work/lib" myapp/ebin/needs_helper.beam \
    myapp/priv/needs_helper_nif.so myapp/priv/lib/libhelper.so
run_failing "$work/prog_no_inner" "$work/no_inner.log"
archive=$work/fail/prog
want="needed image $archive/myapp/priv/lib/libhelper.so: libinner.so: cannot open shared object file: No such file or directory' (libinner.so, which myapp/priv/lib/libhelper.so needs, is not in the archive of $archive under myapp/priv/lib, where its RUNPATH points)"
if grep -qF "$want" "$work/no_inner.log"; then
    pass "without libinner.so: the report names it, who needs it and where it was looked for"
else
    cat "$work/no_inner.log"
    fail "without libinner.so: expected: $want"
fi

pack_escript "$otp/bin" needs_helper_port "$work/prog_drv_no_inner" "$work/lib" \
    myapp/ebin/needs_helper_port.beam myapp/priv/needs_helper_drv.so myapp/priv/lib/libhelper.so
run_failing "$work/prog_drv_no_inner" "$work/drv_no_inner.log"
want="load failed: needed_not_in_archive: needed image $archive/myapp/priv/lib/libhelper.so: libinner.so: cannot open shared object file: No such file or directory (libinner.so, which myapp/priv/lib/libhelper.so needs, is not in the archive of $archive under myapp/priv/lib, where its RUNPATH points)"
expect_log "$work/drv_no_inner.log" "$want" \
    "the driver without libinner.so: needed_not_in_archive names it, who needs it and where it was looked for"

build_app "$work/lib_no_soname"
pack_escript "$otp/bin" needs_helper "$work/prog_no_soname" "$work/lib_no_soname" myapp/ebin/needs_helper.beam \
    myapp/priv/needs_helper_nif.so myapp/priv/lib/libhelper.so myapp/priv/lib/libinner.so
run_failing "$work/prog_no_soname" "$work/no_soname.log"
want="needed image $archive/myapp/priv/lib/libhelper.so has no DT_SONAME, so the dynamic linker cannot take it for a DT_NEEDED library"
if grep -qF "$want" "$work/no_soname.log"; then
    pass "libhelper.so without DT_SONAME: the report says so"
else
    cat "$work/no_soname.log"
    fail "libhelper.so without DT_SONAME: expected: $want"
fi

mkdir -p "$work/lib_hostile/myapp/ebin" "$work/lib_hostile/myapp/priv"
cp "$work/lib/myapp/ebin/needs_helper.beam" "$work/lib_hostile/myapp/ebin/"
python3 "$src/hostile_image.py" "$work/lib_hostile/myapp/priv/needs_helper_nif.so"
pack_escript "$otp/bin" needs_helper "$work/prog_hostile" "$work/lib_hostile" \
    myapp/ebin/needs_helper.beam myapp/priv/needs_helper_nif.so
run_failing "$work/prog_hostile" "$work/hostile.log"
want="Failed to load NIF library $archive/myapp/priv/needs_helper_nif from memory: '"
if grep -qF "$want" "$work/hostile.log"; then
    pass "a hostile image: refused by the loader, the VM alive to say so"
else
    cat "$work/hostile.log"
    fail "a hostile image: expected: $want"
fi
finish
