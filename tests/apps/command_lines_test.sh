#!/usr/bin/env bash
# Every tool's command line the way a user meets it (issue 27): each check below failed before its fix.
#  - a stray word (a value whose option was mistyped) is an error naming it, in every tool;
#  - dts-prepare's split options and dts-predict's --format are [data] keys: same ranges, same choices;
#  - an input file that is not there is named by its key and where the key was set;
#  - word vectors and unlabelled text that are not UTF-8 are refused with file and line;
#  - dts-sweep --dry-run --out DIR writes nothing in DIR.
# Usage: command_lines_test.sh BIN_DIR (run from the repository root; dts-sweep is optional: MPI builds only)
set -euo pipefail
bin=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

# expect RC PATTERN COMMAND...: the command exits RC and its stderr matches PATTERN (grep -E).
expect() {
  local rc=$1 pattern=$2
  shift 2
  local got=0
  "$@" > "$work/out" 2> "$work/err" || got=$?
  if [ "$got" -ne "$rc" ]; then
    fail "$* exited $got, expected $rc; stderr: $(head -c 400 "$work/err")"
  elif [ -n "$pattern" ] && ! grep -Eq -- "$pattern" "$work/err"; then
    fail "$* printed '$(head -c 400 "$work/err")', expected /$pattern/"
  fi
}

corpus=data/samples/json/corpus.json

# dts-prepare: --dev-fraction is data.dev_fraction, whose range is (0, 0.5]: 0.5 is allowed.
expect 0 "" "$bin/dts-prepare" --format json --input "$corpus" --dev-fraction 0.5 --split-out "$work/split.json"
grep -q '"dev"' "$work/split.json" || fail "dts-prepare --dev-fraction 0.5 wrote no split"
expect 2 "dev-fraction = 0.6 is out of range \(0, 0.5\]" \
  "$bin/dts-prepare" --format json --input "$corpus" --dev-fraction 0.6
expect 2 "folds = 1 is out of range \[2, 20\]" "$bin/dts-prepare" --format json --input "$corpus" --folds 1
expect 2 "--format = 'xml' is not one of ade\|conll04\|json" "$bin/dts-prepare" --format xml --input "$corpus"

# dts-predict --format lists and checks data.format's choices, as dts-train --help prints them.
choices=$("$bin/dts-train" --help | sed -n 's/^ *--data\.format choice \([^ ]*\) .*/\1/p')
[ -n "$choices" ] || fail "dts-train --help has no data.format line"
"$bin/dts-predict" --help > "$work/predict-help.txt"
grep -qF -- "$choices" "$work/predict-help.txt" || fail "dts-predict --help does not list data.format's choices $choices"
expect 2 "--format = 'xml' is not one of ${choices//|/\\|}" \
  "$bin/dts-predict" --model "$work/none.h5" --input "$corpus" --format xml

# Stray words: an error naming the word, before any work is done.
expect 2 "unexpected argument 'stray'" "$bin/dts-prepare" --format json --input "$corpus" stray
expect 2 "unexpected argument 'stray'" "$bin/dts-train" --config configs/demo.ini --dry-run stray
expect 2 "unexpected argument '8'" "$bin/dts-train" --config configs/demo.ini --dry-run --train.batch_size=4 8
expect 2 "unexpected argument 'stray'" "$bin/dts-predict" --model "$work/none.h5" --input "$corpus" stray
expect 2 "unexpected argument 'stray'" "$bin/dts-inspect" "$work/none.h5" --config stray
expect 2 "unexpected argument 'stray'" "$bin/dts-vectors" --out "$work/v.vec" stray
if [ -x "$bin/dts-sweep" ]; then
  expect 2 "unexpected argument 'stray'" "$bin/dts-sweep" --config configs/demo-sweep.ini --dry-run --local-ranks 2 stray
fi

# A missing input file is named by its key and where that key was set.
expect 4 "command line: data.path = $work/missing.json: no such file or directory" \
  "$bin/dts-train" --config configs/demo.ini --data.path "$work/missing.json" --dry-run
printf '[data]\nformat = json\npath = missing.json\n' > "$work/missing.ini"
expect 4 "$work/missing.ini:3: data.path = .*missing.json: no such file or directory" \
  "$bin/dts-train" --config "$work/missing.ini" --out "$work/t.h5"
[ ! -e "$work/t.h5" ] || fail "dts-train wrote a trial file for a corpus that is not there"

# Word vectors and unlabelled text that are not UTF-8: refused with file and line.
printf '2 3\nalice 0.1 0.2 0.3\nb\xffb 0.1 0.2 0.3\n' > "$work/bad.vec"
expect 4 "$work/bad.vec:3: invalid UTF-8 \(byte 0xFF\) at column 2" \
  "$bin/dts-train" --config configs/demo.ini --data.word_vectors "$work/bad.vec" --model.word_dim 3 --dry-run
printf '1 NEG A fine sentence.\n2 NEG A caf\xe9 sentence.\n' > "$work/bad-neg.txt"
expect 4 "$work/bad-neg.txt:2: invalid UTF-8 \(byte 0xE9\) at column 12" \
  "$bin/dts-vectors" --data.path "$corpus" --text "$work/bad-neg.txt" --out "$work/v.vec" --quiet
[ ! -e "$work/v.vec" ] || fail "dts-vectors wrote vectors from text that is not UTF-8"

# dts-sweep --dry-run --out DIR: prints the plan, writes nothing in DIR (it holds no lock on it).
if [ -x "$bin/dts-sweep" ]; then
  mkdir "$work/sweep"
  expect 0 "" "$bin/dts-sweep" --config configs/demo-sweep.ini --dry-run --out "$work/sweep" --local-ranks 2
  grep -q "search" "$work/out" || fail "dts-sweep --dry-run printed no plan: $(head -c 400 "$work/out")"
  [ -z "$(ls -A "$work/sweep")" ] || fail "dts-sweep --dry-run wrote into DIR: $(ls -A "$work/sweep")"
  expect 0 "" "$bin/dts-sweep" --config configs/demo-sweep.ini --dry-run --out "$work/not-there" --local-ranks 2
  [ ! -e "$work/not-there" ] || fail "dts-sweep --dry-run created DIR"
fi

[ "$failures" -eq 0 ] || { echo "$failures check(s) failed"; exit 1; }
echo "PASS: command lines"
