"""The JSON log: what C++ code prints to stdout (OCCT's failures, in colour) ends up as
JSON lines."""

from __future__ import annotations

import json
import subprocess
import sys

from geometry_service.config import PROJECT_ROOT

SCRIPT = """
import os, subprocess, sys
from geometry_service.json_logging import configure_logging, log_stdout_as_json
configure_logging("INFO")
reader = log_stdout_as_json()
os.write(1, b"\\x1b[31;1mwritten below Python\\x1b[0m\\n")
print("a stray print", flush=True)
occt = ("from OCP.Message import Message, Message_Gravity; "
        "Message.DefaultMessenger_s().Send('occt says no', Message_Gravity.Message_Fail)")
subprocess.run([sys.executable, "-c", occt], check=True)
sys.stdout.flush()
os.dup2(os.open(os.devnull, os.O_WRONLY), 1)  # the last writer closes: the reader ends
reader.join(10)
"""


def test_stdout_of_the_process_and_its_children_becomes_json_lines() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    lines = [json.loads(line) for line in done.stderr.splitlines()]  # every line is JSON
    assert [(line["logger"], line["message"]) for line in lines] == [
        ("geometry_service.stdout", "written below Python"),
        ("geometry_service.stdout", "a stray print"),
        ("geometry_service.stdout", "occt says no"),
    ]
