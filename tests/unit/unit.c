/*
 * unit.c - the Check runner for the lib/ unit tests.
 *
 * Each suite lives in its own file and exports a SUITE *suite_NAME().
 */
#include <check.h>
#include <stdlib.h>
#include "unit.h"

int     main(void)
{
    SRunner *sr = srunner_create(suite_addr());
    int     failed;

    srunner_add_suite(sr, suite_reply());
    srunner_add_suite(sr, suite_vut());
    srunner_add_suite(sr, suite_table());
    srunner_add_suite(sr, suite_map());
    srunner_add_suite(sr, suite_pattern());
    srunner_add_suite(sr, suite_workpool());
    srunner_add_suite(sr, suite_rank());
    srunner_add_suite(sr, suite_netstring());
    srunner_add_suite(sr, suite_mapreply());
    srunner_add_suite(sr, suite_dnscheck());
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return (failed ? EXIT_FAILURE : EXIT_SUCCESS);
}
