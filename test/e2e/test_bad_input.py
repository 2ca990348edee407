"""Bad input gives a one-line error naming the problem and a non-zero exit, never
a crash or a hang."""
import os

import numpy as np
import onnx
import onnx.numpy_helper
import pytest
from onnx import TensorProto, helper

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODEL = os.path.join(ROOT, "examples", "mnist_cnn.onnx")


def error_lines(err):
    return [line for line in err.splitlines() if "error" in line]


def assert_clean_failure(code, err, *fragments):
    assert code == 1, f"exit code {code}, stderr: {err}"
    lines = error_lines(err)
    assert len(lines) >= 1, err
    for fragment in fragments:
        assert fragment in err, f"'{fragment}' not in: {err}"
    assert "Stack dump" not in err and "PLEASE submit" not in err


def save(model, path):
    onnx.save(model, str(path))
    return path


def assert_node_refused(smelt, tmp_path, node, inputs, reason, opset=13, initializers=(),
                        output_type=TensorProto.FLOAT):
    """Compiles a model of `node` alone (graph inputs: {name: (type, shape)})
    and checks that it is refused cleanly with `reason`."""
    graph = helper.make_graph(
        [node], "refused",
        [helper.make_tensor_value_info(n, t, shape) for n, (t, shape) in inputs.items()],
        [helper.make_tensor_value_info("y", output_type, None)], list(initializers))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    code, _, err = smelt("compile", save(model, tmp_path / "n.onnx"), "-o", tmp_path / "x.smelt")
    assert_clean_failure(code, err, reason)


def test_truncated_onnx(smelt, tmp_path):
    data = open(MODEL, "rb").read()
    path = tmp_path / "truncated.onnx"
    path.write_bytes(data[: len(data) // 2])
    code, _, err = smelt("compile", path, "-o", tmp_path / "x.smelt")
    assert_clean_failure(code, err, "not a valid ONNX model")


def test_not_onnx(smelt, tmp_path):
    path = tmp_path / "notes.onnx"
    path.write_text("these are not the bytes of a model\n" * 20)
    code, _, err = smelt("compile", path, "-o", tmp_path / "x.smelt")
    assert_clean_failure(code, err, "not a valid ONNX model")


def test_missing_file(smelt, tmp_path):
    code, _, err = smelt("compile", tmp_path / "nowhere.onnx", "-o", tmp_path / "x.smelt")
    assert_clean_failure(code, err, "nowhere.onnx")


def test_dangling_edge(smelt, tmp_path):
    graph = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["r"], name="relu"),
         helper.make_node("Add", ["r", "ghost"], ["y"], name="add")],
        "dangling",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    code, _, err = smelt("compile", save(model, tmp_path / "d.onnx"), "-o", tmp_path / "x.smelt")
    assert_clean_failure(code, err, "'add'", "'ghost'")


def test_unsupported_op(smelt, tmp_path):
    graph = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["r"], name="relu"),
         helper.make_node("NonMaxSuppression", ["r", "r"], ["y"], name="nms_node")],
        "unsupported",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4, 4])],
        [helper.make_tensor_value_info("y", TensorProto.INT64, [1, 3])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    code, _, err = smelt("compile", save(model, tmp_path / "u.onnx"), "-o", tmp_path / "x.smelt")
    assert_clean_failure(
        code, err,
        "error: unsupported ONNX op 'NonMaxSuppression' (opset 13) at node 'nms_node'")


# Nodes that contradict their op's ONNX schema, and the reason given for each.
SCHEMA_VIOLATIONS = [
    (helper.make_node("Softmax", ["x"], ["y"], name="sm", axis=1.5),
     "Softmax node 'sm': attribute 'axis' is FLOAT, but Softmax-13 takes INT"),
    (helper.make_node("Gemm", ["x"], ["y"], name="gemm"),
     "has input size 1 not in range [min=2, max=3]"),
    (helper.make_node("Relu", ["x"], ["y"], name="relu", alpha=0.1),
     "Unrecognized attribute: alpha for operator Relu"),
    (helper.make_node("Cast", ["x"], ["y"], name="cast"), "Required attribute 'to' is missing"),
    (helper.make_node("Add", ["x", ""], ["y"], name="add"),
     "input 1 is marked single but has an empty string"),
    (helper.make_node("Concat", ["x", ""], ["y"], name="cat", axis=0),
     "Concat node 'cat': input 1 is empty, but it is one of the variadic inputs 'inputs'"),
    (helper.make_node("Einsum", ["x", ""], ["y"], name="ein", equation="ij,jk->ik"),
     "Einsum node 'ein': input 1 is empty"),
    (helper.make_node("Relu", ["x"], ["y", "z"], name="relu2"),
     "has output size 2 not in range [min=1, max=1]"),
]


@pytest.mark.parametrize("node,reason", SCHEMA_VIOLATIONS,
                         ids=[node.name for node, _ in SCHEMA_VIOLATIONS])
def test_node_against_schema(smelt, tmp_path, node, reason):
    assert_node_refused(smelt, tmp_path, node, {"x": (TensorProto.FLOAT, [2, 2])}, reason)


# Attribute values that no model means, whose arithmetic would overflow or
# whose shapes no memory holds: refused at import, naming the node.
LARGE = 1 << 40
BAD_VALUES = [
    ("pads", helper.make_node("Conv", ["x", "w"], ["y"], name="conv", pads=[LARGE, 0, 0, 0]),
     "Conv node 'conv': pad 1099511627776 is out of range (0 to 2147483647)"),
    ("stride", helper.make_node("MaxPool", ["x"], ["y"], name="pool", kernel_shape=[2, 2],
                                strides=[0, 1]),
     "MaxPool node 'pool': stride 0 is out of range"),
    ("kernel", helper.make_node("AveragePool", ["x"], ["y"], name="avg",
                                kernel_shape=[LARGE, 2], auto_pad="SAME_LOWER"),
     "AveragePool node 'avg': kernel size 1099511627776 is out of range"),
    ("output_shape_rank", helper.make_node("ConvTranspose", ["x", "w"], ["y"], name="up",
                                           output_shape=[8]),
     "ConvTranspose node 'up': output_shape has 1 values; it takes 2"),
    ("output_shape_size", helper.make_node("ConvTranspose", ["x", "w"], ["y"], name="huge",
                                           output_shape=[1 << 30, 1 << 30]),
     "ConvTranspose node 'huge': output 0 ('y') would be a tensor of shape "
     "tensor<1x1x1073741824x1073741824xf32>, beyond 2^48 bytes"),
    ("blocksize", helper.make_node("DepthToSpace", ["x"], ["y"], name="d2s", blocksize=LARGE),
     "DepthToSpace node 'd2s': blocksize 1099511627776 is out of range"),
]


@pytest.mark.parametrize("node,reason", [case[1:] for case in BAD_VALUES],
                         ids=[case[0] for case in BAD_VALUES])
def test_attribute_values_out_of_range(smelt, tmp_path, node, reason):
    weights = [helper.make_tensor("w", TensorProto.FLOAT, [1, 1, 2, 2], [1.0] * 4)]
    assert_node_refused(smelt, tmp_path, node, {"x": (TensorProto.FLOAT, [1, 1, 4, 4])}, reason,
                        initializers=weights if "w" in node.input else ())


# Shapes and sizes given as constant inputs, which converters fold or build
# at import: refused before anything that large is built.
CONSTANT_SIZES = [
    ("constant_of_shape", "ConstantOfShape", np.array([LARGE, 3], np.int64), 9,
     "output 0 ('y') would be a constant: a tensor of shape tensor<1099511627776x3xf32>, "
     "beyond 2^31 bytes"),
    ("window", "HannWindow", np.array(-4, np.int64), 17, "size -4 is out of range (0 to 2^24)"),
]


@pytest.mark.parametrize("op,value,opset,reason", [case[1:] for case in CONSTANT_SIZES],
                         ids=[case[0] for case in CONSTANT_SIZES])
def test_constant_sizes_out_of_range(smelt, tmp_path, op, value, opset, reason):
    assert_node_refused(smelt, tmp_path, helper.make_node(op, ["s"], ["y"], name="n"), {},
                        f"{op} node 'n': {reason}", opset=opset,
                        initializers=[onnx.numpy_helper.from_array(value, "s")])


def test_resize_sizes_out_of_range(smelt, tmp_path):
    assert_node_refused(
        smelt, tmp_path, helper.make_node("Resize", ["x", "", "", "sizes"], ["y"], name="up"),
        {"x": (TensorProto.FLOAT, [1, 1, 4, 4])},
        "Resize node 'up': axis 2 would have 1099511627776 elements, "
        "beyond the 2^24 a resized axis may have",
        initializers=[onnx.numpy_helper.from_array(np.array([1, 1, LARGE, 4], np.int64), "sizes")])


def test_roi_align_taps_out_of_range(smelt, tmp_path):
    node = helper.make_node("RoiAlign", ["x", "rois", "index"], ["y"], name="roi",
                            output_height=LARGE, sampling_ratio=2)
    inputs = {"x": (TensorProto.FLOAT, [1, 1, 4, 4]), "rois": (TensorProto.FLOAT, [1, 4]),
              "index": (TensorProto.INT64, [1])}
    assert_node_refused(smelt, tmp_path, node, inputs,
                        "RoiAlign node 'roi': output_height 1099511627776 with 2 "
                        "samples per bin is beyond 65536 samples along the height", opset=16)


def test_qlinearconv_scale_not_scalar(smelt, tmp_path):
    names = ["x", "xs", "xz", "w", "ws", "wz", "ys", "yz"]
    shapes = {"x": [1, 1, 4, 4], "xs": [2], "w": [1, 1, 1, 1], "ws": [1], "wz": [1]}
    types = {"x": TensorProto.UINT8, "xz": TensorProto.UINT8, "w": TensorProto.UINT8,
             "wz": TensorProto.UINT8, "yz": TensorProto.UINT8}
    assert_node_refused(
        smelt, tmp_path, helper.make_node("QLinearConv", names, ["y"], name="qconv"),
        {n: (types.get(n, TensorProto.FLOAT), shapes.get(n, [])) for n in names},
        "QLinearConv node 'qconv': x_scale must be one value, got 'tensor<2xf32>'",
        output_type=TensorProto.UINT8)


def test_sequence_output(smelt, tmp_path):
    sequence = helper.make_tensor_sequence_value_info("s", TensorProto.FLOAT, [2])
    graph = helper.make_graph(
        [helper.make_node("SequenceConstruct", ["x", "x"], ["s"])], "sequence_output",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])], [sequence])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    code, _, err = smelt("compile", save(model, tmp_path / "s.onnx"), "-o", tmp_path / "s.smelt")
    assert_clean_failure(
        code, err, "error: graph output 's' is a sequence; compiled models return tensors only")


def test_symbolic_dimension_needs_a_shape(smelt, tmp_path):
    graph = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["y"], name="relu")], "symbolic",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 3])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    path = save(model, tmp_path / "s.onnx")
    code, _, err = smelt("compile", path, "-o", tmp_path / "x.smelt")
    assert_clean_failure(code, err, "batch", "--input-shape")
    code, _, err = smelt("compile", path, "-o", tmp_path / "x.smelt", "--input-shape=x:4x3",
                         "--quiet")
    assert code == 0, err
    code, out, err = smelt("run", tmp_path / "x.smelt", "--input=4x3xf32=-1")
    assert code == 0, err
    assert "4x3xf32" in out


def compiled_example(smelt, tmp_path):
    path = tmp_path / "m.smelt"
    code, _, err = smelt("compile", MODEL, "-o", path, "--quiet")
    assert code == 0, err
    return path


def test_wrong_input_shape(smelt, tmp_path):
    artifact = compiled_example(smelt, tmp_path)
    np.save(tmp_path / "x.npy", np.zeros((1, 1, 28, 27), np.float32))
    code, _, err = smelt("run", artifact, f"--input=@{tmp_path / 'x.npy'}")
    assert_clean_failure(code, err, "1x1x28x28", "1x1x28x27")


def test_wrong_input_dtype(smelt, tmp_path):
    artifact = compiled_example(smelt, tmp_path)
    np.save(tmp_path / "x.npy", np.zeros((1, 1, 28, 28), np.float64))
    code, _, err = smelt("run", artifact, f"--input=@{tmp_path / 'x.npy'}")
    assert_clean_failure(code, err, "f32", "f64")


def test_wrong_input_count(smelt, tmp_path):
    artifact = compiled_example(smelt, tmp_path)
    code, _, err = smelt("run", artifact, "--input=2xf32=1,2", "--input=2xf32=1,2")
    assert_clean_failure(code, err, "1 input")


def test_truncated_artifact(smelt, tmp_path):
    artifact = compiled_example(smelt, tmp_path)
    data = artifact.read_bytes()
    for size in (0, 16, len(data) // 2, len(data) - 1):
        broken = tmp_path / f"broken{size}.smelt"
        broken.write_bytes(data[:size])
        code, _, err = smelt("run", broken)
        assert_clean_failure(code, err)


def test_corrupted_artifact(smelt, tmp_path):
    artifact = compiled_example(smelt, tmp_path)
    data = bytearray(artifact.read_bytes())
    data[len(data) // 3] ^= 0xFF
    broken = tmp_path / "flipped.smelt"
    broken.write_bytes(bytes(data))
    code, _, err = smelt("run", broken)
    assert_clean_failure(code, err)


def test_unknown_target(smelt, tmp_path):
    code, _, err = smelt("compile", MODEL, "-o", tmp_path / "x.smelt", "--target=cpu:pentium9000")
    assert_clean_failure(code, err, "pentium9000")
