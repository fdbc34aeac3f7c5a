/* SPDX-License-Identifier: Apache-2.0 */
int inner_value(void);

int helper_value(void) {
    return inner_value() * 2;
}
