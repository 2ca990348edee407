// Times one ONNX model with ONNX Runtime (npm onnxruntime-node, CPU):
//   node ort_bench.js model.onnx 1x3x224x224 <repeat> <threads>
// prints {"median_ms": ..., "version": ...}. Used by ../bench_cpu.py.
const ort = require('onnxruntime-node');
const fs = require('fs');
async function main() {
  const [model, shapeText, repeat, threads] = process.argv.slice(2);
  const session = await ort.InferenceSession.create(model, {intraOpNumThreads: Number(threads), interOpNumThreads: 1, graphOptimizationLevel: 'all'});
  const shape = shapeText.split('x').map(Number);
  const size = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(size);
  for (let i = 0; i < size; ++i) data[i] = Math.sin(i);
  const feeds = {}; feeds[session.inputNames[0]] = new ort.Tensor('float32', data, shape);
  await session.run(feeds);
  const times = [];
  for (let i = 0; i < Number(repeat); ++i) { const t = process.hrtime.bigint(); await session.run(feeds); times.push(Number(process.hrtime.bigint() - t) / 1e6); }
  times.sort((a, b) => a - b);
  console.log(JSON.stringify({median_ms: times[Math.floor(times.length / 2)], version: require('onnxruntime-node/package.json').version}));
}
main().catch(e => { console.error(e.message); process.exit(1); });
