//===- LibraryCalls.cpp - which graph ops a vendor library can compute ---===//
//
// The matchers kernel formation uses to offer a kernel to vendor libraries
// (plan.call "gemm" / "conv2d" / "pool2d"); see LibraryCalls.h.
//
//===----------------------------------------------------------------------===//
#include "passes/LibraryCalls.h"

#include "dialects/graph/IR/GraphOps.h"

#include "mlir/IR/Matchers.h"
#include "llvm/ADT/STLExtras.h"

#include <algorithm>

using namespace mlir;

namespace smelt::library {

namespace {

/// A relu of `current` that ends a library epilogue (once): advances
/// `current` past it.
bool takeRelu(Operation *op, Value &current, bool &relu) {
  auto reluOp = dyn_cast<graph::ReluOp>(op);
  if (!reluOp || relu || reluOp.getInput() != current)
    return false;
  relu = true;
  current = reluOp.getResult();
  return true;
}

/// Whether every value of `group` but the last is read only inside it.
bool intermediatesStayInside(ArrayRef<Operation *> group) {
  return llvm::all_of(group.drop_back(),
                      [](Operation *op) { return op->getResult(0).hasOneUse(); });
}

} // namespace

/// [batch, M, N, K, B's batch stride in elements] for a matmul a library GEMM
/// can compute: f32, row-major operands [batch..., M, K] x [batch..., K, N]
/// with equal batch dims, or a right operand shared by every batch.
std::optional<SmallVector<int64_t>> gemmParameters(Operation *op) {
  auto matmul = dyn_cast<graph::MatMulOp>(op);
  if (!matmul)
    return std::nullopt;
  auto lhs = cast<RankedTensorType>(matmul.getLhs().getType());
  auto rhs = cast<RankedTensorType>(matmul.getRhs().getType());
  auto out = cast<RankedTensorType>(matmul.getType());
  if (!lhs.getElementType().isF32() || !rhs.getElementType().isF32() ||
      !out.getElementType().isF32() || !lhs.hasStaticShape() || !rhs.hasStaticShape() ||
      lhs.getRank() < 2 || out.getRank() != lhs.getRank())
    return std::nullopt;
  int64_t rank = lhs.getRank();
  int64_t m = lhs.getDimSize(rank - 2), k = lhs.getDimSize(rank - 1);
  int64_t n = rhs.getDimSize(rhs.getRank() - 1);
  if (rhs.getDimSize(rhs.getRank() - 2) != k || m == 0 || n == 0 || k == 0)
    return std::nullopt;
  int64_t batch = 1;
  for (int64_t d = 0; d < rank - 2; ++d)
    batch *= lhs.getDimSize(d);
  // A right operand shared by every batch (2-D, or batch dims all 1): the
  // batches of A are consecutive rows, so this is one GEMM with M = batch * M
  // (PyTorch's sequence-first linear layers are [seq, 1, K] x [K, N]: 128
  // GEMVs that would each read all of B).
  if (rhs.getRank() == 2 || llvm::all_of(rhs.getShape().drop_back(2),
                                         [](int64_t size) { return size == 1; }))
    return SmallVector<int64_t>{1, batch * m, n, k, 0};
  if (rhs.getRank() == rank && rhs.getShape().drop_back(2) == lhs.getShape().drop_back(2))
    return SmallVector<int64_t>{batch, m, n, k, k * n};
  return std::nullopt;
}

/// A group a library GEMM computes with its epilogue: a matmul
/// gemmParameters takes, then optionally an add of a bias row from outside
/// the group (f32, N elements, broadcast over the rows: shape [N] or
/// [1, ..., 1, N], not a splat the kernel would inline), then optionally relu.
/// Returns the params [batch, M, N, K, B's batch stride, hasBias, relu] and
/// the library's operands A, B, [bias]; none for a lone matmul (the plain
/// 5-parameter gemm).
std::optional<GemmCall> gemmCall(ArrayRef<Operation *> group) {
  if (group.size() < 2 || group.size() > 3)
    return std::nullopt;
  auto matmul = dyn_cast<graph::MatMulOp>(group.front());
  if (!matmul)
    return std::nullopt;
  std::optional<SmallVector<int64_t>> gemm = gemmParameters(matmul);
  if (!gemm)
    return std::nullopt;
  auto output = cast<RankedTensorType>(matmul.getType());
  const int64_t n = (*gemm)[2];
  Value current = matmul.getResult(), bias;
  bool relu = false;
  for (Operation *op : group.drop_front()) {
    if (auto add = dyn_cast<graph::AddOp>(op)) {
      if (bias || relu || add.getType() != output)
        return std::nullopt;
      if (add.getLhs() != current && add.getRhs() != current)
        return std::nullopt;
      Value other = add.getLhs() == current ? add.getRhs() : add.getLhs();
      auto type = dyn_cast<RankedTensorType>(other.getType());
      if (other == current || !type || !type.getElementType().isF32() ||
          !type.hasStaticShape() || type.getRank() < 1 || type.getRank() > output.getRank() ||
          type.getShape().back() != n || type.getNumElements() != n ||
          llvm::is_contained(group, other.getDefiningOp()))
        return std::nullopt;
      DenseElementsAttr elements;
      if (matchPattern(other, m_Constant(&elements)) && elements.isSplat())
        return std::nullopt;
      bias = other;
      current = add.getResult();
    } else if (!takeRelu(op, current, relu)) {
      return std::nullopt;
    }
  }
  if (!intermediatesStayInside(group))
    return std::nullopt;
  GemmCall call;
  call.params = *gemm;
  call.params.push_back(bias ? 1 : 0);
  call.params.push_back(relu ? 1 : 0);
  call.operands = {matmul.getLhs(), matmul.getRhs()};
  if (bias)
    call.operands.push_back(bias);
  return call;
}

/// A group a library convolution computes with its epilogue: conv, then
/// optionally an add of a tensor from outside the group (residual), then
/// optionally relu; f32, 2-D, NCHW. Returns the params
///   [N, C, H, W, K, R, S, OH, OW, strideH, strideW, dilationH, dilationW,
///    padTop, padLeft, padBottom, padRight, groups, hasBias, hasResidual, relu]
/// and the library's operands in order: input, weight, [bias], [residual].
std::optional<ConvCall> convCall(ArrayRef<Operation *> group) {
  if (group.empty() || group.size() > 3)
    return std::nullopt;
  auto conv = dyn_cast<graph::ConvOp>(group.front());
  if (!conv)
    return std::nullopt;
  auto input = cast<RankedTensorType>(conv.getInput().getType());
  auto weight = cast<RankedTensorType>(conv.getWeight().getType());
  auto output = cast<RankedTensorType>(conv.getType());
  if (input.getRank() != 4 || !input.getElementType().isF32() || !weight.hasStaticShape() ||
      !input.hasStaticShape())
    return std::nullopt;
  Value current = conv.getResult(), residual;
  bool relu = false;
  for (Operation *op : group.drop_front()) {
    if (auto add = dyn_cast<graph::AddOp>(op)) {
      if (residual || relu || add.getType() != output)
        return std::nullopt;
      Value other = add.getLhs() == current ? add.getRhs() : add.getLhs();
      if ((add.getLhs() != current && add.getRhs() != current) || other == current ||
          other.getType() != output || llvm::is_contained(group, other.getDefiningOp()))
        return std::nullopt;
      residual = other;
      current = add.getResult();
    } else if (!takeRelu(op, current, relu)) {
      return std::nullopt;
    }
  }
  if (!intermediatesStayInside(group))
    return std::nullopt;
  ArrayRef<int64_t> strides = conv.getStrides(), dilations = conv.getDilations(),
                    pads = conv.getPads();
  ConvCall call;
  call.params = {input.getDimSize(0),  input.getDimSize(1),  input.getDimSize(2),
                 input.getDimSize(3),  weight.getDimSize(0), weight.getDimSize(2),
                 weight.getDimSize(3), output.getDimSize(2), output.getDimSize(3),
                 strides[0],           strides[1],           dilations[0],
                 dilations[1],         pads[0],              pads[1],
                 pads[2],              pads[3],              (int64_t)conv.getGroup(),
                 conv.getBias() ? 1 : 0, residual ? 1 : 0,   relu ? 1 : 0};
  call.operands = {conv.getInput(), conv.getWeight()};
  if (conv.getBias())
    call.operands.push_back(conv.getBias());
  if (residual)
    call.operands.push_back(residual);
  return call;
}

/// Whether `op` is a convolution a library computes, or an add or relu of
/// the epilogue such a convolution could take (following producers back
/// through at most two adds/relus).
bool epilogueOfLibraryConv(Operation *op) {
  for (int step = 0; step < 3 && op; ++step) {
    if (isa<graph::ConvOp>(op))
      return convCall({op}).has_value();
    if (!isa<graph::AddOp, graph::ReluOp>(op))
      return false;
    Operation *producer = nullptr;
    for (Value operand : op->getOperands())
      if (Operation *def = operand.getDefiningOp();
          def && isa<graph::ConvOp, graph::AddOp, graph::ReluOp>(def)) {
        producer = def;
        break;
      }
    op = producer;
  }
  return false;
}

/// The pool2d params (see smelt/plugin.h) of a lone 2-D f32 NCHW pooling a
/// library can compute: max_pool, avg_pool, and reduce_mean over H and W (a
/// global average pool). The bottom/right pads are those the windows reach
/// (ceil_mode's extra windows included); an average that counts explicit
/// padding but not ceil_mode's extra cells is left to the generated kernel.
std::optional<SmallVector<int64_t>> poolCall(ArrayRef<Operation *> group) {
  if (group.size() != 1 || group.front()->getNumOperands() != 1)
    return std::nullopt;
  Operation *op = group.front();
  auto input = dyn_cast<RankedTensorType>(op->getOperand(0).getType());
  auto output = dyn_cast<RankedTensorType>(op->getResult(0).getType());
  if (!input || !output || input.getRank() != 4 || !input.hasStaticShape() ||
      !output.hasStaticShape() || !input.getElementType().isF32() ||
      !output.getElementType().isF32() || input.getNumElements() == 0)
    return std::nullopt;
  int64_t n = input.getDimSize(0), c = input.getDimSize(1), h = input.getDimSize(2),
          w = input.getDimSize(3);
  SmallVector<int64_t> kernel, strides, dilations = {1, 1}, pads;
  int64_t kind;
  if (auto max = dyn_cast<graph::MaxPoolOp>(op)) {
    kernel.assign(max.getKernelShape().begin(), max.getKernelShape().end());
    strides.assign(max.getStrides().begin(), max.getStrides().end());
    dilations.assign(max.getDilations().begin(), max.getDilations().end());
    pads.assign(max.getPads().begin(), max.getPads().end());
    kind = 0;
  } else if (auto avg = dyn_cast<graph::AvgPoolOp>(op)) {
    kernel.assign(avg.getKernelShape().begin(), avg.getKernelShape().end());
    strides.assign(avg.getStrides().begin(), avg.getStrides().end());
    pads.assign(avg.getPads().begin(), avg.getPads().end());
    kind = avg.getCountIncludePad() ? 2 : 1;
  } else if (auto mean = dyn_cast<graph::ReduceMeanOp>(op)) {
    SmallVector<int64_t> axes(mean.getAxes().begin(), mean.getAxes().end());
    llvm::sort(axes);
    if (axes != SmallVector<int64_t>{2, 3} || output.getNumElements() != n * c)
      return std::nullopt;
    kernel = {h, w};
    strides = {1, 1};
    pads = {0, 0, 0, 0};
    kind = 1;
  } else {
    return std::nullopt;
  }
  if (kernel.size() != 2 || strides.size() != 2 || dilations.size() != 2 || pads.size() != 4)
    return std::nullopt;
  int64_t oh = isa<graph::ReduceMeanOp>(op) ? 1 : output.getDimSize(2);
  int64_t ow = isa<graph::ReduceMeanOp>(op) ? 1 : output.getDimSize(3);
  if (!isa<graph::ReduceMeanOp>(op) &&
      (output.getDimSize(0) != n || output.getDimSize(1) != c))
    return std::nullopt;
  // The pads the last window reaches.
  int64_t reachBottom = std::max<int64_t>(
      0, (oh - 1) * strides[0] + (kernel[0] - 1) * dilations[0] + 1 - h - pads[0]);
  int64_t reachRight = std::max<int64_t>(
      0, (ow - 1) * strides[1] + (kernel[1] - 1) * dilations[1] + 1 - w - pads[1]);
  if (kind == 2 && (reachBottom > pads[2] || reachRight > pads[3]))
    return std::nullopt;
  return SmallVector<int64_t>{n,          c,          h,          w,
                              oh,         ow,         kernel[0],  kernel[1],
                              strides[0], strides[1], dilations[0], dilations[1],
                              pads[0],    pads[1],    reachBottom, reachRight,
                              kind};
}

} // namespace smelt::library
