"""Compiles a .pipe file from a directory whose name holds a newline, quotes,
$ and ; with pipec -o, then checks that the generated C++ parses and
the generated CMake project configures.
Usage: newline_path.py PIPEC FILE.pipe WORKDIR SRC_ROOT"""
import os
import shutil
import subprocess
import sys

pipec, source, work, root = sys.argv[1:5]
shutil.rmtree(work, ignore_errors=True)
# No backslash: CMake itself reads one in a source path as '/'.
odd = os.path.join(work, 'a\nb "q" $x;')
os.makedirs(odd)
pipe = os.path.join(odd, "m.pipe")
shutil.copy(source, pipe)
out = os.path.join(odd, "out")
subprocess.run([pipec, pipe, "-o", out], check=True, stdout=subprocess.DEVNULL)
cpp = os.path.join(out, "m.cpp")
cxx = shutil.which("c++") or shutil.which("clang++")
subprocess.run([cxx, "-std=c++17", "-fsyntax-only",
                "-I", os.path.join(root, "runtime", "include"),
                "-I", os.path.join(root, "lib", "include"), cpp], check=True)
text = open(cpp).read()
if "m.pipe" not in text or "\\n" not in text.split("m.pipe")[0][-200:]:
    sys.exit("the path is not in m.cpp, escaped")
subprocess.run(["cmake", "-S", out, "-B", os.path.join(work, "build")],
               check=True, stdout=subprocess.DEVNULL)
print("ok")
