/* SPDX-License-Identifier: Apache-2.0 */
#include <erl_driver.h>
#include <stdio.h>

int helper_value(void);

static ErlDrvData start(ErlDrvPort port, char *command) {
    return (ErlDrvData)port;
}

/* Any control command answers helper_value() as decimal text. */
static ErlDrvSSizeT control(ErlDrvData data,
                            unsigned int command,
                            char *buf,
                            ErlDrvSizeT len,
                            char **rbuf,
                            ErlDrvSizeT rlen) {
    int n = snprintf(*rbuf, rlen, "%d", helper_value());
    return n < 0 || (ErlDrvSizeT)n >= rlen ? -1 : n;
}

static ErlDrvEntry needs_helper_drv_entry = {
        .start = start,
        .driver_name = "needs_helper_drv",
        .control = control,
        .extended_marker = ERL_DRV_EXTENDED_MARKER,
        .major_version = ERL_DRV_EXTENDED_MAJOR_VERSION,
        .minor_version = ERL_DRV_EXTENDED_MINOR_VERSION,
};

DRIVER_INIT(needs_helper_drv) {
    return &needs_helper_drv_entry;
}
