# SPDX-License-Identifier: Apache-2.0
#
# Builds the patched Erlang/OTP: included from the top-level CMakeLists.txt
# (`include(cmake/Otp.cmake)`) when ERTS_DLOPEN_MEM_BUILD_OTP is ON.
#
# Target `otp` (in ALL): fetch (the files cmake/otp/debian-sources.lock pins
# for OTP_VERSION) -> prepare (that version's series, erts/patches/otp-<v>/
# series, with its first patch generated from the files erts/patches/MANIFEST
# names) -> build -> install into ${CMAKE_BINARY_DIR}/otp. Prepare and build
# re-run when the series file, a patch, the MANIFEST or a file it names
# changes. Target `otp_other_sources` (in ALL): fetches the pinned sources of
# OTP_OTHER_VERSIONS. Target `otp_series` (in ALL): every version's complete
# `git am`-able series, its generated first patch included, in
# ${CMAKE_BINARY_DIR}/series/otp-<version>/ (export-series.sh).
# Target `otp_refresh`: re-runs prepare and build unconditionally (e.g. after
# editing the tree given as OTP_SOURCE_DIR, which is not watched).
# Tests, label otp: `otp.<suite>`, OTP's upstream suites on the built VM
# (nif_SUITE, ddll_SUITE; crypto_SUITE, dbg_SUITE, asn1_SUITE on the default
# version), and `otp.<suite>.emu` on the interpreter flavour when it is built;
# label memory-everywhere (with OTP_BUILD_MEMTEST): `memory-everywhere.<suite>
# [.emu]`, the same suites on the memtest emulator, compared with those runs;
# `otp.series_applies`: the series applies to Debian's and the bare upstream
# tree. Label nested (with ERTS_DLOPEN_MEM_NESTED_BUILDS):
# `otp.series_builds_per_commit`, the default version's series `git am`ed
# onto the bare upstream tree, building the emulator at every commit and
# with CXX=false; `otp.<version>.build_and_test` for each of
# OTP_OTHER_VERSIONS: a nested build of this project on that version, running
# its otp, e2e and memory-everywhere tests.
#
# Variables for other CMake code:
#   OTP_ROOT     install prefix (${CMAKE_BINARY_DIR}/otp)
#   OTP_ERL      ${OTP_ROOT}/bin/erl
#   OTP_SRC_DIR  the prepared, patched source tree the build runs in
#   OTP_INSTALLED_STAMP  a file newer than the last install (for DEPENDS)

include_guard(GLOBAL)

# The default version: the one the per-commit series test builds. Adding a
# version: its pin in debian-sources.lock, its series, and the doc string
# below (docs/design.md, "Adding an OTP version").
set(_otp_default_version "29.1.1")
set(OTP_VERSION "${_otp_default_version}" CACHE STRING
    "OTP version to build from the Debian source that cmake/otp/debian-sources.lock pins (25.2.3, 27.3.4.1, 29.1.1)")
option(OTP_DEBIAN_NEWEST_LISTED
       "Build the newest Debian revision of OTP_VERSION that the signed Sources index lists, not the pinned one" OFF)
set(OTP_SOURCE_DIR "" CACHE PATH
    "An OTP source tree to use instead of Debian's source package (copied, never modified); empty: fetch Debian's")
if(DEFINED ENV{XDG_CACHE_HOME} AND NOT "$ENV{XDG_CACHE_HOME}" STREQUAL "")
    set(_otp_cache_default "$ENV{XDG_CACHE_HOME}/erts-dlopen-mem")
else()
    set(_otp_cache_default "$ENV{HOME}/.cache/erts-dlopen-mem")
endif()
set(OTP_DOWNLOAD_CACHE "${_otp_cache_default}" CACHE PATH
    "Where downloaded source packages are kept across build directories")
option(OTP_BUILD_EMU_FLAVOR "Also build (and install) the interpreter flavour of the emulator" ON)
# The test-only emulator type memtest (test/memory_everywhere), linked from
# the same objects with a sys layer that loads every library opened by path
# from memory: `erl -emu_type memtest`. beam.smp and beam.emu do not change.
option(OTP_BUILD_MEMTEST
       "Also link the test-only emulator type memtest, for the memory-everywhere tests"
       ${ERTS_DLOPEN_MEM_BUILD_TESTS})
cmake_host_system_information(RESULT _otp_ncpu QUERY NUMBER_OF_LOGICAL_CORES)
set(OTP_BUILD_JOBS "${_otp_ncpu}" CACHE STRING "make -j for the OTP build")

find_program(BASH_EXECUTABLE bash REQUIRED)

# The project's root: where erts/ and lib/ (the series, the MANIFEST) live.
get_filename_component(_otp_project_root "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)

set(OTP_SRC_DIR "${CMAKE_BINARY_DIR}/otp-src")
set(OTP_ROOT "${CMAKE_BINARY_DIR}/otp")
set(OTP_ERL "${OTP_ROOT}/bin/erl")
set(_otp_scripts "${CMAKE_CURRENT_LIST_DIR}/otp")
set(_otp_stamps "${CMAKE_BINARY_DIR}/otp-stamps")
set(OTP_INSTALLED_STAMP "${_otp_stamps}/installed.stamp")
file(MAKE_DIRECTORY "${_otp_stamps}")

# Everything the project puts into OTP: the series file of this version
# (erts/patches/otp-<version>/series), the patches it lists, and the files
# erts/patches/MANIFEST names, from which prepare-source.sh generates the
# series' first patch. Every version's series when the user's tree brings
# its own OTP_VERSION. The patch directories are globbed too, so that a patch
# added but not listed makes prepare fail (export-series.sh) instead of going
# unnoticed; editing a series file or the MANIFEST re-runs CMake.
set(_otp_manifest "${_otp_project_root}/erts/patches/MANIFEST")
if(OTP_SOURCE_DIR STREQUAL "")
    set(_otp_series_versions "${OTP_VERSION}")
else()
    file(GLOB _otp_series_dirs LIST_DIRECTORIES true "${_otp_project_root}/erts/patches/otp-*")
    set(_otp_series_versions "")
    foreach(_d IN LISTS _otp_series_dirs)
        get_filename_component(_d "${_d}" NAME)
        string(REGEX REPLACE "^otp-" "" _d "${_d}")
        list(APPEND _otp_series_versions "${_d}")
    endforeach()
endif()
set(_otp_inputs "")
set(_otp_lists "${_otp_manifest}")
foreach(_v IN LISTS _otp_series_versions)
    list(APPEND _otp_lists "${_otp_project_root}/erts/patches/otp-${_v}/series")
    file(GLOB _otp_patches CONFIGURE_DEPENDS
         "${_otp_project_root}/erts/patches/otp-${_v}/*.patch"
         "${_otp_project_root}/lib/patches/otp-${_v}/*.patch")
    list(APPEND _otp_inputs ${_otp_patches})
endforeach()
foreach(_list IN LISTS _otp_lists)
    if(NOT EXISTS "${_list}")
        # prepare-source.sh (export-series.sh) fails saying so.
        message(WARNING "OTP: ${_list} does not exist; the OTP build will fail")
        continue()
    endif()
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${_list}")
    list(APPEND _otp_inputs "${_list}")
    file(STRINGS "${_list}" _otp_entries)
    foreach(_e IN LISTS _otp_entries)
        string(REGEX REPLACE "#.*$" "" _e "${_e}")
        string(STRIP "${_e}" _e)
        if(NOT _e STREQUAL "" AND EXISTS "${_otp_project_root}/${_e}")
            list(APPEND _otp_inputs "${_otp_project_root}/${_e}")
        endif()
    endforeach()
endforeach()
list(REMOVE_DUPLICATES _otp_inputs)
list(SORT _otp_inputs)

# A file whose content changes with the settings and with the set of input
# files, so changing OTP_VERSION or deleting a patch also re-runs the steps
# (configure_file rewrites it only when its content differs).
string(REPLACE ";" "\n" _otp_inputs_text "${_otp_inputs}")
set(_otp_settings_text "OTP_VERSION=${OTP_VERSION}
OTP_SOURCE_DIR=${OTP_SOURCE_DIR}
OTP_DOWNLOAD_CACHE=${OTP_DOWNLOAD_CACHE}
OTP_DEBIAN_NEWEST_LISTED=${OTP_DEBIAN_NEWEST_LISTED}
OTP_BUILD_EMU_FLAVOR=${OTP_BUILD_EMU_FLAVOR}
OTP_BUILD_MEMTEST=${OTP_BUILD_MEMTEST}
inputs:
${_otp_inputs_text}
")
file(CONFIGURE OUTPUT "${_otp_stamps}/settings.txt" CONTENT "${_otp_settings_text}")

if(OTP_DEBIAN_NEWEST_LISTED)
    set(_otp_newest 1)
else()
    set(_otp_newest 0)
endif()
if(OTP_BUILD_EMU_FLAVOR)
    set(_otp_emu 1)
else()
    set(_otp_emu 0)
endif()
set(_otp_memtest_dir "")
if(OTP_BUILD_MEMTEST)
    set(_otp_memtest_dir "${_otp_project_root}/test/memory_everywhere")
endif()

set(_otp_prepare_cmd
    "${CMAKE_COMMAND}" -E env "CMAKE_COMMAND=${CMAKE_COMMAND}"
    "${BASH_EXECUTABLE}" "${_otp_scripts}/fetch-and-prepare.sh"
    "${OTP_VERSION}" "${OTP_DOWNLOAD_CACHE}/debian"
    "${OTP_SRC_DIR}" "${_otp_project_root}" "${_otp_scripts}/debian-sources.lock"
    ${_otp_newest} ${OTP_SOURCE_DIR})
set(_otp_build_cmd
    "${CMAKE_COMMAND}" -E env
    "OTP_BUILD_JOBS=${OTP_BUILD_JOBS}" "OTP_BUILD_EMU_FLAVOR=${_otp_emu}"
    "OTP_BUILD_MEMTEST_DIR=${_otp_memtest_dir}"
    "${BASH_EXECUTABLE}" "${_otp_scripts}/build.sh" "${OTP_SRC_DIR}" "${OTP_ROOT}")

add_custom_command(
    OUTPUT "${_otp_stamps}/prepared.stamp"
    COMMAND ${_otp_prepare_cmd}
    COMMAND "${CMAKE_COMMAND}" -E touch "${_otp_stamps}/prepared.stamp"
    DEPENDS ${_otp_inputs}
          "${_otp_stamps}/settings.txt"
          "${_otp_scripts}/fetch-and-prepare.sh"
          "${_otp_scripts}/FetchDebianSource.cmake"
          "${_otp_scripts}/debian-sources.lock"
          "${_otp_scripts}/update-lock.sh"
          "${_otp_scripts}/prepare-source.sh"
          "${_otp_scripts}/export-series.sh"
          "${_otp_scripts}/make-loader-patch.sh"
    COMMENT "OTP ${OTP_VERSION}: fetching and preparing the patched source in ${OTP_SRC_DIR}"
    USES_TERMINAL
    VERBATIM)

add_custom_command(
    OUTPUT "${OTP_INSTALLED_STAMP}"
    BYPRODUCTS "${OTP_ERL}"
    COMMAND ${_otp_build_cmd}
    COMMAND "${CMAKE_COMMAND}" -E touch "${OTP_INSTALLED_STAMP}"
    DEPENDS "${_otp_stamps}/prepared.stamp" "${_otp_scripts}/build.sh"
            "${_otp_project_root}/test/memory_everywhere/erl_memtest_sys_ddll.c"
            "${_otp_project_root}/test/memory_everywhere/memtest.mk"
    COMMENT "OTP ${OTP_VERSION}: building and installing into ${OTP_ROOT}"
    USES_TERMINAL
    VERBATIM)

add_custom_target(otp ALL DEPENDS "${OTP_INSTALLED_STAMP}")

# Every version's series as `git am` takes it, for OTP developers.
file(GLOB _otp_all_series_files CONFIGURE_DEPENDS
     "${_otp_project_root}/erts/patches/otp-*/series")
set(_otp_series_outputs "")
foreach(_list IN LISTS _otp_all_series_files)
    get_filename_component(_v "${_list}" DIRECTORY)
    get_filename_component(_v "${_v}" NAME)
    file(GLOB _otp_patches CONFIGURE_DEPENDS
         "${_otp_project_root}/erts/patches/${_v}/*.patch" "${_otp_project_root}/lib/patches/${_v}/*.patch")
    string(REGEX REPLACE "^otp-" "" _version "${_v}")
    add_custom_command(
        OUTPUT "${CMAKE_BINARY_DIR}/series/${_v}/series"
        COMMAND "${BASH_EXECUTABLE}" "${_otp_scripts}/export-series.sh" "${_otp_project_root}"
                "${_version}" "${CMAKE_BINARY_DIR}/series/${_v}" > /dev/null
        COMMAND "${CMAKE_COMMAND}" -E touch "${CMAKE_BINARY_DIR}/series/${_v}/series"
        # _otp_inputs: the MANIFEST and the files it names, among others.
        DEPENDS "${_list}" ${_otp_patches} ${_otp_inputs}
                "${_otp_scripts}/export-series.sh" "${_otp_scripts}/make-loader-patch.sh"
        COMMENT "OTP ${_version}: exporting the series to ${CMAKE_BINARY_DIR}/series/${_v}"
        VERBATIM)
    list(APPEND _otp_series_outputs "${CMAKE_BINARY_DIR}/series/${_v}/series")
endforeach()
add_custom_target(otp_series ALL DEPENDS ${_otp_series_outputs})

add_custom_target(otp_refresh
    COMMAND ${_otp_prepare_cmd}
    COMMAND ${_otp_build_cmd}
    COMMAND "${CMAKE_COMMAND}" -E touch "${_otp_stamps}/prepared.stamp" "${OTP_INSTALLED_STAMP}"
    COMMENT "OTP: re-preparing and rebuilding unconditionally"
    USES_TERMINAL
    VERBATIM)

# OTP's own suites on the built VM, in both flavours when built (tests
# otp.<suite>[.emu]): nif_SUITE and ddll_SUITE (erl_ddll) on every version;
# on the default version also those of the applications whose own NIF
# libraries and drivers they load: crypto (crypto.so, which opens
# crypto_callback.so), runtime_tools' dbg (its trace drivers) and asn1
# (asn1rt_nif.so). Each as
# "<application directory>:<suite>:<libraries>:<slow runs>", where the runs
# labelled slow too, which test-all leaves out for CI's time, are none, the
# emu flavour's (crypto_SUITE and dbg_SUITE: about 80 s a run) or all, on
# the primary flavour only (asn1_SUITE: 17 to 20 minutes a run).
# With the memtest emulator each suite runs once more on it, loading every
# library it opens by path from memory, and must give the same counts and
# have loaded at least <libraries> (comma-separated) from memory
# (memory-everywhere.<suite>[.emu], test/memory_everywhere/run_suite.sh).
# The runs share test_server's `variables` in the source tree: never in
# parallel.
set(_otp_results "${CMAKE_BINARY_DIR}/otp-test-results")
set(_otp_suites "erts/emulator:nif_SUITE:nif_SUITE.1.so,nif_mod.1.so:none"
                "erts/emulator:ddll_SUITE:echo_drv.so:none")
if(OTP_VERSION STREQUAL _otp_default_version)
    list(APPEND _otp_suites
         "lib/crypto:crypto_SUITE:crypto.so,crypto_callback.so:emu"
         "lib/runtime_tools:dbg_SUITE:trace_file_drv.so,trace_ip_drv.so:emu"
         "lib/asn1:asn1_SUITE:asn1rt_nif.so:all")
endif()
set(_otp_flavors "primary")
if(OTP_BUILD_EMU_FLAVOR)
    list(APPEND _otp_flavors "emu")
endif()
foreach(_entry IN LISTS _otp_suites)
    string(REPLACE ":" ";" _entry "${_entry}")
    list(GET _entry 0 _app)
    list(GET _entry 1 _suite)
    list(GET _entry 2 _libraries)
    string(REPLACE "," ";" _libraries "${_libraries}")
    list(GET _entry 3 _slow_runs)
    set(_flavors ${_otp_flavors})
    if(_slow_runs STREQUAL "all")
        set(_flavors primary)
    endif()
    foreach(_flavor IN LISTS _flavors)
        set(_otp_labels otp)
        set(_memory_labels memory-everywhere)
        if(_slow_runs STREQUAL "all" OR _slow_runs STREQUAL _flavor)
            list(APPEND _otp_labels slow)
            list(APPEND _memory_labels slow)
        endif()
        if(_flavor STREQUAL "primary")
            set(_name "${_suite}")
            set(_flavor_env "OTP_TEST_FLAVOR=")
        else()
            set(_name "${_suite}.${_flavor}")
            set(_flavor_env "OTP_TEST_FLAVOR=${_flavor}")
        endif()
        add_test(NAME otp.${_name}
                 COMMAND "${CMAKE_COMMAND}" -E env "OTP_TEST_APP=${_app}" "${_flavor_env}"
                         "${BASH_EXECUTABLE}" "${_otp_scripts}/run-otp-suite.sh"
                         "${OTP_SRC_DIR}" "${OTP_ROOT}" "${_otp_results}/${_name}" ${_suite})
        set_tests_properties(otp.${_name} PROPERTIES
            LABELS "${_otp_labels}" TIMEOUT 1800 RESOURCE_LOCK otp_test_server
            FIXTURES_SETUP otp.${_name}.results)
        if(OTP_BUILD_MEMTEST)
            add_test(NAME memory-everywhere.${_name}
                     COMMAND "${CMAKE_COMMAND}" -E env "OTP_TEST_APP=${_app}" "${_flavor_env}"
                             "${BASH_EXECUTABLE}" "${_otp_project_root}/test/memory_everywhere/run_suite.sh"
                             "${OTP_SRC_DIR}" "${OTP_ROOT}" "${_otp_results}/${_name}"
                             "${_otp_results}/${_name}.memory" ${_suite} ${_libraries})
            set_tests_properties(memory-everywhere.${_name} PROPERTIES
                LABELS "${_memory_labels}" TIMEOUT 1800 RESOURCE_LOCK otp_test_server
                FIXTURES_REQUIRED otp.${_name}.results)
        endif()
    endforeach()
endforeach()

# The series for this version applies with plain `git apply` to Debian's
# source and to the bare upstream tree alike (the .dsc the build fetched).
if(OTP_SOURCE_DIR STREQUAL "")
    add_test(NAME otp.series_applies
             COMMAND "${BASH_EXECUTABLE}" "${_otp_scripts}/check-series.sh" "${OTP_SRC_DIR}.dsc-path"
                     "${_otp_project_root}" "${CMAKE_BINARY_DIR}/otp-series-check")
    set_tests_properties(otp.series_applies PROPERTIES LABELS otp TIMEOUT 600)
    # What a maintainer gets from `git am`: every commit of the series builds
    # the emulator on the bare upstream tree, and the final tree also builds
    # without a C++ compiler (CXX=false), refusing to load from memory. For the
    # default version only (it builds the emulator once a commit and once more).
    if(ERTS_DLOPEN_MEM_NESTED_BUILDS AND OTP_VERSION STREQUAL _otp_default_version)
        add_test(NAME otp.series_builds_per_commit
                 COMMAND "${CMAKE_COMMAND}" -E env "OTP_BUILD_JOBS=${OTP_BUILD_JOBS}" "OTP_ROOT=${OTP_ROOT}"
                         "${BASH_EXECUTABLE}" "${_otp_scripts}/check-series-commits.sh"
                         "${OTP_SRC_DIR}.dsc-path" "${_otp_project_root}"
                         "${CMAKE_BINARY_DIR}/otp-series-commits")
        set_tests_properties(otp.series_builds_per_commit PROPERTIES
            LABELS nested TIMEOUT 2400 RUN_SERIAL ON)
    endif()
endif()

# The other supported versions, each as one test (label nested) that
# configures, builds and tests this project in a nested build directory with
# that OTP_VERSION and runs its otp, e2e and memory-everywhere tests: the
# same patches, suites and end-to-end programs on every version the lock
# file pins.
# The torture test runs its 20,000 mutants on the default version; the
# others take fewer, for CI's time.
set(ERTS_DLOPEN_MEM_NESTED_TORTURE_MUTANTS 5000 CACHE STRING
    "Mutants e2e.torture loads in the nested builds of the other OTP versions")
set(OTP_OTHER_VERSIONS "25.2.3;27.3.4.1" CACHE STRING
    "Other OTP versions whose builds and otp/e2e tests run as nested tests (empty: none)")
if(ERTS_DLOPEN_MEM_BUILD_TESTS AND OTP_SOURCE_DIR STREQUAL "")
    foreach(_v IN LISTS OTP_OTHER_VERSIONS)
        if(_v STREQUAL OTP_VERSION)
            continue()
        endif()
        # Their sources are downloaded by the build, like this version's, so
        # that no test needs the network.
        add_custom_command(
            OUTPUT "${_otp_stamps}/source-${_v}.stamp"
            COMMAND "${CMAKE_COMMAND}" -DPIN=${_v} "-DLOCK_FILE=${_otp_scripts}/debian-sources.lock"
                    "-DCACHE_DIR=${OTP_DOWNLOAD_CACHE}/debian" -P "${_otp_scripts}/FetchDebianSource.cmake"
            COMMAND "${CMAKE_COMMAND}" -E touch "${_otp_stamps}/source-${_v}.stamp"
            DEPENDS "${_otp_scripts}/debian-sources.lock" "${_otp_scripts}/FetchDebianSource.cmake"
            COMMENT "OTP ${_v}: the pinned Debian source, for otp.${_v}.build_and_test"
            VERBATIM)
        list(APPEND _otp_other_sources "${_otp_stamps}/source-${_v}.stamp")
        if(NOT ERTS_DLOPEN_MEM_NESTED_BUILDS)
            continue()
        endif()
        add_test(NAME otp.${_v}.build_and_test
                 COMMAND ${CMAKE_CTEST_COMMAND}
                     --build-and-test ${_otp_project_root} ${CMAKE_BINARY_DIR}/otp-${_v}
                     --build-generator ${CMAKE_GENERATOR} --build-noclean
                     --build-options -DOTP_VERSION=${_v} -DOTP_OTHER_VERSIONS=
                         -DERTS_DLOPEN_MEM_NESTED_BUILDS=OFF
                         -DCMAKE_BUILD_TYPE=${CMAKE_BUILD_TYPE}
                         -DOTP_DOWNLOAD_CACHE=${OTP_DOWNLOAD_CACHE}
                         -DOTP_BUILD_EMU_FLAVOR=${OTP_BUILD_EMU_FLAVOR}
                         -DOTP_BUILD_MEMTEST=${OTP_BUILD_MEMTEST}
                         -DERTS_DLOPEN_MEM_TORTURE_MUTANTS=${ERTS_DLOPEN_MEM_NESTED_TORTURE_MUTANTS}
                     --test-command ${CMAKE_CTEST_COMMAND} -L "otp|e2e|memory-everywhere" --output-on-failure)
        # Shares nothing with this build but the CPU: run alone.
        set_tests_properties(otp.${_v}.build_and_test PROPERTIES
            LABELS nested RUN_SERIAL ON TIMEOUT 3600)
    endforeach()
    if(_otp_other_sources)
        add_custom_target(otp_other_sources ALL DEPENDS ${_otp_other_sources})
    endif()
endif()
