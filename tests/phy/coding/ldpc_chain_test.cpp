// Receive side against the independent vectors: rate-matched bits -> noiseless LLRs -> rate
// dematching -> LDPC decoding recovers the message, for every case of every vector file.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "airan/phy/coding/ldpc_decoder.h"
#include "airan/phy/coding/ldpc_encoder.h"
#include "airan/phy/coding/ldpc_rate_matcher.h"
#include "test_data.h"

namespace airan::phy {
namespace {

std::vector<int8_t> noiseless_llrs(const std::string& bits) {
  std::vector<int8_t> llrs(bits.size());
  for (size_t i = 0; i < bits.size(); ++i) llrs[i] = bits[i] == '1' ? -32 : 32;
  return llrs;
}

// Decodes `e` and checks that re-encoding the decoded message reproduces every non-filler bit of
// `d` (so all K message bits, the 2Z punctured ones included, were recovered). NR's rv1 and rv2
// are by design not self-decodable (they carry little or no systematic part), so those cases are
// decoded as HARQ retransmissions: soft-combined with an rv0 transmission of the same d.
void expect_recovered(const LdpcRateMatchConfig& cfg, const std::string& e, const std::string& d,
                      const std::string& what) {
  std::vector<int8_t> d_llrs(ldpc_n(cfg.bg, cfg.z));
  if (cfg.rv == 1 || cfg.rv == 2) {
    LdpcRateMatchConfig first = cfg;
    first.rv = 0;
    std::vector<uint8_t> d_bits(d_llrs.size()), f(first.e);
    for (size_t i = 0; i < d_bits.size(); ++i) d_bits[i] = d[i] == '1';
    ASSERT_TRUE(ldpc_rate_match(f, d_bits, first));
    std::string f_text(f.size(), '0');
    for (size_t i = 0; i < f.size(); ++i) f_text[i] = f[i] ? '1' : '0';
    ASSERT_TRUE(ldpc_rate_dematch(d_llrs, noiseless_llrs(f_text), first, false));
  }
  ASSERT_TRUE(ldpc_rate_dematch(d_llrs, noiseless_llrs(e), cfg, cfg.rv == 1 || cfg.rv == 2)) << what;
  auto decoder = create_ldpc_decoder();
  LdpcDecoder::Configuration dc;
  dc.bg = cfg.bg;
  dc.z = cfg.z;
  dc.max_iterations = 20;
  std::vector<uint8_t> msg(ldpc_k(cfg.bg, cfg.z));
  auto res = decoder->decode(msg, d_llrs, dc);
  ASSERT_TRUE(res) << res.error().message;
  EXPECT_TRUE(res->success) << what;
  std::vector<uint8_t> reencoded(d_llrs.size());
  ASSERT_TRUE(create_ldpc_encoder()->encode(reencoded, msg, cfg.bg, cfg.z));
  ASSERT_GE(d.size(), reencoded.size());
  for (size_t i = 0; i < reencoded.size(); ++i) {
    if (d[i] == '-') continue;
    ASSERT_EQ(reencoded[i], d[i] == '1' ? 1 : 0) << what << " bit " << i;
  }
}

TEST(LdpcChain, DecodesEveryRateMatchVector) {
  auto rows = test::read_csv(test::data_path("nr/vectors/ldpc_ratematch_vectors.csv"));
  ASSERT_EQ(rows.size(), 18u);
  for (const auto& r : rows) {
    LdpcRateMatchConfig cfg;
    cfg.bg = r[1] == "1" ? LdpcBaseGraph::bg1 : LdpcBaseGraph::bg2;
    cfg.z = std::stoul(r[2]);
    cfg.filler = std::stoul(r[4]);
    const unsigned n = std::stoul(r[5]), ncb = std::stoul(r[6]);
    cfg.n_ref = ncb < n ? ncb : 0;
    cfg.rv = std::stoul(r[7]);
    cfg.qm = std::stoul(r[8]);
    cfg.e = std::stoul(r[9]);
    expect_recovered(cfg, r[12], r[11], "ratematch vector id " + r[0]);
  }
}

TEST(LdpcChain, DecodesEverySionnaVector) {
  auto rows = test::read_csv(test::data_path("nr/vectors/ldpc_enc_rm_rv0_sionna.csv"));
  ASSERT_EQ(rows.size(), 39u);
  for (const auto& r : rows) {
    LdpcRateMatchConfig cfg;
    cfg.bg = r[2] == "1" ? LdpcBaseGraph::bg1 : LdpcBaseGraph::bg2;
    cfg.z = std::stoul(r[3]);
    cfg.filler = std::stoul(r[4]);
    cfg.qm = 1;
    cfg.e = std::stoul(r[1]);
    // d is not in this file: rebuild it from the message with the (separately tested) encoder.
    std::vector<uint8_t> c(ldpc_k(cfg.bg, cfg.z), 0);
    for (size_t i = 0; i < r[5].size(); ++i) c[i] = r[5][i] == '1';
    std::vector<uint8_t> d(ldpc_n(cfg.bg, cfg.z));
    ASSERT_TRUE(create_ldpc_encoder()->encode(d, c, cfg.bg, cfg.z));
    std::string d_text(d.size(), '0');
    for (size_t i = 0; i < d.size(); ++i) d_text[i] = d[i] ? '1' : '0';
    expect_recovered(cfg, r[6], d_text, "sionna k=" + r[0] + " n=" + r[1]);
  }
}

}  // namespace
}  // namespace airan::phy
