#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# check-series-commits.sh <dsc> <project-root> <scratch-dir>
#
# (<dsc> may also be a file holding the .dsc's path, as the build writes it.)
#
# What an OTP maintainer does with the series: the bare upstream tree of the
# .dsc's .orig tarball is committed into a fresh git repository, and the
# series (export-series.sh) is applied with `git am`, one commit at a time.
# Each commit must pass `git show --check` (no trailing whitespace or space
# before a tab in the lines it adds). After each commit the emulator is
# built (`make opt` in erts/emulator: beam.smp of the default flavour and
# erl_child_setup; the top-level `make emulator` also builds erts/etc, which
# needs erl_interface's erl_call, which that target does not build);
# configure runs before the first build and again only after a commit that
# changed a configure input (configure, configure.ac, *.in, aclocal.m4), and
# the .erl files the commit changes (erlang.erl, code.erl, the suites),
# which `make opt` does not build, are compiled by that emulator with the
# tree's own bootstrap compiler. A commit that does not apply, pass the
# check, build or compile fails the test with its subject. Then the final
# tree is configured with CXX=false (no C++ compiler: no JIT, no loader) and
# its emulator built and started on the tree's bootstrap applications, to
# show that erlang:load_nif(#{memory => ...}, 0) answers
# {error, {load_failed, Text}} with Text saying why.
#
# Compilers run through ccache (as build.sh does) when it is installed.
# Environment: OTP_BUILD_JOBS (default: nproc); OTP_ROOT (an installed OTP
# of the same version, for syntax_tools' merl_transform, which code_SUITE
# needs); KEEP=1 keeps <scratch-dir>.
set -euo pipefail

die() { echo "check-series-commits: FAIL: $*" >&2; exit 1; }
log() { echo "check-series-commits: [$((SECONDS / 60))m$((SECONDS % 60))s] $*" >&2; }

[ $# -eq 3 ] || die "usage: $0 <dsc> <project-root> <scratch-dir>"
dsc=$1 root=$(cd "$2" && pwd) scratch=$3
. "$(dirname "${BASH_SOURCE[0]}")/dsc.sh"
dsc=$(dsc_path "$dsc")
orig=$(dsc_orig_tarball "$dsc") && [ -f "$orig" ] || die "no .orig tarball listed in $dsc found beside it"
jobs=${OTP_BUILD_JOBS:-$(nproc)}

rm -rf "$scratch"
mkdir -p "$scratch/otp" && scratch=$(cd "$scratch" && pwd)
src=$scratch/otp
log "unpacking $(basename "$orig") (bare upstream tree)"
tar -xf "$orig" -C "$src" --strip-components=1
version=$(tr -d '[:space:]' < "$src/OTP_VERSION")
series_list=$(bash "$(dirname "${BASH_SOURCE[0]}")/export-series.sh" "$root" "$version" "$scratch/series") \
    || die "no series to check"
mapfile -t series <<< "$series_list"

# A repository that no enclosing one and no user configuration affects
# (HOME stays: ccache's cache is under it).
export GIT_CEILING_DIRECTORIES=$scratch GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
export GIT_COMMITTER_NAME=check-series-commits GIT_COMMITTER_EMAIL=check@invalid
git -C "$src" init -q
git -C "$src" add -A -f
git -C "$src" -c user.name=upstream -c user.email=upstream@invalid commit -q -m "OTP $version ($(basename "$orig"))"

# The build environment of build.sh: ccache keyed on tree-relative paths,
# a clean make environment, our own ERL_TOP.
cc=gcc cxx=g++
if command -v ccache > /dev/null; then
    cc="ccache gcc" cxx="ccache g++"
    export CCACHE_BASEDIR=$src CCACHE_NOHASHDIR=1
else
    log "WARNING: ccache not found; building without it"
fi
unset MAKEFLAGS MFLAGS MAKELEVEL ERL_LIBS ERL_FLAGS ERL_AFLAGS ERL_ZFLAGS ERL_COMPILER_OPTIONS CFLAGS CXXFLAGS || true
export ERL_TOP=$src LANG=C.UTF-8 LC_ALL=C.UTF-8

# Every application but the mandatory ones left out: only the emulator is
# built, and configure is faster without them.
configure_args=(--without-javac)
for d in "$src"/lib/*/; do
    app=$(basename "$d")
    [ -f "$d/vsn.mk" ] || continue
    case $app in kernel|stdlib|sasl|compiler|erl_interface) ;; *) configure_args+=("--without-$app") ;; esac
done

configure() {   # <what> <CC> <CXX>
    local t0=$SECONDS
    log "configure ($1, CC=$2 CXX=$3)"
    (cd "$src" && CC=$2 CXX=$3 ./configure "${configure_args[@]}") > "$scratch/configure.log" 2>&1 \
        || { tail -40 "$scratch/configure.log" >&2; return 1; }
    log "configure took $((SECONDS - t0)) s"
}
build_emulator() {   # <what>
    local t0=$SECONDS
    (cd "$src/erts/emulator" && make -j"$jobs" opt) > "$scratch/make.log" 2>&1 \
        || { grep -E 'error|Error' "$scratch/make.log" | head -40 >&2; tail -20 "$scratch/make.log" >&2; return 1; }
    log "make -C erts/emulator opt ($1) took $((SECONDS - t0)) s"
}

# Runs the tree's own emulator on the bootstrap applications (kernel, stdlib,
# compiler, which the tarball ships compiled):
# run_bootstrap <dir> <expr> [<more emulator arguments>...].
run_bootstrap() {
    local beam bindir
    beam=$(find "$src/bin" -name beam.smp -type f | head -n 1)
    [ -n "$beam" ] || { echo "no beam.smp in $src/bin" >&2; return 1; }
    bindir=$(dirname "$beam")
    # kernel starts inet_gethost, a port program of erts/etc, at boot.
    if [ ! -x "$bindir/inet_gethost" ]; then
        (cd "$src/erts/etc/common" && make -f "$(basename "$bindir")/Makefile" TYPE=opt "$bindir/inet_gethost") \
            > "$scratch/make-etc.log" 2>&1 || { cat "$scratch/make-etc.log" >&2; return 1; }
    fi
    mkdir -p "$1"
    (cd "$1" && timeout 300 env BINDIR="$bindir" ROOTDIR="$src/bootstrap" \
         EMU=beam PROGNAME=erl HOME="$1" \
         "$beam" -- -root "$src/bootstrap" -bindir "$bindir" -progname erl -- \
         -home "$1" -boot "$src/bootstrap/bin/start_clean" -noshell \
         -pa "$src/bootstrap/lib/compiler/ebin" "${@:3}" -eval "$2")
}

# The Erlang side of a commit (erlang.erl, code.erl, the test suites) is not
# built by `make opt`: compile every .erl file the commit changes with the
# tree's own compiler, warnings shown, errors fatal.
compile_changed_erlang() {   # <what>
    local files t0=$SECONDS
    mapfile -t files < <(git -C "$src" diff --name-only --diff-filter=AM HEAD~1 HEAD -- '*.erl')
    [ ${#files[@]} -gt 0 ] || return 0
    local list="" f paths=() d
    for f in "${files[@]}"; do list+="\"$src/$f\","; done
    # Suites use merl's parse transform (syntax_tools), which the bootstrap
    # applications lack: it comes from OTP_ROOT, the build's installed OTP
    # of the same version, when given.
    for d in "${OTP_ROOT:-/nonexistent}"/lib/erlang/lib/syntax_tools-*/ebin; do
        [ ! -d "$d" ] || paths+=(-pa "$d")
    done
    run_bootstrap "$scratch/erlc" "
        Opts = [report, {outdir, \"$scratch/erlc\"}, {i, \"$src/lib\"},
                {i, \"$src/lib/kernel/include\"}, {i, \"$src/lib/stdlib/include\"},
                {i, \"$src/erts/preloaded/src\"}],
        Results = [{F, compile:file(F, [{i, filename:dirname(F)} | Opts])}
                   || F <- [${list%,}]],
        Bad = [F || {F, R} <- Results, not is_tuple(R) orelse element(1, R) =/= ok],
        halt(case Bad of [] -> 0; _ -> 1 end)." "${paths[@]}" > "$scratch/erlc.log" 2>&1 \
        || { cat "$scratch/erlc.log" >&2; return 1; }
    log "compiled ${#files[@]} changed Erlang file(s) ($1) in $((SECONDS - t0)) s"
}

total=${#series[@]} n=0 configured=0
for p in "${series[@]}"; do
    n=$((n + 1))
    rel=${p##*/}
    if ! git -C "$src" am -q --whitespace=nowarn "$p" > "$scratch/am.log" 2>&1; then
        cat "$scratch/am.log" >&2
        die "patch $n/$total $rel does not apply with git am"
    fi
    subject=$(git -C "$src" log -1 --format=%s)
    log "commit $n/$total: $subject"
    if ! git -C "$src" show --check --format= HEAD > "$scratch/check.log" 2>&1; then
        cat "$scratch/check.log" >&2
        die "commit $n/$total \"$subject\" adds whitespace errors (git show --check)"
    fi
    if [ "$configured" = 0 ] \
        || git -C "$src" diff --name-only HEAD~1 HEAD \
               | grep -Eq '(^|/)(configure|configure\.ac|aclocal\.m4|[^/]*\.in)$'; then
        configure "commit $n" "$cc" "$cxx" || die "configure failed after commit $n/$total \"$subject\""
        configured=1
    fi
    build_emulator "commit $n" || die "commit $n/$total \"$subject\" does not build (log: $scratch/make.log)"
    compile_changed_erlang "commit $n" || die "commit $n/$total \"$subject\": its Erlang does not compile"
done
beam=$(find "$src/bin" -name beam.smp -type f | head -n 1)
[ -n "$beam" ] || die "no beam.smp after the series"
# The loader is C++ without exceptions or RTTI: it must need nothing from
# libstdc++, or the emu flavour (linked with $(CC)) would not link.
for name in erl_dlopen_mem_validate.o erl_dlopen_mem.o; do
    obj=$(find "$src/erts/emulator/obj" -name "$name" | head -n 1)
    [ -n "$obj" ] || die "$name was not built with a C++ compiler configured"
    if nm -u "$obj" | grep -E ' (_Zn|_Zd|__cxa_|__gxx_|_ZSt|_ZNSt)' >&2; then
        die "$name needs libstdc++ (symbols above)"
    fi
    log "$name needs nothing from libstdc++"
done

# Without a C++ compiler.
log "without a C++ compiler: git clean, configure CXX=false"
git -C "$src" clean -q -fdx
configure "CXX=false" "$cc" false || die "configure with CXX=false failed on the final tree"
build_emulator "CXX=false" || die "the final tree does not build with CXX=false (log: $scratch/make.log)"
[ -z "$(find "$src/erts/emulator/obj" -name 'erl_dlopen_mem*.o')" ] \
    || die "erl_dlopen_mem*.o were built although CXX=false"
beam=$(find "$src/bin" -name beam.smp -type f | head -n 1)
[ -n "$beam" ] || die "no beam.smp built with CXX=false"
# Run it, calling load_nif/2 from a module's on_load, where NIF libraries
# are loaded.
mkdir -p "$scratch/run"
cat > "$scratch/run/m.erl" <<'EOF'
-module(m).
-export([main/0]).
-on_load(init/0).
init() ->
    persistent_term:put(m, erlang:load_nif(#{memory => <<"x">>}, 0)),
    ok.
main() ->
    io:format("load_nif -> ~p~n", [persistent_term:get(m)]),
    halt().
EOF
log "running $beam on $src/bootstrap"
out=$(run_bootstrap "$scratch/run" '{ok, m} = compile:file("m"),
                 io:format("emu_flavor: ~p~n", [erlang:system_info(emu_flavor)]),
                 m:main().' 2>&1) \
    || { echo "$out" >&2; die "the CXX=false emulator did not run"; }
echo "$out" >&2
case $out in
    *"load_nif -> {error,{load_failed,"*"loading from memory needs erts built with a C++ compiler"*) ;;
    *) die "erlang:load_nif(#{memory => <<\"x\">>}, 0) did not fail with the no-C++ text" ;;
esac

[ "${KEEP:-0}" = 1 ] || rm -rf "$scratch"
echo "check-series-commits OTP $version: $total commits each built, their Erlang compiled; CXX=false built and refuses loading from memory; $((SECONDS)) s"
