#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# run-otp-suite.sh <src-dir> <install-prefix> <results-dir> [suite...]
#
# Runs OTP's own upstream test suites of one application (OTP_TEST_APP, the
# directory holding its test/ in the source tree: erts/emulator by default,
# or e.g. lib/kernel; default suite: nif_SUITE) through OTP's test framework
# on the built VM, the way `make test` does (make/test_target_script.sh),
# with the installed <install-prefix>/bin first in PATH:
#   1. test_server is compiled and ts:install() writes its `variables` (CC,
#      CFLAGS, ...). Without them the NIF libraries in <suite>_data are
#      silently not built and every load fails;
#   2. the suites are released (release_tests_spec) into <results-dir>/tests;
#   3. ts:compile_datadirs builds the suites' data (the test NIF libraries);
#   4. ct_run runs them, logs in <results-dir>/ct_logs.
# Prints the counts and exits non-zero if a case failed or none ran.
#
# Environment: OTP_TEST_APP as above; OTP_TEST_FLAVOR=emu|jit runs the suites
# on that emulator flavour (erl -emu_flavor), OTP_TEST_EMU_TYPE=memtest on
# that emulator type (erl -emu_type; test/memory_everywhere); CT_EXTRA_ARGS
# is passed on to ct_run (e.g. "-case t_load_race" or "-group priv_nif").
# Besides the logs, <results-dir>/counts holds "ok failed uskip askip" and
# <results-dir>/cases each case's result, "<suite> /<group>/... <case> <result>".
set -euo pipefail

die() { echo "run-otp-suite: error: $*" >&2; exit 2; }
log() { echo "run-otp-suite: $*" >&2; }

[ $# -ge 3 ] || die "usage: $0 <src-dir> <install-prefix> <results-dir> [suite...]"
src=$(cd "$1" && pwd)
prefix=$(cd "$2" && pwd)
mkdir -p "$3"
results=$(cd "$3" && pwd)
shift 3
suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(nif_SUITE)

[ -x "$prefix/bin/erl" ] || die "$prefix/bin/erl not found (build and install OTP first)"
app=${OTP_TEST_APP:-erts/emulator}
[ -d "$src/$app/test" ] || die "$src/$app/test not found"

export ERL_TOP=$src
export PATH=$prefix/bin:$src/bin:$PATH
unset MAKEFLAGS MFLAGS MAKELEVEL ERL_LIBS ERL_FLAGS ERL_ZFLAGS ERL_COMPILER_OPTIONS || true
export LANG=C.UTF-8 LC_ALL=C.UTF-8
ERL_AFLAGS=""
[ -z "${OTP_TEST_FLAVOR:-}" ] || ERL_AFLAGS="-emu_flavor $OTP_TEST_FLAVOR"
[ -z "${OTP_TEST_EMU_TYPE:-}" ] || ERL_AFLAGS="$ERL_AFLAGS -emu_type $OTP_TEST_EMU_TYPE"
export ERL_AFLAGS

ts_dir=$src/lib/common_test/test_server
rel=$results/tests
logdir=$results/ct_logs
mkdir -p "$results"

# 1. test_server and its variables (once per source tree; `make` is cheap).
log "compiling test_server"
make -C "$ts_dir" > "$results/test_server_make.log" 2>&1 \
    || { cat "$results/test_server_make.log" >&2; die "make in $ts_dir failed"; }
if [ ! -f "$ts_dir/variables" ]; then
    log "ts:install() (writes $ts_dir/variables)"
    (cd "$ts_dir" && erl -noshell -eval 'ts:install().' -s init stop) > "$results/ts_install.log" 2>&1 \
        || { cat "$results/ts_install.log" >&2; die "ts:install() failed"; }
    [ -f "$ts_dir/variables" ] || { cat "$results/ts_install.log" >&2; die "ts:install() wrote no variables"; }
fi

# 2. release the application's test suites (into <app>_test, as OTP names it).
log "releasing $app tests into $rel"
rm -rf "$rel"
mkdir -p "$rel"
make -C "$src/$app/test" RELEASE_PATH="$rel" release_tests_spec > "$results/release_tests.log" 2>&1 \
    || { tail -30 "$results/release_tests.log" >&2; die "release_tests_spec failed"; }
test_dir=$rel/$(basename "$app")_test
[ -d "$test_dir" ] || die "$test_dir not created by release_tests_spec"
for s in "${suites[@]}"; do
    [ -f "$test_dir/$s.erl" ] || die "no suite $s in $test_dir"
done

# Suites may call helpers in other suites of the same directory, which ct_run
# does not compile when only some suites are run: erts/emulator's nif_SUITE
# checks after each case with driver_SUITE:check_io_debug() (OTP 28+), and
# every case fails with undef without it. Compile driver_SUITE when it is
# there and not run itself (-pz . puts the test directory in the path); a
# failure only warns, as suites of older OTP versions do not need it.
if [ -f "$test_dir/driver_SUITE.erl" ] && [[ " ${suites[*]} " != *" driver_SUITE "* ]]; then
    log "compiling driver_SUITE (helpers used by other suites)"
    (cd "$test_dir" && erlc -pa "$ts_dir" driver_SUITE.erl) > "$results/helper_suites.log" 2>&1 \
        || { tail -20 "$results/helper_suites.log" >&2; log "WARNING: compiling driver_SUITE.erl failed"; }
fi

# 3. build the suites' data directories (the NIF libraries the cases load).
log "building ${suites[*]/%/_data}"
for s in "${suites[@]}"; do
    [ -d "$test_dir/${s}_data" ] || continue
    (cd "$test_dir" && erl -noshell -pa "$ts_dir" \
        -eval "ok = ts:compile_datadirs(\"$ts_dir/variables\", \"${s}_data\")." -s init stop) \
        >> "$results/compile_datadirs.log" 2>&1 \
        || { tail -40 "$results/compile_datadirs.log" >&2; die "building ${s}_data failed"; }
done

# 4. ct_run, with the options `make test` uses.
rm -rf "$logdir"
mkdir -p "$logdir"
log "ct_run -suite ${suites[*]}${OTP_TEST_FLAVOR:+ (flavour $OTP_TEST_FLAVOR)}${OTP_TEST_EMU_TYPE:+ (emulator type $OTP_TEST_EMU_TYPE)}; logs: $logdir"
set +e
# shellcheck disable=SC2086 # CT_EXTRA_ARGS is a word list
(cd "$test_dir" && ct_run -logdir "$logdir" \
    -pa "$ts_dir" \
    -config "$ts_dir/ts.config" -config "$ts_dir/ts.unix.config" \
    -exit_status ignore_config \
    -suite "${suites[@]}" ${CT_EXTRA_ARGS:-} \
    -erl_args \
    -env ERL_CRASH_DUMP "$results/erl_crash.dump" \
    -boot start_sasl -sasl errlog_type error \
    -pz "$ts_dir" -pz . \
    -ct_test_vars '{net_dir,""}' \
    -noinput -sname "ct_otp_$$" -rsh ssh) 2>&1 | tee "$results/ct_run.log"
ct_status=${PIPESTATUS[0]}
set -e

# Counts from the suite.summary files ct writes for each suite: the first
# four integers are Ok, Failed, UserSkipped, AutoSkipped, both in OTP 27's
# {summary,{Ok,Failed,USkip,ASkip,Elapsed}} and older {summary,{Ok,Failed,{USkip,ASkip}}}.
ok=0 failed=0 uskip=0 askip=0 n=0
while IFS= read -r f; do
    a="" b="" c="" d=""
    read -r a b c d < <(grep -o '{summary,.*' "$f" | grep -o '[0-9]\+' | head -n 4 | tr '\n' ' '; echo) || true
    [ -n "$d" ] || { log "WARNING: cannot read $f"; continue; }
    ok=$((ok + a)); failed=$((failed + b)); uskip=$((uskip + c)); askip=$((askip + d)); n=$((n + 1))
done < <(find "$logdir" -name suite.summary)
if [ "$n" -eq 0 ]; then
    # No summary written (e.g. the run crashed): fall back to ct_run's line
    # "TEST COMPLETE, 83 ok, 0 failed[, S skipped] of 83 test cases".
    line=$(grep -a 'TEST COMPLETE' "$results/ct_run.log" | tail -1 || true)
    ok=$(sed -n 's/.* \([0-9]*\) ok.*/\1/p' <<< "$line"); ok=${ok:-0}
    failed=$(sed -n 's/.* \([0-9]*\) failed.*/\1/p' <<< "$line"); failed=${failed:-0}
    uskip=$(sed -n 's/.* \([0-9]*\) skipped.*/\1/p' <<< "$line"); uskip=${uskip:-0}
fi
skipped=$((uskip + askip))
echo "$ok $failed $uskip $askip" > "$results/counts"
# Each case's result from the suite.log files, as "<suite> /<group>/...
# <case> <result>" (result: ok, failed, skipped or auto_skipped), sorted, so
# that two runs of a suite can be compared case by case.
# shellcheck disable=SC2016 # an awk program
find "$logdir" -name suite.log -print0 | xargs -0 -r awk '
    FNR == 1 { depth = 0 }
    /^=case/ { c = $2; split(c, sc, ":"); suite = sc[1]; name = sc[2] }
    /^=group_props/ && name == "init_per_group" {
        match($0, /\{name,[^,}]*/); stack[++depth] = substr($0, RSTART + 6, RLENGTH - 6)
    }
    /^=result/ {
        r = $2; sub(/:.*/, "", r); g = ""
        for (i = 1; i <= depth; i++) g = g "/" stack[i]
        print suite, (g == "" ? "/" : g), name, r
        if (name == "end_per_group" && depth > 0) depth--
    }' | sort > "$results/cases"

echo
echo "run-otp-suite: ${suites[*]}: $ok ok, $failed failed, $skipped skipped ($uskip by the suite, $askip auto), ct_run exit $ct_status"
echo "run-otp-suite: logs: $logdir/index.html"
# The plain closing line CI tools read ("N passed, N failed", one word before).
label=${suites[0]}
[ ${#suites[@]} -eq 1 ] || label=otp_suites
echo "$label: $ok passed, $failed failed, $skipped skipped"
if [ "$failed" -ne 0 ]; then exit 1; fi
if [ $((ok + failed)) -eq 0 ]; then echo "run-otp-suite: error: no test case ran" >&2; exit 1; fi
if [ "$askip" -ne 0 ]; then log "WARNING: $askip case(s) auto-skipped (a failed init/group init?)"; fi
if [ "$ct_status" -ne 0 ]; then echo "run-otp-suite: error: ct_run exited $ct_status" >&2; exit 1; fi
exit 0
