"""End-to-end models for the GPU check whose weights are graph inputs, so that
their artifacts stay small enough to travel to the device machine (which takes
at most 64 MiB; BERT-base's weights alone are 340 MB): the weights are drawn
there from a seed and fed to Smelt, ONNX Runtime and PyTorch alike.

The graphs are written in the form an exporter leaves once constants are
folded (BatchNormalization folded into the convolutions, Linear weights
stored [in, out]), so taking the weights as inputs adds no work at run time.
Each model has a PyTorch twin (`torch_forward`) computing the same thing from
the same named tensors; test/e2e/test_gpu_bundle_models.py checks, on the
CPU, that Smelt, the twin and the graph agree.

    spec = bert_spec(layers=12, batch=8, seq=128)      # or gpt2_spec, resnet18_spec, conv_mix_spec
    model = build(spec)                                # onnx.ModelProto
    feeds = draw_inputs(spec, seed=0)                  # {name: np.ndarray}
    y = torch_forward(spec, {k: torch.from_numpy(v) for k, v in feeds.items()})
"""
import math

import numpy as np
from onnx import TensorProto, helper, numpy_helper

OPSET = 17


# --- specs ------------------------------------------------------------------

def bert_spec(layers=12, batch=8, seq=128, hidden=768, heads=12, ffn=3072):
    """A BERT-base-size encoder: post-norm layers, GELU (erf)."""
    return {"kind": "transformer", "layers": layers, "batch": batch, "seq": seq,
            "hidden": hidden, "heads": heads, "ffn": ffn, "causal": False, "pre_norm": False}


def gpt2_spec(layers=12, batch=8, seq=128, hidden=768, heads=12, ffn=3072):
    """A GPT-2-small-size decoder stack: pre-norm layers, causal attention,
    GELU (erf), a final LayerNorm."""
    return {"kind": "transformer", "layers": layers, "batch": batch, "seq": seq,
            "hidden": hidden, "heads": heads, "ffn": ffn, "causal": True, "pre_norm": True}


def resnet18_spec(batch=16, size=224, classes=1000):
    """ResNet-18 with its BatchNormalizations folded into the convolutions."""
    return {"kind": "resnet18", "batch": batch, "size": size, "classes": classes}


def conv_mix_spec(batch=8, size=56, channels=64):
    """The convolutions ResNet-18 lacks, each + relu: a 1x1, a depthwise 3x3
    (groups = channels), a dilated 3x3, and a strided 3x3 with asymmetric
    padding (which cuDNN does not take: the generated kernel runs it)."""
    return {"kind": "conv_mix", "batch": batch, "size": size, "channels": channels}


def conv_mix_convs(spec):
    """(name, out, in per group, kernel, stride, dilation, pads, groups)."""
    c = spec["channels"]
    return [("pointwise", c, 32, 1, 1, 1, [0, 0, 0, 0], 1),
            ("depthwise", c, 1, 3, 1, 1, [1, 1, 1, 1], c),
            ("dilated", c, c, 3, 1, 2, [2, 2, 2, 2], 1),
            ("asymmetric", c, c, 3, 2, 1, [0, 0, 1, 1], 1)]


# --- the weights: names, shapes, the scale they are drawn with -----------------

def transformer_weights(spec):
    h, f = spec["hidden"], spec["ffn"]
    weights = []
    for i in range(spec["layers"]):
        p = f"l{i}."
        for name in ("q", "k", "v", "o"):
            weights += [(p + f"w{name}", (h, h), 1 / math.sqrt(h)), (p + f"b{name}", (h,), 0.02)]
        weights += [(p + "w1", (h, f), 1 / math.sqrt(h)), (p + "b1", (f,), 0.02),
                    (p + "w2", (f, h), 1 / math.sqrt(f)), (p + "b2", (h,), 0.02)]
        for norm in ("ln1", "ln2"):
            weights += [(p + norm + ".g", (h,), "gamma"), (p + norm + ".b", (h,), 0.02)]
    if spec["pre_norm"]:
        weights += [("final.g", (h,), "gamma"), ("final.b", (h,), 0.02)]
    return weights


RESNET18_STAGES = [(64, 1), (128, 2), (256, 2), (512, 2)]  # (channels, first stride)


def resnet18_convs():
    """(name, out, in, kernel, stride, pad) of every convolution in order."""
    convs = [("stem", 64, 3, 7, 2, 3)]
    channels = 64
    for s, (out, stride) in enumerate(RESNET18_STAGES):
        for b in range(2):
            p = f"s{s}b{b}."
            first = stride if b == 0 else 1
            convs += [(p + "c1", out, channels, 3, first, 1), (p + "c2", out, out, 3, 1, 1)]
            if b == 0 and (first != 1 or channels != out):
                convs.append((p + "down", out, channels, 1, first, 0))
            channels = out
    return convs


def resnet18_weights(spec):
    weights = []
    for name, out, cin, k, _, _ in resnet18_convs():
        weights += [(name + ".w", (out, cin, k, k), math.sqrt(2 / (cin * k * k))),
                    (name + ".b", (out,), 0.05)]
    weights += [("fc.w", (512, spec["classes"]), 1 / math.sqrt(512)),
                ("fc.b", (spec["classes"],), 0.02)]
    return weights


def input_specs(spec):
    """[(name, shape, scale)]: the activation input first, then the weights;
    scale is a standard deviation or "gamma" (1 + N(0, 0.1))."""
    if spec["kind"] == "transformer":
        return [("x", (spec["batch"], spec["seq"], spec["hidden"]), 1.0)] + \
            transformer_weights(spec)
    if spec["kind"] == "conv_mix":
        weights = []
        for name, out, cin, k, *_ in conv_mix_convs(spec):
            weights += [(name + ".w", (out, cin, k, k), math.sqrt(2 / (cin * k * k))),
                        (name + ".b", (out,), 0.05)]
        return [("x", (spec["batch"], 32, spec["size"], spec["size"]), 1.0)] + weights
    return [("x", (spec["batch"], 3, spec["size"], spec["size"]), 1.0)] + resnet18_weights(spec)


def draw_inputs(spec, seed=0):
    rng = np.random.default_rng(seed)
    feeds = {}
    for name, shape, scale in input_specs(spec):
        if scale == "gamma":
            feeds[name] = (1 + 0.1 * rng.standard_normal(shape)).astype(np.float32)
        else:
            feeds[name] = (scale * rng.standard_normal(shape)).astype(np.float32)
    return feeds


# --- the ONNX graphs -----------------------------------------------------------

class Graph:
    def __init__(self):
        self.nodes, self.initializers, self.count = [], [], 0

    def op(self, op_type, inputs, **attributes):
        self.count += 1
        out = f"t{self.count}"
        self.nodes.append(helper.make_node(op_type, inputs, [out], name=f"{op_type}_{self.count}",
                                           **attributes))
        return out

    def const(self, name, array):
        self.initializers.append(numpy_helper.from_array(np.asarray(array), name))
        return name


def build_transformer(spec):
    g = Graph()
    b, s, h, heads = spec["batch"], spec["seq"], spec["hidden"], spec["heads"]
    d = h // heads
    g.const("heads_shape", np.array([b, s, heads, d], np.int64))
    g.const("hidden_shape", np.array([b, s, h], np.int64))
    g.const("scale", np.array(1 / math.sqrt(d), np.float32))
    g.const("sqrt2", np.array(math.sqrt(2), np.float32))
    g.const("one", np.array(1, np.float32))
    g.const("half", np.array(0.5, np.float32))
    if spec["causal"]:
        g.const("mask", np.triu(np.full((s, s), -1e4, np.float32), 1))

    def linear(x, p, name):
        return g.op("Add", [g.op("MatMul", [x, p + "w" + name]), p + "b" + name])

    def norm(x, p):
        return g.op("LayerNormalization", [x, p + ".g", p + ".b"], axis=-1, epsilon=1e-5)

    def attention(x, p):
        q = g.op("Transpose", [g.op("Reshape", [linear(x, p, "q"), "heads_shape"])],
                 perm=[0, 2, 1, 3])
        k = g.op("Transpose", [g.op("Reshape", [linear(x, p, "k"), "heads_shape"])],
                 perm=[0, 2, 3, 1])
        v = g.op("Transpose", [g.op("Reshape", [linear(x, p, "v"), "heads_shape"])],
                 perm=[0, 2, 1, 3])
        scores = g.op("Mul", [g.op("MatMul", [q, k]), "scale"])
        if spec["causal"]:
            scores = g.op("Add", [scores, "mask"])
        context = g.op("MatMul", [g.op("Softmax", [scores], axis=-1), v])
        context = g.op("Reshape", [g.op("Transpose", [context], perm=[0, 2, 1, 3]),
                                   "hidden_shape"])
        return linear(context, p, "o")

    def mlp(x, p):
        a = linear(x, p, "1")
        gelu = g.op("Mul", [g.op("Mul", [a, g.op("Add", [g.op("Erf", [g.op("Div", [a, "sqrt2"])]),
                                                         "one"])]), "half"])
        return linear(gelu, p, "2")

    x = "x"
    for i in range(spec["layers"]):
        p = f"l{i}."
        if spec["pre_norm"]:
            x = g.op("Add", [x, attention(norm(x, p + "ln1"), p)])
            x = g.op("Add", [x, mlp(norm(x, p + "ln2"), p)])
        else:
            x = norm(g.op("Add", [x, attention(x, p)]), p + "ln1")
            x = norm(g.op("Add", [x, mlp(x, p)]), p + "ln2")
    if spec["pre_norm"]:
        x = norm(x, "final")
    return g, x


def build_resnet18(spec):
    g = Graph()
    convs = {c[0]: c for c in resnet18_convs()}

    def conv(x, name, relu=True, residual=None):
        _, _, _, k, stride, pad = convs[name]
        y = g.op("Conv", [x, name + ".w", name + ".b"], kernel_shape=[k, k],
                 strides=[stride, stride], pads=[pad] * 4)
        if residual is not None:
            y = g.op("Add", [y, residual])
        return g.op("Relu", [y]) if relu else y

    x = g.op("MaxPool", [conv("x", "stem")], kernel_shape=[3, 3], strides=[2, 2],
             pads=[1, 1, 1, 1])
    for s in range(len(RESNET18_STAGES)):
        for b in range(2):
            p = f"s{s}b{b}."
            shortcut = conv(x, p + "down", relu=False) if p + "down" in convs else x
            x = conv(conv(x, p + "c1"), p + "c2", residual=shortcut)
    x = g.op("Flatten", [g.op("GlobalAveragePool", [x])], axis=1)
    return g, g.op("Add", [g.op("MatMul", [x, "fc.w"]), "fc.b"])


def build_conv_mix(spec):
    g = Graph()
    x = "x"
    for name, _, _, k, stride, dilation, pads, groups in conv_mix_convs(spec):
        x = g.op("Relu", [g.op("Conv", [x, name + ".w", name + ".b"], kernel_shape=[k, k],
                               strides=[stride, stride], dilations=[dilation, dilation],
                               pads=pads, group=groups)])
    return g, x


BUILDERS = {"transformer": build_transformer, "resnet18": build_resnet18,
            "conv_mix": build_conv_mix}


def build(spec):
    g, output = BUILDERS[spec["kind"]](spec)
    g.nodes.append(helper.make_node("Identity", [output], ["y"], name="output"))
    inputs = [helper.make_tensor_value_info(name, TensorProto.FLOAT, list(shape))
              for name, shape, _ in input_specs(spec)]
    graph = helper.make_graph(g.nodes, spec["kind"], inputs,
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                              initializer=g.initializers)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])


# --- the PyTorch twins -----------------------------------------------------------

def torch_forward(spec, w):
    """The model in PyTorch from the tensors `w` (named as the graph inputs)."""
    import torch
    F = torch.nn.functional
    if spec["kind"] == "conv_mix":
        x = w["x"]
        for name, _, _, _, stride, dilation, pads, groups in conv_mix_convs(spec):
            # ONNX pads are [top, left, bottom, right]; F.pad takes (left, right, top, bottom).
            x = F.pad(x, (pads[1], pads[3], pads[0], pads[2]))
            x = F.relu(F.conv2d(x, w[name + ".w"], w[name + ".b"], stride=stride,
                                dilation=dilation, groups=groups))
        return x
    if spec["kind"] == "resnet18":
        convs = {c[0]: c for c in resnet18_convs()}

        def conv(x, name, relu=True, residual=None):
            _, _, _, _, stride, pad = convs[name]
            y = F.conv2d(x, w[name + ".w"], w[name + ".b"], stride=stride, padding=pad)
            if residual is not None:
                y = y + residual
            return F.relu(y) if relu else y

        x = F.max_pool2d(conv(w["x"], "stem"), 3, 2, 1)
        for s in range(len(RESNET18_STAGES)):
            for b in range(2):
                p = f"s{s}b{b}."
                shortcut = conv(x, p + "down", relu=False) if p + "down" in convs else x
                x = conv(conv(x, p + "c1"), p + "c2", residual=shortcut)
        x = torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)
        return x @ w["fc.w"] + w["fc.b"]

    b, s, h, heads = spec["batch"], spec["seq"], spec["hidden"], spec["heads"]
    d = h // heads
    mask = None
    if spec["causal"]:
        mask = torch.triu(torch.full((s, s), -1e4, device=w["x"].device), 1)

    def linear(x, p, name):
        return x @ w[p + "w" + name] + w[p + "b" + name]

    def norm(x, p):
        return F.layer_norm(x, (h,), w[p + ".g"], w[p + ".b"], 1e-5)

    def attention(x, p):
        q = linear(x, p, "q").reshape(b, s, heads, d).transpose(1, 2)
        k = linear(x, p, "k").reshape(b, s, heads, d).permute(0, 2, 3, 1)
        v = linear(x, p, "v").reshape(b, s, heads, d).transpose(1, 2)
        scores = (q @ k) * (1 / math.sqrt(d))
        if mask is not None:
            scores = scores + mask
        context = (torch.softmax(scores, -1) @ v).transpose(1, 2).reshape(b, s, h)
        return linear(context, p, "o")

    def mlp(x, p):
        a = linear(x, p, "1")
        return linear(a * (torch.erf(a / math.sqrt(2)) + 1) * 0.5, p, "2")

    x = w["x"]
    for i in range(spec["layers"]):
        p = f"l{i}."
        if spec["pre_norm"]:
            x = x + attention(norm(x, p + "ln1"), p)
            x = x + mlp(norm(x, p + "ln2"), p)
        else:
            x = norm(x + attention(x, p), p + "ln1")
            x = norm(x + mlp(x, p), p + "ln2")
    return norm(x, "final") if spec["pre_norm"] else x
