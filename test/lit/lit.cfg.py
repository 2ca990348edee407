# Lit configuration for Smelt's FileCheck tests.
import os

import lit.formats
from lit.llvm import llvm_config

config.name = "Smelt"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".onnxtxt", ".test"]
config.excludes = ["CMakeLists.txt", "README.md", "lit.cfg.py", "lit.site.cfg.py", "Inputs"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.smelt_obj_root, "test", "lit")

config.substitutions.append(("%PYTHON", config.python_executable))
config.substitutions.append(("%smelt_src_root", config.smelt_src_root))
config.substitutions.append(("%smelt_lib_dir", os.path.join(config.smelt_obj_root, "lib")))

llvm_config.with_system_environment(["HOME", "TMPDIR"])
llvm_config.use_default_substitutions()
tools = ["smelt-opt", "smelt-translate", "smelt"]
llvm_config.add_tool_substitutions(tools, [config.smelt_tools_dir])
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
