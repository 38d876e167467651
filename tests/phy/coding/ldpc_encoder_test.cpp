// LDPC encoder against srsRAN 4G's example codewords and Sionna's generator-matrix outputs.
#include "airan/phy/coding/ldpc_encoder.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "test_data.h"

namespace airan::phy {
namespace {

std::vector<uint8_t> bits_of(const std::string& s) {
  std::vector<uint8_t> v(s.size());
  for (size_t i = 0; i < s.size(); ++i) v[i] = s[i] == '1' ? 1 : 0;  // '-' filler encodes as 0
  return v;
}

struct ExampleSet {
  unsigned z;
  std::vector<std::string> msgs, cwds;
};

// Format A of nr/vectors/README.md: "ls<Z>msgs" + 10 lines, "ls<Z>cwds" + 10 lines.
std::vector<ExampleSet> read_examples(const std::string& file) {
  std::ifstream in(test::data_path("nr/vectors/" + file));
  std::vector<ExampleSet> sets;
  std::string line;
  std::vector<std::string>* target = nullptr;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.rfind("ls", 0) == 0) {
      const unsigned z = std::stoul(line.substr(2));
      if (line.find("msgs") != std::string::npos) {
        sets.push_back({z, {}, {}});
        target = &sets.back().msgs;
      } else {
        target = &sets.back().cwds;
      }
    } else if (!line.empty() && target != nullptr) {
      target->push_back(line);
    }
  }
  return sets;
}

void check_examples(const std::string& file, LdpcBaseGraph bg) {
  auto sets = read_examples(file);
  ASSERT_GE(sets.size(), 20u) << "cannot read " << test::data_path("nr/vectors/" + file);
  auto encoder = create_ldpc_encoder();
  for (const auto& set : sets) {
    ASSERT_EQ(set.msgs.size(), set.cwds.size());
    for (size_t m = 0; m < set.msgs.size(); ++m) {
      auto c = bits_of(set.msgs[m]);
      std::vector<uint8_t> d(ldpc_n(bg, set.z));
      ASSERT_TRUE(encoder->encode(d, c, bg, set.z)) << "Z=" << set.z;
      const std::string& expect = set.cwds[m];
      ASSERT_EQ(expect.size(), d.size());
      for (size_t i = 0; i < d.size(); ++i) {
        if (expect[i] == '-') continue;  // filler
        ASSERT_EQ(d[i], expect[i] == '1' ? 1 : 0) << file << " Z=" << set.z << " msg " << m << " bit " << i;
      }
    }
  }
}

TEST(LdpcEncoder, Bg1MatchesSrsranExamples) { check_examples("ldpc_enc_bg1_examples.txt", LdpcBaseGraph::bg1); }
TEST(LdpcEncoder, Bg2MatchesSrsranExamples) { check_examples("ldpc_enc_bg2_examples.txt", LdpcBaseGraph::bg2); }

// Sionna's e = msg * G for rv 0, Qm 1: the first n bits of d with filler bits skipped.
TEST(LdpcEncoder, MatchesSionnaGeneratorMatrices) {
  auto rows = test::read_csv(test::data_path("nr/vectors/ldpc_enc_rm_rv0_sionna.csv"));
  ASSERT_EQ(rows.size(), 39u);
  auto encoder = create_ldpc_encoder();
  for (const auto& r : rows) {
    const unsigned k = std::stoul(r[0]), n = std::stoul(r[1]), z = std::stoul(r[3]),
                   f = std::stoul(r[4]);
    const auto bg = r[2] == "1" ? LdpcBaseGraph::bg1 : LdpcBaseGraph::bg2;
    std::vector<uint8_t> c = bits_of(r[5]);
    ASSERT_EQ(c.size(), k);
    c.resize(ldpc_k(bg, z), 0);
    ASSERT_EQ(k + f, c.size());
    std::vector<uint8_t> d(ldpc_n(bg, z));
    ASSERT_TRUE(encoder->encode(d, c, bg, z));
    std::string e;
    for (unsigned i = 0; e.size() < n; i = (i + 1) % d.size()) {
      if (i + 2 * z >= k && i + 2 * z < k + f) continue;
      e.push_back(d[i] ? '1' : '0');
    }
    EXPECT_EQ(e, r[6]) << "k=" << k << " n=" << n;
  }
}

TEST(LdpcEncoder, RejectsBadParameters) {
  auto encoder = create_ldpc_encoder();
  std::vector<uint8_t> c(22 * 384), d(66 * 384);
  auto s = encoder->encode(d, c, LdpcBaseGraph::bg1, 17);
  ASSERT_FALSE(s);
  EXPECT_NE(s.message().find("z=17"), std::string::npos);
  s = encoder->encode(d, std::span<const uint8_t>(c).first(100), LdpcBaseGraph::bg1, 384);
  ASSERT_FALSE(s);
  EXPECT_NE(s.message().find("K=8448"), std::string::npos);
  s = encoder->encode(std::span<uint8_t>(d).first(10), c, LdpcBaseGraph::bg1, 384);
  ASSERT_FALSE(s);
  EXPECT_NE(s.message().find("N=25344"), std::string::npos);
}

}  // namespace
}  // namespace airan::phy
