#!/usr/bin/env bash
# Smoke test of the project workflow, end to end:
#   copy the PTB files (and WordSim-353) from ../shared into a scratch copy of the
#   project, check them with `spacy project assets` (offline: matching checksums
#   skip the download), run `spacy project run pretrain --vars.smoke true
#   --vars.gpu_id -1`, then `spacy project run downstream --vars.smoke true` (UD
#   English-EWT taggers on a few hundred sentences, reading the smoke pretraining's
#   training/skipgram and training/elmo), install the wheel into a fresh venv
#   (torch==2.13.0, this repo, the wheel) and check the loaded package with
#   scripts/check_package.py.
# Expects the current python to have this repo installed (as .ci/run sets up).
# SHARED overrides where the data comes from (default: <repo>/../shared); TORCH the torch
# requirement of the fresh venv (default: torch==2.13.0, which has no Python 3.9 build).
# On failure the scratch directory is kept and its path printed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SHARED="${SHARED:-$ROOT/../shared}"
PYTHON="${PYTHON:-python}"
TORCH="${TORCH:-torch==2.13.0}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/smoke_project.XXXXXX")"

on_exit() {
    local rc=$?
    if [ "$rc" -eq 0 ]; then
        rm -rf "$WORK"
    else
        echo "smoke_project: FAILED (exit $rc); files kept in $WORK" >&2
    fi
}
trap on_exit EXIT

step() { echo; echo "=== smoke_project: $* ($(date -u +%H:%M:%S))"; }
elapsed() { echo "=== smoke_project: $1 took $(( $(date +%s) - $2 ))s"; }

# (asks the installed metadata: a build/ folder in the current directory would fool `import build`)
if ! "$PYTHON" -c "import importlib.metadata as m; m.version('build')" 2>/dev/null; then
    echo "smoke_project: the package step needs 'build': pip install -e '$ROOT[project]'" >&2
    exit 1
fi

step "project copy in $WORK"
cp -r "$ROOT/project.yml" "$ROOT/configs" "$ROOT/scripts" "$WORK/"
mkdir -p "$WORK/assets"
cp "$SHARED"/data/ptb/ptb.{train,valid,test}.txt "$WORK/assets/"
cp "$SHARED/data/eval/wordsim353.txt" "$WORK/assets/wordsim353.txt"
cp "$SHARED"/data/ud_english_ewt/en_ewt-ud-{train,dev,test}.conllu "$WORK/assets/"
chmod u+w "$WORK"/assets/*

step "spacy project assets (files in place, no download)"
"$PYTHON" -m spacy project assets "$WORK"

step "spacy project run pretrain --vars.smoke true --vars.gpu_id -1"
t0=$(date +%s)
"$PYTHON" -m spacy project run pretrain "$WORK" --vars.smoke true --vars.gpu_id -1
elapsed "the smoke workflow" "$t0"
cat "$WORK/metrics/metrics.json"; echo

step "spacy project run downstream --vars.smoke true --vars.gpu_id -1"
t0=$(date +%s)
"$PYTHON" -m spacy project run downstream "$WORK" --vars.smoke true --vars.gpu_id -1
elapsed "the downstream smoke workflow" "$t0"
cat "$WORK/metrics/downstream.md"

WHEEL="$(ls "$WORK"/packages/*/dist/*.whl)"
PACKAGE="$(basename "$WHEEL")"; PACKAGE="${PACKAGE%%-*}"

step "fresh venv: $TORCH, this repo, $(basename "$WHEEL")"
t0=$(date +%s)
"$PYTHON" -m venv "$WORK/venv"
"$WORK/venv/bin/pip" install -q "$TORCH"
"$WORK/venv/bin/pip" install -q "$ROOT"
"$WORK/venv/bin/pip" install -q "$WHEEL"
elapsed "the install" "$t0"

step "check the installed package $PACKAGE"
# Run outside the repo so that the installed copies are the ones imported.
(cd "$WORK" && "$WORK/venv/bin/python" "$ROOT/scripts/check_package.py" "$PACKAGE")
