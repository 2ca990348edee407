//===- ArtifactReader.cpp - Verify and hold a .smelt file
//-------------------===//
#include "ArtifactReader.h"

#include "ArtifactFormat.h"
#include "Sha256.h"
#include "TensorTypes.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <limits>
#include <new>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace smelt::artifact {
namespace {

bool fail(ArtifactError &error, ArtifactErrorCode code, std::string message) {
  error.code = code;
  error.message = std::move(message);
  return false;
}

bool corrupt(ArtifactError &error, std::string message) {
  return fail(error, ArtifactErrorCode::Corrupt, std::move(message));
}

/// [offset, offset + size) lies within [0, limit), without overflow.
bool fitsWithin(uint64_t offset, uint64_t size, uint64_t limit) {
  return offset <= limit && size <= limit - offset;
}

std::string str(uint64_t value) { return std::to_string(value); }

/// Everything that can be checked before the payload is trusted. Every header
/// field is pinned down here, so a damaged header never reaches the parser.
bool verifyHeader(const uint8_t *data, size_t size, FileHeader &header,
                  ArtifactError &error) {
  if (size < sizeof(kMagic) || std::memcmp(data, kMagic, sizeof(kMagic)) != 0)
    return corrupt(error, "not a Smelt artifact (bad magic)");
  if (size < sizeof(FileHeader))
    return corrupt(error, "truncated artifact: " + str(size) +
                              " bytes, less than the " +
                              str(sizeof(FileHeader)) + "-byte header");
  std::memcpy(&header, data, sizeof(header));
  if (header.formatVersion != kFormatVersion)
    return fail(
        error, ArtifactErrorCode::UnsupportedVersion,
        "unsupported artifact format version " + str(header.formatVersion) +
            " (this runtime reads version " + str(kFormatVersion) +
            "); recompile the model with a matching smelt");
  if (header.headerSize != sizeof(FileHeader))
    return corrupt(error, "corrupt artifact header: header size " +
                              str(header.headerSize) + ", expected " +
                              str(sizeof(FileHeader)));
  if (header.fileSize > size)
    return corrupt(error, "truncated artifact: header says " +
                              str(header.fileSize) + " bytes, file has " +
                              str(size));
  if (header.fileSize < size)
    return corrupt(error, "artifact has trailing bytes: header says " +
                              str(header.fileSize) + " bytes, file has " +
                              str(size));
  for (uint8_t byte : header.reserved)
    if (byte != 0)
      return corrupt(error, "corrupt artifact header: reserved bytes are not "
                            "zero");
  if (header.indexOffset != header.headerSize)
    return corrupt(error, "corrupt artifact header: index offset " +
                              str(header.indexOffset) + ", expected " +
                              str(header.headerSize));
  if (header.indexSize < 2 * sizeof(flatbuffers::uoffset_t) ||
      header.indexSize >= FLATBUFFERS_MAX_BUFFER_SIZE ||
      !fitsWithin(header.indexOffset, header.indexSize, header.fileSize))
    return corrupt(error, "corrupt artifact header: an index of " +
                              str(header.indexSize) + " bytes at offset " +
                              str(header.indexOffset) +
                              " does not fit in the file of " +
                              str(header.fileSize) + " bytes");
  // The index is size-prefixed, and the prefix is covered by the checksum:
  // agreeing with it is what pins down the header's indexSize.
  flatbuffers::uoffset_t prefix;
  std::memcpy(&prefix, data + header.indexOffset, sizeof(prefix));
  if (uint64_t(prefix) + sizeof(prefix) != header.indexSize)
    return corrupt(error, "corrupt artifact header: index size " +
                              str(header.indexSize) +
                              " disagrees with the index's size prefix (" +
                              str(uint64_t(prefix) + sizeof(prefix)) + ")");
  uint8_t digest[32];
  if (!computeSha256(data + header.headerSize, size - header.headerSize,
                     digest))
    return fail(error, ArtifactErrorCode::OutOfMemory,
                "cannot compute SHA-256 (OpenSSL failed)");
  if (std::memcmp(digest, header.payloadSha256, sizeof(digest)) != 0)
    return corrupt(error, "artifact checksum mismatch: the file is corrupt");
  return true;
}

bool verifySignatures(
    const flatbuffers::Vector<flatbuffers::Offset<TensorSignature>> *tensors,
    const char *what, ArtifactError &error) {
  if (!tensors)
    return true;
  for (uint32_t i = 0; i < tensors->size(); ++i) {
    const TensorSignature *tensor = tensors->Get(i);
    std::string where = std::string(what) + " " + str(i);
    if (!tensor->name())
      return corrupt(error,
                     "corrupt artifact index: " + where + " has no name");
    if (!isValidDType(static_cast<int64_t>(tensor->dtype())))
      return corrupt(error, "corrupt artifact index: " + where +
                                " has an invalid dtype " +
                                str(static_cast<uint8_t>(tensor->dtype())));
    size_t rank = tensor->shape() ? tensor->shape()->size() : 0;
    if (rank > SMELT_MAX_RANK)
      return corrupt(error, "corrupt artifact index: " + where + " has rank " +
                                str(rank) + ", more than " +
                                str(SMELT_MAX_RANK));
    // -1 marks a dimension whose size each plan gives; size the rest.
    std::vector<int64_t> sized;
    for (uint32_t d = 0; d < rank; ++d) {
      int64_t extent = tensor->shape()->Get(d);
      if (extent < -1)
        return corrupt(error, "corrupt artifact index: " + where +
                                  " has a negative or huge shape");
      sized.push_back(extent == -1 ? 1 : extent);
    }
    uint64_t bytes = 0;
    if (rank && !checkedByteSize(sized.data(), rank,
                                 static_cast<smelt_dtype_t>(tensor->dtype()),
                                 bytes))
      return corrupt(error, "corrupt artifact index: " + where +
                                " has a negative or huge shape");
    if (const auto *names = tensor->dim_names()) {
      if (names->size() != 0 && names->size() != rank)
        return corrupt(error, "corrupt artifact index: " + where + " has " +
                                  str(names->size()) +
                                  " dimension names for rank " + str(rank));
      for (uint32_t d = 0; d < names->size(); ++d)
        if (!names->Get(d))
          return corrupt(error, "corrupt artifact index: " + where +
                                    " has a missing dimension name");
    }
  }
  return true;
}

/// "smelt 0.1.0" in the index must name the version the header carries.
bool verifyProducer(const Model &model, const FileHeader &header,
                    ArtifactError &error) {
  std::string expected = "smelt " + str(header.producerMajor) + "." +
                         str(header.producerMinor) + "." +
                         str(header.producerPatch);
  std::string producer = model.producer() ? model.producer()->str() : "";
  if (producer != expected)
    return corrupt(error, "corrupt artifact header: producer version " +
                              expected.substr(6) +
                              " disagrees with the index's producer '" +
                              producer + "'");
  return true;
}

template <typename T> uint32_t countOf(const flatbuffers::Vector<T> *vector) {
  return vector ? vector->size() : 0;
}

bool isDynamic(const TensorSignature &tensor) {
  if (tensor.shape())
    for (int64_t extent : *tensor.shape())
      if (extent == -1)
        return true;
  return false;
}

bool hasDynamicSignature(const Model &model) {
  for (auto *list : {model.inputs(), model.outputs()})
    for (uint32_t i = 0; i < countOf(list); ++i)
      if (isDynamic(*list->Get(i)))
        return true;
  return false;
}

/// The shape plan `plan` runs input/output `index` at: its own when it lists
/// shapes, else the signature's.
const flatbuffers::Vector<int64_t> *planShape(const Model &model,
                                              const Plan &plan, bool isInput,
                                              uint32_t index) {
  auto *shapes = isInput ? plan.input_shapes() : plan.output_shapes();
  if (countOf(shapes) > index)
    return shapes->Get(index)->dims();
  auto *signatures = isInput ? model.inputs() : model.outputs();
  return signatures->Get(index)->shape();
}

uint64_t planTensorBytes(const Model &model, const Plan &plan, bool isInput,
                         uint32_t index) {
  auto *signatures = isInput ? model.inputs() : model.outputs();
  const auto *shape = planShape(model, plan, isInput, index);
  uint64_t bytes = 0;
  size_t rank = countOf(shape);
  checkedByteSize(rank ? shape->data() : nullptr, rank,
                  static_cast<smelt_dtype_t>(signatures->Get(index)->dtype()),
                  bytes);
  return bytes;
}

/// A plan of a model with -1 dims lists a static shape per input and output
/// that agrees with the signature; a plan of a static model lists none.
bool verifyPlanShapes(const Model &model, const Plan &plan,
                      const std::string &planName, ArtifactError &error) {
  const bool dynamic = hasDynamicSignature(model);
  for (bool isInput : {true, false}) {
    auto *signatures = isInput ? model.inputs() : model.outputs();
    auto *shapes = isInput ? plan.input_shapes() : plan.output_shapes();
    const char *what = isInput ? "input" : "output";
    std::string where = "corrupt artifact index: " + planName;
    if (!dynamic) {
      if (countOf(shapes) != 0)
        return corrupt(error, where + " lists " + what +
                                  " shapes, but the signature is static");
      continue;
    }
    if (countOf(shapes) != countOf(signatures))
      return corrupt(error, where + " lists " + str(countOf(shapes)) + " " +
                                what + " shapes for " +
                                str(countOf(signatures)) + " " + what + "s");
    for (uint32_t i = 0; i < countOf(signatures); ++i) {
      const TensorSignature &signature = *signatures->Get(i);
      const auto *dims = shapes->Get(i)->dims();
      uint32_t rank = countOf(signature.shape());
      if (countOf(dims) != rank)
        return corrupt(error, where + ": " + what + " " + str(i) +
                                  " has the wrong rank");
      for (uint32_t d = 0; d < rank; ++d) {
        int64_t expected = signature.shape()->Get(d), given = dims->Get(d);
        if (given < 0 || (expected != -1 && given != expected))
          return corrupt(error, where + ": " + what + " " + str(i) +
                                    " has a shape that disagrees with the "
                                    "signature");
      }
      uint64_t bytes = 0;
      if (rank && !checkedByteSize(dims->data(), rank,
                                   static_cast<smelt_dtype_t>(signature.dtype()),
                                   bytes))
        return corrupt(error, where + ": " + what + " " + str(i) +
                                  " has a huge shape");
    }
  }
  return true;
}

bool verifyBuffers(const Model &model, const Plan &plan,
                   const std::string &planName, ArtifactError &error) {
  if (!plan.buffers())
    return true;
  for (uint32_t i = 0; i < plan.buffers()->size(); ++i) {
    const Buffer *buffer = plan.buffers()->Get(i);
    std::string where =
        "corrupt artifact index: " + planName + ": buffer " + str(i);
    switch (buffer->kind()) {
    case BufferKind::Input:
    case BufferKind::Output: {
      bool isInput = buffer->kind() == BufferKind::Input;
      auto *signatures = isInput ? model.inputs() : model.outputs();
      const char *what = isInput ? "input" : "output";
      if (buffer->index() >= countOf(signatures))
        return corrupt(error, where + " names " + what + " " +
                                  str(buffer->index()) +
                                  ", but the model has " +
                                  str(countOf(signatures)) + " " + what + "s");
      uint64_t expected =
          planTensorBytes(model, plan, isInput, buffer->index());
      if (buffer->offset() != 0 || buffer->size() != expected)
        return corrupt(error, where + " (" + what + " " + str(buffer->index()) +
                                  ") has offset " + str(buffer->offset()) +
                                  " and size " + str(buffer->size()) +
                                  "; the signature needs offset 0 and size " +
                                  str(expected));
      break;
    }
    case BufferKind::Constant:
      if (!fitsWithin(buffer->offset(), buffer->size(), model.constants_size()))
        return corrupt(error, where + " (" + str(buffer->size()) +
                                  " bytes at constant offset " +
                                  str(buffer->offset()) +
                                  ") lies outside the constants (" +
                                  str(model.constants_size()) + " bytes)");
      break;
    case BufferKind::Arena:
      if (!fitsWithin(buffer->offset(), buffer->size(), plan.arena_size()))
        return corrupt(error, where + " (" + str(buffer->size()) +
                                  " bytes at arena offset " +
                                  str(buffer->offset()) +
                                  ") lies outside the arena (" +
                                  str(plan.arena_size()) + " bytes)");
      break;
    default:
      return corrupt(error, where + " has an invalid kind " +
                                str(static_cast<uint8_t>(buffer->kind())));
    }
  }
  return true;
}

bool verifyRegions(const Model &model, const FileHeader &header,
                   ArtifactError &error) {
  const uint64_t indexEnd = header.indexOffset + header.indexSize;
  if (model.constants_offset() % kSectionAlignment != 0 ||
      model.constants_offset() < indexEnd ||
      !fitsWithin(model.constants_offset(), model.constants_size(),
                  header.fileSize))
    return corrupt(error, "corrupt artifact index: constants (" +
                              str(model.constants_size()) + " bytes at " +
                              str(model.constants_offset()) +
                              ") are misaligned or outside the file");
  for (uint32_t i = 0; i < countOf(model.sections()); ++i) {
    const Section *section = model.sections()->Get(i);
    std::string where = "corrupt artifact index: section " + str(i);
    if (!section->target() || !section->format())
      return corrupt(error, where + " has no target or format");
    if (section->offset() % kSectionAlignment != 0 ||
        section->offset() < indexEnd ||
        !fitsWithin(section->offset(), section->size(), header.fileSize))
      return corrupt(error, where + " (" + str(section->size()) + " bytes at " +
                                str(section->offset()) +
                                ") is misaligned or outside the file");
  }
  return true;
}

/// A library alternative must describe exactly the buffers it would touch,
/// so that a driver calling a vendor library never reads or writes outside
/// them.
bool verifyLibraryCall(const Launch &launch, const Plan &plan,
                       const std::string &where, ArtifactError &error) {
  for (uint32_t i = 0; i < countOf(launch.libraries()); ++i)
    if (!launch.libraries()->Get(i) || launch.libraries()->Get(i)->size() == 0)
      return corrupt(error, where + " names an empty library");
  const auto *args = countOf(launch.library_args()) ? launch.library_args() : launch.args();
  for (uint32_t a = 0; a < countOf(args); ++a)
    if (args->Get(a) >= countOf(plan.buffers()))
      return corrupt(error, where + ": library argument " + str(a) +
                                " names a buffer the plan does not have");
  const auto *params = launch.library_params();
  auto bytesOf = [&](uint32_t arg) {
    return (unsigned __int128)plan.buffers()->Get(args->Get(arg))->size();
  };
  const int64_t limit = int64_t(1) << 40;
  auto inRange = [&](int64_t value, int64_t low) { return value >= low && value <= limit; };
  const std::string op = launch.library_op()->str();
  if (op == "gemm") {
    // [batch, M, N, K, strideB] with buffers A, B, C, or with the epilogue
    // [..., hasBias, relu] and buffers A, B, [bias], C.
    const uint32_t count = countOf(params);
    if (count != 5 && count != 7)
      return corrupt(error, where + ": a gemm call needs 5 or 7 parameters");
    int64_t batch = params->Get(0), m = params->Get(1), n = params->Get(2),
            k = params->Get(3), strideB = params->Get(4);
    int64_t bias = count == 7 ? params->Get(5) : 0, relu = count == 7 ? params->Get(6) : 0;
    if (!inRange(batch, 1) || !inRange(m, 1) || !inRange(n, 1) || !inRange(k, 1) ||
        (strideB != 0 && strideB != k * n) || (bias != 0 && bias != 1) ||
        (relu != 0 && relu != 1))
      return corrupt(error, where + ": invalid gemm parameters");
    const uint32_t expectedArgs = 3 + uint32_t(bias);
    if (countOf(args) != expectedArgs)
      return corrupt(error, where + ": a gemm call with these parameters needs " +
                                str(expectedArgs) + " buffers");
    unsigned __int128 a = (unsigned __int128)batch * m * k * 4,
                      b = (unsigned __int128)(strideB ? batch : 1) * k * n * 4,
                      c = (unsigned __int128)batch * m * n * 4;
    if (a != bytesOf(0) || b != bytesOf(1) || (bias && bytesOf(2) != (unsigned __int128)n * 4) ||
        c != bytesOf(expectedArgs - 1))
      return corrupt(error, where + ": the gemm's shapes disagree with the "
                                "sizes of its buffers");
    return true;
  }
  if (op == "conv2d") {
    if (countOf(params) != 21)
      return corrupt(error, where + ": a conv2d call needs 21 parameters");
    int64_t p[21];
    for (int i = 0; i < 21; ++i)
      p[i] = params->Get(i);
    const int64_t n = p[0], c = p[1], h = p[2], w = p[3], k = p[4], r = p[5], s = p[6],
                  oh = p[7], ow = p[8], groups = p[17];
    const bool bias = p[18] != 0, residual = p[19] != 0;
    bool valid = inRange(n, 1) && inRange(c, 1) && inRange(h, 1) && inRange(w, 1) &&
                 inRange(k, 1) && inRange(r, 1) && inRange(s, 1) && inRange(oh, 1) &&
                 inRange(ow, 1) && inRange(groups, 1) && c % groups == 0 &&
                 k % groups == 0;
    for (int i = 9; i <= 12 && valid; ++i)
      valid = inRange(p[i], 1); // strides, dilations
    for (int i = 13; i <= 16 && valid; ++i)
      valid = inRange(p[i], 0); // pads
    for (int i = 18; i <= 20 && valid; ++i)
      valid = p[i] == 0 || p[i] == 1;
    // The output size the window arithmetic gives.
    valid = valid && (h + p[13] + p[15] - (r - 1) * p[11] - 1) / p[9] + 1 == oh &&
            (w + p[14] + p[16] - (s - 1) * p[12] - 1) / p[10] + 1 == ow;
    if (!valid)
      return corrupt(error, where + ": invalid conv2d parameters");
    const uint32_t expectedArgs = 3 + (bias ? 1 : 0) + (residual ? 1 : 0);
    if (countOf(args) != expectedArgs)
      return corrupt(error, where + ": a conv2d call with these parameters needs " +
                                str(expectedArgs) + " buffers");
    uint32_t next = 0;
    auto same = [&](unsigned __int128 expected) { return bytesOf(next++) == expected; };
    using U = unsigned __int128;
    bool sizes = same(U(n) * c * h * w * 4) && same(U(k) * (c / groups) * r * s * 4) &&
                 (!bias || same(U(k) * 4)) && (!residual || same(U(n) * k * oh * ow * 4)) &&
                 same(U(n) * k * oh * ow * 4);
    if (!sizes)
      return corrupt(error, where + ": the conv2d's shapes disagree with the "
                                "sizes of its buffers");
    return true;
  }
  if (op == "pool2d") {
    if (countOf(params) != 17 || countOf(args) != 2)
      return corrupt(error, where + ": a pool2d call needs 2 buffers and 17 parameters");
    int64_t p[17];
    for (int i = 0; i < 17; ++i)
      p[i] = params->Get(i);
    bool valid = true;
    for (int i = 0; i <= 11 && valid; ++i)
      valid = inRange(p[i], 1); // sizes, window, strides, dilations
    for (int i = 12; i <= 15 && valid; ++i)
      valid = inRange(p[i], 0); // pads
    valid = valid && p[16] >= 0 && p[16] <= 2 &&
            (p[2] + p[12] + p[14] - (p[6] - 1) * p[10] - 1) / p[8] + 1 == p[4] &&
            (p[3] + p[13] + p[15] - (p[7] - 1) * p[11] - 1) / p[9] + 1 == p[5];
    if (!valid)
      return corrupt(error, where + ": invalid pool2d parameters");
    using U = unsigned __int128;
    if (bytesOf(0) != U(p[0]) * p[1] * p[2] * p[3] * 4 ||
        bytesOf(1) != U(p[0]) * p[1] * p[4] * p[5] * 4)
      return corrupt(error, where + ": the pool2d's shapes disagree with the "
                                "sizes of its buffers");
    return true;
  }
  return true; // drivers that do not know the op run the kernel
}

bool verifyCode(const Model &model, const Plan &plan,
                const std::string &planName, ArtifactError &error) {
  const uint32_t sectionCount = countOf(model.sections());
  const uint32_t kernelCount = countOf(plan.kernels());
  const uint32_t bufferCount = countOf(plan.buffers());
  for (uint32_t i = 0; i < kernelCount; ++i) {
    const Kernel *kernel = plan.kernels()->Get(i);
    std::string where =
        "corrupt artifact index: " + planName + ": kernel " + str(i);
    if (!kernel->symbol() || kernel->symbol()->size() == 0)
      return corrupt(error, where + " has no symbol");
    if (kernel->section() >= sectionCount)
      return corrupt(error, where + " ('" + kernel->symbol()->str() +
                                "') is in section " + str(kernel->section()) +
                                ", but the artifact has " + str(sectionCount) +
                                " sections");
    if (kernel->grid() > uint64_t(std::numeric_limits<int64_t>::max()))
      return corrupt(error, where + " has a grid too large for int64 ids");
  }
  auto checkBuffer = [&](const std::string &where, const char *role,
                         uint32_t id) {
    if (id < bufferCount)
      return true;
    return corrupt(error, where + ": " + role + " is buffer " + str(id) +
                              ", but the artifact has " + str(bufferCount) +
                              " buffers");
  };
  for (uint32_t i = 0; i < countOf(plan.commands()); ++i) {
    const CommandEntry *entry = plan.commands()->Get(i);
    std::string where =
        "corrupt artifact index: " + planName + ": command " + str(i);
    if (const Launch *launch = entry->command_as_Launch()) {
      where += " (launch)";
      if (launch->kernel() >= kernelCount)
        return corrupt(error, where + " names kernel " + str(launch->kernel()) +
                                  ", but the artifact has " + str(kernelCount) +
                                  " kernels");
      for (uint32_t a = 0; a < countOf(launch->args()); ++a)
        if (!checkBuffer(where, ("argument " + str(a)).c_str(),
                         launch->args()->Get(a)))
          return false;
      if (launch->library_op() && !verifyLibraryCall(*launch, plan, where, error))
        return false;
    } else if (const Copy *copy = entry->command_as_Copy()) {
      where += " (copy)";
      if (!checkBuffer(where, "source", copy->source()) ||
          !checkBuffer(where, "destination", copy->destination()))
        return false;
      uint64_t sourceSize = plan.buffers()->Get(copy->source())->size();
      uint64_t destinationSize =
          plan.buffers()->Get(copy->destination())->size();
      if (copy->size() > sourceSize || copy->size() > destinationSize)
        return corrupt(error, where + " of " + str(copy->size()) +
                                  " bytes exceeds its source (" +
                                  str(sourceSize) + " bytes) or destination (" +
                                  str(destinationSize) + " bytes)");
    } else if (const AllReduce *reduce = entry->command_as_AllReduce()) {
      where += " (all-reduce)";
      if (!checkBuffer(where, "source", reduce->source()) ||
          !checkBuffer(where, "destination", reduce->destination()))
        return false;
      if (!isValidDType(static_cast<int64_t>(reduce->dtype())))
        return corrupt(error, where + " has an invalid dtype");
      if (reduce->reduction() > Reduction::MAX)
        return corrupt(error, where + " has an invalid reduction");
      uint64_t bytes = 0;
      int64_t count = static_cast<int64_t>(reduce->count());
      if (count < 0 ||
          !checkedByteSize(&count, 1, static_cast<smelt_dtype_t>(reduce->dtype()),
                           bytes) ||
          plan.buffers()->Get(reduce->source())->size() != bytes ||
          plan.buffers()->Get(reduce->destination())->size() != bytes)
        return corrupt(error, where + " of " + str(reduce->count()) +
                                  " elements disagrees with the size of its "
                                  "source or destination buffer");
    } else {
      return corrupt(error,
                     where + " has an unknown type " +
                         str(static_cast<uint8_t>(entry->command_type())));
    }
  }
  return true;
}

} // namespace

bool verifyArtifact(const uint8_t *data, size_t size, ArtifactError &error) {
  if (!data && size != 0)
    return corrupt(error, "artifact data is NULL");
  FileHeader header;
  if (!verifyHeader(data, size, header, error))
    return false;

  const uint8_t *indexData = data + header.indexOffset;
  flatbuffers::Verifier verifier(indexData, header.indexSize);
  if (!VerifySizePrefixedModelBuffer(verifier))
    return corrupt(error, "corrupt artifact index: it fails the FlatBuffers "
                          "verifier (or is not a Smelt index)");
  const Model &model = *GetSizePrefixedModel(indexData);
  if (!verifyProducer(model, header, error) ||
      !verifySignatures(model.inputs(), "input", error) ||
      !verifySignatures(model.outputs(), "output", error) ||
      !verifyRegions(model, header, error))
    return false;
  if (countOf(model.plans()) == 0)
    return corrupt(error, "corrupt artifact index: the artifact has no plan");
  for (uint32_t p = 0; p < model.plans()->size(); ++p) {
    const Plan &plan = *model.plans()->Get(p);
    std::string planName = "plan " + str(p);
    if (!plan.target() || plan.target()->size() == 0)
      return corrupt(error, "corrupt artifact index: " + planName +
                                " names no target");
    if (!verifyPlanShapes(model, plan, planName, error) ||
        !verifyBuffers(model, plan, planName, error) ||
        !verifyCode(model, plan, planName, error))
      return false;
  }
  return true;
}

//===----------------------------------------------------------------------===//
// Artifact
//===----------------------------------------------------------------------===//

Artifact::Artifact(const uint8_t *data, size_t size, Storage storage)
    : data_(data), size_(size), storage_(storage) {
  FileHeader header;
  std::memcpy(&header, data, sizeof(header));
  index_ = GetSizePrefixedModel(data + header.indexOffset);
}

Artifact::~Artifact() {
  if (storage_ == Storage::Mapping)
    ::munmap(const_cast<uint8_t *>(data_), size_);
  else
    std::free(const_cast<uint8_t *>(data_));
}

const uint8_t *Artifact::sectionData(uint32_t id) const {
  return data_ + index_->sections()->Get(id)->offset();
}

uint64_t Artifact::sectionSize(uint32_t id) const {
  return index_->sections()->Get(id)->size();
}

std::unique_ptr<Artifact> Artifact::fromMemory(const void *data, size_t size,
                                               ArtifactError &error) {
  const auto *bytes = static_cast<const uint8_t *>(data);
  if (!verifyArtifact(bytes, size, error))
    return nullptr;
  // Aligned like the file offsets, so the 64-byte-aligned constants stay
  // 64-byte aligned in memory.
  size_t allocation =
      (size + kSectionAlignment - 1) / kSectionAlignment * kSectionAlignment;
  auto *copy =
      static_cast<uint8_t *>(std::aligned_alloc(kSectionAlignment, allocation));
  if (!copy) {
    fail(error, ArtifactErrorCode::OutOfMemory,
         "out of memory copying a " + str(size) + "-byte artifact");
    return nullptr;
  }
  std::memcpy(copy, bytes, size);
  std::unique_ptr<Artifact> artifact(new (std::nothrow)
                                         Artifact(copy, size, Storage::Heap));
  if (!artifact) {
    std::free(copy);
    fail(error, ArtifactErrorCode::OutOfMemory, "out of memory");
  }
  return artifact;
}

std::unique_ptr<Artifact> Artifact::fromFile(const std::string &path,
                                             ArtifactError &error) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int openErrno = errno;
    fail(error,
         openErrno == ENOENT ? ArtifactErrorCode::NotFound
                             : ArtifactErrorCode::Io,
         "cannot open artifact '" + path + "': " + std::strerror(openErrno));
    return nullptr;
  }
  struct stat status;
  if (::fstat(fd, &status) != 0 || !S_ISREG(status.st_mode)) {
    ::close(fd);
    fail(error, ArtifactErrorCode::Io,
         "cannot read artifact '" + path + "': not a regular file");
    return nullptr;
  }
  size_t size = static_cast<size_t>(status.st_size);
  if (size == 0) {
    ::close(fd);
    verifyArtifact(nullptr, 0, error);
    error.message = "'" + path + "': " + error.message;
    return nullptr;
  }
  void *mapping = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  int mapErrno = errno;
  ::close(fd); // the mapping keeps the file alive
  if (mapping == MAP_FAILED) {
    fail(error, ArtifactErrorCode::Io,
         "cannot map artifact '" + path + "': " + std::strerror(mapErrno));
    return nullptr;
  }
  const auto *bytes = static_cast<const uint8_t *>(mapping);
  if (!verifyArtifact(bytes, size, error)) {
    ::munmap(mapping, size);
    error.message = "'" + path + "': " + error.message;
    return nullptr;
  }
  std::unique_ptr<Artifact> artifact(
      new (std::nothrow) Artifact(bytes, size, Storage::Mapping));
  if (!artifact) {
    ::munmap(mapping, size);
    fail(error, ArtifactErrorCode::OutOfMemory, "out of memory");
  }
  return artifact;
}

} // namespace smelt::artifact
