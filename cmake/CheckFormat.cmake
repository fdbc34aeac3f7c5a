# SPDX-License-Identifier: Apache-2.0
#
# cmake -DSOURCE_DIR=<project> -DCLANG_FORMAT=<clang-format> -P CheckFormat.cmake
#
# The test format.clang_format: clang-format --dry-run --Werror over the
# project's C and C++. The files are the tracked ones when the tree is a git
# work tree (so that build outputs and scratch files are not judged), else
# those under erts/, lib/ and test/. The copy of an older glibc <elf.h> that
# the fuzz replay builds against keeps glibc's style. The style is that of
# Debian 12's clang-format 14: another major version formats some constructs
# differently, so the check says so and is skipped (SKIP_REGULAR_EXPRESSION).
execute_process(COMMAND "${CLANG_FORMAT}" --version
                OUTPUT_VARIABLE version_text OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT version_text MATCHES "version 14\\.")
    message("format check skipped: ${version_text} is not clang-format 14, "
            "whose formatting .clang-format was checked with")
    return()
endif()

set(patterns "*.c" "*.cpp" "*.h" "*.hpp")
execute_process(COMMAND git -C "${SOURCE_DIR}" ls-files -- ${patterns}
                OUTPUT_VARIABLE tracked RESULT_VARIABLE git_result ERROR_QUIET
                OUTPUT_STRIP_TRAILING_WHITESPACE)
set(files "")
if(git_result EQUAL 0 AND NOT tracked STREQUAL "")
    string(REPLACE "\n" ";" tracked "${tracked}")
    foreach(f IN LISTS tracked)
        list(APPEND files "${SOURCE_DIR}/${f}")
    endforeach()
else()
    foreach(top erts lib test)
        foreach(p IN LISTS patterns)
            file(GLOB_RECURSE found "${SOURCE_DIR}/${top}/${p}")
            list(APPEND files ${found})
        endforeach()
    endforeach()
endif()
list(FILTER files EXCLUDE REGEX "/test/fuzz/pre_glibc_2_36_elf\\.h$")
list(LENGTH files count)
execute_process(COMMAND "${CLANG_FORMAT}" --dry-run --Werror ${files}
                RESULT_VARIABLE result)
if(NOT result EQUAL 0)
    message(FATAL_ERROR "format: files differ from .clang-format "
            "(fix with: clang-format -i <file>)")
endif()
message("format: ${count} files match .clang-format")
