#!/usr/bin/env bash
# Runs every test project of the solution and ends with one line: "N passed, N failed, N skipped".
# Extra arguments go to `dotnet test` (e.g. -c Release, --filter ...). Exit status is non-zero when anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
trap 'rm -f "$log"' EXIT

dotnet test VgpuIac.sln --logger "console;verbosity=normal" "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# VSTest prints one summary per test project: "Passed!  - Failed:     0, Passed:    12, Skipped:     0, Total:    12, ..."
read -r passed failed skipped projects < <(awk '
  /(Passed|Failed)! +- +Failed: / {
    line=$0; gsub(/,/, "", line)
    for (i = 1; i <= NF; i++) { }
    n = split(line, w, /[ \t]+/)
    for (i = 1; i < n; i++) {
      if (w[i] == "Failed:")  f += w[i+1]
      if (w[i] == "Passed:")  p += w[i+1]
      if (w[i] == "Skipped:") s += w[i+1]
    }
    projects++
  }
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
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
