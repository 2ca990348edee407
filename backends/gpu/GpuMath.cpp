//===- GpuMath.cpp - Math ops prepared for the GPU conversions ------------===//
#include "backends/gpu/GpuMath.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/SetVector.h"

using namespace mlir;

namespace smelt::gpu {

void scalarizeVectorMath(Operation *root) {
  SmallVector<Operation *> ops;
  root->walk([&](Operation *op) {
    if (isa<math::MathDialect>(op->getDialect()) && op->getNumResults() == 1 &&
        isa<VectorType>(op->getResult(0).getType()) &&
        !isa<math::FmaOp, math::TruncOp>(op))
      ops.push_back(op);
  });
  for (Operation *op : ops) {
    OpBuilder b(op);
    Location loc = op->getLoc();
    auto type = cast<VectorType>(op->getResult(0).getType());
    if (type.getRank() != 1)
      continue;
    Value result = arith::ConstantOp::create(b, loc, type, b.getZeroAttr(type));
    for (int64_t lane = 0; lane < type.getNumElements(); ++lane) {
      IRMapping mapping;
      for (Value operand : op->getOperands())
        mapping.map(operand, vector::ExtractOp::create(b, loc, operand, ArrayRef<int64_t>{lane}));
      Operation *scalar = b.clone(*op, mapping);
      scalar->getResult(0).setType(type.getElementType());
      result = vector::InsertOp::create(b, loc, scalar->getResult(0), result,
                                        ArrayRef<int64_t>{lane});
    }
    op->getResult(0).replaceAllUsesWith(result);
    op->erase();
  }
}

void expandIntegerPowers(Operation *root) {
  SmallVector<math::IPowIOp> ops;
  root->walk([&](math::IPowIOp op) {
    if (isa<IntegerType>(op.getType()))
      ops.push_back(op);
  });
  for (math::IPowIOp op : ops) {
    OpBuilder b(op);
    Location loc = op.getLoc();
    Type type = op.getType();
    auto constant = [&](int64_t value) {
      return arith::ConstantOp::create(b, loc, type, b.getIntegerAttr(type, value)).getResult();
    };
    Value base = op.getLhs(), exponent = op.getRhs();
    Value zero = constant(0), one = constant(1), minusOne = constant(-1);
    Value negative = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, exponent, zero);
    Value start = arith::SelectOp::create(b, loc, negative, zero, exponent);
    auto loop = scf::WhileOp::create(
        b, loc, TypeRange{type, type, type}, ValueRange{one, base, start},
        [&](OpBuilder &cb, Location l, ValueRange args) {
          Value more = arith::CmpIOp::create(cb, l, arith::CmpIPredicate::ne, args[2], zero);
          scf::ConditionOp::create(cb, l, more, args);
        },
        [&](OpBuilder &bb, Location l, ValueRange args) {
          Value odd = arith::CmpIOp::create(
              bb, l, arith::CmpIPredicate::ne, arith::AndIOp::create(bb, l, args[2], one), zero);
          Value result = arith::SelectOp::create(
              bb, l, odd, arith::MulIOp::create(bb, l, args[0], args[1]), args[0]);
          Value square = arith::MulIOp::create(bb, l, args[1], args[1]);
          Value rest = arith::ShRUIOp::create(bb, l, args[2], one);
          scf::YieldOp::create(bb, l, ValueRange{result, square, rest});
        });
    Value oddExponent = arith::CmpIOp::create(
        b, loc, arith::CmpIPredicate::ne, arith::AndIOp::create(b, loc, exponent, one), zero);
    Value forMinusOne = arith::SelectOp::create(b, loc, oddExponent, minusOne, one);
    Value isOne = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, base, one);
    Value isMinusOne = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, base, minusOne);
    Value forNegative = arith::SelectOp::create(
        b, loc, isOne, one, arith::SelectOp::create(b, loc, isMinusOne, forMinusOne, zero));
    Value result = arith::SelectOp::create(b, loc, negative, forNegative, loop.getResult(0));
    op.getResult().replaceAllUsesWith(result);
    op.erase();
  }
}

void useLlvmMathIntrinsics(Operation *root) {
  SmallVector<Operation *> ops;
  root->walk([&](Operation *op) {
    if (op->getNumResults() != 1)
      return;
    Type element = getElementTypeOrSelf(op->getResult(0).getType());
    if (((element.isF32() || element.isF64()) &&
         isa<math::SqrtOp, math::RsqrtOp, math::RoundEvenOp, math::AbsFOp, math::CopySignOp>(
             op)) ||
        (isa<FloatType>(element) && isa<math::FmaOp, math::TruncOp>(op)))
      ops.push_back(op);
  });
  for (Operation *op : ops) {
    OpBuilder b(op);
    Location loc = op->getLoc();
    Type type = op->getResult(0).getType();
    ValueRange in = op->getOperands();
    Value result;
    if (isa<math::SqrtOp>(op)) {
      result = LLVM::SqrtOp::create(b, loc, type, in[0]);
    } else if (isa<math::RsqrtOp>(op)) {
      FloatAttr scalarOne = b.getFloatAttr(getElementTypeOrSelf(type), 1.0);
      TypedAttr oneAttr = isa<VectorType>(type)
                              ? TypedAttr(DenseElementsAttr::get(cast<ShapedType>(type),
                                                                 Attribute(scalarOne)))
                              : TypedAttr(scalarOne);
      Value one = arith::ConstantOp::create(b, loc, oneAttr);
      result = arith::DivFOp::create(b, loc, one, LLVM::SqrtOp::create(b, loc, type, in[0]));
    } else if (isa<math::RoundEvenOp>(op)) {
      result = LLVM::RoundEvenOp::create(b, loc, type, in[0]);
    } else if (isa<math::AbsFOp>(op)) {
      result = LLVM::FAbsOp::create(b, loc, type, in[0]);
    } else if (isa<math::CopySignOp>(op)) {
      result = LLVM::CopySignOp::create(b, loc, type, in[0], in[1]);
    } else if (isa<math::FmaOp>(op)) {
      result = LLVM::FMAOp::create(b, loc, type, in[0], in[1], in[2]);
    } else {
      result = LLVM::FTruncOp::create(b, loc, type, in[0]);
    }
    op->getResult(0).replaceAllUsesWith(result);
    op->erase();
  }
}

} // namespace smelt::gpu

namespace smelt::gpu {

void libmIntrinsicsAsOcmlCalls(Operation *root) {
  static const char *const names[] = {"tan", "asin", "acos", "atan", "atan2",
                                      "sinh", "cosh", "tanh"};
  SmallVector<Operation *> ops;
  root->walk([&](Operation *op) {
    StringRef name = op->getName().getStringRef();
    if (!name.consume_front("llvm.intr.") || op->getNumResults() != 1)
      return;
    Type type = op->getResult(0).getType();
    if ((type.isF32() || type.isF64()) && llvm::is_contained(names, name))
      ops.push_back(op);
  });
  for (Operation *op : ops) {
    Type type = op->getResult(0).getType();
    std::string callee = "__ocml_" +
                         op->getName().getStringRef().drop_front(10).str() +
                         (type.isF32() ? "_f32" : "_f64");
    auto module = op->getParentOfType<::mlir::gpu::GPUModuleOp>();
    if (!module)
      continue;
    auto func = module.lookupSymbol<LLVM::LLVMFuncOp>(callee);
    if (!func) {
      OpBuilder mb = OpBuilder::atBlockBegin(module.getBody());
      SmallVector<Type> parameters(op->getNumOperands(), type);
      func = LLVM::LLVMFuncOp::create(mb, op->getLoc(), callee,
                                      LLVM::LLVMFunctionType::get(type, parameters));
    }
    OpBuilder b(op);
    auto call = LLVM::CallOp::create(b, op->getLoc(), func, op->getOperands());
    op->getResult(0).replaceAllUsesWith(call.getResult());
    op->erase();
  }
}

void ocmlCallsAsLlvmIntrinsics(Operation *root) {
  SmallVector<LLVM::CallOp> calls;
  root->walk([&](LLVM::CallOp call) {
    if (std::optional<StringRef> callee = call.getCallee();
        callee && callee->starts_with("__ocml_") && call.getNumResults() == 1)
      calls.push_back(call);
  });
  llvm::SmallSetVector<StringRef, 8> replaced;
  for (LLVM::CallOp call : calls) {
    StringRef name = *call.getCallee();
    StringRef function = name.drop_front(7).rsplit('_').first; // "floor"
    OpBuilder b(call);
    Location loc = call.getLoc();
    Type type = call.getResult().getType();
    ValueRange in = call.getArgOperands();
    Value result;
    if (function == "floor" && in.size() == 1)
      result = LLVM::FFloorOp::create(b, loc, type, in[0]);
    else if (function == "ceil" && in.size() == 1)
      result = LLVM::FCeilOp::create(b, loc, type, in[0]);
    else if (function == "trunc" && in.size() == 1)
      result = LLVM::FTruncOp::create(b, loc, type, in[0]);
    else if (function == "rint" && in.size() == 1)
      result = LLVM::RoundEvenOp::create(b, loc, type, in[0]);
    else if (function == "fabs" && in.size() == 1)
      result = LLVM::FAbsOp::create(b, loc, type, in[0]);
    else if (function == "sqrt" && in.size() == 1)
      result = LLVM::SqrtOp::create(b, loc, type, in[0]);
    else if (function == "copysign" && in.size() == 2)
      result = LLVM::CopySignOp::create(b, loc, type, in[0], in[1]);
    else if (function == "fma" && in.size() == 3)
      result = LLVM::FMAOp::create(b, loc, type, in[0], in[1], in[2]);
    else
      continue;
    call.getResult().replaceAllUsesWith(result);
    replaced.insert(name);
    call.erase();
  }
  // Declarations nothing calls any more.
  root->walk([&](LLVM::LLVMFuncOp func) {
    if (func.isExternal() && replaced.contains(func.getName()) &&
        SymbolTable::symbolKnownUseEmpty(func, func->getParentOp()))
      func.erase();
  });
}

} // namespace smelt::gpu
