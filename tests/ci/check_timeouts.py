#!/usr/bin/env python3
"""Fails when a ctest entry has no TIMEOUT property (or one of 0, which ctest
reads as "no limit"). Reads `ctest --show-only=json-v1`, which lists the tests
found by gtest discovery too."""
import argparse
import json
import subprocess
import sys

MAX_TIMEOUT = 1800  # nothing in CI may block longer than this


def problems(listing):
    out = []
    for test in listing.get("tests", []):
        props = {p["name"]: p["value"] for p in test.get("properties", [])}
        timeout = props.get("TIMEOUT")
        if timeout is None:
            out.append(f"{test['name']}: no TIMEOUT (use lc_gtest or set_tests_properties)")
        elif not 0 < float(timeout) <= MAX_TIMEOUT:
            out.append(f"{test['name']}: TIMEOUT {timeout} is not in (0, {MAX_TIMEOUT}]")
    return out


def self_test():
    ok = {"tests": [{"name": "a", "properties": [{"name": "TIMEOUT", "value": 300}]}]}
    missing = {"tests": [{"name": "b", "properties": [{"name": "LABELS", "value": ["x"]}]}]}
    zero = {"tests": [{"name": "c", "properties": [{"name": "TIMEOUT", "value": 0}]}]}
    huge = {"tests": [{"name": "d", "properties": [{"name": "TIMEOUT", "value": 99999}]}]}
    assert problems(ok) == [], problems(ok)
    assert len(problems(missing)) == 1 and "no TIMEOUT" in problems(missing)[0]
    assert len(problems(zero)) == 1
    assert len(problems(huge)) == 1
    print("check_timeouts self-test passed")
    return 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--ctest")
    parser.add_argument("--build-dir")
    parser.add_argument("--self-test", action="store_true")
    args = parser.parse_args()
    if args.self_test:
        return self_test()
    listing = json.loads(subprocess.run(
        [args.ctest, "--test-dir", args.build_dir, "--show-only=json-v1"],
        check=True, capture_output=True, text=True).stdout)
    found = problems(listing)
    for p in found:
        print(p)
    print(f"{len(listing.get('tests', []))} tests listed, {len(found)} without a valid timeout")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
