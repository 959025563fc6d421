#!/usr/bin/env python3
"""The rules of docs/architecture.md that a script can check, over src/:

1. each folder includes only the folders its row of "What each folder may include" names;
2. the torch-free layers (io, text, data, config, eval, plan, the model shapes) include no LibTorch;
3. files are renamed into place only in src/io/ (io/atomic_file: one writer of temp file + rename);
4. no function is longer than 150 lines unless the comment right above it says why, starting
   "Longer than 150 lines".

The torch-free model files ("the model shapes") and search files are read from CMakeLists.txt
(gtrain_model_shapes, gtrain_search_core), so the rules follow the build.

Usage: architecture.py REPO_ROOT. Prints each breach as FILE:LINE: rule, exits 1 if any.
"""
import os
import re
import sys


def cmake_headers(root, pattern):
    """The headers of the sources a CMakeLists.txt list names, e.g. model/flops.h for src/model/flops.cpp."""
    with open(os.path.join(root, "CMakeLists.txt"), encoding="utf-8") as f:
        m = re.search(pattern, f.read(), re.S)
    if not m:
        sys.exit(f"architecture.py: CMakeLists.txt has no match for {pattern!r}")
    return {re.sub(r"\.cpp$", ".h", p[len("src/"):]) for p in m.group(1).split() if p.startswith("src/")}


def rules(root):
    model_shapes = cmake_headers(root, r"set\(GTRAIN_MODEL_SHAPES_SRC(.*?)\)")
    search_core = cmake_headers(root, r"add_library\(gtrain_search_core STATIC(.*?)\)")
    below_train = {"io", "text", "data", "config", "model", "eval", "dist", "infer"}
    may_include = {
        "io": set(),
        "text": {"io"},
        "data": {"io", "text"},
        "config": {"io", "text", "data", "dist/comm_options.h"} | model_shapes,
        "model": {"io", "text"},
        "eval": {"io", "text", "data"},
        "dist": {"io"},
        "infer": {"io", "text", "data", "model", "eval", "dist"},
        "train": below_train,
        "search": below_train | {"train"},
        "plan": {"io", "text", "data", "config"} | model_shapes | search_core,
        "cli": None,  # everything
    }
    return may_include, model_shapes, search_core


TORCH_FREE = {"io", "text", "data", "config", "eval", "plan"}
TORCH_INCLUDE = re.compile(r'#\s*include\s*[<"](torch|ATen|c10)/')
GTRAIN_INCLUDE = re.compile(r'#\s*include\s*"([a-z_]+)/([^"]+)"')
FILE_RENAME = re.compile(r'(\brename|\brenameat2?)\s*\(')
WHY_LONG = "Longer than 150 lines"
MAX_LINES = 150


def allowed(may_include, model_shapes, own, target):
    folder, target_folder = own.split("/", 1)[0], target.split("/", 1)[0]
    if own in model_shapes:  # torch-free, built on their own: io, text and each other
        return target_folder in {"io", "text"} or target in model_shapes
    if target_folder == folder:
        return True
    rules = may_include[folder]
    return rules is None or target_folder in rules or target in rules


def strip_code(line):
    line = re.sub(r'"(\\.|[^"\\])*"', '""', line)
    line = re.sub(r"'(\\.|[^'\\])*'", "''", line)
    return re.sub(r"//.*", "", line)


def long_functions(lines):
    """(first line, length) of each function body over MAX_LINES lines, by brace depth."""
    stack, start, found = [], 0, []
    for i, raw in enumerate(lines):
        head = raw.lstrip()
        for ch in strip_code(raw):
            if ch == "{":
                if re.match(r'(namespace\b|extern "C")', head):
                    kind = "namespace"
                elif "function" in stack:
                    kind = "block"
                elif re.match(r"(template\s*<.*>\s*)?(struct|class|enum|union)\b", head):
                    kind = "type"
                else:
                    kind = "function"
                    start = i
                stack.append(kind)
            elif ch == "}" and stack:
                if stack.pop() == "function" and i - start + 1 > MAX_LINES:
                    found.append((start, i - start + 1))
    return found


def comment_above(lines, i):
    text = []
    j = i - 1
    while j >= 0 and lines[j].lstrip().startswith("//"):
        text.insert(0, lines[j].lstrip()[2:].strip())
        j -= 1
    return " ".join(text)


def check(root):
    may_include, model_shapes, search_core = rules(root)
    src = os.path.join(root, "src")
    breaches = []
    for folder_path, _, files in os.walk(src):
        for name in sorted(files):
            if not name.endswith((".h", ".cpp", ".cu", ".cuh")):
                continue
            path = os.path.join(folder_path, name)
            rel = os.path.relpath(path, src).replace(os.sep, "/")
            folder = rel.split("/", 1)[0]
            if "/" not in rel or folder not in may_include:
                continue
            with open(path, encoding="utf-8") as f:
                lines = f.read().split("\n")
            torch_free = folder in TORCH_FREE or rel in model_shapes or rel in search_core
            for n, line in enumerate(lines, 1):
                m = GTRAIN_INCLUDE.match(line.strip())
                if m and m.group(1) in may_include:
                    target = m.group(1) + "/" + m.group(2)
                    if not allowed(may_include, model_shapes, rel, target):
                        breaches.append(f"{rel}:{n}: {folder}/ may not include {target} (docs/architecture.md)")
                if torch_free and TORCH_INCLUDE.match(line.strip()):
                    breaches.append(f"{rel}:{n}: includes LibTorch in a torch-free file")
                if folder != "io" and FILE_RENAME.search(strip_code(line)):
                    breaches.append(f"{rel}:{n}: renames a file outside src/io/ (write it with io/atomic_file.h)")
            for start, length in long_functions(lines):
                if WHY_LONG not in comment_above(lines, start):
                    breaches.append(f"{rel}:{start + 1}: function of {length} lines (over {MAX_LINES}) "
                                    f"without a comment above starting '{WHY_LONG}'")
    return breaches


if __name__ == "__main__":
    if len(sys.argv) != 2 or not os.path.isdir(os.path.join(sys.argv[1], "src")):
        sys.exit("usage: architecture.py REPO_ROOT (the folder that holds src/ and CMakeLists.txt)")
    found = check(sys.argv[1])
    for b in found:
        print(b)
    print(f"{len(found)} breaches of the architecture rules" if found else "architecture rules hold")
    sys.exit(1 if found else 0)
