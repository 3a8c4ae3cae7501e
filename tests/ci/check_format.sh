#!/usr/bin/env bash
# Fails when a tracked C++ file is not formatted as .clang-format says; prints
# the files and the command that fixes them.
set -euo pipefail
root=$1
cd "$root"
command -v clang-format >/dev/null || { echo "clang-format not found (./scripts/install-deps installs it)"; exit 1; }
mapfile -t files < <(git ls-files '*.cc' '*.h' 2>/dev/null || find services lib tools tests bench -name '*.cc' -o -name '*.h')
# One clang-format process per batch of files (a process per file costs more
# than the formatting itself).
report=$(printf '%s\0' "${files[@]}" | xargs -0 -n 64 clang-format --dry-run 2>&1 || true)
mapfile -t bad < <(printf '%s\n' "$report" | sed -n 's/^\(.*\):[0-9]*:[0-9]*: warning: code should be clang-formatted.*/\1/p' | sort -u)
echo "${#files[@]} C++ files checked, ${#bad[@]} not formatted"
if [ ${#bad[@]} -gt 0 ]; then
  printf '  %s\n' "${bad[@]}"
  echo "fix: clang-format -i ${bad[*]}"
  exit 1
fi
