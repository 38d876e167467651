// LDPC base-graph selection, code-block segmentation (TS 38.212 5.2.2) and TB CRC attachment
// (6.2.1 / 7.2.1): values worked out by hand from the spec, a reference built straight from the
// clause's bit sequences, round trips and error paths.
#include "airan/phy/coding/code_block_segmentation.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace airan::phy {
namespace {

struct Expect {
  unsigned tbs;
  LdpcBaseGraph bg;
  CrcType tb_crc;
  unsigned b, c, k_prime, kb, z, k, filler;
};

// Each row worked out from 5.2.2: C = ceil(B / (Kcb - 24)) when B > Kcb, K' = B'/C, Kb by B,
// Z the smallest lifting size with Kb * Z >= K', K = 22Z or 10Z, F = K - K'.
const Expect kKnown[] = {
    // BG1, one block filling Kcb = 8448 exactly.
    {8424, LdpcBaseGraph::bg1, CrcType::crc24a, 8448, 1, 8448, 22, 384, 8448, 0},
    // Largest TB: C = ceil(1278016 / 8424) = 152, K' = (1278016 + 152*24) / 152 = 8432.
    {1277992, LdpcBaseGraph::bg1, CrcType::crc24a, 1278016, 152, 8432, 22, 384, 8448, 16},
    // 38.214-style TBS with C = 12: B = 100032 = 12 * 8336, K' = 8360, Z = 384.
    {100008, LdpcBaseGraph::bg1, CrcType::crc24a, 100032, 12, 8360, 22, 384, 8448, 88},
    // Two BG1 blocks: B = 8480, K' = 4264, 22Z >= 4264 -> Z = 208.
    {8456, LdpcBaseGraph::bg1, CrcType::crc24a, 8480, 2, 4264, 22, 208, 4576, 312},
    // CRC16 boundary: A = 3824 keeps CRC16, A = 3825 takes CRC24A.
    {3824, LdpcBaseGraph::bg1, CrcType::crc16, 3840, 1, 3840, 22, 176, 3872, 32},
    {3825, LdpcBaseGraph::bg1, CrcType::crc24a, 3849, 1, 3849, 22, 176, 3872, 23},
    // BG2, Kb = 6 (B <= 192): B = 116, 6Z >= 116 -> Z = 20.
    {100, LdpcBaseGraph::bg2, CrcType::crc16, 116, 1, 116, 6, 20, 200, 84},
    // BG2, B = 192 exactly still Kb = 6: Z = 32.
    {176, LdpcBaseGraph::bg2, CrcType::crc16, 192, 1, 192, 6, 32, 320, 128},
    // BG2, B = 193 -> Kb = 8: 8Z >= 193 -> Z = 26.
    {177, LdpcBaseGraph::bg2, CrcType::crc16, 193, 1, 193, 8, 26, 260, 67},
    // BG2, Kb = 8: B = 316, 8Z >= 316 -> Z = 40.
    {300, LdpcBaseGraph::bg2, CrcType::crc16, 316, 1, 316, 8, 40, 400, 84},
    // BG2, Kb = 9 (560 < B <= 640): B = 600, 9Z >= 600 -> Z = 72.
    {584, LdpcBaseGraph::bg2, CrcType::crc16, 600, 1, 600, 9, 72, 720, 120},
    // BG2, Kb = 10 (B > 640): B = 1016, 10Z >= 1016 -> Z = 104.
    {1000, LdpcBaseGraph::bg2, CrcType::crc16, 1016, 1, 1016, 10, 104, 1040, 24},
    // BG2 at Kcb = 3840: B = 3840 is one block, Z = 384.
    {3824, LdpcBaseGraph::bg2, CrcType::crc16, 3840, 1, 3840, 10, 384, 3840, 0},
    // BG2 segmented: B = 4024, C = 2, K' = 2012 + 24 = 2036, Z = 208.
    {4000, LdpcBaseGraph::bg2, CrcType::crc24a, 4024, 2, 2036, 10, 208, 2080, 44},
    // Smallest TB.
    {1, LdpcBaseGraph::bg1, CrcType::crc16, 17, 1, 17, 22, 2, 44, 27},
    {1, LdpcBaseGraph::bg2, CrcType::crc16, 17, 1, 17, 6, 3, 30, 13},
};

TEST(CodeBlockSegmentation, KnownValues) {
  for (const Expect& e : kKnown) {
    SCOPED_TRACE("A=" + std::to_string(e.tbs) + " BG" + std::to_string(static_cast<int>(e.bg)));
    auto seg = ldpc_segmentation(e.tbs, e.bg);
    ASSERT_TRUE(seg) << seg.error().message;
    EXPECT_EQ(seg->bg, e.bg);
    EXPECT_EQ(seg->tbs, e.tbs);
    EXPECT_EQ(seg->tb_crc, e.tb_crc);
    EXPECT_EQ(seg->b, e.b);
    EXPECT_EQ(seg->num_code_blocks, e.c);
    EXPECT_EQ(seg->k_prime, e.k_prime);
    EXPECT_EQ(seg->kb, e.kb);
    EXPECT_EQ(seg->z, e.z);
    EXPECT_EQ(seg->k, e.k);
    EXPECT_EQ(seg->filler, e.filler);
    EXPECT_EQ(seg->has_cb_crc(), e.c > 1);
  }
}

TEST(CodeBlockSegmentation, SelectBaseGraph) {
  EXPECT_EQ(ldpc_select_base_graph(292, 0.95), LdpcBaseGraph::bg2);
  EXPECT_EQ(ldpc_select_base_graph(293, 0.95), LdpcBaseGraph::bg1);
  EXPECT_EQ(ldpc_select_base_graph(3824, 0.67), LdpcBaseGraph::bg2);
  EXPECT_EQ(ldpc_select_base_graph(3824, 0.68), LdpcBaseGraph::bg1);
  EXPECT_EQ(ldpc_select_base_graph(3825, 0.5), LdpcBaseGraph::bg1);
  EXPECT_EQ(ldpc_select_base_graph(100000, 0.25), LdpcBaseGraph::bg2);
  EXPECT_EQ(ldpc_select_base_graph(100000, 0.26), LdpcBaseGraph::bg1);
  EXPECT_EQ(ldpc_select_base_graph(1, 0.9), LdpcBaseGraph::bg2);
}

// Every in-range size segments into blocks whose K' fits K and whose C blocks hold B' bits.
TEST(CodeBlockSegmentation, InvariantsOverManySizes) {
  for (LdpcBaseGraph bg : {LdpcBaseGraph::bg1, LdpcBaseGraph::bg2}) {
    const unsigned kcb = bg == LdpcBaseGraph::bg1 ? 8448 : 3840;
    for (unsigned a = 1; a <= kMaxTransportBlockBits; a += (a < 20000 ? 1 : 997)) {
      auto seg = ldpc_segmentation(a, bg);
      ASSERT_TRUE(seg) << a;
      const unsigned l = seg->has_cb_crc() ? 24 : 0;
      ASSERT_LE(seg->k_prime, kcb) << a;
      ASSERT_LE(seg->k_prime, seg->k) << a;
      ASSERT_GE(seg->num_code_blocks * (seg->k_prime - l), seg->b) << a;
      ASSERT_LT((seg->num_code_blocks) * (seg->k_prime - l) - seg->b, seg->num_code_blocks) << a;
      ASSERT_EQ(seg->k, (bg == LdpcBaseGraph::bg1 ? 22u : 10u) * seg->z) << a;
      ASSERT_GE(seg->kb * seg->z, seg->k_prime) << a;
      // Z is the smallest lifting size that fits K'.
      for (uint16_t z : ldpc_lifting_sizes()) {
        if (z >= seg->z) break;
        ASSERT_LT(seg->kb * z, seg->k_prime) << a;
      }
      ASSERT_EQ(seg->filler, seg->k - seg->k_prime) << a;
      ASSERT_EQ(seg->num_code_blocks > 1, seg->b > kcb) << a;
    }
  }
}

std::vector<uint8_t> random_tb(unsigned a, std::mt19937& rng) {
  std::vector<uint8_t> tb((a + 7) / 8);
  for (auto& byte : tb) byte = static_cast<uint8_t>(rng());
  if (a % 8) tb.back() = static_cast<uint8_t>(tb.back() & (0xFF00u >> (a % 8)));
  return tb;
}

/// 5.2.2 written out literally: b = TB bits then TB parity (unpacked), then each block takes the
/// next K' - L bits, its CRC24B and F zeros. Only for B that C divides (a 38.214 TBS).
std::vector<uint8_t> reference_blocks(const std::vector<uint8_t>& tb,
                                      const CodeBlockSegmentation& seg) {
  std::vector<uint8_t> b;
  for (unsigned i = 0; i < seg.tbs; ++i) b.push_back((tb[i / 8] >> (7 - i % 8)) & 1u);
  const unsigned l_tb = crc_length(seg.tb_crc);
  const uint32_t p = crc_calculate(seg.tb_crc, b);
  for (unsigned i = 0; i < l_tb; ++i) b.push_back((p >> (l_tb - 1 - i)) & 1u);
  const unsigned l = seg.has_cb_crc() ? 24 : 0;
  std::vector<uint8_t> out;
  size_t s = 0;
  for (unsigned r = 0; r < seg.num_code_blocks; ++r) {
    std::vector<uint8_t> c(b.begin() + s, b.begin() + s + (seg.k_prime - l));
    s += seg.k_prime - l;
    if (l) {
      const uint32_t q = crc_calculate(CrcType::crc24b, c);
      for (unsigned i = 0; i < 24; ++i) c.push_back((q >> (23 - i)) & 1u);
    }
    c.resize(seg.k, 0);
    out.insert(out.end(), c.begin(), c.end());
  }
  return out;
}

TEST(CodeBlockSegmentation, MatchesLiteralClauseForTableSizes) {
  std::mt19937 rng(2024);
  // Sizes for which C divides B (every TBS of 38.214 5.1.3.2 does).
  const std::pair<unsigned, LdpcBaseGraph> cases[] = {
      {8, LdpcBaseGraph::bg2},    {100, LdpcBaseGraph::bg2},    {584, LdpcBaseGraph::bg2},
      {3824, LdpcBaseGraph::bg1}, {8424, LdpcBaseGraph::bg1},   {8456, LdpcBaseGraph::bg1},
      {4000, LdpcBaseGraph::bg2}, {100008, LdpcBaseGraph::bg1}, {1277992, LdpcBaseGraph::bg1},
  };
  for (const auto& [a, bg] : cases) {
    SCOPED_TRACE("A=" + std::to_string(a));
    auto seg = ldpc_segmentation(a, bg);
    ASSERT_TRUE(seg);
    const unsigned l = seg->has_cb_crc() ? 24 : 0;
    ASSERT_EQ(seg->b % seg->num_code_blocks, 0u) << "not a table size";
    ASSERT_EQ(seg->b / seg->num_code_blocks + l, seg->k_prime);
    const auto tb = random_tb(a, rng);
    std::vector<uint8_t> blocks(size_t{seg->num_code_blocks} * seg->k, 9);
    ASSERT_TRUE(ldpc_segment_transport_block(blocks, tb, *seg));
    EXPECT_EQ(blocks, reference_blocks(tb, *seg));
  }
}

void round_trip(unsigned a, LdpcBaseGraph bg, std::mt19937& rng) {
  SCOPED_TRACE("A=" + std::to_string(a) + " BG" + std::to_string(static_cast<int>(bg)));
  auto seg = ldpc_segmentation(a, bg);
  ASSERT_TRUE(seg) << seg.error().message;
  const auto tb = random_tb(a, rng);
  std::vector<uint8_t> blocks(size_t{seg->num_code_blocks} * seg->k, 7);
  Status s = ldpc_segment_transport_block(blocks, tb, *seg);
  ASSERT_TRUE(s) << s.message();
  for (unsigned r = 0; r < seg->num_code_blocks; ++r) {
    const uint8_t* block = blocks.data() + size_t{r} * seg->k;
    for (unsigned i = 0; i < seg->k; ++i) ASSERT_LE(block[i], 1u);
    for (unsigned i = seg->k_prime; i < seg->k; ++i) ASSERT_EQ(block[i], 0u) << "filler " << i;
    if (seg->has_cb_crc()) {
      ASSERT_EQ(crc_calculate(CrcType::crc24b, {block, seg->k_prime}), 0u) << "block " << r;
    }
  }

  std::vector<uint8_t> back(tb.size(), 0x5A);
  auto res = ldpc_desegment_transport_block(back, blocks, *seg);
  ASSERT_TRUE(res) << res.error().message;
  EXPECT_TRUE(res->tb_crc_ok);
  EXPECT_EQ(res->code_blocks_crc_ok, seg->num_code_blocks);
  EXPECT_EQ(back, tb);

  // One flipped information bit in the last block: that block's CRC24B and the TB CRC fail.
  const unsigned last = seg->num_code_blocks - 1;
  const unsigned l = seg->has_cb_crc() ? 24 : 0;
  std::uniform_int_distribution<unsigned> pos(0, seg->k_prime - l - 1);
  blocks[size_t{last} * seg->k + pos(rng)] ^= 1u;
  res = ldpc_desegment_transport_block(back, blocks, *seg);
  ASSERT_TRUE(res);
  EXPECT_FALSE(res->tb_crc_ok);
  EXPECT_EQ(res->code_blocks_crc_ok, seg->num_code_blocks - 1);
}

TEST(CodeBlockSegmentation, RoundTripAcrossSizes) {
  std::mt19937 rng(7);
  const unsigned sizes[] = {1,    7,    8,    9,     24,     176,    177,    292,
                            293,  584,  640,  1000,  3816,   3824,   3825,   8424,
                            8425, 8456, 9000, 20000, 100000, 100008, 500001, 1277992};
  for (unsigned a : sizes) {
    round_trip(a, LdpcBaseGraph::bg1, rng);
    round_trip(a, LdpcBaseGraph::bg2, rng);
  }
  std::uniform_int_distribution<unsigned> any(1, 200000);
  for (int i = 0; i < 40; ++i) {
    round_trip(any(rng), i % 2 ? LdpcBaseGraph::bg1 : LdpcBaseGraph::bg2, rng);
  }
}

TEST(CodeBlockSegmentation, CorruptedTbCrcBitFailsOnlyTbCrc) {
  std::mt19937 rng(3);
  auto seg = ldpc_segmentation(100008, LdpcBaseGraph::bg1);
  ASSERT_TRUE(seg);
  const auto tb = random_tb(seg->tbs, rng);
  std::vector<uint8_t> blocks(size_t{seg->num_code_blocks} * seg->k);
  ASSERT_TRUE(ldpc_segment_transport_block(blocks, tb, *seg));
  // The TB parity is the last 24 bits before the last block's CRC24B. Flip one and fix up the
  // block CRC, as a decoder converging on a wrong codeword could.
  uint8_t* last = blocks.data() + size_t{seg->num_code_blocks - 1} * seg->k;
  const unsigned payload = seg->k_prime - 24;
  last[payload - 5] ^= 1u;
  crc_unpack(CrcType::crc24b, crc_calculate(CrcType::crc24b, {last, payload}),
             {last + payload, 24});
  std::vector<uint8_t> back(tb.size());
  auto res = ldpc_desegment_transport_block(back, blocks, *seg);
  ASSERT_TRUE(res);
  EXPECT_FALSE(res->tb_crc_ok);
  EXPECT_EQ(res->code_blocks_crc_ok, seg->num_code_blocks);
  EXPECT_EQ(back, tb);
}

TEST(CodeBlockSegmentation, SingleBlockCrcFailure) {
  std::mt19937 rng(5);
  auto seg = ldpc_segmentation(3000, LdpcBaseGraph::bg1);
  ASSERT_TRUE(seg);
  ASSERT_EQ(seg->num_code_blocks, 1u);
  const auto tb = random_tb(seg->tbs, rng);
  std::vector<uint8_t> blocks(seg->k);
  ASSERT_TRUE(ldpc_segment_transport_block(blocks, tb, *seg));
  std::vector<uint8_t> back(tb.size());
  blocks[1234] ^= 1u;
  auto res = ldpc_desegment_transport_block(back, blocks, *seg);
  ASSERT_TRUE(res);
  EXPECT_FALSE(res->tb_crc_ok);
  EXPECT_EQ(res->code_blocks_crc_ok, 0u);
}

TEST(CodeBlockSegmentation, TbsOutOfRange) {
  for (unsigned bad : {0u, kMaxTransportBlockBits + 1, 0xFFFFFFFFu}) {
    auto seg = ldpc_segmentation(bad, LdpcBaseGraph::bg1);
    ASSERT_FALSE(seg) << bad;
    EXPECT_NE(seg.error().message.find("tbs"), std::string::npos) << seg.error().message;
    EXPECT_NE(seg.error().message.find("1277992"), std::string::npos) << seg.error().message;
  }
  auto bad_bg = ldpc_segmentation(100, static_cast<LdpcBaseGraph>(3));
  ASSERT_FALSE(bad_bg);
  EXPECT_NE(bad_bg.error().message.find("bg"), std::string::npos) << bad_bg.error().message;
}

TEST(CodeBlockSegmentation, WrongBufferSizes) {
  auto seg = ldpc_segmentation(20000, LdpcBaseGraph::bg1);
  ASSERT_TRUE(seg);
  const size_t tb_bytes = 2500;
  const size_t cb_bytes = size_t{seg->num_code_blocks} * seg->k;
  std::vector<uint8_t> tb(tb_bytes), tb_short(tb_bytes - 1), tb_long(tb_bytes + 1);
  std::vector<uint8_t> blocks(cb_bytes), blocks_short(cb_bytes - 1);

  Status s = ldpc_segment_transport_block(blocks, tb_short, *seg);
  ASSERT_FALSE(s);
  EXPECT_NE(s.message().find("tb has 2499 bytes"), std::string::npos) << s.message();
  s = ldpc_segment_transport_block(blocks, tb_long, *seg);
  EXPECT_FALSE(s);
  s = ldpc_segment_transport_block(blocks_short, tb, *seg);
  ASSERT_FALSE(s);
  EXPECT_NE(s.message().find("code_blocks"), std::string::npos) << s.message();
  s = ldpc_segment_transport_block({}, {}, *seg);
  EXPECT_FALSE(s);

  auto r = ldpc_desegment_transport_block(tb_short, blocks, *seg);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("tb has"), std::string::npos) << r.error().message;
  r = ldpc_desegment_transport_block(tb, blocks_short, *seg);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("code_blocks"), std::string::npos) << r.error().message;
}

TEST(CodeBlockSegmentation, InconsistentSegmentationRejected) {
  auto good = ldpc_segmentation(20000, LdpcBaseGraph::bg1);
  ASSERT_TRUE(good);
  std::vector<uint8_t> tb(2500);
  std::vector<uint8_t> blocks(size_t{good->num_code_blocks} * good->k);

  CodeBlockSegmentation seg = *good;
  seg.z = 2;  // would put blocks at the wrong offsets
  Status s = ldpc_segment_transport_block(blocks, tb, seg);
  ASSERT_FALSE(s);
  EXPECT_NE(s.message().find("seg.z"), std::string::npos) << s.message();

  seg = *good;
  seg.num_code_blocks = 1000;
  auto r = ldpc_desegment_transport_block(tb, blocks, seg);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("seg.num_code_blocks"), std::string::npos) << r.error().message;

  seg = CodeBlockSegmentation{};  // tbs = 0
  s = ldpc_segment_transport_block(blocks, tb, seg);
  ASSERT_FALSE(s);
  EXPECT_NE(s.message().find("tbs"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace airan::phy
