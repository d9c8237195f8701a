"""What every black-box check in scripts/ shares: a named check that prints `ok` or `FAIL`, and the closing tally
(`<what>: N passed, N failed`, the line CI reads), with a non-zero exit when anything failed.

    from harness import check, finish
    check("the generation completes", status == "completed", status)
    finish("e2e")
"""
import sys

_passed = 0
failures = []


def check(name, condition, detail=""):
    """Records one check; `detail` is printed when it fails."""
    global _passed
    print(("ok   " if condition else "FAIL ") + name + ("" if condition or detail == "" else f": {detail}"), flush=True)
    if condition:
        _passed += 1
    else:
        failures.append(name)
    return bool(condition)


def finish(what, note=""):
    """Prints the tally of the checks so far and exits (1 when any failed)."""
    if note:
        print(note)
    if failures:
        print("failed: " + "; ".join(failures))
    print(f"{what}: {_passed} passed, {len(failures)} failed", flush=True)
    sys.exit(1 if failures else 0)
