# SPDX-License-Identifier: Apache-2.0
# cmake -DNM=<nm> -DHOSTED=<lib> -DPLAIN=<lib> -P CheckHostedSymbols.cmake
#
# The loader built for erts (HOSTED) takes all its memory and its lock from
# the host's hooks: none of its objects may call libc's allocator or a
# pthread mutex. The same check on the standalone build (PLAIN), which does
# call them, shows that the check sees such calls at all.
set(libc_calls "^(malloc|calloc|realloc|free|pthread_mutex_lock|pthread_mutex_unlock)$")
foreach(which HOSTED PLAIN)
    execute_process(COMMAND "${NM}" -u "${${which}}" OUTPUT_VARIABLE out
                    RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0)
        message(FATAL_ERROR "${NM} -u ${${which}} failed (${rc})")
    endif()
    string(REPLACE "\n" ";" lines "${out}")
    set(found "")
    foreach(line IN LISTS lines)
        string(REGEX REPLACE "^ *U +" "" symbol "${line}")
        if(symbol MATCHES "${libc_calls}")
            list(APPEND found "${symbol}")
        endif()
    endforeach()
    list(REMOVE_DUPLICATES found)
    set(found_${which} "${found}")
endforeach()
if(found_HOSTED)
    message(FATAL_ERROR "the hosted loader calls ${found_HOSTED} itself, not through the hooks")
endif()
if(NOT found_PLAIN)
    message(FATAL_ERROR "no libc allocator or mutex call found in the standalone loader: the check sees nothing")
endif()
message(STATUS "hosted loader: no libc allocator or mutex call; standalone: ${found_PLAIN}")
