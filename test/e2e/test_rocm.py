"""The ROCm backend end to end.

Offline (every machine): models compile for rocm:gfx90a and rocm:gfx942,
and LLVM's own llvm-readelf (independent of Smelt's reader) confirms what
the plan will launch: an HSA code object v5 for the chip, and for every
kernel of the plan a kernel descriptor and metadata with one 8-byte global
buffer per plan argument (plus the device scratch when the kernel publishes
one), wavefronts of 64, workgroups of exactly 256 and at most 64 KiB of
LDS. Kernels that need the device library (sin, atan) link ocml for both
chips and leave no undefined symbol. A fat artifact (cpu + cuda + rocm)
runs its CPU plan where no GPU exists; the HIP driver says why it did not
start. Plans name rocBLAS for GEMMs and MIOpen for convolutions.

On a machine with an AMD GPU: the models run on rocm:0 and match PyTorch
(fp32; the tolerances of test_cuda.py). These skip with a message where
there is no AMD GPU (CI never has one; no AMD GPU has been reachable to
this project yet).
"""
import os
import re
import subprocess

import pytest

from gpu_checks import (MODEL_IDS, MODELS, check_fat_artifact_runs_on_cpu,
                        check_gpu_only_artifact_is_refused_on_cpu, check_plans_offer,
                        check_runs_on_gpu, export, refusal)

READELF = "/usr/lib/llvm-22/bin/llvm-readelf"
NM = "/usr/lib/llvm-22/bin/llvm-nm"
MACH = {"gfx90a": "gfx90a", "gfx942": "gfx942"}


def readelf(*args):
    result = subprocess.run([READELF, *map(str, args)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout


def metadata_kernels(hsaco):
    """amdhsa.kernels as llvm-readelf prints the metadata note: name -> fields."""
    kernels, current, args = {}, None, None
    for line in readelf("--notes", hsaco).splitlines():
        if re.match(r"^  - \.", line):  # a new kernel map
            current, args = {"explicit_args": 0, "hidden_args": 0}, None
        if current is None:
            continue
        field = re.match(r"^    (\.[a-z_]+):\s*(.*)$", line)
        if field:
            current[field.group(1)] = field.group(2)
            args = field.group(1) == ".args"
            if field.group(1) == ".name":
                kernels[field.group(2)] = current
            continue
        kind = re.match(r"^\s+\.value_kind:\s+(\S+)", line)
        if args and kind:
            key = "hidden_args" if kind.group(1).startswith("hidden_") else "explicit_args"
            current[key] += 1
            if key == "explicit_args":
                assert kind.group(1) == "global_buffer", line
    return kernels


def plan_launches(smelt, onnx_path, chip):
    """Kernel name -> the buffers the plan passes it (kernel.func arguments)."""
    code, out, err = smelt("compile", onnx_path, f"--target=rocm:{chip}", "--emit=plan",
                           "--quiet")
    assert code == 0, err
    launches = {}
    for match in re.finditer(r"kernel\.func @(\w+)\(([^)]*)\)", out):
        launches[match.group(1)] = match.group(2).count("%arg")
    assert launches, out
    return launches


@pytest.mark.parametrize("name,model,example,rtol", MODELS, ids=MODEL_IDS)
@pytest.mark.parametrize("chip", ["gfx90a", "gfx942"])
def test_code_object_matches_the_plan(smelt, tmp_path, name, model, example, rtol, chip):
    onnx_path = tmp_path / "model.onnx"
    export(model, example, onnx_path)
    dump = tmp_path / "dump"
    code, out, err = smelt("compile", onnx_path, f"--target=rocm:{chip}", "-o",
                           tmp_path / "model.smelt", f"--dump-dir={dump}", "--quiet")
    assert code == 0, err
    hsaco = dump / "kernels.hsaco"
    header = readelf("-h", hsaco)
    assert "AMDGPU - HSA" in header
    assert re.search(r"ABI Version:\s+3", header), header  # code object v5
    assert re.search(rf"Flags:\s+0x[0-9a-f]+, {MACH[chip]}", header), header
    symbols = readelf("-s", "--wide", hsaco)
    descriptors = set(re.findall(r"\s64 OBJECT\s+GLOBAL\s+\S+\s+\S+\s+(\w+)\.kd$", symbols,
                                 re.M))
    scratch = set(re.findall(r"\s(\w+)_smelt_global_scratch$", symbols, re.M))
    kernels = metadata_kernels(hsaco)
    launches = plan_launches(smelt, onnx_path, chip)
    assert set(launches) == set(kernels)
    for kernel, arguments in launches.items():
        meta = kernels[kernel]
        assert kernel in descriptors, kernel
        expected = arguments + (1 if kernel in scratch else 0)
        assert meta["explicit_args"] == expected, (kernel, meta)
        assert meta[".wavefront_size"] == "64", (kernel, meta)
        assert meta[".max_flat_workgroup_size"] == "256", (kernel, meta)
        assert int(meta[".group_segment_fixed_size"]) <= 64 << 10, (kernel, meta)
        assert int(meta[".kernarg_segment_size"]) >= 8 * expected, (kernel, meta)
    # Smelt's own reading of it, written next to it, agrees.
    report = (dump / "code-object.txt").read_text()
    assert report.startswith(f"code object v5 for {chip}, {len(kernels)} kernels")


def test_plans_offer_rocblas_and_miopen(smelt):
    check_plans_offer(smelt, "rocm", "MIOpen", "rocBLAS")


@pytest.mark.parametrize("chip", ["gfx90a", "gfx942"])
def test_device_library_functions_link(smelt, tmp_path, chip):
    import onnx
    from onnx import TensorProto, helper
    nodes = [helper.make_node("Sin", ["x"], ["s"]), helper.make_node("Atan", ["s"], ["y"])]
    graph = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4, 1024])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4, 1024])])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]),
              tmp_path / "sin.onnx")
    dump = tmp_path / "dump"
    code, out, err = smelt("compile", tmp_path / "sin.onnx", f"--target=rocm:{chip}", "-o",
                           tmp_path / "sin.smelt", f"--dump-dir={dump}", "--quiet")
    assert code == 0, err
    # ocml's sin and atan are linked in and internalized: nothing undefined.
    result = subprocess.run([NM, "-u", str(dump / "kernels.hsaco")], capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
    assert "__ocml" not in (dump / "kernels.s").read_text()


def test_fat_artifact_runs_on_cpu_without_gpu(smelt, tmp_path):
    # As issue #8 writes it: cpu first, then the GPUs.
    check_fat_artifact_runs_on_cpu(
        smelt, tmp_path, ["cpu", "cuda:sm_90", "rocm:gfx942", "rocm:gfx90a"], cpu_plan=0)


def test_rocm_only_artifact_on_cpu_is_a_clear_error(smelt, tmp_path):
    check_gpu_only_artifact_is_refused_on_cpu(smelt, tmp_path, "rocm", "rocm")


def test_driver_reports_why_it_did_not_start(smelt):
    line, out = refusal(smelt, "rocm")
    # No HIP runtime, or Debian's (libamdhip64-5) finding no GPU.
    assert "libamdhip64" in line, line
    if os.path.exists("/usr/lib/x86_64-linux-gnu/libamdhip64.so.5"):
        assert "hipInit failed" in line and "/dev/kfd" in line, line
    # The vendor libraries it would bind are listed.
    for library in ("rocBLAS", "hipBLASLt", "MIOpen", "RCCL"):
        assert re.search(rf"^\s+{library}\s", out, re.M), library


def test_a_library_that_is_not_hip_is_named(smelt, tmp_path):
    binary = os.path.join(os.environ["SMELT_BUILD_DIR"], "bin", "smelt")
    for path, message in [("/nonexistent/libamdhip64.so", "not found"),
                          ("libm.so.6", "libm.so.6 has no hipInit")]:
        result = subprocess.run([binary, "devices", "-v"], capture_output=True, text=True,
                                env={**os.environ, "SMELT_LIBHIP_PATH": path})
        assert result.returncode == 0, result.stderr
        line = next(l for l in result.stdout.splitlines() if "driver 'rocm'" in l)
        assert message in line, line


@pytest.mark.parametrize("name,model,example,rtol", MODELS, ids=MODEL_IDS)
def test_runs_on_gpu(smelt, tmp_path, name, model, example, rtol):
    check_runs_on_gpu(smelt, tmp_path, "rocm", ["rocm:gfx942", "rocm:gfx90a"], model, example,
                      rtol)
