//===- Transcendentals.cpp - f32 math functions as vectorizable arithmetic -===//
//
// Kernels are scalar loops that LLVM vectorizes; a libm call in a loop keeps
// it scalar. So f32 exp, erf, tanh, log... become polynomials in arith ops
// (MLIR's approximations, within a few ulp of libm) before the lowering to
// LLVM. sin/cos keep libm (their approximations lack range reduction for
// large arguments).
//
// erf is one rational function, x P(x^2) / Q(x^2) with coefficients fitted
// here, where MLIR's expansion selects one of three rational functions by
// interval (18 blends per vector in GELU): GELU's loop went from 56 to about
// 23 vector instructions per vector, with erf within 6 ulp (MLIR's: 4).
//
// On AVX-512 targets exp has its own expansion, because it dominates
// softmax, sigmoid and SiLU: exp(x) = 2^k * p(r), with k = round(x / ln 2),
// r = x - k ln 2 (two-constant reduction, |r| <= ln 2 / 2) and p a degree-6
// polynomial fitted to e^r (error below 3.1e-9 relative), and the
// scaling by 2^k through llvm.ldexp, which LLVM vectorizes to vscalefps:
// scalef computes p * 2^k with the overflow to infinity and the underflow
// through subnormals to zero that MLIR's expansion builds from integer
// shifts, clamps and selects. That is 15 vector instructions per vector
// against 21. Without AVX-512, vector ldexp would be a libm call per lane,
// so MLIR's expansion stays.
//
//===----------------------------------------------------------------------===//
#include "backends/cpu/compiler/Transcendentals.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/StringSet.h"

using namespace mlir;

namespace {

/// f32, or a fixed-size vector of f32.
bool isF32OrFixedVector(Type type) {
  auto vector = dyn_cast<VectorType>(type);
  return getElementTypeOrSelf(type).isF32() && !(vector && vector.isScalable());
}

/// `value` as an f32 constant of `type` (f32 or a vector of f32).
Value f32Constant(PatternRewriter &rewriter, Location loc, Type type, float value) {
  Attribute scalar = rewriter.getF32FloatAttr(value);
  if (auto vector = dyn_cast<VectorType>(type))
    return arith::ConstantOp::create(rewriter, loc, type, DenseElementsAttr::get(vector, scalar));
  return arith::ConstantOp::create(rewriter, loc, cast<TypedAttr>(scalar));
}

/// `value` clamped to [low, high] by two selects, which keep a NaN (its
/// comparisons are false); LLVM matches each to one vminps/vmaxps with the
/// operand order that returns the NaN.
Value clampKeepingNaN(PatternRewriter &rewriter, Location loc, Value value, Value low,
                      Value high) {
  value = arith::SelectOp::create(
      rewriter, loc,
      arith::CmpFOp::create(rewriter, loc, arith::CmpFPredicate::OGT, value, high), high, value);
  return arith::SelectOp::create(
      rewriter, loc, arith::CmpFOp::create(rewriter, loc, arith::CmpFPredicate::OLT, value, low),
      low, value);
}

/// c[0] + c[1] x + ... + c[n] x^n by Horner's rule in fused multiply-adds,
/// on f32 of `type` (scalar or vector).
Value hornerPolynomial(PatternRewriter &rewriter, Location loc, Type type, Value x,
                       ArrayRef<float> coefficients) {
  Value sum = f32Constant(rewriter, loc, type, coefficients.back());
  for (float c : llvm::reverse(coefficients.drop_back()))
    sum = math::FmaOp::create(rewriter, loc, sum, x, f32Constant(rewriter, loc, type, c));
  return sum;
}

/// math.exp on f32 (scalar, or a vector of 16) as 2^k * p(r) with
/// llvm.ldexp or scalef.
struct ScaledExp : OpRewritePattern<math::ExpOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(math::ExpOp op, PatternRewriter &rewriter) const override {
    Type type = op.getType();
    if (!isF32OrFixedVector(type))
      return failure();
    // Explicit vectors only as 16 lanes, scalef's 512-bit form (the
    // narrower forms need AVX-512VL); MLIR's polynomial takes the others.
    auto vector = dyn_cast<VectorType>(type);
    if (vector && (vector.getRank() != 1 || vector.getNumElements() != 16))
      return failure();
    Location loc = op.getLoc();
    auto constant = [&](float value) { return f32Constant(rewriter, loc, type, value); };
    // Clamped so k stays within [-150, 128]: e^88.73 overflows and e^-103.98
    // underflows already.
    Value x = clampKeepingNaN(rewriter, loc, op.getOperand(), constant(-103.972084f),
                              constant(88.7228394f));
    Value k = math::RoundEvenOp::create(
        rewriter, loc, arith::MulFOp::create(rewriter, loc, x, constant(1.44269504f)));
    // ln 2 = 0.693359375 - 2.12194440e-4: the first has 9 significant bits,
    // so k times it is exact for |k| <= 150.
    Value r = math::FmaOp::create(rewriter, loc, k, constant(-0.693359375f), x);
    r = math::FmaOp::create(rewriter, loc, k, constant(2.12194440e-4f), r);
    // e^r = 1 + r + c2 r^2 + ... + c6 r^6 by Horner's rule, the c fitted
    // here to e^r's relative error on |r| <= ln 2 / 2 (weighted least
    // squares, Lawson's iteration): 3.1e-9 at most, where the Taylor
    // polynomial of the same degree errs by 1.6e-7 and needs one degree more.
    Value p = hornerPolynomial(rewriter, loc, type, r,
                               {1.0f, 1.0f, 0.49999994f, 0.166665211f, 0.0416683927f,
                                0.00836874358f, 0.00138145196f});
    if (vector) {
      // Explicit vectors (payloads cloned on vectors): llvm.intr.ldexp takes
      // a scalar exponent only, so vscalefps as its intrinsic, which takes
      // the exponent as a float (k is integral already).
      // Operands: p, 2's exponents, the pass-through, the lanes' mask (all)
      // and the rounding (4: the current mode).
      Value allLanes = arith::ConstantOp::create(rewriter, loc, rewriter.getI16Type(),
                                                 rewriter.getI16IntegerAttr(-1));
      Value rounding = arith::ConstantOp::create(rewriter, loc, rewriter.getI32Type(),
                                                 rewriter.getI32IntegerAttr(4));
      StringAttr scalef = rewriter.getStringAttr("llvm.x86.avx512.mask.scalef.ps.512");
      rewriter.replaceOp(op, LLVM::CallIntrinsicOp::create(rewriter, loc, type, scalef,
                                                           ValueRange{p, k, p, allLanes, rounding})
                                 .getResult(0));
      return success();
    }
    Value exponent = arith::FPToSIOp::create(rewriter, loc, rewriter.getI32Type(), k);
    rewriter.replaceOpWithNewOp<LLVM::LoadExpOp>(op, type, p, exponent);
    return success();
  }
};

/// math.erf on f32 (scalar or vector) as x P(x^2) / Q(x^2), one rational of
/// degree 5 over 5 in x^2 fitted on |x| <= 3.925 (beyond, erf rounds to +-1
/// in f32). Arguments are clamped to +-4, where the rational exceeds 1 (it
/// rises monotonically past 3.9), and results to +-1, so erf(+-inf) = +-1.
struct RationalErf : OpRewritePattern<math::ErfOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(math::ErfOp op, PatternRewriter &rewriter) const override {
    Type type = op.getType();
    if (!isF32OrFixedVector(type))
      return failure();
    Location loc = op.getLoc();
    auto constant = [&](float value) { return f32Constant(rewriter, loc, type, value); };
    auto clamp = [&](Value value, float bound) {
      return clampKeepingNaN(rewriter, loc, value, constant(-bound), constant(bound));
    };
    Value x = clamp(op.getOperand(), 4.0f);
    Value t = arith::MulFOp::create(rewriter, loc, x, x);
    // Fitted (weighted least squares, Lawson's iteration) to erf(x) / x in
    // ulps of erf(x); evaluated in f32 within 6 ulp of erf, 0.9 on average.
    Value p = hornerPolynomial(rewriter, loc, type, t,
                               {1.12837911f, 0.190318316f, 0.0527402349f, 0.00376302400f,
                                0.000285019400f, 2.05309334e-06f});
    Value q = hornerPolynomial(rewriter, loc, type, t,
                               {1.0f, 0.501997948f, 0.114075631f, 0.0149634574f,
                                0.00116229639f, 3.81305326e-05f});
    Value y = arith::DivFOp::create(rewriter, loc, arith::MulFOp::create(rewriter, loc, x, p), q);
    rewriter.replaceOp(op, clamp(y, 1.0f));
    return success();
  }
};

} // namespace

void smelt::cpu::approximateTranscendentals(ModuleOp code, bool hasAvx512) {
  // MLIR's approximations; erf always, and exp with AVX-512, are ours.
  static const llvm::StringSet<> approximated = {"exp", "expm1", "tanh", "log", "log2",
                                                 "log1p"};
  MLIRContext *context = code.getContext();
  context->loadDialect<LLVM::LLVMDialect>();
  RewritePatternSet patterns(context);
  populateMathPolynomialApproximationPatterns(patterns, [](StringRef name) {
    name.consume_front("math.");
    return approximated.contains(name);
  });
  patterns.add<RationalErf>(context);
  // Ahead of MLIR's exp where it applies.
  if (hasAvx512)
    patterns.add<ScaledExp>(context, /*benefit=*/2);
  (void)applyPatternsGreedily(code, std::move(patterns));
}
