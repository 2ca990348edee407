//===- OneDnnOps.cpp - convolutions, poolings, matmuls through oneDNN at load time -===//
//
// Uses oneDNN's C API (version 2) by the declarations of Debian's
// libdnnl-dev; every function is resolved with dlsym from the library the
// host opened, so nothing links oneDNN.
//
//===----------------------------------------------------------------------===//
#include "OneDnnOps.h"

#if __has_include(<oneapi/dnnl/dnnl.h>)
#include <oneapi/dnnl/dnnl.h>
#define SMELT_HAVE_ONEDNN_HEADERS 1
#endif

#include <cstring>
#include <dlfcn.h>
#include <mutex>
#include <vector>

namespace smelt::cpu {

std::mutex &oneDnnCalls() {
  static std::mutex mutex;
  return mutex;
}

#ifndef SMELT_HAVE_ONEDNN_HEADERS

std::unique_ptr<OneDnnConv> bindOneDnnConv(const smelt_host_t &, const int64_t *,
                                           const float *, std::string &why) {
  why = "this runtime was built without oneDNN's headers (libdnnl-dev)";
  return nullptr;
}

std::unique_ptr<OneDnnPool> bindOneDnnPool(const smelt_host_t &, const int64_t *,
                                           std::string &why) {
  why = "this runtime was built without oneDNN's headers (libdnnl-dev)";
  return nullptr;
}

std::unique_ptr<OneDnnMatmul> bindOneDnnMatmul(const smelt_host_t &, const int64_t *, uint32_t,
                                               const float *, std::string &why) {
  why = "this runtime was built without oneDNN's headers (libdnnl-dev)";
  return nullptr;
}

bool keepInLibraryLayout(const LibraryEdge &) { return false; }

#else

namespace {

/// The oneDNN entry points used, by their C signatures.
struct Api {
#define SMELT_DNNL_FUNCTIONS(X)                                                                  \
  X(dnnl_version)                                                                                \
  X(dnnl_engine_create)                                                                          \
  X(dnnl_stream_create)                                                                          \
  X(dnnl_stream_wait)                                                                            \
  X(dnnl_stream_destroy)                                                                         \
  X(dnnl_memory_desc_init_by_tag)                                                                \
  X(dnnl_memory_desc_equal)                                                                      \
  X(dnnl_memory_desc_get_size)                                                                   \
  X(dnnl_dilated_convolution_forward_desc_init)                                                  \
  X(dnnl_pooling_v2_forward_desc_init)                                                           \
  X(dnnl_matmul_desc_init)                                                                       \
  X(dnnl_post_ops_create)                                                                        \
  X(dnnl_post_ops_append_sum)                                                                    \
  X(dnnl_post_ops_append_eltwise)                                                                \
  X(dnnl_post_ops_destroy)                                                                       \
  X(dnnl_primitive_attr_create)                                                                  \
  X(dnnl_primitive_attr_set_post_ops)                                                            \
  X(dnnl_primitive_attr_destroy)                                                                 \
  X(dnnl_primitive_desc_create)                                                                  \
  X(dnnl_primitive_desc_query)                                                                   \
  X(dnnl_primitive_desc_query_md)                                                                \
  X(dnnl_primitive_desc_destroy)                                                                 \
  X(dnnl_reorder_primitive_desc_create)                                                          \
  X(dnnl_primitive_create)                                                                       \
  X(dnnl_primitive_execute)                                                                      \
  X(dnnl_primitive_destroy)                                                                      \
  X(dnnl_memory_create)                                                                          \
  X(dnnl_memory_destroy)
#define SMELT_DNNL_MEMBER(name) decltype(&::name) name = nullptr;
  SMELT_DNNL_FUNCTIONS(SMELT_DNNL_MEMBER)
#undef SMELT_DNNL_MEMBER
  dnnl_engine_t engine = nullptr;
  std::string version;
  /// GNU OpenMP's omp_set_num_threads when oneDNN runs on it (Debian's
  /// does): oneDNN sizes its work split and its team by the calling
  /// thread's OpenMP thread count, which follows the instance's threads.
  void (*setOpenMpThreads)(int) = nullptr;
};

/// Makes oneDNN calls from this thread use `threads` (the instance's
/// num_threads) where oneDNN runs on OpenMP.
void useThreads(const Api *api, int threads) {
  if (api->setOpenMpThreads && threads > 0)
    api->setOpenMpThreads(threads);
}

/// Resolves the API once per library handle (oneDNN stays loaded).
const Api *resolve(void *handle, std::string &why) {
  static std::mutex mutex;
  static std::vector<std::pair<void *, std::unique_ptr<Api>>> apis;
  std::lock_guard<std::mutex> lock(mutex);
  for (auto &[known, api] : apis)
    if (known == handle)
      return api.get();
  auto api = std::make_unique<Api>();
#define SMELT_DNNL_RESOLVE(name)                                                                 \
  api->name = reinterpret_cast<decltype(api->name)>(::dlsym(handle, #name));                   \
  if (!api->name) {                                                                              \
    why = "oneDNN lacks " #name " (this driver binds the oneDNN 2 C API)";                       \
    return nullptr;                                                                              \
  }
  SMELT_DNNL_FUNCTIONS(SMELT_DNNL_RESOLVE)
#undef SMELT_DNNL_RESOLVE
  const dnnl_version_t *version = api->dnnl_version();
  if (!version || version->major != 2) {
    why = "oneDNN " + (version ? std::to_string(version->major) : std::string("?")) +
          ".x has another C API than the one this driver binds (2.x)";
    return nullptr;
  }
  // Resolved through oneDNN's handle, which searches its dependencies.
  api->setOpenMpThreads =
      reinterpret_cast<void (*)(int)>(::dlsym(handle, "omp_set_num_threads"));
  api->version = std::to_string(version->major) + "." + std::to_string(version->minor) + "." +
                 std::to_string(version->patch);
  if (api->dnnl_engine_create(&api->engine, dnnl_cpu, 0) != dnnl_success) {
    why = "oneDNN could not create a CPU engine";
    return nullptr;
  }
  apis.emplace_back(handle, std::move(api));
  return apis.back().second.get();
}

/// One call's oneDNN objects: a stream, the run's buffers wrapped as
/// memories (or scratch memories oneDNN allocates), the first failure.
class Execution {
public:
  Execution(const Api *api, int threads, const char *what) : api_(api), what_(what) {
    useThreads(api_, threads);
    if (api_->dnnl_stream_create(&stream_, api_->engine, dnnl_stream_default_flags) !=
        dnnl_success)
      error_ = "oneDNN could not create a stream";
  }
  ~Execution() {
    for (dnnl_memory_t memory : memories_)
      api_->dnnl_memory_destroy(memory);
    if (stream_)
      api_->dnnl_stream_destroy(stream_);
  }
  /// `data` as a memory of layout `desc`.
  dnnl_memory_t wrap(const dnnl_memory_desc_t &desc, const void *data) {
    dnnl_memory_t memory = nullptr;
    if (api_->dnnl_memory_create(&memory, &desc, api_->engine, const_cast<void *>(data)) !=
        dnnl_success) {
      if (error_.empty())
        error_ = "oneDNN could not wrap a buffer";
      return nullptr;
    }
    memories_.push_back(memory);
    return memory;
  }
  dnnl_memory_t scratch(const dnnl_memory_desc_t &desc) { return wrap(desc, DNNL_MEMORY_ALLOCATE); }
  void execute(dnnl_primitive_t primitive, std::vector<dnnl_exec_arg_t> args) {
    if (error_.empty() &&
        api_->dnnl_primitive_execute(primitive, stream_, static_cast<int>(args.size()),
                                     args.data()) != dnnl_success)
      error_ = std::string("oneDNN's ") + what_ + " failed";
  }
  /// Waits for the stream; the first failure, or empty.
  std::string finish() {
    if (error_.empty() && api_->dnnl_stream_wait(stream_) != dnnl_success)
      error_ = std::string("oneDNN's ") + what_ + " failed";
    return error_;
  }
  bool failed() const { return !error_.empty(); }

private:
  const Api *api_;
  const char *what_;
  dnnl_stream_t stream_ = nullptr;
  std::vector<dnnl_memory_t> memories_;
  std::string error_;
};

/// A reorder primitive between two layouts; empty on success, else why not.
std::string makeReorder(const Api *api, const dnnl_memory_desc_t &from,
                        const dnnl_memory_desc_t &to, dnnl_primitive_t &reorder) {
  dnnl_primitive_desc_t pd = nullptr;
  bool ok = api->dnnl_reorder_primitive_desc_create(&pd, &from, api->engine, &to, api->engine,
                                                    nullptr) == dnnl_success &&
            api->dnnl_primitive_create(&reorder, pd) == dnnl_success;
  if (pd)
    api->dnnl_primitive_desc_destroy(pd);
  return ok ? "" : "oneDNN could not reorder activations";
}

/// Constant weights of layout `plain`, copied once into a memory of layout
/// `chosen` (the implementation's) that `reordered` receives; empty on
/// success, else why not.
std::string reorderConstant(const Api *api, const dnnl_memory_desc_t &plain,
                            const dnnl_memory_desc_t &chosen, const float *weights,
                            dnnl_memory_t &reordered) {
  dnnl_memory_t source = nullptr;
  dnnl_primitive_desc_t pd = nullptr;
  dnnl_primitive_t reorder = nullptr;
  dnnl_stream_t stream = nullptr;
  std::string why;
  if (api->dnnl_memory_create(&source, &plain, api->engine, const_cast<float *>(weights)) !=
          dnnl_success ||
      api->dnnl_memory_create(&reordered, &chosen, api->engine, DNNL_MEMORY_ALLOCATE) !=
          dnnl_success ||
      api->dnnl_reorder_primitive_desc_create(&pd, &plain, api->engine, &chosen, api->engine,
                                              nullptr) != dnnl_success ||
      api->dnnl_primitive_create(&reorder, pd) != dnnl_success ||
      api->dnnl_stream_create(&stream, api->engine, dnnl_stream_default_flags) !=
          dnnl_success) {
    why = "oneDNN could not reorder the weights";
  } else {
    dnnl_exec_arg_t args[] = {{DNNL_ARG_FROM, source}, {DNNL_ARG_TO, reordered}};
    if (api->dnnl_primitive_execute(reorder, stream, 2, args) != dnnl_success ||
        api->dnnl_stream_wait(stream) != dnnl_success)
      why = "oneDNN could not reorder the weights";
  }
  if (stream)
    api->dnnl_stream_destroy(stream);
  if (reorder)
    api->dnnl_primitive_destroy(reorder);
  if (pd)
    api->dnnl_primitive_desc_destroy(pd);
  if (source)
    api->dnnl_memory_destroy(source);
  return why;
}

class Conv final : public OneDnnConv {
public:
  ~Conv() override {
    for (dnnl_primitive_t primitive : {primitive_, srcReorder_, dstReorder_, residualReorder_})
      if (primitive)
        api_->dnnl_primitive_destroy(primitive);
    if (reorderedWeights_)
      api_->dnnl_memory_destroy(reorderedWeights_);
  }

  std::string run(const float *input, const float *weight, const float *bias,
                  const float *residual, float *output) const override {
    // oneDNN splits work by the threads its OpenMP runtime gives a call, and
    // concurrent calls get different teams: one call at a time keeps every
    // result bit-identical to a lone run (each call uses every core anyway).
    std::lock_guard<std::mutex> serial(oneDnnCalls());
    Execution call(api_, threads_, "convolution");
    if (call.failed())
      return call.finish();

    // The implementation's layouts when they are not NCHW: reorder in and out,
    // unless the neighbouring ops keep the tensor in that layout.
    dnnl_memory_t src;
    if (srcInLibraryLayout_) {
      src = call.wrap(src_, input);
    } else {
      src = call.wrap(plainSrc_, input);
      if (srcReorder_) {
        dnnl_memory_t blocked = call.scratch(src_);
        call.execute(srcReorder_, {{DNNL_ARG_FROM, src}, {DNNL_ARG_TO, blocked}});
        src = blocked;
      }
    }
    dnnl_memory_t dst = call.wrap(dstInLibraryLayout_ ? dst_ : plainDst_, output);
    dnnl_memory_t convDst = dst;
    const bool reorderOut = dstReorder_ && !dstInLibraryLayout_;
    // The plan may place the output over the residual (when the residual
    // dies here): the sum post-op then accumulates in place, unless the
    // residual must be reordered into the output's layout, which goes
    // through a staging buffer (a reorder cannot work in place).
    const bool stageInPlace = hasResidual_ && residual == output && !reorderOut &&
                              dstReorder_ && !residualInLibraryLayout_;
    std::vector<float> staged;
    if (reorderOut) {
      // The residual, kept in the library's layout, is copied in as is.
      if (hasResidual_ && residualInLibraryLayout_) {
        staged.assign(residual, residual + outputBytes_ / sizeof(float));
        convDst = call.wrap(dst_, staged.data());
      } else {
        convDst = call.scratch(dst_);
      }
    } else if (stageInPlace) {
      staged.resize(outputBytes_ / sizeof(float));
      convDst = call.wrap(dst_, staged.data());
    }
    if (hasResidual_) {
      // The sum post-op accumulates into the destination: it starts as the
      // residual, reordered when it is NCHW and the destination is not.
      if (dstReorder_ && !residualInLibraryLayout_)
        call.execute(residualReorder_,
                     {{DNNL_ARG_FROM, call.wrap(plainDst_, residual)}, {DNNL_ARG_TO, convDst}});
      else if (!reorderOut && residual != output)
        std::memcpy(output, residual, outputBytes_);
    }
    std::vector<dnnl_exec_arg_t> args = {
        {DNNL_ARG_SRC, src},
        {DNNL_ARG_WEIGHTS, reorderedWeights_ ? reorderedWeights_ : call.wrap(weights_, weight)},
        {DNNL_ARG_DST, convDst}};
    if (hasBias_)
      args.push_back({DNNL_ARG_BIAS, call.wrap(bias_, bias)});
    call.execute(primitive_, args);
    if (reorderOut)
      call.execute(dstReorder_, {{DNNL_ARG_FROM, convDst}, {DNNL_ARG_TO, dst}});
    std::string failure = call.finish();
    if (failure.empty() && stageInPlace)
      std::memcpy(output, staged.data(), outputBytes_);
    return failure;
  }

  const std::string &name() const override { return name_; }

  /// Builds the primitive; empty on success, else why not.
  std::string build(const int64_t *p, const float *constantWeights) {
    const int64_t n = p[0], c = p[1], h = p[2], w = p[3], k = p[4], r = p[5], s = p[6],
                  oh = p[7], ow = p[8], groups = p[17];
    hasBias_ = p[18] != 0;
    hasResidual_ = p[19] != 0;
    const bool relu = p[20] != 0;
    outputBytes_ = static_cast<size_t>(n * k * oh * ow) * sizeof(float);

    dnnl_dims_t srcDims = {n, c, h, w}, dstDims = {n, k, oh, ow}, biasDims = {k};
    dnnl_dims_t weightDims = {k, c / groups, r, s};
    dnnl_dims_t groupedDims = {groups, k / groups, c / groups, r, s};
    const bool grouped = groups > 1;
    auto init = [&](dnnl_memory_desc_t &desc, int rank, const dnnl_dims_t dims,
                    dnnl_format_tag_t tag) {
      return api_->dnnl_memory_desc_init_by_tag(&desc, rank, dims, dnnl_f32, tag) ==
             dnnl_success;
    };
    dnnl_memory_desc_t plainWeights;
    if (!init(plainSrc_, 4, srcDims, dnnl_nchw) || !init(plainDst_, 4, dstDims, dnnl_nchw) ||
        !init(src_, 4, srcDims, dnnl_format_tag_any) ||
        !init(dst_, 4, dstDims, dnnl_format_tag_any) ||
        !init(bias_, 1, biasDims, dnnl_a) ||
        !init(plainWeights, grouped ? 5 : 4, grouped ? groupedDims : weightDims,
              grouped ? dnnl_goihw : dnnl_oihw) ||
        !init(weights_, grouped ? 5 : 4, grouped ? groupedDims : weightDims,
              constantWeights ? dnnl_format_tag_any : (grouped ? dnnl_goihw : dnnl_oihw)))
      return "oneDNN rejected the tensor shapes";

    dnnl_dims_t strides = {p[9], p[10]}, dilates = {p[11] - 1, p[12] - 1},
                padLeft = {p[13], p[14]}, padRight = {p[15], p[16]};
    dnnl_convolution_desc_t desc;
    if (api_->dnnl_dilated_convolution_forward_desc_init(
            &desc, dnnl_forward_inference, dnnl_convolution_direct, &src_, &weights_,
            hasBias_ ? &bias_ : nullptr, &dst_, strides, dilates, padLeft,
            padRight) != dnnl_success)
      return "oneDNN rejected the convolution";

    dnnl_post_ops_t postOps = nullptr;
    dnnl_primitive_attr_t attr = nullptr;
    api_->dnnl_post_ops_create(&postOps);
    if (hasResidual_)
      api_->dnnl_post_ops_append_sum(postOps, 1.0f);
    if (relu)
      api_->dnnl_post_ops_append_eltwise(postOps, 1.0f, dnnl_eltwise_relu, 0.0f, 0.0f);
    api_->dnnl_primitive_attr_create(&attr);
    api_->dnnl_primitive_attr_set_post_ops(attr, postOps);
    dnnl_primitive_desc_t pd = nullptr;
    dnnl_status_t created =
        api_->dnnl_primitive_desc_create(&pd, &desc, attr, api_->engine, nullptr);
    api_->dnnl_primitive_attr_destroy(attr);
    api_->dnnl_post_ops_destroy(postOps);
    if (created != dnnl_success)
      return "oneDNN has no implementation for this convolution";
    const char *implementation = nullptr;
    api_->dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &implementation);
    name_ = "oneDNN " + api_->version + " " + (implementation ? implementation : "?");

    // Activations in the implementation's layouts (blocked channels, say)
    // are reordered from and to the plan's NCHW buffers on every run.
    std::string why;
    src_ = *api_->dnnl_primitive_desc_query_md(pd, dnnl_query_src_md, 0);
    dst_ = *api_->dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0);
    if (!api_->dnnl_memory_desc_equal(&src_, &plainSrc_))
      why = makeReorder(api_, plainSrc_, src_, srcReorder_);
    if (why.empty() && !api_->dnnl_memory_desc_equal(&dst_, &plainDst_)) {
      why = makeReorder(api_, dst_, plainDst_, dstReorder_);
      if (why.empty() && hasResidual_)
        why = makeReorder(api_, plainDst_, dst_, residualReorder_);
    }
    // Constant weights go, once, into the layout the implementation chose.
    const dnnl_memory_desc_t *chosen =
        api_->dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
    if (!why.empty()) {
    } else if (constantWeights && chosen && !api_->dnnl_memory_desc_equal(chosen, &plainWeights)) {
      why = reorderConstant(api_, plainWeights, *chosen, constantWeights, reorderedWeights_);
      weights_ = *chosen;
    } else {
      weights_ = plainWeights;
    }
    if (why.empty() && api_->dnnl_primitive_create(&primitive_, pd) != dnnl_success)
      why = "oneDNN could not create the convolution";
    api_->dnnl_primitive_desc_destroy(pd);
    return why;
  }

  Conv(const Api *api, int threads) : api_(api), threads_(threads) {}
  const Api *api() const { return api_; }

  /// The layout the implementation reads its input in / writes its output in
  /// (and reads the residual in), when it is not NCHW.
  const dnnl_memory_desc_t *libraryLayout(bool input) const {
    if (input)
      return srcReorder_ ? &src_ : nullptr;
    return dstReorder_ ? &dst_ : nullptr;
  }
  bool srcInLibraryLayout_ = false, dstInLibraryLayout_ = false,
       residualInLibraryLayout_ = false;

private:
  const Api *api_;
  int threads_; // the instance's num_threads
  dnnl_memory_desc_t src_, weights_, bias_, dst_, plainSrc_, plainDst_;
  dnnl_primitive_t primitive_ = nullptr;
  dnnl_primitive_t srcReorder_ = nullptr, dstReorder_ = nullptr, residualReorder_ = nullptr;
  dnnl_memory_t reorderedWeights_ = nullptr;
  bool hasBias_ = false, hasResidual_ = false;
  size_t outputBytes_ = 0;
  std::string name_;
};

/// Which pooling (params[16] of pool2d).
dnnl_alg_kind_t poolingAlgorithm(int64_t kind) {
  return kind == 0 ? dnnl_pooling_max
         : kind == 1 ? dnnl_pooling_avg_exclude_padding
                     : dnnl_pooling_avg_include_padding;
}

class Pool final : public OneDnnPool {
public:
  Pool(const Api *api, int threads) : api_(api), threads_(threads) {}
  ~Pool() override { destroy(primitive_, dstReorder_); }
  const Api *api() const { return api_; }

  std::string run(const float *input, float *output) const override {
    std::lock_guard<std::mutex> serial(oneDnnCalls()); // see Conv::run
    Execution call(api_, threads_, "pooling");
    if (call.failed())
      return call.finish();
    // The input comes in src_ (NCHW, or the layout its producer keeps);
    // the output goes out NCHW unless its consumers keep oneDNN's layout.
    const bool reorderOut = dstReorder_ && !dstInLibraryLayout_;
    dnnl_memory_t src = call.wrap(src_, input);
    dnnl_memory_t dst = call.wrap(reorderOut ? plainDst_ : dst_, output);
    dnnl_memory_t poolDst = reorderOut ? call.scratch(dst_) : dst;
    call.execute(primitive_, {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, poolDst}});
    if (reorderOut)
      call.execute(dstReorder_, {{DNNL_ARG_FROM, poolDst}, {DNNL_ARG_TO, dst}});
    return call.finish();
  }

  const std::string &name() const override { return name_; }
  bool inLibraryLayout() const override { return srcInLibraryLayout_; }

  /// Builds the primitive for NCHW on both sides; empty on success, else why not.
  std::string build(const int64_t *p) {
    params_.assign(p, p + 17);
    dnnl_dims_t srcDims = {p[0], p[1], p[2], p[3]}, dstDims = {p[0], p[1], p[4], p[5]};
    if (api_->dnnl_memory_desc_init_by_tag(&plainSrc_, 4, srcDims, dnnl_f32, dnnl_nchw) !=
            dnnl_success ||
        api_->dnnl_memory_desc_init_by_tag(&plainDst_, 4, dstDims, dnnl_f32, dnnl_nchw) !=
            dnnl_success)
      return "oneDNN rejected the tensor shapes";
    return create(plainSrc_);
  }

  /// Takes input of layout `src` from now on, writing the output in the
  /// layout oneDNN picks for it (as a rule the same); false (and nothing
  /// changed) when oneDNN cannot. `reset` goes back to NCHW.
  bool adopt(const dnnl_memory_desc_t &src) {
    if (!create(src).empty())
      return false;
    srcInLibraryLayout_ = true;
    return true;
  }
  void reset() {
    if (create(plainSrc_).empty())
      srcInLibraryLayout_ = false;
  }
  /// The layout it writes, when it is not NCHW.
  const dnnl_memory_desc_t *libraryLayout() const { return dstReorder_ ? &dst_ : nullptr; }
  bool dstInLibraryLayout_ = false;

private:
  void destroy(dnnl_primitive_t primitive, dnnl_primitive_t reorder) {
    for (dnnl_primitive_t p : {primitive, reorder})
      if (p)
        api_->dnnl_primitive_destroy(p);
  }

  /// (Re)creates the primitive for input of layout `src`; on failure keeps
  /// the one it had and says why.
  std::string create(const dnnl_memory_desc_t &src) {
    const int64_t *p = params_.data();
    dnnl_dims_t dstDims = {p[0], p[1], p[4], p[5]};
    dnnl_dims_t kernel = {p[6], p[7]}, strides = {p[8], p[9]},
                dilation = {p[10] - 1, p[11] - 1}, padLeft = {p[12], p[13]},
                padRight = {p[14], p[15]};
    dnnl_memory_desc_t anyDst;
    dnnl_pooling_v2_desc_t desc;
    if (api_->dnnl_memory_desc_init_by_tag(&anyDst, 4, dstDims, dnnl_f32,
                                           dnnl_format_tag_any) != dnnl_success ||
        api_->dnnl_pooling_v2_forward_desc_init(&desc, dnnl_forward_inference,
                                                poolingAlgorithm(p[16]), &src, &anyDst, strides,
                                                kernel, dilation, padLeft,
                                                padRight) != dnnl_success)
      return "oneDNN rejected the pooling";
    dnnl_primitive_desc_t pd = nullptr;
    if (api_->dnnl_primitive_desc_create(&pd, &desc, nullptr, api_->engine, nullptr) !=
        dnnl_success)
      return "oneDNN has no implementation for this pooling";
    std::string why;
    dnnl_primitive_t primitive = nullptr, reorder = nullptr;
    dnnl_memory_desc_t dst = *api_->dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0);
    const char *implementation = nullptr;
    api_->dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &implementation);
    std::string name = "oneDNN " + api_->version + " " + (implementation ? implementation : "?");
    if (api_->dnnl_primitive_create(&primitive, pd) != dnnl_success)
      why = "oneDNN could not create the pooling";
    else if (!api_->dnnl_memory_desc_equal(&dst, &plainDst_))
      why = makeReorder(api_, dst, plainDst_, reorder);
    api_->dnnl_primitive_desc_destroy(pd);
    if (!why.empty()) {
      destroy(primitive, reorder);
      return why;
    }
    destroy(primitive_, dstReorder_);
    primitive_ = primitive;
    dstReorder_ = reorder;
    src_ = src;
    dst_ = dst;
    name_ = name;
    return "";
  }

  const Api *api_;
  int threads_; // the instance's num_threads
  std::vector<int64_t> params_;
  dnnl_memory_desc_t src_, dst_, plainSrc_, plainDst_;
  dnnl_primitive_t primitive_ = nullptr, dstReorder_ = nullptr;
  bool srcInLibraryLayout_ = false;
  std::string name_;
};

/// A GEMM through oneDNN's matmul primitive: every batch in one call, and a
/// constant right operand packed once (dnnl_sgemm repacks it on every call).
class Matmul final : public OneDnnMatmul {
public:
  Matmul(const Api *api, int threads) : api_(api), threads_(threads) {}
  ~Matmul() override {
    if (primitive_)
      api_->dnnl_primitive_destroy(primitive_);
    if (packed_)
      api_->dnnl_memory_destroy(packed_);
  }

  std::string run(const float *a, const float *b, const float *bias, float *c) const override {
    std::lock_guard<std::mutex> serial(oneDnnCalls()); // see Conv::run
    Execution call(api_, threads_, "matmul");
    if (call.failed())
      return call.finish();
    std::vector<dnnl_exec_arg_t> args = {
        {DNNL_ARG_SRC, call.wrap(src_, a)},
        {DNNL_ARG_WEIGHTS, packed_ ? packed_ : call.wrap(weights_, b)},
        {DNNL_ARG_DST, call.wrap(dst_, c)}};
    if (hasBias_)
      args.push_back({DNNL_ARG_BIAS, call.wrap(bias_, bias)});
    call.execute(primitive_, std::move(args));
    return call.finish();
  }

  const std::string &name() const override { return name_; }

  /// Builds the primitive for params [batch, M, N, K, batch stride of B]
  /// (then [hasBias, relu] when `count` is 7: the bias row and relu as
  /// oneDNN's bias and eltwise post-op) and packs `constantB` when there is
  /// one; empty on success, else why not.
  std::string build(const int64_t *p, uint32_t count, const float *constantB) {
    const int64_t batch = p[0], m = p[1], n = p[2], k = p[3];
    hasBias_ = count == 7 && p[5] != 0;
    const bool relu = count == 7 && p[6] != 0;
    const bool batched = batch > 1;
    if (batched && p[4] != k * n)
      return "oneDNN's matmul here takes one B per batch";
    // Row-major operands: [batch,] M x K, K x N, M x N.
    dnnl_dims_t srcDims = {batch, m, k}, weightDims = {batch, k, n}, dstDims = {batch, m, n},
                biasDims = {1, 1, n};
    const int rank = batched ? 3 : 2;
    const int64_t *src = batched ? srcDims : srcDims + 1;
    const int64_t *weights = batched ? weightDims : weightDims + 1;
    const int64_t *dst = batched ? dstDims : dstDims + 1;
    const int64_t *biasShape = batched ? biasDims : biasDims + 1;
    const dnnl_format_tag_t rowMajor = batched ? dnnl_abc : dnnl_ab;
    // A constant B may take whatever layout the implementation likes.
    dnnl_memory_desc_t chosenWeights;
    if (api_->dnnl_memory_desc_init_by_tag(&src_, rank, src, dnnl_f32, rowMajor) !=
            dnnl_success ||
        api_->dnnl_memory_desc_init_by_tag(&dst_, rank, dst, dnnl_f32, rowMajor) !=
            dnnl_success ||
        api_->dnnl_memory_desc_init_by_tag(&weights_, rank, weights, dnnl_f32, rowMajor) !=
            dnnl_success ||
        api_->dnnl_memory_desc_init_by_tag(&chosenWeights, rank, weights, dnnl_f32,
                                           constantB ? dnnl_format_tag_any : rowMajor) !=
            dnnl_success ||
        api_->dnnl_memory_desc_init_by_tag(&bias_, rank, biasShape, dnnl_f32, rowMajor) !=
            dnnl_success)
      return "oneDNN rejected the matrix shapes";
    dnnl_matmul_desc_t desc;
    if (api_->dnnl_matmul_desc_init(&desc, &src_, &chosenWeights, hasBias_ ? &bias_ : nullptr,
                                    &dst_) != dnnl_success)
      return "oneDNN rejected the matmul";
    dnnl_post_ops_t postOps = nullptr;
    dnnl_primitive_attr_t attr = nullptr;
    if (relu) {
      api_->dnnl_post_ops_create(&postOps);
      api_->dnnl_post_ops_append_eltwise(postOps, 1.0f, dnnl_eltwise_relu, 0.0f, 0.0f);
      api_->dnnl_primitive_attr_create(&attr);
      api_->dnnl_primitive_attr_set_post_ops(attr, postOps);
    }
    dnnl_primitive_desc_t pd = nullptr;
    dnnl_status_t created =
        api_->dnnl_primitive_desc_create(&pd, &desc, attr, api_->engine, nullptr);
    if (attr)
      api_->dnnl_primitive_attr_destroy(attr);
    if (postOps)
      api_->dnnl_post_ops_destroy(postOps);
    if (created != dnnl_success)
      return "oneDNN has no implementation for this matmul";
    const char *implementation = nullptr;
    api_->dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &implementation);
    std::string epilogue = hasBias_ && relu ? " + bias + relu"
                           : hasBias_       ? " + bias"
                           : relu           ? " + relu"
                                            : "";
    name_ = "oneDNN " + api_->version + " matmul" + epilogue + " " +
            (implementation ? implementation : "?") +
            (constantB ? " (weights packed at load)" : "");
    std::string why;
    if (constantB) {
      const dnnl_memory_desc_t *chosen =
          api_->dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
      why = chosen ? reorderConstant(api_, weights_, *chosen, constantB, packed_)
                   : "oneDNN did not say its weights layout";
    }
    if (why.empty() && api_->dnnl_primitive_create(&primitive_, pd) != dnnl_success)
      why = "oneDNN could not create the matmul";
    api_->dnnl_primitive_desc_destroy(pd);
    return why;
  }

private:
  const Api *api_;
  int threads_; // the instance's num_threads
  dnnl_memory_desc_t src_, weights_, dst_, bias_; // row-major
  bool hasBias_ = false;
  dnnl_memory_t packed_ = nullptr;         // a constant B in the implementation's layout
  dnnl_primitive_t primitive_ = nullptr;
  std::string name_;
};

/// oneDNN's API from the library the host opens; null (and why) without it.
const Api *openOneDnn(const smelt_host_t &host, std::string &why) {
  smelt_host_library_t library{};
  library.struct_size = sizeof(library);
  host.open_library(host.context, "oneDNN", &library);
  if (!library.handle) {
    why = library.message ? library.message : "oneDNN not found";
    return nullptr;
  }
  const Api *api = resolve(library.handle, why);
  if (api)
    useThreads(api, host.num_threads); // primitives are sized when created
  return api;
}

/// The layout `op` writes its output in, when it is not NCHW.
const dnnl_memory_desc_t *writtenLayout(OneDnnOp *op) {
  return op->kind() == OneDnnOp::Kind::Conv ? static_cast<Conv *>(op)->libraryLayout(false)
                                            : static_cast<Pool *>(op)->libraryLayout();
}

const Api *apiOf(OneDnnOp *op) {
  return op->kind() == OneDnnOp::Kind::Conv ? static_cast<Conv *>(op)->api()
                                            : static_cast<Pool *>(op)->api();
}

/// An `Op` for the instance's oneDNN, built with `arguments`; null (and why)
/// when oneDNN is missing or refuses it.
template <typename Op, typename... Arguments>
std::unique_ptr<Op> bindOp(const smelt_host_t &host, std::string &why,
                           const Arguments &...arguments) {
  const Api *api = openOneDnn(host, why);
  if (!api)
    return nullptr;
  auto op = std::make_unique<Op>(api, host.num_threads);
  why = op->build(arguments...);
  if (!why.empty())
    return nullptr;
  return op;
}

} // namespace

std::unique_ptr<OneDnnConv> bindOneDnnConv(const smelt_host_t &host, const int64_t *params,
                                           const float *constantWeights, std::string &why) {
  return bindOp<Conv>(host, why, params, constantWeights);
}

std::unique_ptr<OneDnnPool> bindOneDnnPool(const smelt_host_t &host, const int64_t *params,
                                           std::string &why) {
  return bindOp<Pool>(host, why, params);
}

std::unique_ptr<OneDnnMatmul> bindOneDnnMatmul(const smelt_host_t &host, const int64_t *params,
                                               uint32_t paramCount, const float *constantB,
                                               std::string &why) {
  return bindOp<Matmul>(host, why, params, paramCount, constantB);
}

bool keepInLibraryLayout(const LibraryEdge &edge) {
  const dnnl_memory_desc_t *layout = writtenLayout(edge.producer);
  if (!layout || edge.consumers.empty())
    return false;
  const Api *api = apiOf(edge.producer);
  if (api->dnnl_memory_desc_get_size(layout) != edge.bytes)
    return false;
  // Convolutions read the layout they chose; poolings take any layout
  // oneDNN pools.
  for (auto [consumer, asResidual] : edge.consumers) {
    if (consumer->kind() == OneDnnOp::Kind::Pool)
      continue;
    const dnnl_memory_desc_t *wanted =
        static_cast<Conv *>(consumer)->libraryLayout(/*input=*/!asResidual);
    if (!wanted || !api->dnnl_memory_desc_equal(layout, wanted))
      return false;
  }
  std::vector<Pool *> adopted;
  for (auto [consumer, asResidual] : edge.consumers) {
    if (consumer->kind() != OneDnnOp::Kind::Pool)
      continue;
    auto *pool = static_cast<Pool *>(consumer);
    if (!pool->adopt(*layout)) {
      for (Pool *undone : adopted)
        undone->reset();
      return false;
    }
    adopted.push_back(pool);
  }
  if (edge.producer->kind() == OneDnnOp::Kind::Conv)
    static_cast<Conv *>(edge.producer)->dstInLibraryLayout_ = true;
  else
    static_cast<Pool *>(edge.producer)->dstInLibraryLayout_ = true;
  for (auto [consumer, asResidual] : edge.consumers) {
    if (consumer->kind() == OneDnnOp::Kind::Conv) {
      auto *conv = static_cast<Conv *>(consumer);
      (asResidual ? conv->residualInLibraryLayout_ : conv->srcInLibraryLayout_) = true;
    }
  }
  return true;
}

#endif // SMELT_HAVE_ONEDNN_HEADERS

} // namespace smelt::cpu
