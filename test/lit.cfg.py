# lit configuration for pipec: .pipe and .mlir files with RUN lines.
import os

import lit.formats
from lit.llvm import llvm_config

config.name = "PIPEC"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".pipe", ".mlir"]
config.excludes = ["Inputs", "corpus", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py", "unit", "lib", "runtime"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.pipec_obj_root, "test")

config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(("%examples", os.path.join(config.pipec_src_root, "examples")))
config.substitutions.append(("%pipec_src", config.pipec_src_root))
config.substitutions.append(("%pipec_obj", config.pipec_obj_root))

llvm_config.with_system_environment(["HOME", "INCLUDE", "LIB", "TMP", "TEMP"])
llvm_config.use_default_substitutions()

if config.pipec_have_cuda:
    config.available_features.add("cuda")

tool_dirs = [config.pipec_tools_dir, config.llvm_tools_dir]
llvm_config.add_tool_substitutions(["pipec", "pipe-opt"], tool_dirs)
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.pipec_tools_dir, append_path=True)
