//===- ArtifactTest.cpp - Writer and reader of .smelt files
//----------------===//
#include "TestArtifacts.h"

#include "runtime/src/ArtifactFormat.h"
#include "runtime/src/ArtifactReader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>

using namespace smelt::artifact;
using namespace smelt::test;
using ::testing::HasSubstr;

namespace {

FileHeader headerOf(const std::vector<uint8_t> &bytes) {
  FileHeader header;
  std::memcpy(&header, bytes.data(), sizeof(header));
  return header;
}

ArtifactError verifyError(const std::vector<uint8_t> &bytes, size_t size) {
  ArtifactError error;
  EXPECT_FALSE(verifyArtifact(bytes.data(), size, error));
  return error;
}

TEST(ArtifactWriter, LaysOutHeaderIndexAndAlignedRegions) {
  ArtifactDescription model = makeAddMultiplyModel(4);
  std::vector<uint8_t> bytes = writeOrDie(model);
  FileHeader header = headerOf(bytes);
  EXPECT_EQ(std::memcmp(header.magic, "SMELTART", 8), 0);
  EXPECT_EQ(header.formatVersion, kFormatVersion);
  EXPECT_EQ(header.headerSize, sizeof(FileHeader));
  EXPECT_EQ(header.fileSize, bytes.size());
  EXPECT_EQ(header.indexOffset, sizeof(FileHeader));

  const Model &index = *GetSizePrefixedModel(bytes.data() + header.indexOffset);
  EXPECT_EQ(index.constants_offset() % 64, 0u);
  EXPECT_GE(index.constants_offset(), header.indexOffset + header.indexSize);
  EXPECT_EQ(index.constants_size(), model.constants.size());
  EXPECT_EQ(std::memcmp(bytes.data() + index.constants_offset(),
                        model.constants.data(), model.constants.size()),
            0);
  ASSERT_EQ(index.sections()->size(), 1u);
  const Section *section = index.sections()->Get(0);
  EXPECT_EQ(section->offset() % 64, 0u);
  EXPECT_EQ(section->size(), model.sections[0].bytes.size());
  EXPECT_EQ(section->offset() + section->size(), bytes.size());
  EXPECT_EQ(std::memcmp(bytes.data() + section->offset(),
                        model.sections[0].bytes.data(), section->size()),
            0);
}

TEST(ArtifactReader, ReadsBackWhatWasWritten) {
  ArtifactDescription model = makeAddMultiplyModel(4);
  std::vector<uint8_t> bytes = writeOrDie(model);
  ArtifactError error;
  std::unique_ptr<Artifact> artifact =
      Artifact::fromMemory(bytes.data(), bytes.size(), error);
  ASSERT_TRUE(artifact) << error.message;
  const Model &index = artifact->index();
  EXPECT_EQ(index.producer()->str(), "smelt 0.1.0");
  ASSERT_EQ(index.inputs()->size(), 2u);
  EXPECT_EQ(index.inputs()->Get(1)->name()->str(), "y");
  EXPECT_EQ(index.inputs()->Get(1)->shape()->Get(1), 8);
  EXPECT_EQ(index.plans()->Get(0)->buffers()->Get(2)->kind(), BufferKind::Constant);
  EXPECT_EQ(index.plans()->Get(0)->buffers()->Get(3)->offset(), 128u);
  EXPECT_EQ(index.plans()->Get(0)->arena_size(), model.plans[0].arenaSize);
  EXPECT_EQ(index.plans()->Get(0)->kernels()->Get(1)->symbol()->str(),
            "smelt_test_multiply_rows");
  EXPECT_EQ(index.plans()->Get(0)->kernels()->Get(1)->grid(), 4u);
  ASSERT_EQ(index.plans()->Get(0)->commands()->size(), 3u);
  EXPECT_EQ(index.plans()->Get(0)->commands()->Get(2)->command_as_Copy()->destination(), 5u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(artifact->constants()) % 64, 0u);
  EXPECT_EQ(std::memcmp(artifact->constants(), model.constants.data(),
                        model.constants.size()),
            0);
  EXPECT_EQ(artifact->sectionSize(0), model.sections[0].bytes.size());
}

TEST(ArtifactReader, MapsAFile) {
  ArtifactDescription model = makeAddMultiplyModel(2);
  std::string path = temporaryPath("mapped.smelt");
  std::string writeError;
  ASSERT_TRUE(writeArtifactFile(path, model, writeError)) << writeError;
  ArtifactError error;
  std::unique_ptr<Artifact> artifact = Artifact::fromFile(path, error);
  ASSERT_TRUE(artifact) << error.message;
  EXPECT_EQ(reinterpret_cast<uintptr_t>(artifact->constants()) % 64, 0u);
  EXPECT_EQ(artifact->index().inputs()->Get(0)->name()->str(), "x");
  std::remove(path.c_str());

  EXPECT_FALSE(Artifact::fromFile(path, error));
  EXPECT_EQ(error.code, ArtifactErrorCode::NotFound);
  EXPECT_THAT(error.message, HasSubstr(path));
}

TEST(ArtifactReader, RejectsTruncationAnywhere) {
  std::vector<uint8_t> bytes = writeOrDie(makeAddMultiplyModel(2));
  for (size_t size : {size_t(0), size_t(4), size_t(7)})
    EXPECT_EQ(verifyError(bytes, size).message,
              "not a Smelt artifact (bad magic)");
  for (size_t size : {size_t(8), size_t(50), size_t(95)})
    EXPECT_EQ(verifyError(bytes, size).message,
              "truncated artifact: " + std::to_string(size) +
                  " bytes, less than the 96-byte header");
  for (size_t size :
       {size_t(96), size_t(100), bytes.size() / 2, bytes.size() - 1}) {
    ArtifactError error = verifyError(bytes, size);
    EXPECT_EQ(error.code, ArtifactErrorCode::Corrupt);
    EXPECT_EQ(error.message, "truncated artifact: header says " +
                                 std::to_string(bytes.size()) +
                                 " bytes, file has " + std::to_string(size));
  }
}

TEST(ArtifactReader, RejectsTrailingBytes) {
  std::vector<uint8_t> bytes = writeOrDie(makeCopyModel());
  const size_t size = bytes.size();
  bytes.push_back(0);
  EXPECT_EQ(verifyError(bytes, bytes.size()).message,
            "artifact has trailing bytes: header says " + std::to_string(size) +
                " bytes, file has " + std::to_string(size + 1));
}

TEST(ArtifactReader, RejectsBadMagic) {
  std::vector<uint8_t> bytes = writeOrDie(makeCopyModel());
  bytes[3] = 'X';
  ArtifactError error = verifyError(bytes, bytes.size());
  EXPECT_EQ(error.code, ArtifactErrorCode::Corrupt);
  EXPECT_EQ(error.message, "not a Smelt artifact (bad magic)");
}

TEST(ArtifactReader, RejectsOtherFormatVersions) {
  std::vector<uint8_t> bytes = writeOrDie(makeCopyModel());
  const uint32_t version = 7;
  std::memcpy(bytes.data() + offsetof(FileHeader, formatVersion), &version, 4);
  ArtifactError error = verifyError(bytes, bytes.size());
  EXPECT_EQ(error.code, ArtifactErrorCode::UnsupportedVersion);
  EXPECT_EQ(error.message, "unsupported artifact format version 7 (this "
                           "runtime reads version 1); recompile the model "
                           "with a matching smelt");
}

TEST(ArtifactReader, RejectsAPayloadThatFailsItsChecksum) {
  std::vector<uint8_t> bytes = writeOrDie(makeCopyModel());
  bytes.back() ^= 1;
  EXPECT_EQ(verifyError(bytes, bytes.size()).message,
            "artifact checksum mismatch: the file is corrupt");
}

// Every header field is either checked or covered by the checksum, so no
// single damaged byte reaches the index parser.
TEST(ArtifactReader, RejectsEveryFlippedByteBeforeParsing) {
  for (const ArtifactDescription &model :
       {makeCopyModel(), makeAddMultiplyModel(2)}) {
    std::vector<uint8_t> bytes = writeOrDie(model);
    for (size_t position = 0; position < bytes.size(); ++position) {
      for (uint8_t mask : {uint8_t(0x01), uint8_t(0x80)}) {
        bytes[position] ^= mask;
        ArtifactError error;
        bool accepted = verifyArtifact(bytes.data(), bytes.size(), error);
        bytes[position] ^= mask;
        ASSERT_FALSE(accepted) << "byte " << position << " mask " << int(mask);
        const std::string &message = error.message;
        bool rejectedBeforeParsing =
            message.rfind("not a Smelt artifact", 0) == 0 ||
            message.rfind("truncated artifact", 0) == 0 ||
            message.rfind("artifact has trailing bytes", 0) == 0 ||
            message.rfind("unsupported artifact format version", 0) == 0 ||
            message.rfind("corrupt artifact header", 0) == 0 ||
            message == "artifact checksum mismatch: the file is corrupt";
        ASSERT_TRUE(rejectedBeforeParsing)
            << "byte " << position << ": " << message;
      }
    }
  }
}

TEST(ArtifactReader, RejectsAnIndexThatFailsTheVerifier) {
  std::vector<uint8_t> bytes = writeOrDie(makeCopyModel());
  FileHeader header = headerOf(bytes);
  // Keep the size prefix, scribble over the root offset and identifier.
  for (size_t i = 4; i < 12; ++i)
    bytes[header.indexOffset + i] = 0xff;
  resealChecksum(bytes);
  ArtifactError error = verifyError(bytes, bytes.size());
  EXPECT_EQ(error.code, ArtifactErrorCode::Corrupt);
  EXPECT_THAT(error.message, HasSubstr("FlatBuffers verifier"));
}

TEST(ArtifactReader, NeverCrashesOnAResealedDamagedIndex) {
  // Past the checksum, damage must still be caught by the verifier or the
  // semantic checks; anything accepted must be self-consistent (the runtime
  // test runs such artifacts).
  std::vector<uint8_t> bytes = writeOrDie(makeCopyModel());
  FileHeader header = headerOf(bytes);
  size_t rejected = 0;
  for (size_t i = 0; i < header.indexSize; ++i) {
    std::vector<uint8_t> damaged = bytes;
    damaged[header.indexOffset + i] ^= 0x5a;
    resealChecksum(damaged);
    ArtifactError error;
    if (!verifyArtifact(damaged.data(), damaged.size(), error)) {
      ++rejected;
      EXPECT_EQ(error.code, ArtifactErrorCode::Corrupt);
      EXPECT_FALSE(error.message.empty());
    }
  }
  EXPECT_GT(rejected, header.indexSize / 2);
}

TEST(ArtifactWriter, RejectsInconsistentDescriptions) {
  std::string error;
  std::vector<uint8_t> bytes;

  ArtifactDescription model = makeAddMultiplyModel(2);
  std::get<LaunchDescription>(model.plans[0].commands[0]).args[1] = 9;
  EXPECT_FALSE(writeArtifact(model, bytes, error));
  EXPECT_EQ(error, "invalid artifact description: corrupt artifact index: "
                   "plan 0: command 0 (launch): argument 1 is buffer 9, but the "
                   "artifact has 6 buffers");

  model = makeAddMultiplyModel(2);
  model.plans[0].buffers[1].size = 4;
  EXPECT_FALSE(writeArtifact(model, bytes, error));
  EXPECT_THAT(error, HasSubstr("buffer 1 (input 1) has offset 0 and size 4; "
                               "the signature needs offset 0 and size 64"));

  model = makeAddMultiplyModel(2);
  model.plans[0].kernels[0].section = 3;
  EXPECT_FALSE(writeArtifact(model, bytes, error));
  EXPECT_THAT(error, HasSubstr("kernel 0 ('smelt_test_add_rows') is in "
                               "section 3, but the artifact has 1 sections"));

  model = makeAddMultiplyModel(2);
  model.plans[0].buffers[3].offset = model.plans[0].arenaSize;
  EXPECT_FALSE(writeArtifact(model, bytes, error));
  EXPECT_THAT(error, HasSubstr("lies outside the arena"));

  model = makeAddMultiplyModel(2);
  model.plans[0].buffers[2].offset = 1000;
  EXPECT_FALSE(writeArtifact(model, bytes, error));
  EXPECT_THAT(error, HasSubstr("lies outside the constants"));

  model = makeAddMultiplyModel(2);
  model.inputs[0].dtype = static_cast<smelt_dtype_t>(13);
  EXPECT_FALSE(writeArtifact(model, bytes, error));
  EXPECT_THAT(error, HasSubstr("input 0 has an invalid dtype 13"));

  model = makeCopyModel();
  std::get<CopyDescription>(model.plans[0].commands[0]).size = 17;
  EXPECT_FALSE(writeArtifact(model, bytes, error));
  EXPECT_THAT(error, HasSubstr("command 0 (copy) of 17 bytes exceeds"));

  // A library alternative must describe exactly its buffers.
  model = makeAddMultiplyModel(2);
  auto &launch = std::get<LaunchDescription>(model.plans[0].commands[1]);
  launch.libraryOp = "gemm";
  launch.libraries = {"oneDNN"};
  launch.libraryParams = {1, 2, 8, 8, 0}; // A 2x8, B 8x8 (64 floats), C 2x8
  EXPECT_FALSE(writeArtifact(model, bytes, error));
  EXPECT_THAT(error, HasSubstr("command 1 (launch): the gemm's shapes disagree "
                               "with the sizes of its buffers"));
  launch.libraryParams = {1, 2, 8, 8};
  EXPECT_FALSE(writeArtifact(model, bytes, error));
  EXPECT_THAT(error, HasSubstr("a gemm call needs 5 or 7 parameters"));
  launch.libraryParams = {1, 4, 4, 4, 0}; // A, B, C of 16 floats each
  EXPECT_TRUE(writeArtifact(model, bytes, error)) << error;
  // With an epilogue: [..., hasBias, relu] and the buffers A, B, [bias], C.
  launch.libraryParams = {1, 4, 4, 4, 0, 0, 1};
  launch.libraryArgs = {3, 1, 4};
  EXPECT_TRUE(writeArtifact(model, bytes, error)) << error;
  launch.libraryParams = {1, 4, 4, 4, 0, 0, 2};
  EXPECT_FALSE(writeArtifact(model, bytes, error));
  EXPECT_THAT(error, HasSubstr("invalid gemm parameters"));
  launch.libraryParams = {1, 4, 4, 4, 0, 1, 1};
  EXPECT_FALSE(writeArtifact(model, bytes, error));
  EXPECT_THAT(error, HasSubstr("a gemm call with these parameters needs 4 buffers"));
  launch.libraryArgs = {3, 1, 0, 4}; // a bias of 16 floats, not 4
  EXPECT_FALSE(writeArtifact(model, bytes, error));
  EXPECT_THAT(error, HasSubstr("the gemm's shapes disagree with the sizes of its buffers"));

  // pool2d: input and output, 17 parameters whose window arithmetic holds.
  launch.libraryOp = "pool2d";
  launch.libraryArgs = {3, 4};
  // 1x1x2x8 -> 1x1x1x4 with 2x2 windows: 16 bytes out, but buffer 4 has 64.
  launch.libraryParams = {1, 1, 2, 8, 1, 4, 2, 2, 2, 2, 1, 1, 0, 0, 0, 0, 0};
  EXPECT_FALSE(writeArtifact(model, bytes, error));
  EXPECT_THAT(error, HasSubstr("the pool2d's shapes disagree with the sizes of its buffers"));
  // 1x1x2x8 -> 1x1x2x8 with 1x1 windows fits, but kind 3 does not exist.
  launch.libraryParams = {1, 1, 2, 8, 2, 8, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 3};
  EXPECT_FALSE(writeArtifact(model, bytes, error));
  EXPECT_THAT(error, HasSubstr("invalid pool2d parameters"));
  // An output size the windows do not give.
  launch.libraryParams = {1, 1, 2, 8, 2, 8, 2, 2, 1, 1, 1, 1, 0, 0, 0, 0, 0};
  EXPECT_FALSE(writeArtifact(model, bytes, error));
  EXPECT_THAT(error, HasSubstr("invalid pool2d parameters"));
  launch.libraryParams = {1, 1, 2, 8, 2, 8, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1};
  EXPECT_TRUE(writeArtifact(model, bytes, error)) << error;
  launch.libraryArgs = {3};
  EXPECT_FALSE(writeArtifact(model, bytes, error));
  EXPECT_THAT(error, HasSubstr("a pool2d call needs 2 buffers and 17 parameters"));

  model = makeCopyModel();
  model.outputs[0].shape = std::vector<int64_t>(17, 1);
  EXPECT_FALSE(writeArtifact(model, bytes, error));
  EXPECT_THAT(error, HasSubstr("output 0 has rank 17"));
}

} // namespace
