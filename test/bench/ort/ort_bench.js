// Times one ONNX model with ONNX Runtime (npm onnxruntime-node, CPU):
//   node ort_bench.js model.onnx 1x3x224x224 <repeat> <threads> [inputs.json] [warmup]
// prints {"median_ms": ..., "wall_median_ms": ..., "version": ...}. Used by
// ../bench_cpu.py and benchmarks/run.py. median_ms is ONNX Runtime's own
// time per run (the `model_run` events of its profiler), without the Node.js
// binding, which copies inputs and outputs between JavaScript and native
// memory on every call (hundreds of microseconds for megabyte tensors);
// wall_median_ms is the time of the whole session.run() call. inputs.json, when given, lists every input as
// {"name", "shape", "dtype": "float32"|"int64"} (the shape argument is then
// ignored); otherwise input 0 is a float32 tensor of the given shape. warmup
// (default 0) untimed runs come between the first run and the timed ones,
// as `smelt run --warmup`.
const ort = require('onnxruntime-node');
const fs = require('fs');
const os = require('os');
const path = require('path');
async function main() {
  const [model, shapeText, repeat, threads] = process.argv.slice(2);
  const profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ort-bench-'));
  const session = await ort.InferenceSession.create(model, {intraOpNumThreads: Number(threads), interOpNumThreads: 1, graphOptimizationLevel: 'all',
                                                            enableProfiling: true, profileFilePrefix: path.join(profileDir, 'profile')});
  const inputsFile = process.argv[6];
  const specs = inputsFile ? JSON.parse(fs.readFileSync(inputsFile, 'utf8'))
                           : [{name: session.inputNames[0], shape: shapeText.split('x').map(Number), dtype: 'float32'}];
  const feeds = {};
  for (const spec of specs) {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    if (spec.dtype === 'int64') {
      const data = new BigInt64Array(size);
      for (let i = 0; i < size; ++i) data[i] = BigInt(i % 1000);
      feeds[spec.name] = new ort.Tensor('int64', data, spec.shape);
    } else {
      const data = new Float32Array(size);
      for (let i = 0; i < size; ++i) data[i] = Math.sin(i);
      feeds[spec.name] = new ort.Tensor('float32', data, spec.shape);
    }
  }
  await session.run(feeds);
  const warmup = Number(process.argv[7] || 0);
  for (let i = 0; i < warmup; ++i) await session.run(feeds);
  const times = [];
  for (let i = 0; i < Number(repeat); ++i) { const t = process.hrtime.bigint(); await session.run(feeds); times.push(Number(process.hrtime.bigint() - t) / 1e6); }
  times.sort((a, b) => a - b);
  // The profile is written when the session is released.
  await session.release();
  const runs = [];
  for (const file of fs.readdirSync(profileDir)) {
    for (const event of JSON.parse(fs.readFileSync(path.join(profileDir, file), 'utf8')))
      if (event.name === 'model_run') runs.push(event.dur / 1000);
  }
  fs.rmSync(profileDir, {recursive: true, force: true});
  if (runs.length !== Number(repeat) + 1 + warmup) throw new Error(`expected ${Number(repeat) + 1 + warmup} model_run events in ONNX Runtime's profile, found ${runs.length}`);
  const inner = runs.slice(1 + warmup).sort((a, b) => a - b);
  const median = (values) => values[Math.floor(values.length / 2)];
  console.log(JSON.stringify({median_ms: median(inner), wall_median_ms: median(times), version: require('onnxruntime-node/package.json').version}));
}
main().catch(e => { console.error(e.message); process.exit(1); });
