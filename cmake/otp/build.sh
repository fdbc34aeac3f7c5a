#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# build.sh <src-dir> <install-prefix>
#
# Configures (only when needed), builds and installs a reduced Erlang/OTP from
# the tree prepared by prepare-source.sh, in place (OTP builds in its tree).
#
#   - applications: what the project's tests and Debian's rebar3 3.19 (an
#     escript) need; all others are skipped with configure's --without-<app>;
#   - compilers wrapped in ccache (its cache lives outside the build tree);
#   - no documentation;
#   - the default flavour (the JIT on x86_64 and aarch64) is built and
#     installed; with OTP_BUILD_EMU_FLAVOR=1 (the default) the interpreter
#     ("emu") flavour is built too and installed beside it (erl -emu_flavor
#     emu), which proves the emulator's objects also link with $(CC);
#   - with OTP_BUILD_MEMTEST_DIR=<dir> (test/memory_everywhere), each flavour
#     is also linked as the test-only emulator type memtest, which loads
#     every library opened by path from memory (erl -emu_type memtest).
#
# Environment: OTP_BUILD_JOBS (default: nproc), OTP_BUILD_EMU_FLAVOR (1/0),
# OTP_BUILD_MEMTEST_DIR, CC / CXX (default gcc / g++),
# OTP_EXTRA_CONFIGURE_ARGS (word-split).
set -euo pipefail

die() { echo "otp-build: error: $*" >&2; exit 1; }
log() { echo "otp-build: $*" >&2; }

[ $# -eq 2 ] || die "usage: $0 <src-dir> <install-prefix>"
src=$(cd "$1" && pwd)
mkdir -p "$2"
prefix=$(cd "$2" && pwd)
[ -x "$src/configure" ] || die "$src/configure not found (run prepare-source.sh first)"

jobs=${OTP_BUILD_JOBS:-$(nproc)}
build_emu=${OTP_BUILD_EMU_FLAVOR:-1}
memtest_dir=${OTP_BUILD_MEMTEST_DIR:-}
[ -z "$memtest_dir" ] || [ -f "$memtest_dir/memtest.mk" ] || die "no memtest.mk in $memtest_dir"
meta=$src/.erts-dlopen-mem
mkdir -p "$meta"

# Applications kept. Mandatory ones (kernel, stdlib, sasl, compiler,
# erl_interface) cannot be skipped anyway. The tests need common_test (and
# its test_server), tools, runtime_tools; Debian's rebar3 depends on
# erlang-{asn1,common-test,crypto,dialyzer,edoc,eunit,parsetools,reltool,
# syntax-tools,tools} and starts crypto, asn1, public_key, ssl and inets;
# edoc needs xmerl.
keep=(kernel stdlib sasl compiler erl_interface
      parsetools tools runtime_tools common_test syntax_tools
      crypto public_key asn1 ssl inets
      eunit edoc xmerl dialyzer reltool)

configure_args=("--prefix=$prefix" --without-javac)
for d in "$src"/lib/*/; do
    app=$(basename "$d")
    [ -f "$d/vsn.mk" ] || continue
    case " ${keep[*]} " in *" $app "*) ;; *) configure_args+=("--without-$app") ;; esac
done
# shellcheck disable=SC2206 # word splitting wanted
configure_args+=(${OTP_EXTRA_CONFIGURE_ARGS:-})

# ccache in front of the compilers: rebuilds after a patch change or a fresh
# build tree then cost little. Its cache is ccache's default (~/.cache/ccache).
cc=${CC:-gcc}
cxx=${CXX:-g++}
if command -v ccache > /dev/null; then
    case $cc in ccache\ *) ;; *) cc="ccache $cc" ;; esac
    case $cxx in ccache\ *) ;; *) cxx="ccache $cxx" ;; esac
    # Each build directory and each clone has the tree at another path:
    # hash paths relative to the tree and leave the working directory (which
    # -g records) out of the hash, so that they share their objects.
    export CCACHE_BASEDIR=$src CCACHE_NOHASHDIR=1
else
    log "WARNING: ccache not found; building without it"
fi

# A clean environment for OTP's makefiles: our own ERL_TOP, no jobserver or
# flags inherited from an enclosing make, no user Erlang settings.
export ERL_TOP=$src
export CC=$cc CXX=$cxx
unset MAKEFLAGS MFLAGS MAKELEVEL ERL_LIBS ERL_FLAGS ERL_AFLAGS ERL_ZFLAGS ERL_COMPILER_OPTIONS || true
export PATH=$src/bin:$PATH
export LANG=C.UTF-8 LC_ALL=C.UTF-8

# --- configure: only when its arguments or inputs changed ----------------------

stamp=$meta/configured
want_id=$(printf '%s\n' "${configure_args[@]}" "CC=$cc" "CXX=$cxx" | sha256sum | cut -d' ' -f1)
reason=""
if [ ! -f "$stamp" ]; then
    reason="not configured yet"
elif [ "$(cat "$stamp")" != "$want_id" ]; then
    reason="configure arguments changed"
else
    # configure scripts and the *.in templates they expand (erts/emulator's
    # Makefile.in refuses to build when newer than its Makefile).
    newer=$(find "$src" \( -path "$src/debian" -o -path "$src/.pc" -o -path "$meta" \) -prune -o \
        \( -name configure -o -name '*.in' \) -type f -newer "$stamp" -print -quit)
    [ -z "$newer" ] || reason="${newer#"$src/"} changed"
fi
if [ -n "$reason" ]; then
    log "configure ($reason)"
    rm -f "$stamp"
    t0=$SECONDS
    # configure rewrites every file it generates (erl_version.h, Makefiles,
    # ...), and make would then recompile the whole emulator. Keep copies of
    # the previous run's outputs and give back their old mtime to those whose
    # content did not change.
    outputs=$meta/configure-outputs prev=$meta/prev-outputs
    rm -rf "$prev"; mkdir -p "$prev"
    if [ -f "$outputs" ]; then
        (cd "$src" && while IFS= read -r f; do
            [ ! -f "$f" ] || cp -p --parents "$f" "$prev/"
        done < "$outputs")
    fi
    touch "$meta/configure-start"
    (cd "$src" && ./configure "${configure_args[@]}") > "$meta/configure.log" 2>&1 \
        || { tail -40 "$meta/configure.log" >&2; die "configure failed; log: $meta/configure.log"; }
    (cd "$src" && find . -path ./.erts-dlopen-mem -prune -o -type f -newer "$meta/configure-start" -print) \
        | sed 's|^\./||' > "$outputs"
    kept=0
    while IFS= read -r f; do
        if [ -f "$prev/$f" ] && cmp -s "$prev/$f" "$src/$f"; then
            touch -r "$prev/$f" "$src/$f"; kept=$((kept + 1))
        fi
    done < "$outputs"
    rm -rf "$prev"
    log "configure took $((SECONDS - t0)) s ($(wc -l < "$outputs") files written, $kept unchanged kept their mtime)"
    # What configure left out, for the log reader.
    sed -n '/APPLICATIONS DISABLED/,/^\*\*\*\*\*.*$/p;/APPLICATIONS INFORMATION/,$p' "$meta/configure.log" \
        | grep -v 'User gave --without' >&2 || true
    echo "$want_id" > "$stamp"
else
    log "configure is up to date"
fi

# --- build ------------------------------------------------------------------------

# OTP's recursive make prints hundreds of "Nothing to be done" lines on an
# incremental build; drop those, keep everything else and make's status.
quiet_make() {
    { make --no-print-directory "$@" 2>&1; echo $? > "$meta/make.rc"; } \
        | { grep --line-buffered -v "Nothing to be done for" || true; }
    return "$(cat "$meta/make.rc")"
}

log "make -j$jobs (primary flavour and applications)"
t0=$SECONDS
quiet_make -C "$src" -j"$jobs"
log "make took $((SECONDS - t0)) s"
if [ "$build_emu" = 1 ]; then
    # The interpreter flavour links with $(CC), not $(CXX): a C++ object that
    # needs libstdc++ fails here and not in the JIT flavour.
    log "make -j$jobs emulator FLAVOR=emu"
    t0=$SECONDS
    quiet_make -C "$src" -j"$jobs" emulator FLAVOR=emu
    log "make emulator FLAVOR=emu took $((SECONDS - t0)) s"
fi

# The memtest emulators: one object compiled, the rest linked as built above.
memtest_flavors=()
if [ -n "$memtest_dir" ]; then
    target=$("$src/erts/autoconf/config.guess")
    primary=$(sed -n 's/^PRIMARY_FLAVOR= *//p' "$src/make/$target/otp.mk")
    [ -n "$primary" ] || die "no PRIMARY_FLAVOR in $src/make/$target/otp.mk"
    memtest_flavors=("$primary")
    [ "$build_emu" != 1 ] || [ "$primary" = emu ] || memtest_flavors+=(emu)
    for flavor in "${memtest_flavors[@]}"; do
        log "make memtest FLAVOR=$flavor"
        quiet_make -C "$src/erts/emulator" -f "$target/Makefile" -f "$memtest_dir/memtest.mk" \
            TYPE=opt FLAVOR="$flavor" MEMTEST_DIR="$memtest_dir" memtest
    done
fi

# --- install ----------------------------------------------------------------------

log "make install into $prefix"
t0=$SECONDS
make -C "$src" install > "$meta/install.log" 2>&1 \
    || { tail -40 "$meta/install.log" >&2; die "make install failed; log: $meta/install.log"; }
erts_bin=$(echo "$prefix"/lib/erlang/erts-*/bin)
[ -d "$erts_bin" ] || die "no erts-*/bin under $prefix/lib/erlang"
if [ "$build_emu" = 1 ]; then
    # `make install` installs only the primary flavour (as beam.smp); erlexec
    # picks bin/beam.<flavour> for -emu_flavor <flavour>.
    emu=$(find "$src/bin" -mindepth 2 -maxdepth 2 -name beam.emu -type f | head -n 1)
    [ -n "$emu" ] || die "beam.emu was not built"
    install -m 755 "$emu" "$erts_bin/beam.emu"
fi
for flavor in "${memtest_flavors[@]}"; do
    # beam.memtest.smp (the primary flavour, as beam.smp), beam.memtest.emu.
    name=beam.memtest.$flavor
    [ "$flavor" != "$primary" ] || name=beam.memtest.smp
    install -m 755 "$src/bin/$target/$name" "$erts_bin/$name"
done
log "make install took $((SECONDS - t0)) s"

# Debian's javascript.patch keeps common_test's jquery files out of the
# install; link them back the way Debian's erlang-common-test package does, so
# ct_run can write its HTML logs. Skipped when the tree has real files.
for priv in "$prefix"/lib/erlang/lib/common_test-*/priv; do
    [ -d "$priv" ] || continue
    for name in jquery-latest.js jquery.tablesorter.min.js; do
        [ -e "$priv/$name" ] && continue
        from=$src/lib/common_test/priv/$name
        [ -e "$from" ] || die "$from missing (prepare-source.sh supplies it)"
        rm -f "$priv/$name"
        if [ -L "$from" ]; then ln -s "$(readlink "$from")" "$priv/$name"; else cp "$from" "$priv/$name"; fi
    done
done

erl=$prefix/bin/erl
[ -x "$erl" ] || die "$erl not installed"
"$erl" -noshell -eval '
    io:format("otp-build: installed OTP ~s, emulator ~s~n",
              [erlang:system_info(otp_release), erlang:system_info(version)]),
    [{ok, _} = application:ensure_all_started(A) || A <- [crypto, ssl, inets]],
    halt().' >&2 || die "the installed $erl does not run (or cannot start crypto/ssl/inets)"
if [ "$build_emu" = 1 ]; then
    "$erl" -emu_flavor emu -noshell -eval 'io:format("otp-build: emu flavour runs: ~p~n", [erlang:system_info(emu_flavor)]), halt().' >&2 \
        || die "the installed emu flavour does not run"
fi
if [ ${#memtest_flavors[@]} -gt 0 ]; then
    for flavor in "${memtest_flavors[@]}"; do
        # It must load crypto.so from memory: one check that the switch is on.
        flavor_args=()
        [ "$flavor" = "$primary" ] || flavor_args=(-emu_flavor "$flavor")
        maps=$(ERTS_MEMTEST_LOG="" "$erl" -emu_type memtest "${flavor_args[@]}" -noshell -eval '
            <<_:256>> = crypto:hash(sha256, "memtest"),
            io:put_chars(os:cmd("cat /proc/" ++ os:getpid() ++ "/maps")), halt().') \
            || die "the installed memtest emulator ($flavor) does not run"
        grep -q '/memfd:crypto\.so' <<< "$maps" \
            || die "the memtest emulator ($flavor) did not load crypto.so from memory"
    done
    log "memtest emulators load crypto.so from memory: ${memtest_flavors[*]}"
fi
log "done: $erl"
