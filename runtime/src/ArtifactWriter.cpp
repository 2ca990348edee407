//===- ArtifactWriter.cpp - Assemble a .smelt file from a description ----===//
#include "ArtifactWriter.h"

#include "ArtifactFormat.h"
#include "ArtifactReader.h"
#include "Sha256.h"
#include "runtime/schema/artifact_generated.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <new>

namespace smelt::artifact {
namespace {

static_assert(static_cast<int>(DType::Bool) == SMELT_BOOL &&
                  static_cast<int>(DType::BF16) == SMELT_BF16,
              "the index's DType must mirror smelt_dtype_t");
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "the header is written with memcpy and is little-endian");

uint64_t alignUp(uint64_t value, uint64_t alignment) {
  return (value + alignment - 1) / alignment * alignment;
}

std::string producerString(const ProducerVersion &version) {
  return "smelt " + std::to_string(version.major) + "." +
         std::to_string(version.minor) + "." + std::to_string(version.patch);
}

/// Where each region lands in the file.
struct Layout {
  uint64_t constantsOffset = 0;
  std::vector<uint64_t> sectionOffsets;
  uint64_t fileSize = 0;
};

/// Builds the size-prefixed index. Every scalar is stored even when it equals
/// its default, so the index has the same size whatever the offsets are: the
/// writer builds it once with a zero layout to measure it, then for real.
flatbuffers::DetachedBuffer buildIndex(const ArtifactDescription &description,
                                       const Layout &layout) {
  flatbuffers::FlatBufferBuilder builder(1024);
  builder.ForceDefaults(true);

  auto buildSignatures = [&](const std::vector<TensorDescription> &tensors) {
    std::vector<flatbuffers::Offset<TensorSignature>> offsets;
    for (const TensorDescription &tensor : tensors) {
      std::vector<flatbuffers::Offset<flatbuffers::String>> names;
      for (const std::string &name : tensor.dimNames)
        names.push_back(builder.CreateString(name));
      offsets.push_back(CreateTensorSignature(
          builder, builder.CreateString(tensor.name),
          static_cast<DType>(tensor.dtype), builder.CreateVector(tensor.shape),
          builder.CreateVector(names)));
    }
    return builder.CreateVector(offsets);
  };
  auto inputs = buildSignatures(description.inputs);
  auto outputs = buildSignatures(description.outputs);

  std::vector<flatbuffers::Offset<Section>> sectionOffsets;
  for (size_t i = 0; i < description.sections.size(); ++i) {
    const SectionDescription &section = description.sections[i];
    uint64_t offset =
        layout.sectionOffsets.empty() ? 0 : layout.sectionOffsets[i];
    sectionOffsets.push_back(CreateSection(
        builder, builder.CreateString(section.target),
        builder.CreateString(section.format),
        builder.CreateString(section.arch), offset, section.bytes.size()));
  }
  auto sections = builder.CreateVector(sectionOffsets);

  std::vector<flatbuffers::Offset<Plan>> planOffsets;
  for (const PlanDescription &plan : description.plans) {
    std::vector<flatbuffers::Offset<Buffer>> bufferOffsets;
    for (const BufferDescription &buffer : plan.buffers)
      bufferOffsets.push_back(
          CreateBuffer(builder, static_cast<BufferKind>(buffer.kind),
                       buffer.index, buffer.offset, buffer.size));
    auto buffers = builder.CreateVector(bufferOffsets);

    std::vector<flatbuffers::Offset<Kernel>> kernelOffsets;
    for (const KernelDescription &kernel : plan.kernels)
      kernelOffsets.push_back(CreateKernel(
          builder, builder.CreateString(kernel.symbol), kernel.grid,
          kernel.section, builder.CreateString(kernel.description)));
    auto kernels = builder.CreateVector(kernelOffsets);

    std::vector<flatbuffers::Offset<CommandEntry>> commandOffsets;
    for (const CommandDescription &command : plan.commands) {
      if (const auto *launch = std::get_if<LaunchDescription>(&command)) {
        std::vector<flatbuffers::Offset<flatbuffers::String>> libraries;
        for (const std::string &library : launch->libraries)
          libraries.push_back(builder.CreateString(library));
        auto table = CreateLaunch(
            builder, launch->kernel, builder.CreateVector(launch->args),
            launch->libraryOp.empty() ? 0 : builder.CreateString(launch->libraryOp),
            builder.CreateVector(launch->libraryParams),
            builder.CreateVector(libraries),
            builder.CreateVector(launch->libraryArgs));
        commandOffsets.push_back(
            CreateCommandEntry(builder, Command::Launch, table.Union()));
      } else if (const auto *copy = std::get_if<CopyDescription>(&command)) {
        auto table =
            CreateCopy(builder, copy->source, copy->destination, copy->size);
        commandOffsets.push_back(
            CreateCommandEntry(builder, Command::Copy, table.Union()));
      } else {
        const auto &reduce = std::get<AllReduceDescription>(command);
        auto table = CreateAllReduce(builder, reduce.source, reduce.destination,
                                     static_cast<DType>(reduce.dtype),
                                     reduce.count,
                                     static_cast<Reduction>(reduce.reduction));
        commandOffsets.push_back(
            CreateCommandEntry(builder, Command::AllReduce, table.Union()));
      }
    }
    auto commands = builder.CreateVector(commandOffsets);
    auto shapes = [&](const std::vector<std::vector<int64_t>> &list) {
      std::vector<flatbuffers::Offset<Shape>> offsets;
      for (const std::vector<int64_t> &dims : list)
        offsets.push_back(CreateShape(builder, builder.CreateVector(dims)));
      return builder.CreateVector(offsets);
    };
    auto inputShapes = shapes(plan.inputShapes);
    auto outputShapes = shapes(plan.outputShapes);
    planOffsets.push_back(CreatePlan(builder,
                                     builder.CreateString(plan.target),
                                     inputShapes, outputShapes, buffers,
                                     plan.arenaSize, kernels, commands));
  }
  auto plans = builder.CreateVector(planOffsets);

  auto model = CreateModel(
      builder, builder.CreateString(producerString(description.producer)),
      inputs, outputs, layout.constantsOffset, description.constants.size(),
      sections, plans);
  FinishSizePrefixedModelBuffer(builder, model);
  return builder.Release();
}

} // namespace

bool writeArtifact(const ArtifactDescription &description,
                   std::vector<uint8_t> &bytes, std::string &error) {
  try {
    Layout layout;
    const size_t indexSize = buildIndex(description, layout).size();
    layout.constantsOffset =
        alignUp(sizeof(FileHeader) + indexSize, kSectionAlignment);
    uint64_t cursor = layout.constantsOffset + description.constants.size();
    for (const SectionDescription &section : description.sections) {
      uint64_t offset = alignUp(cursor, kSectionAlignment);
      layout.sectionOffsets.push_back(offset);
      cursor = offset + section.bytes.size();
    }
    layout.fileSize = cursor;

    flatbuffers::DetachedBuffer index = buildIndex(description, layout);
    if (index.size() != indexSize) {
      error = "internal error: the artifact index changed size between its "
              "two builds (" +
              std::to_string(indexSize) + " then " +
              std::to_string(index.size()) + " bytes)";
      return false;
    }

    std::vector<uint8_t> file(layout.fileSize, 0);
    std::memcpy(file.data() + sizeof(FileHeader), index.data(), index.size());
    if (!description.constants.empty())
      std::memcpy(file.data() + layout.constantsOffset,
                  description.constants.data(), description.constants.size());
    for (size_t i = 0; i < description.sections.size(); ++i) {
      const std::vector<uint8_t> &sectionBytes = description.sections[i].bytes;
      if (!sectionBytes.empty())
        std::memcpy(file.data() + layout.sectionOffsets[i], sectionBytes.data(),
                    sectionBytes.size());
    }

    FileHeader header{};
    std::memcpy(header.magic, kMagic, sizeof(kMagic));
    header.formatVersion = kFormatVersion;
    header.headerSize = sizeof(FileHeader);
    header.fileSize = layout.fileSize;
    header.indexOffset = sizeof(FileHeader);
    header.indexSize = index.size();
    header.producerMajor = description.producer.major;
    header.producerMinor = description.producer.minor;
    header.producerPatch = description.producer.patch;
    if (!computeSha256(file.data() + sizeof(FileHeader),
                       file.size() - sizeof(FileHeader),
                       header.payloadSha256)) {
      error = "cannot compute the artifact's SHA-256 (OpenSSL failed)";
      return false;
    }
    std::memcpy(file.data(), &header, sizeof(header));

    // The runtime's own checks catch an inconsistent description here, where
    // the compiler can still report it, instead of at load time.
    ArtifactError verifyError;
    if (!verifyArtifact(file.data(), file.size(), verifyError)) {
      error = "invalid artifact description: " + verifyError.message;
      return false;
    }
    bytes = std::move(file);
    return true;
  } catch (const std::bad_alloc &) {
    error = "out of memory while assembling the artifact";
    return false;
  }
}

bool writeArtifactFile(const std::string &path,
                       const ArtifactDescription &description,
                       std::string &error) {
  std::vector<uint8_t> bytes;
  return writeArtifact(description, bytes, error) &&
         writeArtifactBytes(path, bytes, error);
}

bool writeArtifactBytes(const std::string &path,
                        const std::vector<uint8_t> &bytes, std::string &error) {
  // Write beside the target and rename, so a runtime that has the old file
  // mapped never sees it change under it, and a failed write leaves no
  // half-written artifact behind.
  std::string temporaryPath = path + ".partial";
  std::FILE *file = std::fopen(temporaryPath.c_str(), "wb");
  if (!file) {
    error = "cannot create '" + temporaryPath + "': " + std::strerror(errno);
    return false;
  }
  bool written =
      std::fwrite(bytes.data(), 1, bytes.size(), file) == bytes.size();
  int writeErrno = errno;
  if (std::fclose(file) != 0 && written) {
    written = false;
    writeErrno = errno;
  }
  if (!written) {
    std::remove(temporaryPath.c_str());
    error =
        "cannot write '" + temporaryPath + "': " + std::strerror(writeErrno);
    return false;
  }
  if (std::rename(temporaryPath.c_str(), path.c_str()) != 0) {
    error = "cannot rename '" + temporaryPath + "' to '" + path +
            "': " + std::strerror(errno);
    std::remove(temporaryPath.c_str());
    return false;
  }
  return true;
}

} // namespace smelt::artifact
