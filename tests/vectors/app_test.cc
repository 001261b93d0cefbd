// The dts-vectors executable: exit codes from common/exit_codes.h and one-line errors.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <string>

#include "common/exit_codes.h"
#include "data/word_vectors.h"
#include "tests/data/test_util.h"

namespace dts {
namespace {

struct Result {
  int code = -1;
  std::string output;  // stdout and stderr
};

Result RunTool(const std::string& arguments) {
  Result result;
  const std::string command = std::string(DTS_VECTORS) + " " + arguments + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buffer{};
  std::size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) result.output.append(buffer.data(), n);
  const int status = ::pclose(pipe);
  result.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

constexpr const char* kSmall =
    " --vectors.dim 8 --vectors.epoch 2 --vectors.bucket 2000 --vectors.min_count 1";

TEST(VectorsApp, ExitCodesAndOneLineErrors) {
  data::testing::ScratchDir dir;
  const std::string out = dir.Path("out.vec");
  Result r = RunTool("--help");
  EXPECT_EQ(r.code, kExitOk);
  EXPECT_NE(r.output.find("vectors.min_count"), std::string::npos);
  EXPECT_NE(r.output.find("data.fold"), std::string::npos);

  r = RunTool("--text x.txt");
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_EQ(r.output, "dts-vectors: --out FILE.vec is required\n");
  r = RunTool("--out " + out + " --bogus");
  EXPECT_EQ(r.code, kExitUsage);
  r = RunTool("--out " + out + " --text-format neg --text x.txt");
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_EQ(r.output, "dts-vectors: --text-format 'neg' is not one of auto|plain|ade-neg\n");
  r = RunTool("--out " + out + " --data.path data/samples/json --data.fold 1 --data.folds 1");
  EXPECT_EQ(r.code, kExitBadConfig);
  EXPECT_EQ(r.output, "dts-vectors: command line: data.folds = 1 is out of range [2, 20]\n");
  r = RunTool("--out " + out + " --model.hidden 3 --text x.txt");
  EXPECT_EQ(r.code, kExitBadConfig);
  r = RunTool("--out " + out + " --text " + dir.Path("missing.txt"));
  EXPECT_EQ(r.code, kExitBadInput);
  EXPECT_EQ(r.output, "dts-vectors: " + dir.Path("missing.txt") + ": no such file\n");
  const std::string bad = dir.Write("bad.txt", "1 NEG one.\ntwo\n");
  r = RunTool("--out " + out + " --text " + bad);
  EXPECT_EQ(r.code, kExitBadInput);
  EXPECT_EQ(r.output,
            "dts-vectors: " + bad + ":2: expected an ADE-NEG line 'PubMed-ID NEG sentence', found 'two'\n");
  r = RunTool("--out " + dir.Path("none/out.vec") + " --text " + bad);
  EXPECT_EQ(r.code, kExitIo);
  EXPECT_FALSE(std::filesystem::exists(out));

  r = RunTool("--out " + out +
              " --quiet --data.path data/samples/ade/ade-sample.rel --data.format ade --data.folds 3" +
              kSmall + " --text " + dir.Write("plain.txt", "Warfarin was stopped.\n"));
  EXPECT_EQ(r.code, kExitOk) << r.output;
  EXPECT_NE(r.output.find("training text from corpus train part (ade fold 0/3"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("training text from " + dir.Path("plain.txt") + " (plain): 1 sentences, 4 tokens"),
            std::string::npos)
      << r.output;
  EXPECT_EQ(data::ReadWordVectors(out).dim, 8);
}

}  // namespace
}  // namespace dts
