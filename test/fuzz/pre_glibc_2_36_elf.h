/* SPDX-License-Identifier: Apache-2.0 */
/*
 * <elf.h> as glibc before 2.36 has it (Debian 11, Ubuntu 22.04, RHEL 9):
 * DT_NUM is 35 and DT_RELRSZ, DT_RELR, DT_RELRENT are missing, so that the
 * loader's own fallback definitions are used. Force-included (-include) into
 * validate_fuzz_replay_pre_glibc_2_36, so that this host tests what the
 * loader does on those systems. <elf.h>'s include guard keeps the loader's
 * own #include from undoing it.
 */
#include <elf.h>

#undef DT_NUM
#define DT_NUM 35
#undef DT_RELRSZ
#undef DT_RELR
#undef DT_RELRENT
