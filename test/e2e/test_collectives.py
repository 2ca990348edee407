"""Collectives: a model with Smelt's AllReduce op (domain com.smelt) runs on
two MPI ranks over loopback, each rank with its own input, and every rank gets
the reduction of all of them (checked against NumPy). In one process the
all-reduce is the identity."""
import os
import shutil
import subprocess

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from conftest import smelt_binary

RANKS = 2


def all_reduce_model(path, reduction):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [3, 5])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [3, 5])
    nodes = [
        helper.make_node("Relu", ["x"], ["r"]),  # a kernel before ...
        helper.make_node("AllReduce", ["r"], ["s"], domain="com.smelt", reduction=reduction),
        helper.make_node("Add", ["s", "one"], ["y"]),  # ... and one after
    ]
    one = helper.make_tensor("one", TensorProto.FLOAT, [], [1.0])
    graph = helper.make_graph(nodes, "all_reduce", [x], [y], initializer=[one])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17),
                                                    helper.make_opsetid("com.smelt", 1)])
    onnx.save(model, path)


def rank_input(rank):
    return np.random.default_rng(100 + rank).standard_normal((3, 5)).astype(np.float32)


@pytest.mark.parametrize("reduction", ["sum", "max"])
def test_all_reduce_across_two_mpi_ranks(tmp_path, smelt, reduction):
    model = tmp_path / "all_reduce.onnx"
    artifact = tmp_path / "all_reduce.smelt"
    all_reduce_model(str(model), reduction)
    code, _, err = smelt("compile", model, "-o", artifact, "--quiet")
    assert code == 0, err
    for rank in range(RANKS):
        np.save(tmp_path / f"x{rank}.npy", rank_input(rank))

    # Each rank reads its own input: the launcher tells it its rank.
    script = (f'r=$OMPI_COMM_WORLD_RANK; exec "{smelt_binary()}" run "{artifact}" -v '
              f'--input=@"{tmp_path}"/x$r.npy --output=@"{tmp_path}"/y$r.npy')
    result = mpirun_two_ranks(script)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"collectives: MPI (Open MPI" in result.stderr, result.stderr
    assert f"rank 1 of {RANKS}" in result.stderr

    relu = [np.maximum(rank_input(r), 0) for r in range(RANKS)]
    reduced = np.sum(relu, axis=0) if reduction == "sum" else np.max(relu, axis=0)
    expected = reduced + 1
    for rank in range(RANKS):
        got = np.load(tmp_path / f"y{rank}.npy")
        # f32 sums of two values in either order are exact to 1 ulp.
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=0)


def mpirun_two_ranks(script):
    mpirun = shutil.which("mpirun")
    if not mpirun:
        pytest.skip("mpirun not found (install openmpi-bin: scripts/install-deps.sh)")
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               OMPI_MCA_rmaps_base_oversubscribe="1")
    return subprocess.run(
        [mpirun, "-np", str(RANKS), "--mca", "btl", "self,tcp", "--mca", "btl_tcp_if_include",
         "lo", "--mca", "oob_tcp_if_include", "lo", "sh", "-c", script],
        capture_output=True, text=True, timeout=300, env=env)


def test_plugins_get_the_rank_and_a_broadcast_across_two_mpi_ranks(tmp_path):
    """The host table's job and broadcast (plugin ABI 1.1), which a GPU driver
    uses to set up NCCL/RCCL: a test plugin asks for its rank and receives
    rank 0's broadcast under mpirun, and names its device after both."""
    plugin = os.path.join(os.environ["SMELT_BUILD_DIR"], "test", "unit", "runtime", "plugins",
                          "libsmelt_plugin_test_job.so")
    if not os.path.exists(plugin):
        pytest.skip("the test plugins are not built")
    result = mpirun_two_ranks(f'exec "{smelt_binary()}" devices --plugin="{plugin}"')
    assert result.returncode == 0, result.stdout + result.stderr
    for rank in range(RANKS):
        assert f"rank {rank} of {RANKS} got 'hello from rank 0 of {RANKS}'" in result.stdout, \
            result.stdout


def test_all_reduce_in_one_process_is_the_identity(tmp_path, smelt):
    model = tmp_path / "all_reduce.onnx"
    artifact = tmp_path / "all_reduce.smelt"
    all_reduce_model(str(model), "sum")
    assert smelt("compile", model, "-o", artifact, "--quiet")[0] == 0
    x = rank_input(0)
    np.save(tmp_path / "x.npy", x)
    code, _, err = smelt("run", artifact, "-v", f"--input=@{tmp_path}/x.npy",
                         f"--output=@{tmp_path}/y.npy")
    assert code == 0, err
    assert "collectives: a lone process" in err
    np.testing.assert_array_equal(np.load(tmp_path / "y.npy"), np.maximum(x, 0) + 1)


def test_an_unknown_reduction_is_a_clear_error(tmp_path, smelt):
    model = tmp_path / "bad.onnx"
    all_reduce_model(str(model), "average")
    code, _, err = smelt("compile", model, "-o", tmp_path / "bad.smelt")
    assert code == 1
    assert "reduction must be sum, prod, min or max, not 'average'" in err
