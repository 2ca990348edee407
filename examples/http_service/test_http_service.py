"""Tests smelt-serve (examples/http_service) end to end.

Compiles examples/mnist_cnn.onnx, starts `smelt-serve --port 0`, and checks
GET /v1/model, 64 concurrent POST /v1/infer requests from 16 threads against
`smelt run` on the same inputs (bit-identical: same runtime, same kernels),
the 400 answers to bad requests, and a clean stop on SIGINT.

SMELT_BUILD_DIR is the build directory (default: build/ of the checkout): the test uses
$SMELT_BUILD_DIR/bin/smelt-serve and $SMELT_BUILD_DIR/bin/smelt.

    SMELT_BUILD_DIR=build /usr/bin/python3 -m pytest -q examples/http_service
"""

import json
import os
import re
import selectors
import signal
import subprocess
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
BUILD_DIR = Path(os.environ.get("SMELT_BUILD_DIR", REPO / "build"))
SERVE = BUILD_DIR / "bin" / "smelt-serve"
SMELT = BUILD_DIR / "bin" / "smelt"
MODEL_ONNX = REPO / "examples" / "mnist_cnn.onnx"

DISTINCT_INPUTS = 4
REQUESTS = 64
CLIENT_THREADS = 16
START_TIMEOUT_S = 60
REQUEST_TIMEOUT_S = 120

# Never send requests for 127.0.0.1 through an http_proxy from the environment.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def request(url, body=None):
    """Returns (HTTP status, parsed JSON body) for a GET, or a POST of `body`."""
    if isinstance(body, str):
        body = body.encode()
    req = urllib.request.Request(url, data=body, method="POST" if body is not None else "GET")
    # httplib limits form-encoded bodies (urllib's default type) to 8 KiB.
    req.add_header("Content-Type", "application/json")
    try:
        with OPENER.open(req, timeout=REQUEST_TIMEOUT_S) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read())


def start_server(model, log_path):
    """Starts smelt-serve on a free port; returns (process, base URL)."""
    log = open(log_path, "wb")
    process = subprocess.Popen(
        [str(SERVE), str(model), "--port", "0", "--host", "127.0.0.1"],
        stdout=subprocess.PIPE, stderr=log)
    log.close()
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + START_TIMEOUT_S
    line = b""
    while not line.endswith(b"\n"):
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not selector.select(remaining):
            process.kill()
            process.wait()
            pytest.fail(f"smelt-serve did not start within {START_TIMEOUT_S} s: "
                        f"{Path(log_path).read_text()}")
        chunk = os.read(process.stdout.fileno(), 1)
        if not chunk:
            process.wait()
            pytest.fail(f"smelt-serve exited with {process.returncode} before listening: "
                        f"{Path(log_path).read_text()}")
        line += chunk
    selector.close()
    match = re.fullmatch(r"listening on (http://127\.0\.0\.1:(\d+))", line.decode().strip())
    assert match, f"unexpected first line from smelt-serve: {line!r}"
    assert int(match.group(2)) > 0
    return process, match.group(1)


def stop_server(process):
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    process.stdout.close()


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    if not SERVE.exists():
        pytest.skip(f"smelt-serve was not built ({SERVE} is missing; it needs cpp-httplib, "
                    f"Debian: libcpp-httplib-dev)")
    if not SMELT.exists():
        pytest.skip(f"the smelt CLI is missing ({SMELT}); set SMELT_BUILD_DIR")
    return tmp_path_factory.mktemp("http_service")


@pytest.fixture(scope="module")
def model(workdir):
    path = workdir / "mnist.smelt"
    subprocess.run([str(SMELT), "compile", str(MODEL_ONNX), "-o", str(path), "--quiet"],
                   check=True, timeout=300)
    return path


@pytest.fixture(scope="module")
def server(model, workdir):
    process, url = start_server(model, workdir / "server.log")
    yield url
    stop_server(process)


@pytest.fixture(scope="module")
def signature(server):
    status, body = request(server + "/v1/model")
    assert status == 200, body
    return body


def infer_body(name, x):
    return json.dumps({"inputs": {name: {"shape": list(x.shape),
                                         "data": x.ravel().tolist()}}})


def test_model(signature):
    assert [t["name"] for t in signature["inputs"]] == ["image"]
    (image,) = signature["inputs"]
    assert image["dtype"] == "f32"
    assert image["shape"] == [1, 1, 28, 28]
    assert image["dim_names"] == [None] * 4
    (output,) = signature["outputs"]
    assert output["dtype"] == "f32"
    assert output["shape"] == [1, 10]
    assert len(output["dim_names"]) == 2


def test_concurrent_inference_matches_cli(server, signature, model, workdir):
    (image,) = signature["inputs"]
    outputs = signature["outputs"]
    rng = np.random.default_rng(20240611)
    inputs = [rng.standard_normal(image["shape"]).astype(np.float32)
              for _ in range(DISTINCT_INPUTS)]

    # The reference: the CLI on the same artifact and inputs.
    expected = []
    for i, x in enumerate(inputs):
        x_path = workdir / f"x{i}.npy"
        np.save(x_path, x)
        y_paths = [workdir / f"y{i}_{o}.npy" for o in range(len(outputs))]
        subprocess.run([str(SMELT), "run", str(model), f"--input=@{x_path}"] +
                       [f"--output=@{y}" for y in y_paths],
                       check=True, timeout=120, stdout=subprocess.DEVNULL)
        expected.append([np.load(y) for y in y_paths])

    def send(k):
        x = inputs[k % DISTINCT_INPUTS]
        return k, request(server + "/v1/infer", infer_body(image["name"], x))

    with ThreadPoolExecutor(max_workers=CLIENT_THREADS) as pool:
        results = list(pool.map(send, range(REQUESTS)))

    assert len(results) == REQUESTS
    for k, (status, body) in results:
        assert status == 200, f"request {k}: {body}"
        assert isinstance(body["time_ms"], (int, float)) and body["time_ms"] >= 0
        assert set(body["outputs"]) == {o["name"] for o in outputs}
        for o, info in enumerate(outputs):
            got = body["outputs"][info["name"]]
            want = expected[k % DISTINCT_INPUTS][o]
            assert got["dtype"] == info["dtype"]
            assert got["shape"] == list(want.shape)
            # Same artifact, same inputs: equal up to the last bits a vendor
            # library (oneDNN) may round differently from run to run under load.
            np.testing.assert_allclose(
                np.asarray(got["data"], dtype=np.float64).astype(np.float32).reshape(got["shape"]),
                want.astype(np.float32), rtol=1e-5, atol=1e-7,
                err_msg=f"request {k}, output {info['name']}")


def test_wrong_element_count(server):
    body = {"inputs": {"image": {"shape": [1, 1, 28, 28], "data": [0.5] * 783}}}
    status, answer = request(server + "/v1/infer", json.dumps(body))
    assert status == 400
    assert "'image'" in answer["error"] and "784 elements" in answer["error"], answer


def test_wrong_shape(server):
    # The right element count in the wrong shape: refused by the runtime.
    status, body = request(server + "/v1/infer",
                           infer_body("image", np.zeros((1, 784), np.float32)))
    assert status == 400
    assert "'image'" in body["error"] and "1x1x28x28" in body["error"], body
    assert body["code"] == "INVALID_ARGUMENT"


def test_malformed_json(server):
    status, body = request(server + "/v1/infer", '{"inputs": {"image": ')
    assert status == 400
    assert "invalid JSON" in body["error"], body
    status, body = request(server + "/v1/infer", "[1, 2")
    assert status == 400
    assert "invalid JSON" in body["error"], body


def test_unknown_input(server):
    x = np.zeros((1, 1, 28, 28), np.float32)
    body = json.loads(infer_body("image", x))
    body["inputs"]["pixels"] = {"shape": [1], "data": [0]}
    status, answer = request(server + "/v1/infer", json.dumps(body))
    assert status == 400
    assert "unknown input 'pixels'" in answer["error"], answer


def test_missing_input_and_bad_values(server):
    status, body = request(server + "/v1/infer", '{"inputs": {}}')
    assert status == 400
    assert "missing input 'image'" in body["error"], body
    status, body = request(server + "/v1/infer",
                           json.dumps({"inputs": {"image": {"shape": [1, 1, 28, 28],
                                                            "data": ["x"] * 784}}}))
    assert status == 400
    assert "'image'" in body["error"] and "number" in body["error"], body


def test_unknown_endpoint(server):
    status, body = request(server + "/v2/nothing")
    assert status == 404
    assert "error" in body


def test_stops_on_sigint(model, workdir):
    process, url = start_server(model, workdir / "sigint.log")
    try:
        assert request(url + "/v1/model")[0] == 200
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
        assert "stopped (SIGINT)" in (workdir / "sigint.log").read_text()
    finally:
        stop_server(process)
