/* SPDX-License-Identifier: Apache-2.0 */
int inner_value(void) {
    return 21;
}
