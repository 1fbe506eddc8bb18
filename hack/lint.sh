#!/usr/bin/env bash
# Lint: clang-format check over the C sources, banned functions (strcpy, sprintf, strtok, atoi,
# gets), the opening comment every .c file must have, and the worker's dependency direction
# (hack/include_cycles.py: no module cycles, no runtime file reaching into plugins). Exits
# non-zero on any finding.
set -euo pipefail
cd "$(dirname "$0")/.."

mapfile -t files < <(git ls-files '*.c' '*.h'; git ls-files --others --exclude-standard '*.c' '*.h')
status=0
if ! clang-format --dry-run --Werror "${files[@]}" 2>/tmp/ferry-lint-fmt.$$; then
        head -40 /tmp/ferry-lint-fmt.$$ >&2
        echo "lint: formatting differs; run 'make fmt'" >&2
        status=1
fi
rm -f /tmp/ferry-lint-fmt.$$
if grep -nE '\b(strcpy|sprintf|vsprintf|strtok|atoi|gets)[[:space:]]*\(' "${files[@]}"; then
        echo "lint: banned function (use snprintf, strtoll, strtok_r-free parsing, fgets)" >&2
        status=1
fi
for f in "${files[@]}"; do
        case "$f" in *.c) ;; *) continue ;; esac
        if ! head -1 "$f" | grep -q '^/\*'; then
                echo "lint: $f does not open with a comment saying what it does" >&2
                status=1
        fi
done
if ! python3 hack/include_cycles.py; then
        echo "lint: worker/src dependencies go in a circle or into worker/plugins (hack/include_cycles.py)" >&2
        status=1
fi
exit $status
