"""What every black-box check in scripts/ shares: a named check that prints `ok` or `FAIL`, and the closing tally
(`<what>: N passed, N failed`, the line CI reads), with a non-zero exit when anything failed.

    from harness import check, finish
    check("the generation completes", status == "completed", status)
    finish("e2e")
"""
import sys
import time

_started = time.time()
_passed = 0
failures = []


def check(name, condition, detail="", timed=False):
    """Records one check; `detail` is printed when it fails, `timed` prefixes the seconds since the run began."""
    global _passed
    prefix = f"{time.time() - _started:5.1f}s " if timed else ""
    print(prefix + ("ok   " if condition else "FAIL ") + name + ("" if condition or detail == "" else f": {detail}"), flush=True)
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
