# SPDX-License-Identifier: Apache-2.0
#
# Links the memtest emulator (erl_memtest_sys_ddll.c) from the objects of
# an emulator already built, read after erts/emulator's own makefile:
#
#   make -C $ERL_TOP/erts/emulator -f $TARGET/Makefile -f memtest.mk \
#        TYPE=opt FLAVOR=jit|emu MEMTEST_DIR=<this directory> memtest
#
# It compiles one object and links bin/$TARGET/beam.memtest.smp (the
# primary flavour, as beam.smp) or beam.memtest.<flavour>, the names erlexec
# gives `-emu_type memtest [-emu_flavor <flavour>]`; every other object is the one the emulator of that
# flavour was linked from, so nothing else is rebuilt and nothing the
# normal build made is changed.

MEMTEST_OBJ = $(OBJDIR)/erl_memtest_sys_ddll.o
ifeq ($(FLAVOR),$(PRIMARY_FLAVOR))
MEMTEST_EXECUTABLE = $(BINDIR)/beam.memtest.smp
else
MEMTEST_EXECUTABLE = $(BINDIR)/beam.memtest.$(FLAVOR)
endif
MEMTEST_OBJS = $(filter-out $(OBJDIR)/erl_$(ERLANG_OSTYPE)_sys_ddll.o,$(OBJS)) \
	$(MEMTEST_OBJ)

# The object it replaces has make's record of every header they both read:
# rebuilt after it, this one never keeps what a header used to say.
# It includes erl_unix_sys_ddll.c, so it takes that object's own flags.
$(MEMTEST_OBJ): CFLAGS += $(ERTS_DLOPEN_MEM_DEFS)
$(MEMTEST_OBJ): $(MEMTEST_DIR)/erl_memtest_sys_ddll.c \
		$(OBJDIR)/erl_$(ERLANG_OSTYPE)_sys_ddll.o
	$(V_CC) $(CFLAGS) $(INCLUDES) -c $< -o $@

$(MEMTEST_EXECUTABLE): $(INIT_OBJS) $(MEMTEST_OBJS) $(DEPLIBS)
	$(ld_verbose) $(EMU_LD) -o $@ \
	$(PROFILE_LDFLAGS) $(LDFLAGS) $(EMU_LDFLAGS) $(DEXPORT) $(INIT_OBJS) \
	$(MEMTEST_OBJS) $(STATIC_NIF_LIBS) $(STATIC_DRIVER_LIBS) $(LIBS)

.PHONY: memtest
memtest: $(MEMTEST_EXECUTABLE)
