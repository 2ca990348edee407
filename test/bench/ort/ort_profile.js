// Per-node time of one ONNX model under ONNX Runtime (npm onnxruntime-node,
// CPU), from its profiler, to compare with `smelt run --profile`:
//   node ort_profile.js model.onnx 1x3x224x224 <repeat> <threads>
// prints the milliseconds per run of every node ORT ran (after its graph
// optimizations: fused nodes appear under their fused names), slowest first,
// with the op type and the input and output shapes, then the total. Input 0
// is a float32 tensor of the given shape.
const ort = require('onnxruntime-node');
const fs = require('fs');
const os = require('os');
const path = require('path');

async function main() {
  const [model, shapeText, repeat, threads] = process.argv.slice(2);
  if (!model || !shapeText) throw new Error('usage: node ort_profile.js model.onnx 1x3x224x224 [repeat] [threads]');
  const profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ort-profile-'));
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: Number(threads || os.cpus().length), interOpNumThreads: 1,
    graphOptimizationLevel: 'all', enableProfiling: true,
    profileFilePrefix: path.join(profileDir, 'profile')});
  const shape = shapeText.split('x').map(Number);
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; ++i) data[i] = Math.sin(i);
  const feeds = {[session.inputNames[0]]: new ort.Tensor('float32', data, shape)};
  await session.run(feeds); // warm-up, left out below
  for (let i = 0; i < Number(repeat || 20); ++i) await session.run(feeds);
  await session.release(); // writes the profile
  const perNode = new Map();
  let runs = -1; // model_run events after the warm-up's
  for (const file of fs.readdirSync(profileDir)) {
    let seenRuns = 0;
    for (const event of JSON.parse(fs.readFileSync(path.join(profileDir, file), 'utf8'))) {
      if (event.name === 'model_run') { ++runs; ++seenRuns; continue; }
      // A run's node events come before its model_run event: the ones before
      // the first model_run are the warm-up's.
      if (!event.name.endsWith('_kernel_time') || seenRuns === 0) continue;
      const shapes = (list) => (list || []).map((t) => JSON.stringify(Object.values(t)[0])).join(',');
      const key = `${event.args.op_name} ${shapes(event.args.input_type_shape)} -> ` +
                  `${shapes(event.args.output_type_shape)}  ${event.name.replace(/_kernel_time$/, '')}`;
      perNode.set(key, (perNode.get(key) || 0) + event.dur / 1000);
    }
  }
  fs.rmSync(profileDir, {recursive: true, force: true});
  const rows = [...perNode].map(([key, ms]) => [key, ms / Math.max(1, runs)]);
  rows.sort((a, b) => b[1] - a[1]);
  let total = 0;
  for (const [key, ms] of rows) { total += ms; console.log(`${ms.toFixed(3)}  ${key}`); }
  console.log(`${total.toFixed(3)}  total per run over ${runs} run(s), ONNX Runtime ` +
              require('onnxruntime-node/package.json').version);
}
main().catch((e) => { console.error(e.message); process.exit(1); });
