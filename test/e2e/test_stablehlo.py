"""StableHLO programs through `smelt compile` / `smelt run`, checked against
NumPy computing the same functions (the conformance suite covers single ops;
these are whole programs with run-time inputs)."""
import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "examples"))
import make_mlp_stablehlo  # noqa: E402

EXAMPLE = os.path.join(ROOT, "examples", "mlp.stablehlo.mlir")


def compile_and_run(smelt, tmp_path, program, inputs, outputs=1, name="p"):
    source = tmp_path / f"{name}.mlir"
    if not os.path.exists(program):
        source.write_text(program)
    else:
        source = program
    code, _, err = smelt("compile", source, "-o", tmp_path / f"{name}.smelt", "--quiet")
    assert code == 0, err
    args = ["run", tmp_path / f"{name}.smelt"]
    for index, value in enumerate(inputs):
        np.save(tmp_path / f"in{index}.npy", value)
        args.append(f"--input=@{tmp_path / f'in{index}.npy'}")
    for index in range(outputs):
        args.append(f"--output=@{tmp_path / f'out{index}.npy'}")
    code, out, err = smelt(*args)
    assert code == 0, err
    return [np.load(tmp_path / f"out{index}.npy") for index in range(outputs)]


def test_bundled_example_is_current():
    with open(EXAMPLE) as f:
        assert f.read() == make_mlp_stablehlo.program(), \
            "examples/mlp.stablehlo.mlir is stale: rerun examples/make_mlp_stablehlo.py"


def test_mlp_matches_numpy(smelt, tmp_path):
    x = np.random.default_rng(3).standard_normal((4, 64)).astype(np.float32)
    (probabilities,) = compile_and_run(smelt, tmp_path, EXAMPLE, [x])
    expected = make_mlp_stablehlo.reference(x, make_mlp_stablehlo.weights())
    np.testing.assert_allclose(probabilities, expected, rtol=1e-5, atol=1e-7)


# argsort (a stable sort of keys with their indices), a cumulative sum
# (reduce_window with padding), a scatter-add of rows and a while loop that
# doubles until a bound: all on run-time inputs.
PROGRAM = """
func.func @main(%keys: tensor<3x6xf32>, %rows: tensor<4x5xi32>, %at: tensor<3x1xi32>,
                %updates: tensor<3x5xi32>, %start: tensor<i64>)
    -> (tensor<3x6xi32>, tensor<3x6xf32>, tensor<4x5xi32>, tensor<i64>) {
  %iota = stablehlo.iota dim = 1 : tensor<3x6xi32>
  %sorted:2 = "stablehlo.sort"(%keys, %iota) <{dimension = 1 : i64, is_stable = true}> ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>, %i: tensor<i32>, %j: tensor<i32>):
    %lt = stablehlo.compare LT, %a, %b, TOTALORDER : (tensor<f32>, tensor<f32>) -> tensor<i1>
    stablehlo.return %lt : tensor<i1>
  }) : (tensor<3x6xf32>, tensor<3x6xi32>) -> (tensor<3x6xf32>, tensor<3x6xi32>)
  %zero = stablehlo.constant dense<0.0> : tensor<f32>
  %cumsum = "stablehlo.reduce_window"(%keys, %zero) <{padding = dense<[[0, 0], [5, 0]]> : tensor<2x2xi64>, window_dimensions = array<i64: 1, 6>}> ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %s = stablehlo.add %a, %b : tensor<f32>
    stablehlo.return %s : tensor<f32>
  }) : (tensor<3x6xf32>, tensor<f32>) -> tensor<3x6xf32>
  %scattered = "stablehlo.scatter"(%rows, %at, %updates) <{scatter_dimension_numbers = #stablehlo.scatter<update_window_dims = [1], inserted_window_dims = [0], scatter_dims_to_operand_dims = [0], index_vector_dim = 1>}> ({
  ^bb0(%a: tensor<i32>, %b: tensor<i32>):
    %s = stablehlo.add %a, %b : tensor<i32>
    stablehlo.return %s : tensor<i32>
  }) : (tensor<4x5xi32>, tensor<3x1xi32>, tensor<3x5xi32>) -> tensor<4x5xi32>
  %bound = stablehlo.constant dense<1000> : tensor<i64>
  %doubled = stablehlo.while(%v = %start) : tensor<i64>
  cond {
    %c = stablehlo.compare LT, %v, %bound : (tensor<i64>, tensor<i64>) -> tensor<i1>
    stablehlo.return %c : tensor<i1>
  } do {
    %d = stablehlo.add %v, %v : tensor<i64>
    stablehlo.return %d : tensor<i64>
  }
  return %sorted#1, %cumsum, %scattered, %doubled : tensor<3x6xi32>, tensor<3x6xf32>, tensor<4x5xi32>, tensor<i64>
}
"""


def test_sort_scan_scatter_while_match_numpy(smelt, tmp_path):
    rng = np.random.default_rng(11)
    keys = rng.standard_normal((3, 6)).astype(np.float32)
    keys[1, 2] = keys[1, 4]  # a tie keeps its order
    rows = rng.integers(-50, 50, (4, 5)).astype(np.int32)
    at = np.array([[2], [0], [2]], np.int32)  # a repeated row accumulates
    updates = rng.integers(-9, 9, (3, 5)).astype(np.int32)
    start = np.array(3, np.int64)
    order, cumsum, scattered, doubled = compile_and_run(
        smelt, tmp_path, PROGRAM, [keys, rows, at, updates, start], outputs=4)
    np.testing.assert_array_equal(order, np.argsort(keys, axis=1, kind="stable"))
    np.testing.assert_allclose(cumsum, np.cumsum(keys, axis=1), rtol=1e-6, atol=1e-6)
    expected = rows.copy()
    np.add.at(expected, at[:, 0], updates)
    np.testing.assert_array_equal(scattered, expected)
    assert int(doubled) == 1536


def test_unknown_op_is_a_located_error(smelt, tmp_path):
    source = tmp_path / "bad.mlir"
    source.write_text("func.func @main(%x: tensor<2xf32>) -> tensor<2xf32> {\n"
                      "  %0 = \"stablehlo.frobnicate\"(%x) : (tensor<2xf32>) -> tensor<2xf32>\n"
                      "  return %0 : tensor<2xf32>\n}\n")
    code, _, err = smelt("compile", source, "-o", tmp_path / "bad.smelt")
    assert code == 1
    assert f"{source}:2:8: error: unsupported StableHLO op 'stablehlo.frobnicate'" in err


def test_malformed_text_is_a_located_error(smelt, tmp_path):
    source = tmp_path / "broken.mlir"
    source.write_text("func.func @main(%x: tensor<2xf32>) -> tensor<2xf32> {\n"
                      "  %0 = stablehlo.add %x, : tensor<2xf32>\n}\n")
    code, _, err = smelt("compile", source, "-o", tmp_path / "broken.smelt")
    assert code == 1
    assert f"{source}:2:" in err and "error:" in err
    assert "Stack dump" not in err


def test_input_type_flag_overrides_the_extension(smelt, tmp_path):
    source = tmp_path / "program.txt"
    source.write_text("func.func @main(%x: tensor<3xi32>) -> tensor<3xi32> {\n"
                      "  %0 = stablehlo.multiply %x, %x : tensor<3xi32>\n"
                      "  return %0 : tensor<3xi32>\n}\n")
    code, _, err = smelt("compile", source, "--input-type=stablehlo", "-o", tmp_path / "p.smelt",
                         "--quiet")
    assert code == 0, err
    code, out, err = smelt("run", tmp_path / "p.smelt", "--input=3xi32=1,-2,3")
    assert code == 0, err
    assert "[1, 4, 9]" in out
    code, _, err = smelt("compile", source, "--input-type=tflite", "-o", tmp_path / "p.smelt")
    assert code == 1 and "unknown input type 'tflite'" in err
