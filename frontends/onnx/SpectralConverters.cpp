//===- SpectralConverters.cpp - DFT, STFT and MelWeightMatrix --------------===//
//
// Signal lengths are static, so a discrete Fourier transform is a product
// with constant cosine and sine matrices (computed in double precision at
// import): for a length-L transform of x = xr + i xi along one axis,
//   forward: Yr = xr C + xi S,  Yi = xi C - xr S,
//   inverse: Yr = (xr C - xi S) / L,  Yi = (xi C + xr S) / L,
// with C[j][k] = cos(2 pi j k / L), S[j][k] = sin(2 pi j k / L) and k over
// the L bins, or the first floor(L / 2) + 1 when onesided. STFT gathers the
// frames (constant indices), weights them by the window and transforms each.
// MelWeightMatrix has only constant inputs and folds to a constant.
//
//===----------------------------------------------------------------------===//
#include "frontends/onnx/NodeContext.h"
#include "frontends/onnx/OpChain.h"
#include "frontends/onnx/TensorConversion.h"

#include "dialects/graph/IR/GraphOps.h"

#include <onnx/onnx_pb.h>

#include <cmath>
#include <numeric>

using namespace mlir;

namespace smelt::onnx_frontend {
namespace {

/// The integer value of scalar input `i` (a constant), or an error.
FailureOr<int64_t> scalarInput(NodeContext &ctx, int i, StringRef role) {
  FailureOr<SmallVector<int64_t>> values = ctx.requireIntegerInput(i, role);
  if (failed(values))
    return failure();
  if (values->size() != 1) {
    ctx.emitError() << role << " must be one value, got " << values->size();
    return failure();
  }
  return values->front();
}

/// The real and imaginary parts of a signal [..., 1 | 2], each without the
/// last dim (the imaginary part null for a real signal).
std::pair<Value, Value> splitComplex(NodeContext &ctx, OpChain &ops, Value signal) {
  auto type = cast<RankedTensorType>(signal.getType());
  int64_t rank = type.getRank();
  SmallVector<int64_t> shape(type.getShape().drop_back());
  auto part = [&](int64_t index) { return ops.reshape(ops.slice(signal, rank - 1, index, 1), shape); };
  if (type.getDimSize(rank - 1) == 1)
    return {ops.reshape(signal, shape), Value()};
  return {part(0), part(1)};
}

/// The transform along the last axis of `re` (+ i `im`), truncated or
/// zero-padded to `length`: the parts of the result, the last axis holding
/// the bins.
std::pair<Value, Value> transformLast(NodeContext &ctx, OpChain &ops, Value re, Value im,
                                      int64_t length, bool inverse, bool onesided) {
  auto type = cast<RankedTensorType>(re.getType());
  Type element = type.getElementType();
  int64_t rank = type.getRank(), size = type.getDimSize(rank - 1);
  auto fit = [&](Value v) -> Value {
    if (!v || size == length)
      return v;
    if (size > length)
      return ops.slice(v, rank - 1, 0, length);
    SmallVector<int64_t> padShape(type.getShape());
    padShape[rank - 1] = length - size;
    FailureOr<Value> zeros = ctx.create<graph::BroadcastOp>(
        RankedTensorType::get(padShape, element), ctx.scalar(0, element));
    if (failed(zeros))
      return Value();
    return ops.make<graph::ConcatOp>(ValueRange{v, *zeros}, rank - 1);
  };
  re = fit(re);
  im = fit(im);
  int64_t bins = onesided ? length / 2 + 1 : length;
  std::vector<double> cosines(length * bins), sines(length * bins);
  double scale = inverse ? 1.0 / length : 1.0;
  for (int64_t j = 0; j < length; ++j)
    for (int64_t k = 0; k < bins; ++k) {
      // j * k mod L keeps the angle small, so large transforms stay exact.
      double angle = 2 * M_PI * (double)((j * k) % length) / length;
      cosines[j * bins + k] = scale * std::cos(angle);
      sines[j * bins + k] = scale * std::sin(angle);
    }
  auto matrixType = RankedTensorType::get({length, bins}, element);
  Value c = ctx.constant(HostTensor::fromFloats(matrixType, cosines).toAttr());
  Value s = ctx.constant(HostTensor::fromFloats(matrixType, sines).toAttr());
  auto product = [&](Value v, Value m) { return ops.make<graph::MatMulOp>(v, m); };
  Value outRe = product(re, c), outIm;
  Value reSine = product(re, s);
  if (im) {
    Value imCosine = product(im, c), imSine = product(im, s);
    outRe = inverse ? ops.make<graph::SubOp>(outRe, imSine) : ops.make<graph::AddOp>(outRe, imSine);
    outIm = inverse ? ops.make<graph::AddOp>(imCosine, reSine)
                    : ops.make<graph::SubOp>(imCosine, reSine);
  } else {
    outIm = inverse ? reSine : ops.make<graph::NegOp>(reSine);
  }
  return {outRe, outIm};
}

/// Moves `axis` of `v` last (or back from last), for transformLast.
Value moveAxis(OpChain &ops, Value v, int64_t axis, bool toLast) {
  int64_t rank = cast<RankedTensorType>(v.getType()).getRank();
  if (axis == rank - 1)
    return v;
  SmallVector<int64_t> perm;
  for (int64_t d = 0; d < rank; ++d)
    if (d != axis)
      perm.push_back(d);
  perm.push_back(axis);
  if (!toLast) {
    SmallVector<int64_t> inverse(rank);
    for (int64_t d = 0; d < rank; ++d)
      inverse[perm[d]] = d;
    perm = inverse;
  }
  return ops.make<graph::TransposeOp>(v, ArrayRef<int64_t>(perm));
}

/// The parts joined as [..., 2].
Value joinComplex(OpChain &ops, Value re, Value im) {
  if (!re || !im)
    return Value();
  SmallVector<int64_t> shape(cast<RankedTensorType>(re.getType()).getShape());
  shape.push_back(1);
  return ops.make<graph::ConcatOp>(ValueRange{ops.reshape(re, shape), ops.reshape(im, shape)},
                                   (int64_t)shape.size() - 1);
}

/// DFT (opset 17; axis an input from 20): input [..., 1 | 2], optional
/// dft_length; inverse and onesided (a real input only) attributes.
LogicalResult convertDFT(NodeContext &ctx) {
  if (failed(ctx.requireInputs(1)))
    return failure();
  RankedTensorType type = ctx.inputType(0);
  int64_t rank = type.getRank();
  bool inverse = ctx.getInt("inverse", 0) != 0, onesided = ctx.getInt("onesided", 0) != 0;
  int64_t axis = ctx.opset >= 20 ? -2 : ctx.getInt("axis", 1);
  if (ctx.hasFailed())
    return failure();
  if (ctx.opset >= 20 && ctx.hasInput(2)) {
    FailureOr<int64_t> given = scalarInput(ctx, 2, "axis");
    if (failed(given))
      return failure();
    axis = *given;
  }
  if (rank < 2 || !isa<FloatType>(type.getElementType()) ||
      (type.getDimSize(rank - 1) != 1 && type.getDimSize(rank - 1) != 2)) {
    ctx.emitError() << "expects a float signal [..., 1 or 2] (real or complex), got " << type;
    return failure();
  }
  // The axis counts the trailing complex dim out (negative ones from it).
  if (axis < 0)
    axis += rank;
  if (axis < 0 || axis >= rank - 1) {
    ctx.emitError() << "axis " << axis << " is not a signal axis of " << type;
    return failure();
  }
  if (onesided && (inverse || type.getDimSize(rank - 1) == 2)) {
    ctx.emitError() << "onesided is supported for the forward transform of a real signal";
    return failure();
  }
  int64_t length = type.getDimSize(axis);
  if (ctx.hasInput(1)) {
    FailureOr<int64_t> given = scalarInput(ctx, 1, "dft_length");
    if (failed(given))
      return failure();
    length = *given;
  }
  if (length < 1) {
    ctx.emitError() << "dft_length must be positive, got " << length;
    return failure();
  }
  OpChain ops(ctx);
  auto [re, im] = splitComplex(ctx, ops, ctx.input(0));
  re = moveAxis(ops, re, axis, true);
  if (im)
    im = moveAxis(ops, im, axis, true);
  if (ops.hasFailed())
    return failure();
  auto [outRe, outIm] = transformLast(ctx, ops, re, im, length, inverse, onesided);
  if (ops.hasFailed())
    return failure();
  return ops.output(joinComplex(ops, moveAxis(ops, outRe, axis, false),
                                moveAxis(ops, outIm, axis, false)));
}

/// STFT (opset 17): signal [batch, length, 1 | 2], frame_step, optional
/// window [frame_length] and frame_length; the frames
/// 1 + (length - frame_length) / frame_step of them, windowed, transformed
/// (onesided by default): [batch, frames, bins, 2].
LogicalResult convertSTFT(NodeContext &ctx) {
  if (failed(ctx.requireInputs(2)))
    return failure();
  RankedTensorType type = ctx.inputType(0);
  bool onesided = ctx.getInt("onesided", 1) != 0;
  if (ctx.hasFailed())
    return failure();
  if (type.getRank() != 3 || !isa<FloatType>(type.getElementType()) ||
      (type.getDimSize(2) != 1 && type.getDimSize(2) != 2)) {
    ctx.emitError() << "expects a float signal [batch, length, 1 or 2], got " << type;
    return failure();
  }
  FailureOr<int64_t> step = scalarInput(ctx, 1, "frame_step");
  if (failed(step))
    return failure();
  int64_t signal = type.getDimSize(1);
  bool hasWindow = ctx.hasInput(2);
  int64_t windowLength = hasWindow ? ctx.inputType(2).getNumElements() : 0;
  int64_t frameLength = hasWindow ? windowLength : signal;
  if (ctx.hasInput(3)) {
    FailureOr<int64_t> given = scalarInput(ctx, 3, "frame_length");
    if (failed(given))
      return failure();
    frameLength = *given;
  }
  if (hasWindow && (ctx.inputType(2).getRank() != 1 || windowLength != frameLength)) {
    ctx.emitError() << "the window must be 1-D of frame_length " << frameLength << ", got "
                    << ctx.inputType(2);
    return failure();
  }
  if (*step < 1 || frameLength < 1 || frameLength > signal) {
    ctx.emitError() << "frame_step " << *step << " and frame_length " << frameLength
                    << " do not frame a signal of " << signal;
    return failure();
  }
  if (onesided && type.getDimSize(2) == 2) {
    ctx.emitError() << "onesided is supported for a real signal";
    return failure();
  }
  int64_t frames = 1 + (signal - frameLength) / *step;
  OpChain ops(ctx);
  // The frames: [batch, frames * frame_length, 1 | 2] gathered along the
  // signal, then [batch, frames, frame_length, 1 | 2].
  std::vector<int64_t> positions;
  for (int64_t f = 0; f < frames; ++f)
    for (int64_t t = 0; t < frameLength; ++t)
      positions.push_back(f * *step + t);
  auto indexType =
      RankedTensorType::get({(int64_t)positions.size()}, IntegerType::get(ctx.getContext(), 64));
  Value indices = ctx.constant(HostTensor::fromInts(indexType, positions).toAttr());
  Value framed = ops.reshape(ops.make<graph::GatherOp>(ctx.input(0), indices, int64_t(1)),
                             {type.getDimSize(0), frames, frameLength, type.getDimSize(2)});
  if (hasWindow)
    framed = ops.make<graph::MulOp>(
        framed, ops.reshape(ops.convert(ctx.input(2), type.getElementType()),
                            {1, 1, frameLength, 1}));
  auto [re, im] = splitComplex(ctx, ops, framed);
  if (ops.hasFailed())
    return failure();
  auto [outRe, outIm] = transformLast(ctx, ops, re, im, frameLength, false, onesided);
  return ops.output(joinComplex(ops, outRe, outIm));
}

/// MelWeightMatrix (opset 17): [dft_length / 2 + 1, num_mel_bins] triangular
/// filters between mel-spaced points, the points rounded down to DFT bins as
/// the ONNX reference does; a constant.
LogicalResult convertMelWeightMatrix(NodeContext &ctx) {
  if (failed(ctx.requireInputs(5)))
    return failure();
  FailureOr<int64_t> mels = scalarInput(ctx, 0, "num_mel_bins");
  FailureOr<int64_t> dftLength = scalarInput(ctx, 1, "dft_length");
  FailureOr<int64_t> sampleRate = scalarInput(ctx, 2, "sample_rate");
  if (failed(mels) || failed(dftLength) || failed(sampleRate))
    return failure();
  std::optional<HostTensor> lower = ctx.hostInput(3), upper = ctx.hostInput(4);
  if (!lower || !upper || lower->size() != 1 || upper->size() != 1) {
    ctx.emitError() << "lower_edge_hertz and upper_edge_hertz must be constant scalars";
    return failure();
  }
  int64_t dtype = ctx.getInt("output_datatype", onnx::TensorProto::FLOAT);
  if (ctx.hasFailed())
    return failure();
  Type element = convertElementType(ctx.getContext(), dtype);
  if (!element) {
    ctx.emitError() << "output_datatype " << onnxTypeName(dtype) << " is not supported";
    return failure();
  }
  if (*mels < 1 || *dftLength < 1 || *sampleRate < 1) {
    ctx.emitError() << "num_mel_bins, dft_length and sample_rate must be positive";
    return failure();
  }
  int64_t bins = *dftLength / 2 + 1;
  auto toMel = [](double hz) { return 2595 * std::log10(1 + hz / 700); };
  double low = toMel(lower->floatAt(0)), high = toMel(upper->floatAt(0));
  double step = (high - low) / (*mels + 2);
  std::vector<int64_t> points(*mels + 2);
  for (int64_t i = 0; i < *mels + 2; ++i) {
    double hz = 700 * (std::pow(10.0, (i * step + low) / 2595) - 1);
    points[i] = (int64_t)std::floor((*dftLength + 1) * hz / *sampleRate);
  }
  std::vector<double> weights(bins * *mels, 0.0);
  auto set = [&](int64_t row, int64_t column, double value) {
    if (row < 0 || row >= bins)
      return false;
    weights[row * *mels + column] = value;
    return true;
  };
  for (int64_t m = 0; m < *mels; ++m) {
    int64_t left = points[m], center = points[m + 1], right = points[m + 2];
    bool inside = true;
    if (center == left)
      inside &= set(center, m, 1);
    else
      for (int64_t j = left; j <= center; ++j)
        inside &= set(j, m, double(j - left) / double(center - left));
    for (int64_t j = center; j < right; ++j)
      inside &= set(j, m, double(right - j) / double(right - center));
    if (!inside) {
      ctx.emitError() << "mel filter " << m << " reaches past the " << bins
                      << " DFT bins (upper_edge_hertz above the Nyquist frequency?)";
      return failure();
    }
  }
  auto type = RankedTensorType::get({bins, *mels}, element);
  ctx.setConstantOutput(0, HostTensor::fromFloats(type, weights).toAttr());
  return success();
}

} // namespace

void registerSpectralConverters(llvm::StringMap<Converter> &converters) {
  converters["DFT"] = convertDFT;
  converters["STFT"] = convertSTFT;
  converters["MelWeightMatrix"] = convertMelWeightMatrix;
}

} // namespace smelt::onnx_frontend
