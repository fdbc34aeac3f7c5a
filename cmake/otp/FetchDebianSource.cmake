# SPDX-License-Identifier: Apache-2.0
#
# cmake -DPIN=<name> -DLOCK_FILE=<lock> -DCACHE_DIR=<dir> [-DRESULT_FILE=<f>]
#       -P FetchDebianSource.cmake
#
# Obtains the Debian files that the lock file pins under <name> (an OTP
# version for the source package of `erlang`, or e.g. rebar3-3.24.0): every
# file it lists, by size and SHA-256, nothing else. A file in <dir> that
# matches is used as it is (a filled cache needs no network); one that does
# not is named, removed and downloaded again. Downloads go to
# <archive>/pool/main/<p>/<package>/<file>, <package> being the source
# package: `erlang` for an OTP version, else <name> without its version
# (lib* packages under pool/main/libX/), where <archive> is
# the Debian archive of the machine's apt sources (`apt-get indextargets`),
# or the environment's OTP_DEBIAN_ARCHIVE. When the lock lists several Debian
# versions under <name>, the first whose files can all be had is used.
#
# Writes the path of the .dsc (or of the first file, for a binary package)
# into RESULT_FILE. On failure, one error names each file, each URL tried and
# its answer, and what to do.

cmake_minimum_required(VERSION 3.25)

foreach(var PIN LOCK_FILE CACHE_DIR)
    if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
        message(FATAL_ERROR "FetchDebianSource: -D${var}=... is required")
    endif()
endforeach()

# --- the lock file: the Debian versions pinned under PIN, in order, and their files

# The source package, whose pool directory holds every file of the pin
# (a binary package's too: elixir_*.deb is under elixir-lang/).
if(PIN MATCHES "^[0-9]")
    set(package erlang)
else()
    string(REGEX REPLACE "-[0-9][^-]*$" "" package "${PIN}")
endif()

string(REPLACE "." "\\." pin_regex "${PIN}")
file(STRINGS "${LOCK_FILE}" lock_lines REGEX "^${pin_regex}[ \t]")
set(debian_versions "")
set(supported "")
file(STRINGS "${LOCK_FILE}" all_lines REGEX "^[^# \t]")
foreach(line IN LISTS all_lines)
    string(REGEX MATCH "^[^ \t]+" v "${line}")
    list(APPEND supported "${v}")
endforeach()
list(REMOVE_DUPLICATES supported)
foreach(line IN LISTS lock_lines)
    string(REGEX REPLACE "[ \t]+" ";" fields "${line}")
    list(LENGTH fields n)
    if(NOT n EQUAL 6)
        message(FATAL_ERROR "FetchDebianSource: ${LOCK_FILE}: malformed line: ${line}")
    endif()
    list(GET fields 2 deb_version)
    string(MAKE_C_IDENTIFIER "${deb_version}" id)
    if(NOT deb_version IN_LIST debian_versions)
        list(APPEND debian_versions "${deb_version}")
    endif()
    list(GET fields 3 name)
    list(GET fields 4 size)
    list(GET fields 5 sha256)
    list(APPEND files_${id} "${name}")
    set(size_${name} "${size}")
    set(sha256_${name} "${sha256}")
endforeach()
if(debian_versions STREQUAL "")
    list(JOIN supported ", " supported)
    message(FATAL_ERROR "FetchDebianSource: ${LOCK_FILE} pins nothing for ${PIN} "
            "(pinned: ${supported}). For an OTP version, add it with cmake/otp/update-lock.sh, "
            "or pass -DOTP_SOURCE_DIR=<an OTP source tree>.")
endif()

file(MAKE_DIRECTORY "${CACHE_DIR}")

# Sets ${out} to TRUE when <path> has the pinned size and SHA-256, else to a
# sentence saying how it differs.
function(check_pinned path name out)
    if(NOT EXISTS "${path}")
        set(${out} "missing" PARENT_SCOPE)
        return()
    endif()
    file(SIZE "${path}" have_size)
    if(NOT have_size EQUAL size_${name})
        set(${out} "size ${have_size}, pinned ${size_${name}}" PARENT_SCOPE)
        return()
    endif()
    file(SHA256 "${path}" have_sha)
    if(NOT have_sha STREQUAL sha256_${name})
        set(${out} "SHA-256 ${have_sha}, pinned ${sha256_${name}}" PARENT_SCOPE)
        return()
    endif()
    set(${out} TRUE PARENT_SCOPE)
endfunction()

# --- where to download from: the machine's own Debian archive -----------------

set(archive_uris "")
set(archive_origin "")
function(find_archive_uris)
    if(DEFINED ENV{OTP_DEBIAN_ARCHIVE} AND NOT "$ENV{OTP_DEBIAN_ARCHIVE}" STREQUAL "")
        set(archive_uris "$ENV{OTP_DEBIAN_ARCHIVE}" PARENT_SCOPE)
        set(archive_origin "OTP_DEBIAN_ARCHIVE" PARENT_SCOPE)
        return()
    endif()
    find_program(APT_GET apt-get)
    if(NOT APT_GET)
        set(archive_origin "no apt-get on this machine" PARENT_SCOPE)
        return()
    endif()
    # Base-URI is <archive>/dists/<suite>/. The security archive's pool is
    # laid out differently (pool/updates/...): leave it out.
    execute_process(COMMAND "${APT_GET}" indextargets --no-release-info "--format=$(BASE_URI)"
                    OUTPUT_VARIABLE targets ERROR_QUIET)
    string(REPLACE "\n" ";" targets "${targets}")
    set(uris "")
    foreach(t IN LISTS targets)
        if(t MATCHES "^(.*)/dists/([^/]+)/$")
            set(uri "${CMAKE_MATCH_1}")
            if(NOT CMAKE_MATCH_2 MATCHES "-security$")
                list(APPEND uris "${uri}")
            endif()
        endif()
    endforeach()
    list(REMOVE_DUPLICATES uris)
    set(archive_uris "${uris}" PARENT_SCOPE)
    set(archive_origin "the machine's apt sources" PARENT_SCOPE)
endfunction()

# --- try each pinned Debian version -------------------------------------------

set(report "")
set(offline FALSE)
foreach(deb_version IN LISTS debian_versions)
    string(MAKE_C_IDENTIFIER "${deb_version}" id)
    set(complete TRUE)
    foreach(name IN LISTS files_${id})
        set(path "${CACHE_DIR}/${name}")
        check_pinned("${path}" "${name}" state)
        if(state STREQUAL "TRUE")
            string(APPEND report "\n  ${name}: in the cache, SHA-256 ok")
            continue()
        endif()
        if(NOT state STREQUAL "missing")
            message(STATUS "FetchDebianSource: cached ${name} refused (${state}); downloading it again")
            file(REMOVE "${path}")
        endif()
        if(offline)
            string(APPEND report "\n  ${name}: not tried (the archive did not answer)")
            set(complete FALSE)
            continue()
        endif()
        if(NOT DEFINED archive_searched)
            find_archive_uris()
            set(archive_searched TRUE)
            if(archive_uris STREQUAL "")
                string(APPEND report "\n  no Debian archive found (${archive_origin}); set OTP_DEBIAN_ARCHIVE")
            endif()
        endif()
        set(got FALSE)
        string(REPLACE "+" "%2b" url_name "${name}")
        if(package MATCHES "^lib")
            string(SUBSTRING "${package}" 0 4 pool_dir)
        else()
            string(SUBSTRING "${package}" 0 1 pool_dir)
        endif()
        foreach(uri IN LISTS archive_uris)
            set(url "${uri}/pool/main/${pool_dir}/${package}/${url_name}")
            message(STATUS "FetchDebianSource: downloading ${url}")
            # The small .dsc first, with a short limit, so an unreachable archive
            # fails in seconds; the tarballs get time but must keep moving.
            if(name MATCHES "\\.dsc$")
                set(limit 30)
            else()
                set(limit 900)
            endif()
            file(DOWNLOAD "${url}" "${path}.part" STATUS status TIMEOUT ${limit}
                 INACTIVITY_TIMEOUT 30 LOG log)
            list(GET status 0 code)
            list(GET status 1 text)
            string(REGEX MATCHALL "HTTP/[0-9.]+ [0-9]+[^\r\n]*" answers "${log}")
            list(POP_BACK answers answer)
            if(code EQUAL 0)
                check_pinned("${path}.part" "${name}" state)
            elseif(answer)
                set(state "${answer}")
            else()
                set(state "${text} (curl ${code})")
            endif()
            if(state STREQUAL "TRUE")
                file(RENAME "${path}.part" "${path}")
                string(APPEND report "\n  ${name}: downloaded from ${url}, SHA-256 ok")
                set(got TRUE)
                break()
            endif()
            file(REMOVE "${path}.part")
            string(APPEND report "\n  ${name}: ${url}: ${state}")
            # Name resolution or connection failures (curl 5, 6, 7, 28): the
            # archive is unreachable; do not try every other file too.
            if(code MATCHES "^(5|6|7|28)$")
                set(offline TRUE)
            endif()
        endforeach()
        if(NOT got)
            set(complete FALSE)
        endif()
    endforeach()
    if(complete)
        set(main "${files_${id}}")
        list(FILTER main INCLUDE REGEX "\\.dsc$")
        if(main STREQUAL "")
            list(GET files_${id} 0 main)
        endif()
        message(STATUS "FetchDebianSource: ${PIN} is Debian's ${deb_version}:${report}")
        if(DEFINED RESULT_FILE)
            file(WRITE "${RESULT_FILE}" "${CACHE_DIR}/${main}\n")
        endif()
        return()
    endif()
endforeach()

list(JOIN debian_versions ", " tried)
if(PIN MATCHES "^[0-9]")
    set(otherwise ", or build your own OTP tree with -DOTP_SOURCE_DIR=<dir>")
else()
    set(otherwise "")
endif()
message(FATAL_ERROR "FetchDebianSource: could not obtain the files pinned for ${PIN} "
        "(Debian's ${tried}; archive from ${archive_origin}):${report}\n"
        "Either put these files, as pinned in ${LOCK_FILE}, into "
        "${CACHE_DIR}${otherwise}.")
