#!/bin/sh
# t-switch-e2e-socketmap.sh - tests/t-switch-e2e.sh, every assertion of
# it, with every server's Postfix asking mailswitch over the socketmap
# service instead of the milter protocol: the recipes
# examples/recipes/postfix-ROLE-socketmap.cf, and the same
# mailswitch-milter process, maps and reloads serving the socketmap
# tables (tests/lib/mailnet.sh, MAILNET_MODE=socketmap). Where a lookup
# table cannot do what a milter does, t-switch-e2e.sh asserts what
# Postfix does instead and says why (map_reply, "without SMTP").
# shellcheck disable=SC2034 # read by t-switch-e2e.sh and tests/lib/mailnet.sh
MAILNET_MODE=socketmap
. "$TOP/tests/t-switch-e2e.sh"
