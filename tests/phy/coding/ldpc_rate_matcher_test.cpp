// LDPC rate matching and dematching (TS 38.212 5.4.2) against the srsRAN-generated vectors of the
// data folder and against a bit-by-bit reference written straight from the clause.
#include "airan/phy/coding/ldpc_rate_matcher.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "test_data.h"

namespace airan::phy {
namespace {

struct RateMatchVector {
  int id = 0;
  LdpcRateMatchConfig cfg;
  unsigned k = 0;
  unsigned n = 0;
  unsigned ncb = 0;
  unsigned k0 = 0;
  std::vector<uint8_t> d;       // filler '-' as 0
  std::vector<bool> is_filler;  // per d position
  std::vector<uint8_t> f;       // rate-matched, interleaved output
};

std::vector<RateMatchVector> load_vectors() {
  const auto path = test::data_path("nr/vectors/ldpc_ratematch_vectors.csv");
  std::vector<std::string> header;
  const auto rows = test::read_csv(path, &header);
  std::vector<RateMatchVector> out;
  for (const auto& r : rows) {
    EXPECT_EQ(r.size(), 13u) << path;
    if (r.size() != 13) continue;
    RateMatchVector v;
    v.id = std::stoi(r[0]);
    v.cfg.bg = std::stoi(r[1]) == 1 ? LdpcBaseGraph::bg1 : LdpcBaseGraph::bg2;
    v.cfg.z = std::stoul(r[2]);
    v.k = std::stoul(r[3]);
    v.cfg.filler = std::stoul(r[4]);
    v.n = std::stoul(r[5]);
    v.ncb = std::stoul(r[6]);
    v.cfg.rv = std::stoul(r[7]);
    v.cfg.qm = std::stoul(r[8]);
    v.cfg.e = std::stoul(r[9]);
    v.k0 = std::stoul(r[10]);
    v.cfg.n_ref = v.ncb == v.n ? 0 : v.ncb;
    for (char c : r[11]) {
      v.d.push_back(c == '1' ? 1 : 0);
      v.is_filler.push_back(c == '-');
    }
    for (char c : r[12]) v.f.push_back(c == '1' ? 1 : 0);
    out.push_back(std::move(v));
  }
  return out;
}

/// d index of each of the E selected bits, in e order: TS 38.212 5.4.2.1 written bit by bit.
std::vector<unsigned> reference_selection(const LdpcRateMatchConfig& cfg) {
  const unsigned ncb = ldpc_ncb(cfg);
  const unsigned k_sent = ldpc_k(cfg.bg, cfg.z) - 2 * cfg.z;
  std::vector<unsigned> sel;
  unsigned j = 0;
  while (sel.size() < cfg.e) {
    const unsigned pos = (ldpc_k0(cfg) + j) % ncb;
    if (pos < k_sent - cfg.filler || pos >= k_sent) sel.push_back(pos);
    ++j;
  }
  return sel;
}

/// Position in f of e[k] (TS 38.212 5.4.2.2): e[q*E/Qm + i] goes to f[i*Qm + q].
size_t f_index(size_t k, const LdpcRateMatchConfig& cfg) {
  const size_t per_row = cfg.e / cfg.qm;
  return (k % per_row) * cfg.qm + k / per_row;
}

/// What dematching `llrs` should leave in the N-entry buffer `acc`: sequential saturating sums.
void reference_dematch(std::vector<int>& acc, const std::vector<int8_t>& llrs,
                       const LdpcRateMatchConfig& cfg) {
  const auto sel = reference_selection(cfg);
  for (size_t k = 0; k < sel.size(); ++k) {
    acc[sel[k]] = std::clamp(acc[sel[k]] + llrs[f_index(k, cfg)], -127, 127);
  }
  const unsigned k_sent = ldpc_k(cfg.bg, cfg.z) - 2 * cfg.z;
  for (unsigned p = k_sent - cfg.filler; p < k_sent; ++p) acc[p] = 127;
}

std::vector<int8_t> bits_to_llrs(const std::vector<uint8_t>& bits, int8_t magnitude) {
  std::vector<int8_t> llrs(bits.size());
  for (size_t i = 0; i < bits.size(); ++i) {
    llrs[i] = static_cast<int8_t>(bits[i] ? -magnitude : magnitude);
  }
  return llrs;
}

TEST(LdpcRateMatch, VectorsLoad) {
  const auto vectors = load_vectors();
  ASSERT_EQ(vectors.size(), 18u) << "missing "
                                 << test::data_path("nr/vectors/ldpc_ratematch_vectors.csv");
}

TEST(LdpcRateMatch, NcbAndK0MatchVectors) {
  for (const auto& v : load_vectors()) {
    SCOPED_TRACE("vector id " + std::to_string(v.id));
    EXPECT_TRUE(ldpc_rate_match_validate(v.cfg)) << ldpc_rate_match_validate(v.cfg).message();
    EXPECT_EQ(ldpc_k(v.cfg.bg, v.cfg.z), v.k);
    EXPECT_EQ(ldpc_n(v.cfg.bg, v.cfg.z), v.n);
    EXPECT_EQ(ldpc_ncb(v.cfg), v.ncb);
    EXPECT_EQ(ldpc_k0(v.cfg), v.k0);
    // The filler positions of the vector are exactly d[K-F-2Z .. K-2Z-1].
    for (unsigned p = 0; p < v.n; ++p) {
      const bool filler = p >= v.k - v.cfg.filler - 2 * v.cfg.z && p < v.k - 2 * v.cfg.z;
      ASSERT_EQ(v.is_filler[p], filler) << "position " << p;
    }
  }
}

TEST(LdpcRateMatch, MatchesVectorsBitExact) {
  for (const auto& v : load_vectors()) {
    SCOPED_TRACE("vector id " + std::to_string(v.id));
    ASSERT_EQ(v.d.size(), v.n);
    ASSERT_EQ(v.f.size(), v.cfg.e);
    std::vector<uint8_t> out(v.cfg.e, 0xAA);
    Status s = ldpc_rate_match(out, v.d, v.cfg);
    ASSERT_TRUE(s) << s.message();
    EXPECT_EQ(out, v.f);
    // The same output from the bit-by-bit reference.
    const auto sel = reference_selection(v.cfg);
    for (size_t k = 0; k < sel.size(); ++k) {
      ASSERT_EQ(out[f_index(k, v.cfg)], v.d[sel[k]]) << "e index " << k;
    }
  }
}

TEST(LdpcRateMatch, DematchRecoversSignsFillerAndRepeats) {
  bool saw_repeat = false;
  for (const auto& v : load_vectors()) {
    SCOPED_TRACE("vector id " + std::to_string(v.id));
    const auto llrs = bits_to_llrs(v.f, 100);
    std::vector<int8_t> d_llrs(v.n, 55);  // stale content that combine=false must clear
    Status s = ldpc_rate_dematch(d_llrs, llrs, v.cfg, /*combine=*/false);
    ASSERT_TRUE(s) << s.message();

    std::vector<unsigned> times(v.n, 0);
    for (unsigned p : reference_selection(v.cfg)) ++times[p];
    for (unsigned p = 0; p < v.n; ++p) {
      if (v.is_filler[p]) {
        ASSERT_EQ(d_llrs[p], 127) << "filler position " << p;
      } else if (times[p] == 0) {
        ASSERT_EQ(d_llrs[p], 0) << "never-selected position " << p;
      } else {
        // Positive LLR means bit 0; one copy gives +-100, two or more saturate at +-127.
        const int expected = (times[p] == 1 ? 100 : 127) * (v.d[p] ? -1 : 1);
        ASSERT_EQ(d_llrs[p], expected) << "position " << p << " selected " << times[p] << "x";
        saw_repeat = saw_repeat || times[p] > 1;
      }
    }
  }
  EXPECT_TRUE(saw_repeat) << "no vector wraps around the circular buffer";
}

TEST(LdpcRateMatch, DematchSaturatesInOrderWithRandomLlrs) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> dist(-128, 127);
  for (const auto& v : load_vectors()) {
    SCOPED_TRACE("vector id " + std::to_string(v.id));
    std::vector<int8_t> llrs(v.cfg.e);
    for (auto& l : llrs) l = static_cast<int8_t>(dist(rng));
    std::vector<int8_t> d_llrs(v.n, -3);
    ASSERT_TRUE(ldpc_rate_dematch(d_llrs, llrs, v.cfg, false));
    std::vector<int> expected(v.n, 0);
    reference_dematch(expected, llrs, v.cfg);
    for (unsigned p = 0; p < v.n; ++p) ASSERT_EQ(d_llrs[p], expected[p]) << "position " << p;
  }
}

TEST(LdpcRateMatch, RoundTripRandomBitsAllRvAndQm) {
  std::mt19937 rng(11);
  for (LdpcBaseGraph bg : {LdpcBaseGraph::bg1, LdpcBaseGraph::bg2}) {
    for (unsigned qm : {1u, 2u, 4u, 6u, 8u}) {
      for (unsigned rv = 0; rv < 4; ++rv) {
        LdpcRateMatchConfig cfg{bg, 52, 30, rv, qm, qm * 700, rv == 1 ? 2000u : 0u};
        SCOPED_TRACE("bg" + std::to_string(static_cast<int>(bg)) + " qm " + std::to_string(qm) +
                     " rv " + std::to_string(rv));
        const unsigned n = ldpc_n(bg, cfg.z);
        std::vector<uint8_t> d(n);
        for (auto& b : d) b = rng() & 1;
        std::vector<uint8_t> f(cfg.e);
        ASSERT_TRUE(ldpc_rate_match(f, d, cfg));
        const auto sel = reference_selection(cfg);
        for (size_t k = 0; k < sel.size(); ++k) ASSERT_EQ(f[f_index(k, cfg)], d[sel[k]]);
        std::vector<int8_t> d_llrs(n);
        ASSERT_TRUE(ldpc_rate_dematch(d_llrs, bits_to_llrs(f, 20), cfg, false));
        std::vector<int> expected(n, 0);
        reference_dematch(expected, bits_to_llrs(f, 20), cfg);
        for (unsigned p = 0; p < n; ++p) ASSERT_EQ(d_llrs[p], expected[p]) << "position " << p;
      }
    }
  }
}

TEST(LdpcRateMatch, InterleaverEveryLengthAroundSimdBlocks) {
  // E/Qm from 1 to 40 symbols crosses the 16-symbol blocks of the SIMD paths and their tails.
  std::mt19937 rng(5);
  const LdpcRateMatchConfig base{LdpcBaseGraph::bg2, 8, 3, 0, 2, 2, 0};
  const unsigned n = ldpc_n(base.bg, base.z);
  std::vector<uint8_t> d(n);
  for (auto& b : d) b = rng() & 1;
  for (unsigned qm : {1u, 2u, 4u, 6u, 8u}) {
    for (unsigned symbols = 1; symbols <= 40; ++symbols) {
      LdpcRateMatchConfig cfg = base;
      cfg.qm = qm;
      cfg.e = qm * symbols;
      SCOPED_TRACE("qm " + std::to_string(qm) + " E " + std::to_string(cfg.e));
      std::vector<uint8_t> f(cfg.e);
      ASSERT_TRUE(ldpc_rate_match(f, d, cfg));
      const auto sel = reference_selection(cfg);
      for (size_t k = 0; k < sel.size(); ++k) ASSERT_EQ(f[f_index(k, cfg)], d[sel[k]]);
      std::vector<int8_t> llrs(cfg.e);
      for (auto& l : llrs) l = static_cast<int8_t>(static_cast<int>(rng() % 255) - 127);
      std::vector<int8_t> d_llrs(n);
      ASSERT_TRUE(ldpc_rate_dematch(d_llrs, llrs, cfg, false));
      std::vector<int> expected(n, 0);
      reference_dematch(expected, llrs, cfg);
      for (unsigned p = 0; p < n; ++p) ASSERT_EQ(d_llrs[p], expected[p]) << "position " << p;
    }
  }
}

TEST(LdpcRateMatch, HarqCombiningRv0ThenRv2CoversUnion) {
  const auto vectors = load_vectors();
  ASSERT_FALSE(vectors.empty());
  const RateMatchVector& v = vectors[6];  // BG1, Z=104, F=100, limited buffer Ncb=5000
  LdpcRateMatchConfig rv0 = v.cfg;
  rv0.rv = 0;
  rv0.e = 3000;
  LdpcRateMatchConfig rv2 = v.cfg;
  rv2.rv = 2;
  rv2.e = 3000;

  std::vector<uint8_t> f0(rv0.e), f2(rv2.e);
  ASSERT_TRUE(ldpc_rate_match(f0, v.d, rv0));
  ASSERT_TRUE(ldpc_rate_match(f2, v.d, rv2));
  const auto l0 = bits_to_llrs(f0, 40);
  const auto l2 = bits_to_llrs(f2, 40);

  std::vector<int8_t> d_llrs(v.n, 9);
  ASSERT_TRUE(ldpc_rate_dematch(d_llrs, l0, rv0, false));
  ASSERT_TRUE(ldpc_rate_dematch(d_llrs, l2, rv2, true));

  std::vector<int> expected(v.n, 0);
  reference_dematch(expected, l0, rv0);
  reference_dematch(expected, l2, rv2);
  std::set<unsigned> s0, s2;
  for (unsigned p : reference_selection(rv0)) s0.insert(p);
  for (unsigned p : reference_selection(rv2)) s2.insert(p);
  size_t overlap = 0;
  for (unsigned p = 0; p < v.n; ++p) {
    ASSERT_EQ(d_llrs[p], expected[p]) << "position " << p;
    const bool in0 = s0.count(p) != 0, in2 = s2.count(p) != 0;
    if (v.is_filler[p]) {
      EXPECT_EQ(d_llrs[p], 127);
    } else if (!in0 && !in2) {
      EXPECT_EQ(d_llrs[p], 0) << "position " << p;
    } else {
      const int copies = int{in0} + int{in2};
      EXPECT_EQ(d_llrs[p], 40 * copies * (v.d[p] ? -1 : 1)) << "position " << p;
      overlap += copies == 2;
    }
  }
  EXPECT_GT(s2.size(), 0u);
  // rv2 starts at 2496 and runs 3000 bits through Ncb=5000: it wraps into rv0's range.
  EXPECT_GT(overlap, 0u);
}

TEST(LdpcRateMatch, ValidateNamesEachBadField) {
  const LdpcRateMatchConfig good{LdpcBaseGraph::bg1, 384, 0, 0, 2, 1000, 0};
  ASSERT_TRUE(ldpc_rate_match_validate(good));
  auto expect_error = [](const LdpcRateMatchConfig& cfg, const std::string& field) {
    Status s = ldpc_rate_match_validate(cfg);
    ASSERT_FALSE(s) << field;
    EXPECT_EQ(s.message().rfind(field + "=", 0), 0u) << s.message();
  };
  LdpcRateMatchConfig c = good;
  c.bg = static_cast<LdpcBaseGraph>(3);
  expect_error(c, "bg");
  for (unsigned z : {0u, 1u, 17u, 385u, 500u}) {
    c = good;
    c.z = z;
    expect_error(c, "z");
  }
  c = good;
  c.rv = 4;
  expect_error(c, "rv");
  for (unsigned qm : {0u, 3u, 5u, 7u, 10u}) {
    c = good;
    c.qm = qm;
    expect_error(c, "qm");
  }
  c = good;
  c.e = 0;
  expect_error(c, "e");
  c = good;
  c.qm = 6;
  c.e = 1000;  // not a multiple of 6
  expect_error(c, "e");
  c = good;
  c.filler = ldpc_k(c.bg, c.z) - 2 * c.z;  // no information bit left
  expect_error(c, "filler");
  c = good;
  c.filler = 100;
  c.n_ref = ldpc_k(c.bg, c.z) - 2 * c.z - 101;
  expect_error(c, "n_ref");
  c.n_ref = ldpc_k(c.bg, c.z) - 2 * c.z - 100;
  EXPECT_TRUE(ldpc_rate_match_validate(c));
}

TEST(LdpcRateMatch, RejectsBadSizesAndConfig) {
  const LdpcRateMatchConfig cfg{LdpcBaseGraph::bg2, 16, 0, 0, 4, 400, 0};
  const unsigned n = ldpc_n(cfg.bg, cfg.z);
  std::vector<uint8_t> d(n), out(cfg.e);
  std::vector<uint8_t> short_d(n - 1), short_out(cfg.e + 4);
  std::vector<int8_t> llrs(cfg.e), d_llrs(n);
  std::vector<int8_t> short_llrs(cfg.e - 4), long_d_llrs(n + 1);

  EXPECT_TRUE(ldpc_rate_match(out, d, cfg));
  Status s = ldpc_rate_match(out, short_d, cfg);
  EXPECT_FALSE(s);
  EXPECT_EQ(s.message().rfind("d.size()", 0), 0u) << s.message();
  s = ldpc_rate_match(short_out, d, cfg);
  EXPECT_FALSE(s);
  EXPECT_EQ(s.message().rfind("out.size()", 0), 0u) << s.message();

  EXPECT_TRUE(ldpc_rate_dematch(d_llrs, llrs, cfg, false));
  s = ldpc_rate_dematch(d_llrs, short_llrs, cfg, false);
  EXPECT_FALSE(s);
  EXPECT_EQ(s.message().rfind("llrs.size()", 0), 0u) << s.message();
  s = ldpc_rate_dematch(long_d_llrs, llrs, cfg, true);
  EXPECT_FALSE(s);
  EXPECT_EQ(s.message().rfind("d_llrs.size()", 0), 0u) << s.message();

  LdpcRateMatchConfig bad = cfg;
  bad.rv = 7;
  s = ldpc_rate_match(out, d, bad);
  EXPECT_FALSE(s);
  EXPECT_EQ(s.message().rfind("rv=", 0), 0u) << s.message();
  s = ldpc_rate_dematch(d_llrs, llrs, bad, false);
  EXPECT_FALSE(s);
  EXPECT_EQ(s.message().rfind("rv=", 0), 0u) << s.message();
}

TEST(LdpcRateMatch, CodeBlockEWorkedExamples) {
  // G = 10000 bits, C = 3, one layer, 16QAM: G' = 2500 symbols = 3*833 + 1, so the first
  // C - 1 = 2 blocks get 4*833 bits and the last one 4*834.
  EXPECT_EQ(ldpc_code_block_e(0, 3, 10000, 1, 4), 3332u);
  EXPECT_EQ(ldpc_code_block_e(1, 3, 10000, 1, 4), 3332u);
  EXPECT_EQ(ldpc_code_block_e(2, 3, 10000, 1, 4), 3336u);
  // Two layers of 64QAM, G = 1212: G' = 101 = 4*25 + 1 over C = 4.
  EXPECT_EQ(ldpc_code_block_e(0, 4, 1212, 2, 6), 300u);
  EXPECT_EQ(ldpc_code_block_e(2, 4, 1212, 2, 6), 300u);
  EXPECT_EQ(ldpc_code_block_e(3, 4, 1212, 2, 6), 312u);
  // Even split.
  EXPECT_EQ(ldpc_code_block_e(1, 2, 2400, 1, 2), 1200u);
  // The blocks always use all of G when G is a multiple of NL*Qm.
  for (unsigned c = 1; c <= 9; ++c) {
    unsigned total = 0;
    for (unsigned r = 0; r < c; ++r) total += ldpc_code_block_e(r, c, 123456, 2, 8);
    EXPECT_EQ(total, 123456u) << "C=" << c;
  }
  // Out-of-range inputs give 0 rather than dividing by zero.
  EXPECT_EQ(ldpc_code_block_e(3, 3, 10000, 1, 4), 0u);
  EXPECT_EQ(ldpc_code_block_e(0, 0, 10000, 1, 4), 0u);
  EXPECT_EQ(ldpc_code_block_e(0, 1, 10000, 0, 4), 0u);
  EXPECT_EQ(ldpc_code_block_e(0, 1, 10000, 1, 0), 0u);
}

}  // namespace
}  // namespace airan::phy
