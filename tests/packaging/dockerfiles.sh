#!/usr/bin/env bash
# Dockerfile.worker and Dockerfile.operator without a container engine: check_dockerfiles.py checks
# the stages, packages (ldd of the built binaries -> Debian packages the runtime stage installs),
# users, paths, ports and COPY sources; then the builder stages' make commands run here on a copy
# holding only what they COPY, with a VERSION build argument, to prove that is enough to build.
source "$(dirname "$0")/../lib.sh"

for b in ferry-worker ferry-operator; do
        [ -x "$REPO/bin/$b" ] || fail "bin/$b is not built (make all)"
done
python3 "$REPO/tests/packaging/check_dockerfiles.py" "$REPO" || fail "Dockerfile checks failed"

# The builder stages: COPY Makefile VERSION worker/ (operator/), then make VERSION=... bin/<binary>.
ctx=$WORK/context
for df in Dockerfile.worker Dockerfile.operator; do
        rm -rf "$ctx"
        mkdir -p "$ctx"
        # Sources of the builder stage's COPY lines (no --from).
        awk '/^FROM/{n++} n==1 && /^COPY/ && !/--from/{for(i=2;i<NF;i++) print $i}' "$REPO/$df" >"$WORK/srcs"
        while read -r s; do
                mkdir -p "$ctx/$(dirname "$s")"
                cp -r "$REPO/$s" "$ctx/${s%/}"
        done <"$WORK/srcs"
        target=$(grep -oE 'bin/ferry-[a-z]+' <<<"$(awk '/^FROM/{n++} n==1' "$REPO/$df" | grep -E '^RUN make|^ *RUN make|make ')" | head -1)
        [ -n "$target" ] || fail "$df: no make target found"
        info "$df: make VERSION=7.7.7-test $target in a copy with only $(tr '\n' ' ' <"$WORK/srcs")"
        (cd "$ctx" && make -j"$(nproc)" VERSION=7.7.7-test COMMIT=test "$target") >"$WORK/build.log" 2>&1 ||
                { tail -30 "$WORK/build.log"; fail "$df: the builder stage's make fails with only the COPY'd sources"; }
        case $target in
        bin/ferry-worker)
                "$ctx/$target" --version | grep -q '7.7.7-test' || fail "VERSION did not reach ferry-worker --version"
                # The worker image takes what `make install DESTDIR=...` writes.
                (cd "$ctx" && make VERSION=7.7.7-test COMMIT=test PREFIX=/usr/local DESTDIR="$ctx/out" install) \
                        >"$WORK/install.log" 2>&1 || { tail -30 "$WORK/install.log"; fail "$df: make install fails"; }
                [ -x "$ctx/out/usr/local/bin/ferry-worker" ] || fail "make install wrote no usr/local/bin/ferry-worker"
                [ -d "$ctx/out/usr/local/lib/ferry/plugins" ] || fail "make install wrote no usr/local/lib/ferry/plugins"
                for fam in "$REPO"/worker/connectors/*/; do
                        f=$(basename "$fam")
                        [ "$f" = shared ] && continue # code compiled into the families, not one itself
                        ls "$fam"*.c >/dev/null 2>&1 || continue
                        [ -f "$ctx/out/usr/local/lib/ferry/plugins/$f/$f.so" ] || fail "make install did not install the $f plugin"
                done
                ;;
        bin/ferry-operator) "$ctx/$target" --help >/dev/null || fail "ferry-operator --help failed" ;;
        esac
done
info "builder stages build with only their COPY sources; VERSION reaches the binary"
