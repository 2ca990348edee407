//===- StreamingStores.cpp - Non-temporal stores of a kernel's outputs -----===//
//
// A kernel that moves more through DRAM than the largest shared cache holds
// (marked smelt.streaming_stores by kernel-schedule) writes outputs that
// leave the caches before anything reads them again. An ordinary store to a line not
// in cache first reads the line from memory (read for ownership), so such
// an output costs its bytes twice in DRAM traffic, once read and once
// written back; a non-temporal store writes whole lines past the caches and
// reads nothing. On the GPT-2-medium softmax (16 heads of 512 x 512, 34 MB
// through a 32 MiB L3) the kernel ran 1.47 -> 0.96 ms on 2 threads (medians
// of interleaved `smelt run`s; 20-30% in a harness calling the code).
//
// x86's non-temporal vector stores need addresses aligned to the vector,
// and a kernel's output may be a caller's buffer at any address. So each
// loop nest that writes a kernel argument elementwise becomes
//
//   if (the tile it writes starts on a vector boundary) {
//     loops over the rows, and along each row a vector at a time: the
//     payload on vectors, stored with a non-temporal, aligned llvm.store
//   } else {
//     the loop nest as it was
//   }
//
// which needs every row of the tile to start on a vector boundary too
// (static strides, checked here). Non-temporal stores are weakly ordered,
// so the kernel body ends with an sfence before the runtime's
// synchronization hands the output to another thread.
//
//===----------------------------------------------------------------------===//
#include "backends/cpu/compiler/StreamingStores.h"

#include "dialects/kernel/IR/StorageSize.h"
#include "dialects/kernel/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/UB/IR/UBOps.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"

using namespace mlir;

namespace {

/// Whether `value` is a function argument, directly or through views.
bool isViewOfArgument(Value value) {
  while (Operation *op = value.getDefiningOp()) {
    if (!isa<memref::SubViewOp, memref::ExpandShapeOp, memref::CollapseShapeOp>(op))
      return false;
    value = op->getOperand(0);
  }
  return isa<BlockArgument>(value);
}

/// Whether `type` has unit stride along its last dim, `lanes` dividing the
/// last dim, and every other stride a multiple of `lanes` (each row starts
/// where the first row does, modulo the vector).
bool rowsKeepAlignment(MemRefType type, int64_t lanes) {
  SmallVector<int64_t> strides;
  int64_t offset;
  if (!type.hasStaticShape() || type.getRank() == 0 ||
      failed(type.getStridesAndOffset(strides, offset)))
    return false;
  if (strides.back() != 1 || type.getShape().back() % lanes != 0)
    return false;
  for (auto [size, stride] : llvm::zip(type.getShape().drop_back(), ArrayRef(strides).drop_back()))
    if (size != 1 && (ShapedType::isDynamic(stride) || stride % lanes != 0))
      return false;
  return true;
}

/// An elementwise generic writing a kernel argument whose rows can be
/// stored a vector at a time: the number of lanes, or 0.
int64_t streamableLanes(linalg::GenericOp generic, int64_t vectorBytes) {
  if (!generic.hasPureBufferSemantics() || generic.getNumDpsInits() != 1 ||
      generic.getNumLoops() == 0 || generic.getNumReductionLoops() != 0 ||
      generic.hasIndexSemantics())
    return 0;
  OpOperand *init = generic.getDpsInitOperand(0);
  auto type = dyn_cast<MemRefType>(init->get().getType());
  if (!type || !type.getElementType().isIntOrFloat() ||
      type.getElementTypeBitWidth() % 8 != 0 || !isViewOfArgument(init->get()) ||
      generic.payloadUsesValueFromOperand(init) ||
      !generic.getMatchingIndexingMap(init).isIdentity() ||
      !smelt::kernel::isElementwisePayload(generic.getRegion().front()))
    return 0;
  int64_t lanes = vectorBytes / (type.getElementTypeBitWidth() / 8);
  if (lanes < 2 || !rowsKeepAlignment(type, lanes))
    return 0;
  unsigned last = generic.getNumLoops() - 1;
  for (OpOperand *input : generic.getDpsInputOperands()) {
    AffineMap map = generic.getMatchingIndexingMap(input);
    auto inputType = dyn_cast<MemRefType>(input->get().getType());
    // Whole bytes only: a vector of i1 in memory is a bitmask, where a
    // memref of i1 holds a byte per element.
    if (!inputType || !inputType.getElementType().isIntOrFloat() ||
        inputType.getElementTypeBitWidth() % 8 != 0 ||
        !map.isProjectedPermutation(/*allowZeroInResults=*/true))
      return 0;
    if (!map.isFunctionOfDim(last))
      continue;
    SmallVector<int64_t> strides;
    int64_t offset;
    if (map.getResults().back() != getAffineDimExpr(last, generic.getContext()) ||
        failed(inputType.getStridesAndOffset(strides, offset)) || strides.back() != 1)
      return 0;
  }
  return lanes;
}

/// The loop nest of `generic` on vectors with non-temporal stores.
void buildStreamingNest(OpBuilder &b, linalg::GenericOp generic, int64_t lanes,
                        int64_t vectorBytes, memref::ExtractStridedMetadataOp metadata,
                        Value base, Value elementBytes) {
  Location loc = generic.getLoc();
  Value output = generic.getDpsInitOperand(0)->get();
  Block &body = generic.getRegion().front();
  SmallVector<int64_t> ranges = generic.getStaticLoopRanges();
  SmallVector<Value> lower, upper, steps;
  for (auto [d, range] : llvm::enumerate(ranges)) {
    lower.push_back(arith::ConstantIndexOp::create(b, loc, 0));
    upper.push_back(arith::ConstantIndexOp::create(b, loc, range));
    steps.push_back(arith::ConstantIndexOp::create(b, loc, d + 1 == ranges.size() ? lanes : 1));
  }
  unsigned last = ranges.size() - 1;
  scf::buildLoopNest(b, loc, lower, upper, steps, [&](OpBuilder &nb, Location l, ValueRange at) {
    SmallVector<Value> indices(at.begin(), at.end());
    IRMapping mapping;
    for (OpOperand *input : generic.getDpsInputOperands()) {
      AffineMap map = generic.getMatchingIndexingMap(input);
      SmallVector<Value> where = *smelt::kernel::applyIndexMap(nb, l, map, indices);
      Type element = cast<MemRefType>(input->get().getType()).getElementType();
      Value value;
      if (map.isFunctionOfDim(last))
        value = vector::TransferReadOp::create(nb, l, VectorType::get({lanes}, element),
                                               input->get(), where,
                                               ub::PoisonOp::create(nb, l, element),
                                               ArrayRef<bool>{true});
      else
        value = vector::BroadcastOp::create(nb, l, VectorType::get({lanes}, element),
                                            memref::LoadOp::create(nb, l, input->get(), where));
      mapping.map(generic.getMatchingBlockArgument(input), value);
    }
    Value result = smelt::kernel::clonePayloadOnVectors(nb, l, body, mapping, lanes).front();
    // The store as an LLVM one at the element's address: vector.store's
    // nontemporal and alignment attributes do not survive the folding of
    // views into their sources (fold-memref-alias-ops rebuilds the store).
    Value offset = metadata.getOffset();
    for (auto [index, stride] : llvm::zip(indices, metadata.getStrides()))
      offset = arith::AddIOp::create(nb, l, offset, arith::MulIOp::create(nb, l, index, stride));
    Value address = arith::AddIOp::create(
        nb, l, base, arith::MulIOp::create(nb, l, offset, elementBytes));
    Value pointer = LLVM::IntToPtrOp::create(
        nb, l, LLVM::LLVMPointerType::get(nb.getContext()),
        arith::IndexCastOp::create(nb, l, nb.getI64Type(), address).getResult());
    LLVM::StoreOp::create(nb, l, result, pointer, static_cast<unsigned>(vectorBytes),
                          /*isVolatile=*/false, /*isNonTemporal=*/true);
  });
}

} // namespace

void smelt::cpu::streamOutputStores(func::FuncOp func, int64_t vectorBytes) {
  if (vectorBytes < 16)
    return;
  SmallVector<std::pair<linalg::GenericOp, int64_t>> candidates;
  func.walk([&](linalg::GenericOp generic) {
    if (int64_t lanes = streamableLanes(generic, vectorBytes))
      candidates.push_back({generic, lanes});
  });
  if (candidates.empty())
    return;
  MLIRContext *context = func.getContext();
  context->loadDialect<LLVM::LLVMDialect, vector::VectorDialect, ub::UBDialect>();
  for (auto [generic, lanes] : candidates) {
    OpBuilder b(generic);
    Location loc = generic.getLoc();
    Value output = generic.getDpsInitOperand(0)->get();
    auto type = cast<MemRefType>(output.getType());
    // The tile's first element: the buffer's aligned pointer plus its offset.
    auto metadata = memref::ExtractStridedMetadataOp::create(b, loc, output);
    Value base = memref::ExtractAlignedPointerAsIndexOp::create(b, loc, output);
    Value elementBytes =
        arith::ConstantIndexOp::create(b, loc, smelt::elementStorageBytes(type.getElementType()));
    Value address = arith::AddIOp::create(
        b, loc, base, arith::MulIOp::create(b, loc, metadata.getOffset(), elementBytes));
    Value misalignment = arith::RemUIOp::create(
        b, loc, address, arith::ConstantIndexOp::create(b, loc, vectorBytes));
    Value aligned =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, misalignment,
                              arith::ConstantIndexOp::create(b, loc, 0));
    auto branch = scf::IfOp::create(b, loc, aligned, /*withElseRegion=*/true);
    OpBuilder thenBuilder = branch.getThenBodyBuilder();
    buildStreamingNest(thenBuilder, generic, lanes, vectorBytes, metadata, base, elementBytes);
    generic->moveBefore(branch.elseBlock()->getTerminator());
  }
  // Non-temporal stores are weakly ordered: fence them before the function
  // returns (and its caller signals the output done).
  func.walk([&](func::ReturnOp ret) {
    OpBuilder b(ret);
    LLVM::CallIntrinsicOp::create(b, ret.getLoc(), b.getStringAttr("llvm.x86.sse.sfence"),
                                  ValueRange{});
  });
}
