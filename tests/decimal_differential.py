#!/usr/bin/env python3
"""Differential test of tally's decimal arithmetic against Python's decimal module.

Generates random operations (every operation, every rounding mode, edge magnitudes,
negative numbers, exact ties, out-of-range results and malformed text), computes the
expected answer with Python's ``decimal`` at a precision far above tally's, feeds the
operations to tests/decimal_harness.c and fails on any mismatch.

Usage: decimal_differential.py HARNESS [--count N] [--seed S]
The seed defaults to a fixed value (or $TALLY_DIFF_SEED) and is always printed, so a
failure reproduces with the same command.
"""

import argparse
import collections
import decimal
import os
import random
import re
import subprocess
import sys

MAX_DIGITS = 38
MAX_SCALE = 38
MAX_COEFFICIENT = 10**MAX_DIGITS - 1
DEFAULT_SEED = 20261122
CHUNK = 100_000

MODES = {
    "half-even": decimal.ROUND_HALF_EVEN,
    "half-up": decimal.ROUND_HALF_UP,
    "down": decimal.ROUND_DOWN,
    "floor": decimal.ROUND_FLOOR,
    "ceiling": decimal.ROUND_CEILING,
    "up": decimal.ROUND_UP,
    "half-down": decimal.ROUND_HALF_DOWN,
}

# tally's documented grammar (include/tally/decimal.h).
GRAMMAR = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\Z", re.ASCII)

# Far above any intermediate of tally: 38 + 76 digits of quotient, plus guard digits.
EXACT = decimal.Context(prec=400, Emax=10**6, Emin=-(10**6), traps=[])


# ---- values as (coefficient, scale) pairs ----

def canonical(coefficient, scale):
    """Plain-notation text as tally formats it: exactly `scale` fraction digits."""
    sign = "-" if coefficient < 0 else ""
    digits = str(abs(coefficient)).rjust(scale + 1, "0")
    if scale == 0:
        return sign + digits
    return sign + digits[:-scale] + "." + digits[-scale:]


def to_decimal(coefficient, scale):
    return decimal.Decimal(coefficient).scaleb(-scale, EXACT)


def fits(coefficient):
    return abs(coefficient) <= MAX_COEFFICIENT


def at_scale(value, scale):
    """Integer coefficient of an exactly representable value at `scale`."""
    scaled = value.scaleb(scale, EXACT)
    assert scaled == scaled.to_integral_value(), (value, scale)
    return int(scaled)


# ---- random operands ----

def random_digits(rng, count):
    return rng.randrange(10 ** (count - 1), 10**count) if count > 0 else 0


EDGE_MAGNITUDES = [
    0, 1, 5, 9, 10, 99, MAX_COEFFICIENT, MAX_COEFFICIENT - 1, 10**37, 10**37 - 1,
    5 * 10**37, 10**19 - 1, 10**19, 2**63 - 1, 2**63, 2**64 - 1, 2**64, 2**96,
    2**126, 83333333333333333333333333333333333333, 10**38 // 3,
]


def gen_operand(rng):
    """A random (coefficient, scale), drawn from shapes where bugs hide."""
    shape = rng.randrange(8)
    if shape == 0:  # money
        coefficient, scale = rng.randrange(10**9), 2
    elif shape == 1:  # rates
        scale = rng.randint(2, 10)
        coefficient = rng.randrange(10**scale)
    elif shape == 2:  # any width, any scale
        coefficient = random_digits(rng, rng.randint(1, MAX_DIGITS))
        scale = rng.randint(0, MAX_SCALE)
    elif shape == 3:  # edges
        coefficient = rng.choice(EDGE_MAGNITUDES)
        scale = rng.choice([0, 0, 1, 2, 18, 19, 37, 38, rng.randint(0, MAX_SCALE)])
    elif shape == 4:  # ends in 5 then zeros: ties when rounded at the 5
        k = rng.randint(1, 20)
        coefficient = random_digits(rng, rng.randint(0, 17)) * 10**k + 5 * 10 ** (k - 1)
        scale = rng.randint(k, MAX_SCALE)
    elif shape == 5:  # tiny
        coefficient, scale = rng.randrange(1, 1000), rng.randint(30, MAX_SCALE)
    elif shape == 6:  # zero at any scale
        coefficient, scale = 0, rng.randint(0, MAX_SCALE)
    else:  # small integers
        coefficient, scale = rng.randrange(1000), 0
    if rng.random() < 0.5:
        coefficient = -coefficient
    return coefficient, scale


def spell(rng, coefficient, scale):
    """Text for an operand; sometimes in another accepted spelling of the same value."""
    text = canonical(coefficient, scale)
    style = rng.randrange(12)
    if style == 0:  # exponent form: digits E -scale
        return f"{coefficient}E{-scale}" if coefficient or scale else "0e0"
    if style == 1 and coefficient >= 0:
        return "+" + text
    if style == 2:  # leading zeros do not count as digits
        return text.replace("-", "-00") if coefficient < 0 else "00" + text
    if style == 3 and text.startswith("0.") and len(text) > 2:
        return text[1:]
    return text


JUNK_ALPHABET = "0123456789.eE+- x,_"


def gen_text(rng):
    """Mostly-malformed number text to probe the parser."""
    kind = rng.randrange(4)
    if kind == 0:
        return "".join(rng.choice(JUNK_ALPHABET) for _ in range(rng.randint(0, 8)))
    if kind == 1:  # long digit strings around the limits
        digits = random_digits(rng, rng.randint(36, 42))
        point = rng.randint(0, len(str(digits)))
        s = str(digits)
        return s[:point] + "." + s[point:]
    if kind == 2:  # exponents near and beyond the limits
        return f"{rng.randrange(1, 10**5)}e{rng.choice(['', '+', '-'])}{rng.randint(0, 60)}"
    return rng.choice(["1e999999999999", "0e-5000", "0e5000", "-0", ".", "5.", ".5e1",
                       "1e", "e1", "--1", "0x1", "1..1", "+.0"])


# ---- expected results (Python decimal) ----

def expect_value(value, scale):
    """Expected harness output for an exact value at a given scale."""
    coefficient = at_scale(value, scale)
    return canonical(coefficient, scale) if fits(coefficient) else "!OVERFLOW"


def expect_parse(text):
    if not GRAMMAR.match(text):
        return "!SYNTAX"
    value = decimal.Decimal(text)
    sign, digits, exponent = value.as_tuple()
    if -exponent > MAX_SCALE:
        return "!RANGE"
    coefficient = int("".join(map(str, digits)))
    if exponent > 0 and coefficient:
        if exponent > MAX_DIGITS:
            return "!OVERFLOW"
        coefficient *= 10**exponent
    if not fits(coefficient):
        return "!OVERFLOW"
    return canonical(-coefficient if sign else coefficient, max(0, -exponent))


def rounded(value, scale, mode):
    quantum = decimal.Decimal(1).scaleb(-scale)
    return value.quantize(quantum, rounding=MODES[mode], context=EXACT)


def quotient(a, b, scale, mode):
    # Rounding first to 400 digits with ROUND_05UP keeps the information a second
    # rounding needs, so the final quantize is a correct single rounding.
    sticky = decimal.Context(prec=400, rounding=decimal.ROUND_05UP, Emax=10**6,
                             Emin=-(10**6), traps=[])
    return rounded(sticky.divide(a, b), scale, mode)


def is_tie(value, scale):
    fraction = EXACT.remainder(value.scaleb(scale, EXACT), decimal.Decimal(1))
    return fraction.copy_abs() == decimal.Decimal("0.5")


def is_exact_tie_quotient(x, y, scale):
    context = EXACT.copy()
    context.clear_flags()
    exact = context.divide(x, y)
    return not context.flags[decimal.Inexact] and is_tie(exact, scale)


def expect(op, a, b, scale, mode, stats):
    """Expected output for one operation on (coefficient, scale) operands."""
    x, y = to_decimal(*a), to_decimal(*b)
    if op in ("add", "sub"):
        exact = EXACT.add(x, y) if op == "add" else EXACT.subtract(x, y)
        return expect_value(exact, max(a[1], b[1]))
    if op == "mul":
        if a[1] + b[1] > MAX_SCALE:
            return "!RANGE"
        return expect_value(EXACT.multiply(x, y), a[1] + b[1])
    if op == "neg":
        return canonical(-a[0], a[1])
    if op == "abs":
        return canonical(abs(a[0]), a[1])
    if op == "cmp":
        return str(int(x.compare(y)))
    if not 0 <= scale <= MAX_SCALE:
        return "!RANGE"
    if op == "div":
        if y == 0:
            return "!DIV0"
        stats["ties"] += is_exact_tie_quotient(x, y, scale)
        return expect_value(quotient(x, y, scale, mode), scale)
    exact = EXACT.multiply(x, y) if op == "mulr" else x
    stats["ties"] += is_tie(exact, scale)
    return expect_value(rounded(exact, scale, mode), scale)


# ---- case generation ----

OPS = ["parse", "add", "sub", "mul", "mulr", "div", "round", "cmp", "neg", "abs"]
SMALL_DIVISORS = [(2, 0), (4, 0), (8, 0), (16, 0), (5, 1), (2, 1), (25, 2), (3, 0), (7, 0)]


def gen_scale(rng):
    roll = rng.random()
    if roll < 0.01:
        return rng.choice([-1, 39, 40])
    if roll < 0.6:
        return rng.randint(0, 10)
    return rng.randint(0, MAX_SCALE)


def gen_tie_round(rng):
    """An operand and a scale that put an exact half at the rounding position."""
    k = rng.randint(1, 19)
    coefficient = random_digits(rng, rng.randint(0, 18)) * 10**k + 5 * 10 ** (k - 1)
    scale = rng.randint(k, MAX_SCALE)
    if rng.random() < 0.5:
        coefficient = -coefficient
    return (coefficient, scale), scale - k


def gen_case(rng, stats):
    op = rng.choice(OPS)
    mode = rng.choice(list(MODES))
    if op == "parse":
        if rng.random() < 0.5:
            text = gen_text(rng)
        else:
            text = spell(rng, *gen_operand(rng))
        return f"parse\t{text}\t\t\t", expect_parse(text)
    a, b, scale = gen_operand(rng), gen_operand(rng), gen_scale(rng)
    if op == "round" and rng.random() < 0.3:
        a, scale = gen_tie_round(rng)
    if op == "div" and rng.random() < 0.3:
        b = SMALL_DIVISORS[rng.randrange(len(SMALL_DIVISORS))]
    line = f"{op}\t{spell(rng, *a)}\t{spell(rng, *b)}\t{scale}\t{mode}"
    return line, expect(op, a, b, scale, mode, stats)


def run_chunk(harness, lines):
    result = subprocess.run([harness], input="\n".join(lines) + "\n", capture_output=True,
                            text=True, check=False)
    if result.returncode != 0:
        sys.exit(f"harness exited with {result.returncode}: {result.stderr}")
    outputs = result.stdout.split("\n")[:-1]
    if len(outputs) != len(lines):
        sys.exit(f"harness answered {len(outputs)} lines for {len(lines)}")
    return outputs


# Every one of these must occur in a run, or the generator has decayed.
REQUIRED = ["!OVERFLOW", "!RANGE", "!SYNTAX", "!DIV0", "ties"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("harness")
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int,
                        default=int(os.environ.get("TALLY_DIFF_SEED", DEFAULT_SEED)))
    args = parser.parse_args()
    print(f"decimal-differential: seed {args.seed}, {args.count} operations "
          f"(reproduce with --seed {args.seed} --count {args.count})")
    rng = random.Random(args.seed)
    stats = collections.Counter()
    failures = []
    done = 0
    while done < args.count:
        size = min(CHUNK, args.count - done)
        cases = [gen_case(rng, stats) for _ in range(size)]
        outputs = run_chunk(args.harness, [line for line, _ in cases])
        for (line, wanted), got in zip(cases, outputs):
            stats[line.split("\t", 1)[0]] += 1
            if wanted.startswith("!"):
                stats[wanted] += 1
            if got != wanted:
                failures.append((line, wanted, got))
        done += size
    for line, wanted, got in failures[:20]:
        print(f"MISMATCH {line!r}: expected {wanted}, tally gave {got}")
    print("coverage: " + ", ".join(f"{key} {stats[key]}" for key in OPS + REQUIRED))
    missing = [key for key in REQUIRED if stats[key] == 0]
    if missing:
        print(f"generator produced no case of: {', '.join(missing)}")
    print(f"decimal-differential: {args.count - len(failures)} passed, "
          f"{len(failures)} failed")
    return 1 if failures or missing else 0


if __name__ == "__main__":
    sys.exit(main())
