# SPDX-License-Identifier: Apache-2.0
# The fuzz.bounded_run test:
#
#   cmake -DFUZZER=... -DSECONDS=... -DDICTIONARY=... -DSEED_DIR=...
#         -DSCRATCH_CORPUS_DIR=... -DARTIFACT_DIR=... -DCORPUS_DIR=...
#         -DREGRESSION_DIR=... -P run_bounded_fuzz.cmake
#
# Copies the seeds into a fresh scratch corpus (libFuzzer adds what it finds to
# its first corpus directory; the committed ones are only read) and fuzzes for
# SECONDS seconds. Fails if libFuzzer reports a crash, a leak, a timeout or an
# invariant violation; the input is left in ARTIFACT_DIR.

foreach(var FUZZER SECONDS DICTIONARY SEED_DIR SCRATCH_CORPUS_DIR ARTIFACT_DIR
            CORPUS_DIR REGRESSION_DIR)
    if(NOT DEFINED ${var})
        message(FATAL_ERROR "run_bounded_fuzz.cmake: ${var} is not set")
    endif()
endforeach()

# A fresh start each run, so that results do not depend on earlier runs.
file(REMOVE_RECURSE ${SCRATCH_CORPUS_DIR})
file(MAKE_DIRECTORY ${SCRATCH_CORPUS_DIR} ${ARTIFACT_DIR})
file(COPY ${SEED_DIR}/ DESTINATION ${SCRATCH_CORPUS_DIR})

execute_process(
    COMMAND ${FUZZER}
        -max_total_time=${SECONDS}
        -dict=${DICTIONARY}
        -max_len=65536
        # A slow input is a hang in a validator that should take microseconds.
        -timeout=10
        -print_final_stats=1
        -artifact_prefix=${ARTIFACT_DIR}/
        ${SCRATCH_CORPUS_DIR} ${CORPUS_DIR} ${REGRESSION_DIR}
    RESULT_VARIABLE fuzzer_result)

if(NOT fuzzer_result EQUAL 0)
    message(FATAL_ERROR
        "validate_fuzzer failed (${fuzzer_result}); the input is in ${ARTIFACT_DIR}. "
        "Minimise it with: ${FUZZER} -minimize_crash=1 -runs=100000 <input>, then "
        "save it as test/fuzz/regressions/<what>.bin")
endif()
