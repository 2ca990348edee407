#!/usr/bin/env python3
"""Writes mnist_cnn.onnx, the bundled example model: a small CNN over 1x1x28x28
images (Conv, BatchNormalization, Relu, MaxPool, Flatten, Gemm, Softmax) with
seeded random weights. Needs only python3-onnx and python3-numpy.

    python3 examples/make_mnist_cnn.py [output.onnx]
"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "mnist_cnn.onnx"
    rng = np.random.default_rng(2026)

    def weight(name, *shape):
        fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else shape[0]
        value = rng.normal(0, np.sqrt(2.0 / fan_in), shape).astype(np.float32)
        return numpy_helper.from_array(value, name)

    inits = [
        weight("conv1.w", 8, 1, 3, 3),
        numpy_helper.from_array(rng.normal(0, 0.1, 8).astype(np.float32), "conv1.b"),
        numpy_helper.from_array(rng.uniform(0.5, 1.5, 8).astype(np.float32), "bn1.scale"),
        numpy_helper.from_array(rng.normal(0, 0.1, 8).astype(np.float32), "bn1.bias"),
        numpy_helper.from_array(rng.normal(0, 0.1, 8).astype(np.float32), "bn1.mean"),
        numpy_helper.from_array(rng.uniform(0.5, 1.5, 8).astype(np.float32), "bn1.var"),
        weight("conv2.w", 16, 8, 3, 3),
        numpy_helper.from_array(rng.normal(0, 0.1, 16).astype(np.float32), "conv2.b"),
        weight("fc1.w", 64, 16 * 7 * 7),
        numpy_helper.from_array(np.zeros(64, np.float32), "fc1.b"),
        weight("fc2.w", 10, 64),
        numpy_helper.from_array(np.zeros(10, np.float32), "fc2.b"),
    ]
    nodes = [
        helper.make_node("Conv", ["image", "conv1.w", "conv1.b"], ["c1"], name="conv1",
                         pads=[1, 1, 1, 1]),
        helper.make_node("BatchNormalization",
                         ["c1", "bn1.scale", "bn1.bias", "bn1.mean", "bn1.var"], ["b1"],
                         name="bn1", epsilon=1e-5),
        helper.make_node("Relu", ["b1"], ["r1"], name="relu1"),
        helper.make_node("MaxPool", ["r1"], ["p1"], name="pool1", kernel_shape=[2, 2],
                         strides=[2, 2]),
        helper.make_node("Conv", ["p1", "conv2.w", "conv2.b"], ["c2"], name="conv2",
                         pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c2"], ["r2"], name="relu2"),
        helper.make_node("MaxPool", ["r2"], ["p2"], name="pool2", kernel_shape=[2, 2],
                         strides=[2, 2]),
        helper.make_node("Flatten", ["p2"], ["f"], name="flatten"),
        helper.make_node("Gemm", ["f", "fc1.w", "fc1.b"], ["g1"], name="fc1", transB=1),
        helper.make_node("Relu", ["g1"], ["r3"], name="relu3"),
        helper.make_node("Gemm", ["r3", "fc2.w", "fc2.b"], ["logits"], name="fc2", transB=1),
        helper.make_node("Softmax", ["logits"], ["probabilities"], name="softmax", axis=1),
    ]
    graph = helper.make_graph(
        nodes, "mnist_cnn",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 1, 28, 28])],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [1, 10])],
        inits)
    model = helper.make_model(graph, producer_name="smelt-examples",
                              opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, out)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
