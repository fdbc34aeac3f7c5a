# SPDX-License-Identifier: Apache-2.0
#
# cmake -DPRESET=<configure preset> -DBINARY_DIR=<dir> -DLABELS=<regex>
#       [-DOPTIONS=<-D...;-D...>] -P RunNestedPreset.cmake
#
# One nested build as one test: configures this project with one of its own
# presets (so a sanitizer or fuzzing build is spelled in CMakePresets.json
# alone), into <dir> instead of the preset's binaryDir, builds it and runs
# its tests carrying <labels>.
foreach(var PRESET BINARY_DIR LABELS)
    if(NOT DEFINED ${var})
        message(FATAL_ERROR "RunNestedPreset: -D${var}=... is required")
    endif()
endforeach()
get_filename_component(source_dir "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)

function(run_step what)
    execute_process(COMMAND ${ARGN} WORKING_DIRECTORY "${source_dir}"
                    RESULT_VARIABLE result)
    if(NOT result EQUAL 0)
        message(FATAL_ERROR "RunNestedPreset ${PRESET}: ${what} failed (${result})")
    endif()
endfunction()

run_step(configure "${CMAKE_COMMAND}" --preset "${PRESET}" -B "${BINARY_DIR}" ${OPTIONS})
run_step(build "${CMAKE_COMMAND}" --build "${BINARY_DIR}")
run_step(test "${CMAKE_CTEST_COMMAND}" --test-dir "${BINARY_DIR}" -L "${LABELS}"
         --output-on-failure --no-tests=error)
