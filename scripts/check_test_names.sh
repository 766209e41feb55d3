#!/usr/bin/env bash
# CTest splits a test name at ';', so a Catch2 test whose name contains one matches nothing under ctest and
# is reported as passed without running. Fail the suite instead. Usage: check_test_names.sh BINARY...
status=0
for binary in "$@"; do
  bad=$("$binary" --list-test-names-only 2>/dev/null | grep ';')
  if [ -n "$bad" ]; then
    echo "$binary: test names must not contain ';' (ctest would skip them silently):"
    echo "$bad"
    status=1
  fi
done
exit $status
