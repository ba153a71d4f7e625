#!/usr/bin/env bash
# Runs every test project of the solution and ends with one line: "N passed, N failed, N skipped".
# Extra arguments go to `dotnet test` (e.g. -c Release, --filter ...). Exit status is non-zero when anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
trap 'rm -f "$log"' EXIT

dotnet test VgpuIac.sln --logger "console;verbosity=normal" "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# VSTest (console logger, normal verbosity) closes each test project with a block like:
#   Test Run Successful.            (or: Test Run Failed.)
#   Total tests: 12
#        Passed: 11
#        Failed: 1
#       Skipped: 0
read -r passed failed skipped projects < <(awk '
  /^Total tests: /            { projects++ }
  /^[[:space:]]+Passed: [0-9]+/  { p += $2 }
  /^[[:space:]]+Failed: [0-9]+/  { f += $2 }
  /^[[:space:]]+Skipped: [0-9]+/ { s += $2 }
  END { printf "%d %d %d %d\n", p, f, s, projects }' "$log")

expected=$(dotnet sln VgpuIac.sln list 2>/dev/null | grep -c 'tests/.*Tests\.csproj$' || true)
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  # a build error or a crashed test host: count it as a failure so it cannot pass silently
  failed=1
  echo "error: dotnet test exited with $status (build error or test host crash); see above" >&2
fi
if [ "${projects:-0}" -lt "$expected" ]; then
  echo "error: only ${projects:-0} of $expected test projects reported results" >&2
  [ "$failed" -eq 0 ] && failed=1
fi
# name the failures right above the summary line, so the tail of a CI log says what broke
if grep -qE '^[[:space:]]+Failed [^:]' "$log"; then
  echo "failed tests:"
  grep -E '^[[:space:]]+Failed [^:]' "$log" | sed -E 's/^[[:space:]]+/  /' | sort -u
  # and the first lines of each failure message
  grep -E -A40 '^[[:space:]]+Failed [^:]' "$log" | grep -E -A30 'Error Message:' | head -200
fi
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
