"""The Python package: compile + run of the example and of a PyTorch-exported
model (numerics against PyTorch), DLPack in and out without copies, errors as
smelt.Error, and concurrent runs from Python threads with the GIL released."""
import io
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import torch

import smelt

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLE = os.path.join(ROOT, "examples", "mnist_cnn.onnx")
# f32 against PyTorch's f32: different summation orders.
RTOL, ATOL = 1e-4, 1e-5


class SmallNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 8, 3, padding=1)
        self.norm = torch.nn.LayerNorm(16)
        self.fc = torch.nn.Linear(8 * 16, 10)

    def forward(self, x):
        y = torch.relu(self.conv(x))
        y = self.norm(y)
        return torch.softmax(self.fc(y.mean(dim=2).flatten(1)), dim=-1)


@pytest.fixture(scope="module")
def torch_model():
    torch.manual_seed(0)
    model = SmallNet().eval()
    buffer = io.BytesIO()
    torch.onnx.export(model, torch.randn(2, 3, 16, 16), buffer, input_names=["x"],
                      output_names=["y"], opset_version=17)
    return model, buffer.getvalue()


@pytest.fixture(scope="module")
def example_session():
    return smelt.Session(smelt.compile(EXAMPLE))


def test_compile_and_run_the_example(tmp_path, example_session):
    session = example_session
    assert [(i.name, i.dtype, i.shape) for i in session.inputs] == \
        [("image", "float32", (1, 1, 28, 28))]
    assert [(o.name, o.shape) for o in session.outputs] == [("probabilities", (1, 10))]
    image = np.random.default_rng(1).standard_normal((1, 1, 28, 28)).astype(np.float32)
    probabilities = session.run({"image": image})["probabilities"]
    assert probabilities.dtype == np.float32 and probabilities.shape == (1, 10)
    np.testing.assert_allclose(probabilities.sum(), 1.0, rtol=1e-5)
    # The same artifact saved and loaded from a path gives the same numbers.
    artifact = smelt.compile(EXAMPLE, targets=["cpu"])
    artifact.save(tmp_path / "m.smelt")
    again = smelt.Session(tmp_path / "m.smelt").run([image])["probabilities"]
    np.testing.assert_allclose(again, probabilities, rtol=1e-5, atol=1e-7)
    assert smelt.Artifact.load(tmp_path / "m.smelt").bytes == artifact.bytes


def test_a_torch_exported_model_matches_pytorch(torch_model):
    model, onnx_bytes = torch_model
    session = smelt.Session(smelt.compile(onnx_bytes))  # from bytes
    x = torch.randn(2, 3, 16, 16)
    with torch.no_grad():
        expected = model(x).numpy()
    got = session.run({"x": x.numpy()})["y"]
    np.testing.assert_allclose(got, expected, rtol=RTOL, atol=ATOL)


def test_dlpack_in_and_out_without_copies(torch_model):
    _, onnx_bytes = torch_model
    session = smelt.Session(smelt.compile(onnx_bytes))
    x = torch.randn(2, 3, 16, 16)
    # A torch tensor goes in through __dlpack__ ...
    from_torch = session.run({"x": x})["y"]
    np.testing.assert_allclose(from_torch, session.run({"x": x.numpy()})["y"], rtol=1e-5,
                               atol=1e-7)
    # ... smelt.from_dlpack views a producer's memory ...
    view = smelt.from_dlpack(x)
    x[0, 0, 0, 0] = 123.0
    assert view[0, 0, 0, 0] == 123.0
    assert view.ctypes.data == x.data_ptr()
    # ... and outputs go out to torch the same way.
    y = torch.from_dlpack(from_torch)
    from_torch[0, 0] = -7.0
    assert y[0, 0].item() == -7.0
    # Non-contiguous tensors are refused rather than read wrongly.
    with pytest.raises(smelt.Error, match="not C-contiguous"):
        session.run({"x": x.permute(0, 1, 3, 2)})


def test_bad_inputs_raise_smelt_error(tmp_path, example_session):
    session = example_session
    with pytest.raises(smelt.Error) as wrong_shape:
        session.run({"image": np.zeros((1, 1, 28, 27), np.float32)})
    assert wrong_shape.value.code_name == "INVALID_ARGUMENT"
    assert wrong_shape.value.message == \
        "input 0 ('image'): expected shape 1x1x28x28 f32, got 1x1x28x27 f32"
    with pytest.raises(smelt.Error, match="expected shape 1x1x28x28 f32, got 1x1x28x28 f64"):
        session.run({"image": np.zeros((1, 1, 28, 28), np.float64)})
    with pytest.raises(smelt.Error, match="unknown input 'img'; the model's inputs are 'image'"):
        session.run({"img": np.zeros((1, 1, 28, 28), np.float32)})
    with pytest.raises(smelt.Error, match="missing input 'image'"):
        session.run({})
    with pytest.raises(smelt.Error) as corrupt:
        smelt.Session(b"SMELTART\x01\x00\x00\x00" + bytes(200))
    assert corrupt.value.code_name == "CORRUPT_ARTIFACT"
    with pytest.raises(smelt.Error) as device:
        smelt.Session(smelt.compile(EXAMPLE), device="cuda:3")
    assert device.value.code_name == "NOT_FOUND"
    with pytest.raises(smelt.Error) as missing:
        smelt.compile(tmp_path / "nothing.onnx")
    assert missing.value.code_name == "NOT_FOUND"
    with pytest.raises(smelt.Error, match="is not a valid ONNX model"):
        smelt.compile(b"not a model")
    with pytest.raises(smelt.Error, match="unknown compile option"):
        smelt.compile(EXAMPLE, fusion=False)


def test_unsupported_ops_name_the_op(torch_model):
    from onnx import TensorProto, helper
    node = helper.make_node("NonMaxSuppression", ["b", "s"], ["i"], name="nms")
    graph = helper.make_graph(
        [node], "g", [helper.make_tensor_value_info("b", TensorProto.FLOAT, [1, 4, 4]),
                      helper.make_tensor_value_info("s", TensorProto.FLOAT, [1, 1, 4])],
        [helper.make_tensor_value_info("i", TensorProto.INT64, [3, 3])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    with pytest.raises(smelt.Error, match="unsupported ONNX op 'NonMaxSuppression' "
                                          r"\(opset 13\) at node 'nms'"):
        smelt.compile(model.SerializeToString())


def test_concurrent_runs_from_python_threads(example_session):
    session = example_session
    rng = np.random.default_rng(3)
    images = [rng.standard_normal((1, 1, 28, 28)).astype(np.float32) for _ in range(8)]
    expected = [session.run([image])["probabilities"] for image in images]
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda i: session.run([images[i % 8]])["probabilities"],
                                range(64)))
    # Equal up to the last bits: oneDNN's convolutions and GEMMs may split
    # their work differently from call to call when the machine is loaded.
    for i, result in enumerate(results):
        np.testing.assert_allclose(result, expected[i % 8], rtol=1e-5, atol=1e-7)


def test_run_releases_the_gil():
    # A model whose run takes a while: while it runs in a thread, the main
    # thread keeps executing Python code only if run() released the GIL.
    from onnx import TensorProto, helper, numpy_helper
    w = numpy_helper.from_array(np.full((512, 512), 1e-3, np.float32), "w")
    nodes, value = [], "x"
    for i in range(12):
        nodes.append(helper.make_node("MatMul", [value, "w"], [f"m{i}"]))
        nodes.append(helper.make_node("Tanh", [f"m{i}"], [f"t{i}"]))
        value = f"t{i}"
    graph = helper.make_graph(
        nodes, "chain", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [512, 512])],
        [helper.make_tensor_value_info(value, TensorProto.FLOAT, [512, 512])], initializer=[w])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    session = smelt.Session(smelt.compile(model.SerializeToString(), library_calls=False),
                            threads=1)
    x = np.ones((512, 512), np.float32)
    session.run([x])  # warm up

    def loop_while(work):
        """Iterations of a Python loop on this thread while `work` runs on another."""
        finished = threading.Event()
        thread = threading.Thread(target=lambda: (work(), finished.set()))
        ticks, start = 0, time.perf_counter()
        thread.start()
        while not finished.is_set():
            ticks += 1
        thread.join()
        return ticks, time.perf_counter() - start

    # The same loop beside a thread that sleeps (which releases the GIL) ...
    idle_ticks, idle_time = loop_while(lambda: time.sleep(0.1))
    # ... and beside one that runs the model.
    ticks, elapsed = loop_while(lambda: [session.run([x]) for _ in range(3)])
    share = (ticks / elapsed) / (idle_ticks / idle_time)
    assert elapsed > 0.05, "the model ran too fast to tell"
    # Holding the GIL for whole runs would leave the loop only the moments
    # between runs; released, it keeps most of its speed (the session uses one
    # thread, the machine has at least two cores).
    print(f"main thread at {share:.0%} of its speed while runs went on")
    assert share > 0.3, f"main thread ran at {share:.0%} of its speed during the runs"


def test_devices_as_data():
    listing = smelt.devices()
    assert any(d["uri"] == "cpu:0" for d in listing["devices"])
    assert any(d["name"] == "cpu" and d["path"] == "built-in" for d in listing["drivers"])
    names = [library["name"] for library in listing["libraries"]]
    assert names[:2] == ["oneDNN", "OpenBLAS"] and "MPI" in names


def test_symbolic_dims_compile_once_and_run_at_several_sizes():
    torch.manual_seed(4)
    model = torch.nn.Sequential(torch.nn.Linear(6, 5), torch.nn.GELU()).eval()
    buffer = io.BytesIO()
    torch.onnx.export(model, torch.randn(2, 3, 6), buffer, input_names=["x"],
                      output_names=["y"], opset_version=14,
                      dynamic_axes={"x": {0: "batch", 1: "seq"}, "y": {0: "batch", 1: "seq"}})
    session = smelt.Session(smelt.compile(buffer.getvalue(), dims={"batch": [1, 2],
                                                                   "seq": [3, 8]}))
    (x_info,) = session.inputs
    assert x_info.shape == (-1, -1, 6) and x_info.dim_names == ("batch", "seq", None)
    for batch, seq in [(1, 3), (2, 8), (2, 3)]:
        x = torch.randn(batch, seq, 6)
        with torch.no_grad():
            expected = model(x).numpy()
        got = session.run({"x": x.numpy()})["y"]
        assert got.shape == (batch, seq, 5)
        np.testing.assert_allclose(got, expected, rtol=RTOL, atol=ATOL)
    with pytest.raises(smelt.Error, match="no compiled size matches the input shapes"):
        session.run({"x": np.zeros((3, 3, 6), np.float32)})


def test_compile_a_stablehlo_program_from_a_path_and_from_bytes(tmp_path):
    program = ("func.func @main(%x: tensor<2x3xf32>) -> tensor<3xf32> {\n"
               "  %zero = stablehlo.constant dense<0.0> : tensor<f32>\n"
               "  %0 = stablehlo.reduce(%x init: %zero) applies stablehlo.add across dimensions = [0]"
               " : (tensor<2x3xf32>, tensor<f32>) -> tensor<3xf32>\n"
               "  return %0 : tensor<3xf32>\n}\n")
    path = tmp_path / "sum.mlir"
    path.write_text(program)
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    for model in (path, program.encode()):
        session = smelt.Session(smelt.compile(model))
        np.testing.assert_array_equal(session.run([x])["output0"], x.sum(axis=0))
    with pytest.raises(smelt.Error) as error:
        smelt.compile(program.replace("stablehlo.add", "stablehlo.frobnicate").encode(),
                      input_type="stablehlo")
    assert "frobnicate" in str(error.value)


def test_streaming_stores_into_outputs_at_any_alignment():
    """A softmax compiled to stream its output (memory_levels with a 1 MiB L3,
    so the kernel moves more through DRAM than the cache holds) stores with
    non-temporal vector stores only where the output tile is vector-aligned
    at run time, and with its ordinary loop nest elsewhere: written into
    caller's arrays (outputs=) 0, 4, 16 and 32 bytes past a 64-byte boundary,
    every one matches float64 NumPy (rtol 1e-5, atol 1e-7)."""
    from onnx import TensorProto, helper

    shape = (4, 8, 64, 256)
    value = lambda name: helper.make_tensor_value_info(name, TensorProto.FLOAT, list(shape))
    model = helper.make_model(helper.make_graph(
        [helper.make_node("Softmax", ["x"], ["y"], axis=-1)], "g", [value("x")], [value("y")]),
        opset_imports=[helper.make_opsetid("", 13)])
    artifact = smelt.compile(model.SerializeToString(), memory_levels=(
        "dram:0:40,l3:1048576:200,l2:262144:192:group,l1:49152:384:group"))
    session = smelt.Session(artifact)
    x = np.random.default_rng(3).standard_normal(shape).astype(np.float32) * 8
    e = np.exp(x.astype(np.float64) - x.max(-1, keepdims=True))
    expected = e / e.sum(-1, keepdims=True)
    count = int(np.prod(shape))
    for offset in (0, 4, 16, 32):
        storage = np.empty(count + 32, np.float32)
        start = (-storage.ctypes.data % 64 + offset) // 4
        y = storage[start:start + count].reshape(shape)
        assert y.ctypes.data % 64 == offset
        returned = session.run({"x": x}, outputs={"y": y})["y"]
        assert returned is y
        np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-7, err_msg=f"offset {offset}")


def test_outputs_into_arrays_are_checked(example_session):
    image = np.zeros((1, 1, 28, 28), np.float32)
    name = example_session.outputs[0].name
    shape = example_session.outputs[0].shape
    with pytest.raises(smelt.Error, match="no output 'nope'"):
        example_session.run({"image": image}, outputs={"nope": np.zeros(shape, np.float32)})
    with pytest.raises(smelt.Error, match="expected float32 of shape"):
        example_session.run({"image": image}, outputs={name: np.zeros(shape, np.float64)})
    strided = np.zeros((shape[0], 2 * shape[1]), np.float32)[:, ::2]
    frozen = np.zeros(shape, np.float32)
    frozen.flags.writeable = False
    for bad in (strided, frozen):
        with pytest.raises(smelt.Error, match="C-contiguous and writable"):
            example_session.run({"image": image}, outputs={name: bad})


def test_unknown_memory_levels_are_an_error():
    with pytest.raises(smelt.Error, match="memory-levels"):
        smelt.compile(EXAMPLE, memory_levels="dram:zero")
