#!/usr/bin/env python3
"""Runs the General Decimal Arithmetic test cases (.decTest) against tally.

The cases are read at test time from the folder Debian's libpython3.11-testsuite
installs (never copied into this repository) and sent in one batch to
tests/decimal_harness.c (a second batch rounds the exact sums and negations that a
decTest case rounds). Python's ``decimal`` only reads decTest operand and result
strings (sign, digits, exponent); tally's answers come from the harness alone.

Mapping (value = coefficient x 10^-scale, at most 38 digits, scale 0 ... 38):
  add/subtract/multiply  exact op when the case has no Rounded/Inexact condition:
                         tally's documented scale (max / sum of the operand scales)
                         and the decTest value must match; otherwise the product
                         is rounded once with mulr, a sum or difference by `round`
                         of tally's exact result, to the expected exponent.
  divide                 div to the expected exponent (an exact integer quotient
                         with a positive exponent: scale 0); x / 0 -> !DIV0.
  quantize/rescale       round to the target exponent.
  tointegral(x)          round to scale 0 (operands with positive exponents skip).
  plus/minus/abs, copy*  parse/neg/abs, then round when the case was Rounded.
  compare                cmp.
  toSci/toEng            parse: value and scale, or !SYNTAX for text the tally
                         grammar rejects (Conversion_syntax).
Every answer must be canonical text. Where the decTest exponent is one tally cannot
carry (positive), the value is compared and the scale must be tally's documented
one; these value-only checks are counted. Everything else is skipped, counted by
a printed reason. Include directives are not followed: every file runs on its own.

Usage: dectest_runner.py HARNESS [--dir DECIMALTESTDATA]
"""

import argparse
import collections
import dataclasses
import decimal
import pathlib
import re
import subprocess
import sys

DEFAULT_DIR = "/usr/lib/python3.11/test/decimaltestdata"
MAX_DIGITS = 38
MAX_SCALE = 38
MAX_WRITTEN_EXPONENT = 1000  # tally documents RANGE beyond this
MAX_FAILURES_SHOWN = 50
MIN_APPLIED = 1000

GRAMMAR = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\Z", re.ASCII)
SPECIAL = re.compile(r"[+-]?(inf|infinity|s?nan\d*)\Z", re.ASCII | re.IGNORECASE)
CANONICAL = re.compile(r"-?(0|[1-9]\d*)(\.\d+)?\Z", re.ASCII)
TOKEN = re.compile(r"""'(?:[^']|'')*'|"(?:[^"]|"")*"|\S+""")
DIRECTIVE = re.compile(r"([A-Za-z]+)\s*:\s*(\S*)")
UNSAFE = re.compile(r"[\t\r\n\0]")  # the harness reads tab-separated lines

MODES = {"half_even": "half-even", "half_up": "half-up", "down": "down",
         "floor": "floor", "ceiling": "ceiling", "up": "up", "half_down": "half-down"}
ARITY = {"add": 2, "subtract": 2, "multiply": 2, "divide": 2, "quantize": 2,
         "rescale": 2, "compare": 2, "plus": 1, "minus": 1, "abs": 1, "copy": 1,
         "copyabs": 1, "copynegate": 1, "tointegral": 1, "tointegralx": 1,
         "tosci": 1, "toeng": 1}
EXACT_OPS = {"add": "add", "subtract": "sub", "multiply": "mul"}
UNARY_OPS = {"plus": "parse", "copy": "parse", "minus": "neg", "copynegate": "neg",
             "abs": "abs", "copyabs": "abs"}
ROUNDING_CONDITIONS = {"rounded", "inexact"}
# Conditions that put a case outside tally's range, in the order they are reported.
OUTSIDE = ["overflow", "underflow", "subnormal", "clamped", "invalid_operation",
           "division_impossible", "division_undefined", "division_by_zero",
           "invalid_context", "conversion_syntax", "lost_digits", "insufficient_storage"]

UNSUPPORTED = "operation not supported by tally"
SPECIALS = "special values (NaN/sNaN/Infinity)"
OPERAND_RANGE = "operand outside tally range"
RESULT_RANGE = "result outside tally range (over 38 digits or scale outside 0..38)"


class Skip(Exception):
    """A case that does not apply to tally; the message is the reason."""


@dataclasses.dataclass
class Case:
    """One decTest line with the context in force where it appears."""
    file: str
    line: str
    ident: str
    op: str
    operands: list
    result: str
    conditions: set
    rounding: str


@dataclasses.dataclass
class Operand:
    """A finite operand: the text sent to tally, its decTest value and tally scale."""
    text: str
    coefficient: int
    scale: int
    positive_exponent: bool


@dataclasses.dataclass
class Check:
    """Harness request(s) for one applied case and what tally must answer."""
    case: Case
    request: str
    expected: object  # Decimal for a value, str for an exact harness answer
    scale: int = 0
    then_round: tuple = None  # (scale, mode): phase 2 rounds the phase-1 answer
    value_only: bool = False
    sent: list = dataclasses.field(default_factory=list)
    got: list = dataclasses.field(default_factory=list)
    problem: str = None  # set by judge() when tally's answer is wrong


# ---- reading .decTest files ----

def unquote(token):
    """Strips '...' or "..." quoting, undoubling the inner quote character."""
    if len(token) >= 2 and token[0] in "'\"" and token[-1] == token[0]:
        return token[1:-1].replace(token[0] * 2, token[0])
    return token


def tokenize(text):
    """Splits a line into tokens, honouring quotes and dropping a -- comment."""
    tokens = []
    for match in TOKEN.finditer(text):
        token = match.group(0)
        if token.startswith("--"):
            break
        tokens.append(token)
    return tokens


def read_file(path, cases, includes):
    """Appends the cases of one .decTest file; counts include directives."""
    context = {"rounding": "half_up"}
    for raw in path.read_text(encoding="utf-8").splitlines():
        tokens = tokenize(raw.strip())
        if not tokens:
            continue
        directive = DIRECTIVE.fullmatch(" ".join(tokens))
        if directive and "->" not in tokens:
            name, value = directive.group(1).lower(), directive.group(2).lower()
            if name == "dectest":
                includes[path.name] += 1
            context[name] = value
            continue
        if "->" not in tokens or tokens.index("->") < 2 or tokens[-1] == "->":
            cases.append(Case(path.name, raw.strip(), tokens[0], "malformed", [], "",
                              set(), context["rounding"]))
            continue
        arrow = tokens.index("->")
        cases.append(Case(path.name, raw.strip(), tokens[0], tokens[1].lower(),
                          [unquote(t) for t in tokens[2:arrow]], unquote(tokens[arrow + 1]),
                          {c.lower() for c in tokens[arrow + 2:]}, context["rounding"]))


# ---- interpreting decTest numbers ----

def read_number(text):
    """The Decimal a decTest string denotes; Skip for specials and unreadable text."""
    if SPECIAL.match(text):
        raise Skip(SPECIALS)
    if not GRAMMAR.match(text):
        raise Skip("not a decimal number string (e.g. a #hex encoding)")
    try:
        return decimal.Decimal(text)
    except decimal.InvalidOperation:
        raise Skip(OPERAND_RANGE) from None


def coefficient_of(value):
    """The signed integer coefficient of a finite Decimal."""
    sign, digits, _ = value.as_tuple()
    return (-1) ** sign * int("".join(map(str, digits)))


def exponent_of(value):
    """Exponent of a finite Decimal."""
    return value.as_tuple().exponent


def digit_count(integer):
    """Significant digits of an integer (0 for zero)."""
    return len(str(abs(integer))) if integer else 0


def written_exponent(text):
    """The exponent written after e/E in a number string, 0 when there is none."""
    _, _, exponent = text.lower().partition("e")
    return int(exponent) if exponent else 0


def plain(coefficient, scale):
    """Plain notation with exactly `scale` fraction digits."""
    digits = str(abs(coefficient)).rjust(scale + 1, "0")
    body = digits[:-scale] + "." + digits[-scale:] if scale else digits
    return ("-" if coefficient < 0 else "") + body


def operand(text):
    """An Operand for a decTest operand string; Skip when tally cannot hold it."""
    value = read_number(text)
    coefficient, exponent = coefficient_of(value), exponent_of(value)
    scale, shift = max(0, -exponent), max(0, exponent) if coefficient else 0
    if scale > MAX_SCALE or digit_count(coefficient) + shift > MAX_DIGITS:
        raise Skip(OPERAND_RANGE)
    coefficient *= 10 ** shift
    if abs(written_exponent(text)) > MAX_WRITTEN_EXPONENT:
        text = plain(coefficient, scale)
    return Operand(text, coefficient, scale, exponent > 0)


def require_fits(value, scale):
    """Skip unless `value` at `scale` is a tally decimal."""
    if not 0 <= scale <= MAX_SCALE:
        raise Skip(RESULT_RANGE)
    coefficient = coefficient_of(value)
    if coefficient and digit_count(coefficient) + exponent_of(value) + scale > MAX_DIGITS:
        raise Skip(RESULT_RANGE)


def rounded_scale(value):
    """Scale for a result rounded by decTest: minus its exponent, which must be <= 0."""
    if exponent_of(value) > 0:
        raise Skip("rounded result has a positive exponent")
    require_fits(value, -exponent_of(value))
    return -exponent_of(value)


def mode_of(case, needed=True):
    """tally's name for the case's rounding mode (any mode when none is needed)."""
    if case.rounding in MODES:
        return MODES[case.rounding]
    if needed:
        raise Skip(f"rounding mode {case.rounding} not supported")
    return "half-even"


# ---- planning one case ----

def check_conditions(case):
    """Skip a case whose conditions lie outside tally's range."""
    for condition in OUTSIDE:
        if condition in case.conditions:
            raise Skip(f"condition {condition.capitalize()} outside tally range")
    unknown = case.conditions - ROUNDING_CONDITIONS
    if unknown:
        raise Skip(f"condition {sorted(unknown)[0].capitalize()} not understood")


def plan_conversion(case):
    """toSci/toEng as a parse check, or !SYNTAX for text tally's grammar rejects."""
    text = case.operands[0]
    if UNSAFE.search(text):
        raise Skip("operand text the line-based harness cannot carry")
    if "conversion_syntax" in case.conditions:
        if GRAMMAR.match(text):
            raise Skip("decTest rejects text that tally's grammar accepts")
        return Check(case, f"parse\t{text}\t\t\t", "!SYNTAX")
    a = operand(text)
    expected = read_number(case.result)
    check_conditions(case)
    if case.conditions & ROUNDING_CONDITIONS:
        raise Skip("conversion rounded to context precision (tally parses exactly)")
    return Check(case, f"parse\t{a.text}\t\t\t", expected, a.scale)


def plan_division_by_zero(case):
    """A non-zero finite number divided by zero: tally must answer !DIV0."""
    a, b = operand(case.operands[0]), operand(case.operands[1])
    if b.coefficient or not a.coefficient or case.conditions != {"division_by_zero"}:
        raise Skip("condition Division_by_zero outside tally range")
    return Check(case, f"div\t{a.text}\t{b.text}\t0\thalf-even", "!DIV0")


def plan_exact(case, a, b, expected, rounded):
    """add/subtract/multiply: exact op, or rounded once to the expected exponent."""
    op = EXACT_OPS[case.op]
    if not rounded:
        scale = a.scale + b.scale if op == "mul" else max(a.scale, b.scale)
        require_fits(expected, scale)
        return Check(case, f"{op}\t{a.text}\t{b.text}\t\t", expected, scale,
                     value_only=-exponent_of(expected) != scale)
    scale, mode = rounded_scale(expected), mode_of(case)
    if op == "mul":
        return Check(case, f"mulr\t{a.text}\t{b.text}\t{scale}\t{mode}", expected, scale)
    common = max(a.scale, b.scale)
    sign = -1 if op == "sub" else 1
    exact = (a.coefficient * 10 ** (common - a.scale)
             + sign * b.coefficient * 10 ** (common - b.scale))
    if digit_count(exact) > MAX_DIGITS:
        raise Skip("exact sum before rounding exceeds 38 digits")
    return Check(case, f"{op}\t{a.text}\t{b.text}\t\t", expected, scale,
                 then_round=(scale, mode))


def plan_divide(case, a, b, expected, rounded):
    """divide to the expected exponent; exact integer quotients with E>0 at scale 0."""
    if rounded:
        scale = rounded_scale(expected)
    else:
        scale = max(0, -exponent_of(expected))
        require_fits(expected, scale)
    mode = mode_of(case, needed=rounded)
    return Check(case, f"div\t{a.text}\t{b.text}\t{scale}\t{mode}", expected, scale,
                 value_only=exponent_of(expected) > 0)


def plan_rescale(case, a, expected, rounded):
    """quantize/rescale: round to the target exponent."""
    target = case.operands[1]
    if case.op == "quantize":
        exponent = exponent_of(read_number(target))
    else:
        value = read_number(target)
        if value != value.to_integral_value():
            raise Skip("rescale target exponent is not an integer")
        exponent = int(value)
    if not -MAX_SCALE <= exponent <= 0:
        raise Skip("target exponent outside tally scale range")
    require_fits(expected, -exponent)
    mode = mode_of(case, needed=rounded or a.scale > -exponent)
    return Check(case, f"round\t{a.text}\t\t{-exponent}\t{mode}", expected, -exponent)


def plan(case):
    """The Check for a case, or Skip with the reason it does not apply."""
    if case.op == "malformed" or case.op not in ARITY:
        raise Skip(UNSUPPORTED if case.op != "malformed" else "malformed test line")
    if len(case.operands) != ARITY[case.op]:
        raise Skip("malformed test line")
    if case.op in ("tosci", "toeng"):
        return plan_conversion(case)
    if case.op == "divide" and "division_by_zero" in case.conditions:
        return plan_division_by_zero(case)
    for text in case.operands + [case.result]:
        if SPECIAL.match(text):
            raise Skip(SPECIALS)
    check_conditions(case)
    a = operand(case.operands[0])
    expected = read_number(case.result)
    rounded = bool(case.conditions & ROUNDING_CONDITIONS)
    if case.op in ("quantize", "rescale"):
        return plan_rescale(case, a, expected, rounded)
    if case.op in ("tointegral", "tointegralx"):
        if a.positive_exponent:
            raise Skip("tointegral of an operand with a positive exponent")
        return Check(case, f"round\t{a.text}\t\t0\t{mode_of(case, a.scale > 0)}",
                     expected, 0)
    if case.op in UNARY_OPS:
        op = UNARY_OPS[case.op]
        if not rounded:
            return Check(case, f"{op}\t{a.text}\t\t\t", expected, a.scale,
                         value_only=-exponent_of(expected) != a.scale)
        scale, mode = rounded_scale(expected), mode_of(case)
        if op == "parse":
            return Check(case, f"round\t{a.text}\t\t{scale}\t{mode}", expected, scale)
        return Check(case, f"{op}\t{a.text}\t\t\t", expected, scale,
                     then_round=(scale, mode))
    b = operand(case.operands[1])
    if case.op == "compare":
        return Check(case, f"cmp\t{a.text}\t{b.text}\t\t", str(int(expected)))
    if case.op == "divide":
        return plan_divide(case, a, b, expected, rounded)
    return plan_exact(case, a, b, expected, rounded)


# ---- running and judging ----

def run_harness(harness, requests):
    """Sends all requests to one harness process; returns one answer per request."""
    if not requests:
        return []
    proc = subprocess.run([harness], input="".join(r + "\n" for r in requests),
                          capture_output=True, text=True, check=False)
    answers = proc.stdout.splitlines()
    if proc.returncode != 0 or len(answers) != len(requests):
        sys.exit(f"dectest: harness {harness} failed (exit {proc.returncode}, "
                 f"{len(answers)} answers for {len(requests)} requests): {proc.stderr}")
    return answers


def judge(check):
    """None when tally's last answer is right, else what is wrong."""
    got = check.got[-1]
    if isinstance(check.expected, str):
        return None if got == check.expected else f"expected {check.expected}"
    want = f"expected {check.expected} at scale {check.scale}"
    if not CANONICAL.match(got) or got.startswith("-") and not got.strip("-0."):
        return f"not canonical; {want}"
    if len(got.partition(".")[2]) != check.scale or decimal.Decimal(got) != check.expected:
        return want
    return None


def run_checks(harness, checks):
    """Runs phase 1 (every check) and phase 2 (rounding of exact sums etc.)."""
    for check in checks:
        check.sent.append(check.request)
    for check, answer in zip(checks, run_harness(harness, [c.request for c in checks])):
        check.got.append(answer)
    second = [c for c in checks if c.then_round and not c.got[0].startswith("!")]
    for check in second:
        scale, mode = check.then_round
        check.sent.append(f"round\t{check.got[0]}\t\t{scale}\t{mode}")
    for check, answer in zip(second, run_harness(harness, [c.sent[1] for c in second])):
        check.got.append(answer)


def report(checks, skips, includes, failures):
    """Prints per-file counts, skip reasons, failures and totals."""
    per_file, reasons = collections.defaultdict(collections.Counter), collections.Counter()
    for check in checks:
        per_file[check.case.file].update(applied=1, failed=check.problem is not None)
    for (file, reason), count in skips.items():
        per_file[file]["skipped"] += count
        reasons[reason] += count
    print(f"{'file':28} {'applied':>8} {'passed':>8} {'failed':>8} {'skipped':>8}")
    for file, c in sorted(per_file.items()):
        if c["applied"]:
            print(f"{file:28} {c['applied']:8} {c['applied'] - c['failed']:8} "
                  f"{c['failed']:8} {c['skipped']:8}")
    print("\nskipped cases by reason:")
    for reason, count in reasons.most_common():
        print(f"{count:8}  {reason}")
    print(f"\ninclude directives not followed (every file runs on its own): "
          f"{sum(includes.values())} in {', '.join(sorted(includes)) or 'no file'}")
    print(f"value-only comparisons (expected exponent not carried by tally): "
          f"{sum(c.value_only for c in checks)} of {len(checks)} applied")
    for check in failures[:MAX_FAILURES_SHOWN]:
        print(f"\nFAIL {check.case.file} {check.case.ident}: {check.case.line}")
        for sent, got in zip(check.sent, check.got):
            print(f"    sent {sent!r} got {got!r}")
        print(f"    {check.problem}")
    if len(failures) > MAX_FAILURES_SHOWN:
        print(f"\n... and {len(failures) - MAX_FAILURES_SHOWN} more failures")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("harness", help="path to the decimal-harness executable")
    parser.add_argument("--dir", default=DEFAULT_DIR, help="decimaltestdata folder")
    args = parser.parse_args()
    folder = pathlib.Path(args.dir)
    files = sorted(folder.glob("*.decTest")) if folder.is_dir() else []
    if not files:
        print(f"dectest: no .decTest files in {folder}; install the Debian package "
              f"libpython3.11-testsuite (apt-get install libpython3.11-testsuite)")
        return 1
    cases, includes = [], collections.Counter()
    for path in files:
        read_file(path, cases, includes)
    checks, skips = [], collections.Counter()
    for case in cases:
        try:
            checks.append(plan(case))
        except Skip as skip:
            skips[(case.file, str(skip))] += 1
    run_checks(args.harness, checks)
    for check in checks:
        check.problem = judge(check)
    failures = [c for c in checks if c.problem is not None]
    report(checks, skips, includes, failures)
    passed, skipped = len(checks) - len(failures), sum(skips.values())
    print(f"\n{len(files)} files, {len(cases)} test lines, {len(checks)} applied")
    if len(checks) < MIN_APPLIED:
        print(f"dectest: only {len(checks)} cases applied, at least {MIN_APPLIED} expected")
    print(f"dectest: {passed} passed, {len(failures)} failed, {skipped} skipped")
    return 1 if failures or len(checks) < MIN_APPLIED else 0


if __name__ == "__main__":
    sys.exit(main())
