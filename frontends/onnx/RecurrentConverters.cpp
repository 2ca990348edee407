//===- RecurrentConverters.cpp - RNN, GRU and LSTM, unrolled ---------------===//
//
// The recurrences are unrolled over the (static) sequence length into graph
// ops: one matmul of the whole input sequence with W per direction, then per
// time step a matmul of the hidden state with R and the gate arithmetic, which
// the fusion engine turns into a few kernels per step. sequence_lens (a
// runtime input) masks steps past each batch entry's length: the state is
// carried through and Y is zero there, as ONNX specifies.
//
//===----------------------------------------------------------------------===//
#include "frontends/onnx/OpChain.h"

#include "mlir/IR/BuiltinAttributes.h"

using namespace mlir;

namespace smelt::onnx_frontend {
namespace {

enum class Cell { Rnn, Gru, Lstm };

int gatesOf(Cell cell) { return cell == Cell::Rnn ? 1 : cell == Cell::Gru ? 3 : 4; }

/// One activation function of the recurrence with its parameters.
struct Activation {
  std::string name;
  float alpha = 0, beta = 0;
};

/// Builds the unrolled recurrence; shares OpChain's failure tracking.
class Recurrence : public OpChain {
public:
  Recurrence(NodeContext &ctx, Cell cell) : OpChain(ctx), cell(cell) {}

  LogicalResult build();

private:
  Value slice(Value value, ArrayRef<int64_t> starts, ArrayRef<int64_t> limits) {
    if (!value)
      return fail();
    SmallVector<int64_t> strides(starts.size(), 1);
    return make<graph::SliceOp>(value, SmallVector<int64_t>(starts),
                                SmallVector<int64_t>(limits), strides);
  }
  /// Columns [gate * H, (gate + 1) * H) of a [B, G * H] value.
  Value gate(Value value, int64_t index) {
    return slice(value, {0, index * hidden}, {batch, (index + 1) * hidden});
  }
  /// Row `d` of a [D, ...] operand as a [rest...] value.
  Value direction(Value value, int64_t d) {
    if (!value)
      return fail();
    auto type = cast<RankedTensorType>(value.getType());
    SmallVector<int64_t> starts(type.getRank(), 0), limits(type.getShape());
    starts[0] = d;
    limits[0] = d + 1;
    return reshape(slice(value, starts, limits), type.getShape().drop_front());
  }
  Value transpose2d(Value value) {
    return make<graph::TransposeOp>(value, SmallVector<int64_t>{1, 0});
  }
  Value scalar(double value) { return ctx.scalar(value, element); }
  Value zeros(ArrayRef<int64_t> shape) {
    auto type = RankedTensorType::get(shape, element);
    return ctx.constant(DenseElementsAttr::get(type, FloatAttr::get(element, 0.0)));
  }
  Value clipped(Value value) {
    if (!clip)
      return value;
    return make<graph::MinOp>(make<graph::MaxOp>(value, scalar(-*clip)), scalar(*clip));
  }
  Value activate(const Activation &activation, Value value);
  LogicalResult parseActivations();

  Cell cell;
  Type element;
  int64_t steps = 0, batch = 0, hidden = 0, directions = 1;
  bool reverse = false;
  std::optional<double> clip;
  std::vector<Activation> activations; // per direction: 1, 2 or 3 of them
};

Value Recurrence::activate(const Activation &activation, Value value) {
  const std::string &name = activation.name;
  if (name == "Sigmoid")
    return unary<graph::SigmoidOp>(value);
  if (name == "Tanh")
    return unary<graph::TanhOp>(value);
  if (name == "Relu")
    return unary<graph::ReluOp>(value);
  if (name == "Affine")
    return make<graph::AddOp>(make<graph::MulOp>(value, scalar(activation.alpha)),
                              scalar(activation.beta));
  if (name == "LeakyRelu")
    return make<graph::MaxOp>(value, make<graph::MulOp>(value, scalar(activation.alpha)));
  if (name == "HardSigmoid")
    return make<graph::MinOp>(
        make<graph::MaxOp>(make<graph::AddOp>(make<graph::MulOp>(value, scalar(activation.alpha)),
                                              scalar(activation.beta)),
                           scalar(0.0)),
        scalar(1.0));
  if (name == "ScaledTanh")
    return make<graph::MulOp>(
        unary<graph::TanhOp>(make<graph::MulOp>(value, scalar(activation.beta))),
        scalar(activation.alpha));
  return fail(); // parseActivations() rejected anything else
}

LogicalResult Recurrence::parseActivations() {
  static const char *defaults[3][3] = {{"Tanh"}, {"Sigmoid", "Tanh"}, {"Sigmoid", "Tanh", "Tanh"}};
  const int perDirection = cell == Cell::Rnn ? 1 : cell == Cell::Gru ? 2 : 3;
  std::vector<std::string> names;
  if (const onnx::AttributeProto *given = ctx.attribute("activations"))
    names.assign(given->strings().begin(), given->strings().end());
  else
    for (int64_t d = 0; d < directions; ++d)
      for (int i = 0; i < perDirection; ++i)
        names.push_back(defaults[static_cast<int>(cell)][i]);
  if ((int64_t)names.size() != perDirection * directions) {
    ctx.emitError() << "expects " << perDirection * directions << " activations, got "
                    << names.size();
    return failure();
  }
  std::vector<float> alphas, betas;
  if (const onnx::AttributeProto *given = ctx.attribute("activation_alpha"))
    alphas.assign(given->floats().begin(), given->floats().end());
  if (const onnx::AttributeProto *given = ctx.attribute("activation_beta"))
    betas.assign(given->floats().begin(), given->floats().end());
  for (size_t i = 0; i < names.size(); ++i) {
    Activation activation{names[i]};
    // Defaults of the ONNX specification where a parameter is not given.
    if (activation.name == "LeakyRelu")
      activation.alpha = 0.01f;
    else if (activation.name == "HardSigmoid")
      activation.alpha = 0.2f, activation.beta = 0.5f;
    else if (activation.name == "Affine" || activation.name == "ScaledTanh")
      activation.alpha = 1.0f, activation.beta = activation.name == "Affine" ? 0.0f : 1.0f;
    else if (activation.name != "Sigmoid" && activation.name != "Tanh" &&
             activation.name != "Relu") {
      ctx.emitError() << "activation '" << activation.name << "' is not supported (Sigmoid, "
                      << "Tanh, Relu, Affine, LeakyRelu, HardSigmoid and ScaledTanh are)";
      return failure();
    }
    if (i < alphas.size())
      activation.alpha = alphas[i];
    if (i < betas.size())
      activation.beta = betas[i];
    activations.push_back(activation);
  }
  return success();
}

LogicalResult Recurrence::build() {
  if (failed(ctx.requireInputs(3)))
    return failure();
  RankedTensorType xType = ctx.inputType(0), wType = ctx.inputType(1), rType = ctx.inputType(2);
  element = xType.getElementType();
  if (!isa<FloatType>(element) || xType.getRank() != 3 || wType.getRank() != 3 ||
      rType.getRank() != 3) {
    ctx.emitError() << "expects float X, W and R of rank 3, got " << xType << ", " << wType
                    << ", " << rType;
    return failure();
  }
  const int64_t layout = ctx.getInt("layout", 0);
  const std::string dir = ctx.getString("direction", "forward");
  if (dir != "forward" && dir != "reverse" && dir != "bidirectional") {
    ctx.emitError() << "unknown direction '" << dir << "'";
    return failure();
  }
  directions = dir == "bidirectional" ? 2 : 1;
  reverse = dir == "reverse";
  const int64_t gates = gatesOf(cell);
  hidden = ctx.getInt("hidden_size", rType.getDimSize(2));
  steps = xType.getDimSize(layout == 0 ? 0 : 1);
  batch = xType.getDimSize(layout == 0 ? 1 : 0);
  const int64_t inputSize = xType.getDimSize(2);
  if (wType.getShape() != ArrayRef<int64_t>{directions, gates * hidden, inputSize} ||
      rType.getShape() != ArrayRef<int64_t>{directions, gates * hidden, hidden}) {
    ctx.emitError() << "W must be " << directions << "x" << gates * hidden << "x" << inputSize
                    << " and R " << directions << "x" << gates * hidden << "x" << hidden
                    << " for hidden_size " << hidden << ", got " << wType << " and " << rType;
    return failure();
  }
  if (const onnx::AttributeProto *given = ctx.attribute("clip"))
    clip = given->f();
  if (cell == Cell::Lstm && ctx.getInt("input_forget", 0) != 0) {
    ctx.emitError() << "input_forget=1 is not supported";
    return failure();
  }
  const bool linearBeforeReset = cell == Cell::Gru && ctx.getInt("linear_before_reset", 0) != 0;
  if (ctx.hasFailed() || failed(parseActivations()))
    return failure();

  // X as [T * B, I] in time-major order.
  Value x = ctx.input(0);
  if (layout != 0)
    x = make<graph::TransposeOp>(x, SmallVector<int64_t>{1, 0, 2});
  x = reshape(x, {steps * batch, inputSize});
  Value w = ctx.input(1), r = ctx.input(2);
  Value bias = ctx.hasInput(3) ? ctx.input(3) : Value();
  Value lengths;
  if (ctx.hasInput(4))
    lengths = reshape(convert(ctx.input(4), IntegerType::get(ctx.getContext(), 64)), {batch, 1});
  Value initialH = ctx.hasInput(5) ? ctx.input(5) : Value();
  Value initialC = cell == Cell::Lstm && ctx.hasInput(6) ? ctx.input(6) : Value();
  Value peepholes = cell == Cell::Lstm && ctx.hasInput(7) ? ctx.input(7) : Value();

  SmallVector<Value> ys, finalHs, finalCs;
  for (int64_t d = 0; d < directions; ++d) {
    const bool backward = reverse || d == 1;
    const Activation *act = &activations[d * (cell == Cell::Rnn ? 1 : cell == Cell::Gru ? 2 : 3)];
    // X * W^T for every step at once: [T, B, G * H], with the input biases.
    Value rT = transpose2d(direction(r, d));
    Value xw = make<graph::MatMulOp>(x, transpose2d(direction(w, d)));
    Value recurrentBias;
    if (bias) {
      Value b = direction(bias, d); // [2 * G * H]: Wb then Rb
      Value wb = slice(b, {0}, {gates * hidden});
      Value rb = slice(b, {gates * hidden}, {2 * gates * hidden});
      if (cell == Cell::Gru) {
        // The h gate's recurrent bias belongs inside the reset product.
        Value rbZr = slice(rb, {0}, {2 * hidden});
        recurrentBias = slice(rb, {2 * hidden}, {3 * hidden});
        Value zeroH = zeros({hidden});
        xw = make<graph::AddOp>(
            xw, make<graph::AddOp>(wb, make<graph::ConcatOp>(ValueRange{rbZr, zeroH},
                                                             (uint64_t)0)));
      } else {
        xw = make<graph::AddOp>(xw, make<graph::AddOp>(wb, rb));
      }
    }
    xw = reshape(xw, {steps, batch, gates * hidden});
    Value h = initialH ? direction(initialH, d) : zeros({batch, hidden});
    Value c = cell == Cell::Lstm ? (initialC ? direction(initialC, d) : zeros({batch, hidden}))
                                 : Value();
    Value pi, po, pf;
    if (peepholes) {
      Value p = direction(peepholes, d); // [3H]: i, o, f
      pi = slice(p, {0}, {hidden});
      po = slice(p, {hidden}, {2 * hidden});
      pf = slice(p, {2 * hidden}, {3 * hidden});
    }
    Value rZr, rH; // GRU: R's z/r rows and h rows, transposed
    if (cell == Cell::Gru) {
      rZr = slice(rT, {0, 0}, {hidden, 2 * hidden});
      rH = slice(rT, {0, 2 * hidden}, {hidden, 3 * hidden});
    }

    SmallVector<Value> outputs(steps);
    for (int64_t s = 0; s < steps; ++s) {
      const int64_t t = backward ? steps - 1 - s : s;
      Value xt = reshape(slice(xw, {t, 0, 0}, {t + 1, batch, gates * hidden}),
                         {batch, gates * hidden});
      Value hNext, cNext;
      if (cell == Cell::Rnn) {
        hNext = activate(act[0], clipped(make<graph::AddOp>(xt, make<graph::MatMulOp>(h, rT))));
      } else if (cell == Cell::Gru) {
        Value hr = make<graph::MatMulOp>(h, rZr);
        Value z = activate(act[0], clipped(make<graph::AddOp>(gate(xt, 0), gate(hr, 0))));
        Value reset = activate(act[0], clipped(make<graph::AddOp>(gate(xt, 1), gate(hr, 1))));
        Value candidate;
        if (linearBeforeReset) {
          Value hh = make<graph::MatMulOp>(h, rH);
          if (recurrentBias)
            hh = make<graph::AddOp>(hh, recurrentBias);
          candidate = make<graph::AddOp>(gate(xt, 2), make<graph::MulOp>(reset, hh));
        } else {
          candidate = make<graph::AddOp>(gate(xt, 2),
                                         make<graph::MatMulOp>(make<graph::MulOp>(reset, h), rH));
          if (recurrentBias)
            candidate = make<graph::AddOp>(candidate, recurrentBias);
        }
        Value hTilde = activate(act[1], clipped(candidate));
        // (1 - z) * h~ + z * h
        hNext = make<graph::AddOp>(
            make<graph::MulOp>(make<graph::SubOp>(scalar(1.0), z), hTilde),
            make<graph::MulOp>(z, h));
      } else {
        Value g = make<graph::AddOp>(xt, make<graph::MatMulOp>(h, rT)); // i, o, f, c
        Value gi = gate(g, 0), go = gate(g, 1), gf = gate(g, 2), gc = gate(g, 3);
        if (peepholes) {
          gi = make<graph::AddOp>(gi, make<graph::MulOp>(pi, c));
          gf = make<graph::AddOp>(gf, make<graph::MulOp>(pf, c));
        }
        Value i = activate(act[0], clipped(gi));
        Value f = activate(act[0], clipped(gf));
        Value cTilde = activate(act[1], clipped(gc));
        cNext = make<graph::AddOp>(make<graph::MulOp>(f, c), make<graph::MulOp>(i, cTilde));
        if (peepholes)
          go = make<graph::AddOp>(go, make<graph::MulOp>(po, cNext));
        Value o = activate(act[0], clipped(go));
        hNext = make<graph::MulOp>(o, activate(act[2], cNext));
      }
      Value y = hNext;
      if (lengths) {
        // Past a batch entry's length the state carries over and Y is 0.
        Value valid = make<graph::LessOp>(
            ctx.scalar(static_cast<double>(t), IntegerType::get(ctx.getContext(), 64)), lengths);
        hNext = make<graph::SelectOp>(valid, hNext, h);
        if (cNext)
          cNext = make<graph::SelectOp>(valid, cNext, c);
        y = make<graph::SelectOp>(valid, y, zeros({batch, hidden}));
      }
      h = hNext;
      c = cNext;
      outputs[t] = reshape(y, {1, 1, batch, hidden});
    }
    ys.push_back(steps == 1 ? outputs[0] : make<graph::ConcatOp>(ValueRange(outputs), (uint64_t)0));
    finalHs.push_back(reshape(h, {1, batch, hidden}));
    if (c)
      finalCs.push_back(reshape(c, {1, batch, hidden}));
  }

  auto joined = [&](SmallVector<Value> &parts, uint64_t axis) {
    return parts.size() == 1 ? parts.front() : make<graph::ConcatOp>(ValueRange(parts), axis);
  };
  Value y = joined(ys, 1);         // [T, D, B, H]
  Value yH = joined(finalHs, 0);   // [D, B, H]
  Value yC = finalCs.empty() ? Value() : joined(finalCs, 0);
  if (layout != 0) {
    y = make<graph::TransposeOp>(y, SmallVector<int64_t>{2, 0, 1, 3}); // [B, T, D, H]
    yH = make<graph::TransposeOp>(yH, SmallVector<int64_t>{1, 0, 2});  // [B, D, H]
    if (yC)
      yC = make<graph::TransposeOp>(yC, SmallVector<int64_t>{1, 0, 2});
  }
  if (hasFailed())
    return failure();
  ctx.setOutput(0, y);
  ctx.setOutput(1, yH);
  if (yC)
    ctx.setOutput(2, yC);
  return success();
}

} // namespace

void registerRecurrentConverters(llvm::StringMap<Converter> &converters) {
  converters["RNN"] = [](NodeContext &ctx) { return Recurrence(ctx, Cell::Rnn).build(); };
  converters["GRU"] = [](NodeContext &ctx) { return Recurrence(ctx, Cell::Gru).build(); };
  converters["LSTM"] = [](NodeContext &ctx) { return Recurrence(ctx, Cell::Lstm).build(); };
}

} // namespace smelt::onnx_frontend
