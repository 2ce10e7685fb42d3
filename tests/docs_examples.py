#!/usr/bin/env python3
"""Loads every plan example of the documentation and every example plan.

Sources:
  * each fenced block marked ```xml in docs/plan-format.md must load;
  * each block marked ```xml-invalid must FAIL to load, and the checker's output
    must contain every line of the ```text block that follows it;
  * each block marked ```xml-same-digest must load with the same plan digest as
    the ```xml block before it (checked only with PLAN_CHECK);
  * each examples/*.xml must load.

Each block is written as plan.xml into a directory named after its section heading
(a section's second block goes to <section>-2, and so on) and loaded from inside
that directory, so error messages name the file "plan.xml" as the docs show them.

    docs_examples.py [--docs FILE] [--examples DIR] [--schema XSD] [--xmllint XSD]
                     [--keep DIR] [PLAN_CHECK]

PLAN_CHECK is the tests/plan_check.c program. With --xmllint every block that must
load is also validated against the schema with xmllint; without PLAN_CHECK only
that is done and the ```xml-invalid blocks are reported as skipped. Finally every
element and attribute the schema declares must appear in some loadable example.
"""

import argparse
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ElementTree

ROOT = pathlib.Path(__file__).resolve().parent.parent
XS = "{http://www.w3.org/2001/XMLSchema}"
FENCE = re.compile(r"^(`{3,})\s*([A-Za-z0-9_-]*)\s*$")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


class Block:
    """One fenced example: its kind, text, section and line in the document."""

    def __init__(self, kind, text, section, line):
        self.kind = kind
        self.text = text
        self.section = section
        self.line = line
        self.expected = None  # lines of the ```text block after an xml-invalid one


def read_blocks(path):
    """Every fenced block of a Markdown file, with the heading it sits under."""
    blocks = []
    section = "(top)"
    fence = None
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if fence is None:
            heading = HEADING.match(line)
            opening = FENCE.match(line)
            if heading:
                section = heading.group(2)
            elif opening:
                fence = (opening.group(1), opening.group(2), number, [])
            continue
        if line.strip() == fence[0]:
            blocks.append(Block(fence[1], "\n".join(fence[3]) + "\n", section, fence[2]))
            fence = None
        else:
            fence[3].append(line)
    if fence is not None:
        raise SystemExit(f"{path}:{fence[2]}: fenced block never closed")
    return blocks


def plan_blocks(blocks, doc_name):
    """The plan blocks; an xml-invalid one takes the ```text block after it."""
    result, problems = [], []
    for index, block in enumerate(blocks):
        if block.kind in ("xml", "xml-same-digest"):
            result.append(block)
        elif block.kind == "xml-invalid":
            following = blocks[index + 1] if index + 1 < len(blocks) else None
            if following is None or following.kind != "text":
                problems.append(f"{doc_name}:{block.line}: [{block.section}] "
                                "xml-invalid block without a following ```text block")
                continue
            block.expected = [text.strip() for text in following.text.splitlines()
                              if text.strip()]
            if not block.expected:
                problems.append(f"{doc_name}:{following.line}: [{block.section}] "
                                "empty expected-error block")
                continue
            result.append(block)
    return result, problems


def slug(text):
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"


def write_block(work, block, used):
    """Writes the block as plan.xml in a directory named after its section (a
    second block of the section goes to <section>-2 ...); returns the directory."""
    base = slug(block.section)
    used[base] = used.get(base, 0) + 1
    name = base if used[base] == 1 else f"{base}-{used[base]}"
    directory = work / name
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "plan.xml").write_text(block.text, encoding="utf-8")
    return directory, "plan.xml"


def run(command, cwd):
    done = subprocess.run(command, cwd=cwd, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=60)
    return done.returncode, done.stdout


class Checker:
    def __init__(self, plan_check, xsd):
        self.plan_check = str(pathlib.Path(plan_check).resolve()) if plan_check else None
        self.xsd = str(pathlib.Path(xsd).resolve()) if xsd else None

    def must_load(self, directory, name):
        """(None, digest) when the plan loads (and validates), else (output, None).
        The digest is None without a plan-check program."""
        if self.xsd:
            status, output = run(["xmllint", "--noout", "--schema", self.xsd, name],
                                 directory)
            if status != 0:
                return output, None
        if not self.plan_check:
            return None, None
        status, output = run([self.plan_check, "--digest", name], directory)
        loaded = re.search(rf"^OK {re.escape(name)} ([0-9a-f]{{64}})$", output, re.M)
        if status != 0 or not loaded:
            return output, None
        return None, loaded.group(1)

    def must_fail(self, directory, name, expected):
        """None when loading fails with exactly the expected errors, each expected
        line contained in one printed error; 'skip' without a checker."""
        if not self.plan_check:
            return "skip"
        status, output = run([self.plan_check, name], directory)
        if status == 0:
            return "loaded, but must fail:\n" + output
        missing = [line for line in expected if line not in output]
        if missing:
            return ("the output lacks:\n  " + "\n  ".join(missing) +
                    "\noutput:\n" + output)
        errors = [line for line in output.splitlines()
                  if line.strip() and not line.startswith("FAIL ")]
        if len(errors) != len(expected):
            return (f"{len(errors)} errors printed, the docs show {len(expected)}:\n" +
                    output)
        return None


def check_docs(checker, doc, work, counts):
    """Checks the blocks of the document; returns the texts of those that load."""
    blocks, problems = plan_blocks(read_blocks(doc), doc.name)
    for problem in problems:
        print(f"FAIL {problem}")
        counts["failed"] += 1
    used = {}
    previous_digest = None  # of the last ```xml block, for ```xml-same-digest
    for block in blocks:
        directory, name = write_block(work, block, used)
        where = f"{doc.name}:{block.line} [{block.section}]"
        if block.kind == "xml-invalid":
            failure = checker.must_fail(directory, name, block.expected)
        else:
            failure, digest = checker.must_load(directory, name)
            if block.kind == "xml":
                previous_digest = digest
            elif failure is None and digest != previous_digest:
                failure = (f"digest {digest} differs from the previous plan's "
                           f"{previous_digest}")
        report(where, failure, counts)
    return [block.text for block in blocks if block.kind != "xml-invalid"]


def check_examples(checker, examples, work, counts):
    """Checks examples/*.xml; returns their texts."""
    files = sorted(examples.glob("*.xml"))
    for path in files:
        directory = work / "_examples"
        directory.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, directory / path.name)
        report(f"examples/{path.name}", checker.must_load(directory, path.name)[0], counts)
    return [path.read_text(encoding="utf-8") for path in files]


def report(where, failure, counts):
    if failure is None:
        print(f"PASS {where}")
        counts["passed"] += 1
    elif failure == "skip":
        print(f"SKIP {where} (expected errors need plan-check)")
        counts["skipped"] += 1
    else:
        print(f"FAIL {where}")
        for line in failure.rstrip().splitlines():
            print(f"    {line}")
        counts["failed"] += 1


def schema_vocabulary(xsd):
    """Names of every element and attribute the schema declares."""
    tree = ElementTree.parse(xsd)
    elements = {e.get("name") for e in tree.iter(XS + "element") if e.get("name")}
    attributes = {a.get("name") for a in tree.iter(XS + "attribute") if a.get("name")}
    return elements, attributes


def used_vocabulary(texts):
    """Local names of the elements and attributes used in well-formed plans."""
    elements, attributes = set(), set()
    for text in texts:
        try:
            root = ElementTree.fromstring(text.encode("utf-8"))
        except ElementTree.ParseError:
            continue
        for node in root.iter():
            elements.add(node.tag.rpartition("}")[2])
            attributes.update(name.rpartition("}")[2] for name in node.attrib)
    return elements, attributes


def check_coverage(xsd, texts, counts):
    """Every element and attribute of the schema appears in a loadable example."""
    declared_elements, declared_attributes = schema_vocabulary(xsd)
    used_elements, used_attributes = used_vocabulary(texts)
    missing = sorted(f"<{name}>" for name in declared_elements - used_elements)
    missing += sorted(f"@{name}" for name in declared_attributes - used_attributes)
    failure = None
    if missing:
        failure = "not shown in any example: " + " ".join(missing)
    report(f"coverage of {pathlib.Path(xsd).name}", failure, counts)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("plan_check", nargs="?", help="the plan-check program")
    parser.add_argument("--docs", default=str(ROOT / "docs" / "plan-format.md"))
    parser.add_argument("--examples", default=str(ROOT / "examples"))
    parser.add_argument("--xmllint", metavar="XSD",
                        help="also validate with xmllint against this schema")
    parser.add_argument("--schema", default=str(ROOT / "lib" / "plan" / "plan.xsd"),
                        help="every element and attribute of this schema must "
                             "appear in an example (default: lib/plan/plan.xsd)")
    parser.add_argument("--keep", metavar="DIR",
                        help="write the extracted plans here and keep them")
    args = parser.parse_args()
    if not args.plan_check and not args.xmllint:
        parser.error("give the plan-check program, --xmllint XSD, or both")
    if args.plan_check and not shutil.which(str(pathlib.Path(args.plan_check).resolve())):
        parser.error(f"{args.plan_check} is not an executable program")

    checker = Checker(args.plan_check, args.xmllint)
    counts = {"passed": 0, "failed": 0, "skipped": 0}
    work = pathlib.Path(args.keep or tempfile.mkdtemp(prefix="docs-examples-"))
    try:
        texts = check_docs(checker, pathlib.Path(args.docs), work, counts)
        texts += check_examples(checker, pathlib.Path(args.examples), work, counts)
        check_coverage(args.schema, texts, counts)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    skipped = f", {counts['skipped']} skipped" if counts["skipped"] else ""
    print(f"docs-examples: {counts['passed']} passed, {counts['failed']} failed{skipped}")
    if not texts:
        print("docs-examples: no examples found")
        return 1
    return 1 if counts["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
