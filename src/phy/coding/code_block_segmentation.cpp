// Transport-block CRC attachment, LDPC base-graph selection and code-block segmentation
// (TS 38.212 5.2.2, 6.2.1-6.2.3, 7.2.1-7.2.3).
//
// The bit sequence b of 5.2.2 (the TB followed by its CRC) is never materialised: each code block
// reads or writes its slice of b straight from or into the packed TB and the TB parity bits.
#include "airan/phy/coding/code_block_segmentation.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <string>

#include "phy/coding/bit_pack.h"

namespace airan::phy {
namespace {

constexpr unsigned kCbCrcBits = 24;  // CRC24B per code block when C > 1

/// Byte b as 8 unpacked bits, MSB first in memory order.
struct UnpackTable {
  std::array<std::array<uint8_t, 8>, 256> bits;
};

constexpr UnpackTable make_unpack_table() {
  UnpackTable t{};
  for (unsigned b = 0; b < 256; ++b) {
    for (unsigned i = 0; i < 8; ++i) t.bits[b][i] = static_cast<uint8_t>((b >> (7 - i)) & 1u);
  }
  return t;
}

constexpr UnpackTable kUnpack = make_unpack_table();

inline unsigned bit_at(const uint8_t* packed, size_t pos) {
  return (packed[pos >> 3] >> (7 - (pos & 7))) & 1u;
}

/// Writes `count` bits of `packed`, starting at bit `first`, one per byte into `out`.
void unpack_bits(uint8_t* out, const uint8_t* packed, size_t first, size_t count) {
  size_t k = 0;
  for (; k < count && ((first + k) & 7) != 0; ++k)
    out[k] = static_cast<uint8_t>(bit_at(packed, first + k));
  for (; k + 8 <= count; k += 8)
    std::memcpy(out + k, kUnpack.bits[packed[(first + k) >> 3]].data(), 8);
  for (; k < count; ++k) out[k] = static_cast<uint8_t>(bit_at(packed, first + k));
}

/// ORs `count` unpacked bits of `bits` (only the LSB counts) into `packed` from bit `first`;
/// the bytes touched must start out zero.
void pack_bits(uint8_t* packed, size_t first, const uint8_t* bits, size_t count) {
  size_t k = 0;
  auto put = [&](size_t pos, unsigned bit) {
    packed[pos >> 3] = static_cast<uint8_t>(packed[pos >> 3] | ((bit & 1u) << (7 - (pos & 7))));
  };
  for (; k < count && ((first + k) & 7) != 0; ++k) put(first + k, bits[k]);
  for (; k + 8 <= count; k += 8) packed[(first + k) >> 3] = pack8(bits + k);
  for (; k < count; ++k) put(first + k, bits[k]);
}

std::string bg_name(LdpcBaseGraph bg) {
  return bg == LdpcBaseGraph::bg1 ? "BG1" : "BG2";
}

/// Checks that `seg` is what ldpc_segmentation gives for its tbs and bg, so that buffer offsets
/// derived from it are safe.
Status check_segmentation(const CodeBlockSegmentation& seg) {
  auto expected = ldpc_segmentation(seg.tbs, seg.bg);
  if (!expected) return Error{"seg: " + expected.error().message};
  const CodeBlockSegmentation& e = *expected;
  auto mismatch = [&](const char* field, unsigned got, unsigned want) {
    return Error{"seg." + std::string(field) + " = " + std::to_string(got) + " does not match " +
                 std::to_string(want) + " of ldpc_segmentation(tbs = " + std::to_string(seg.tbs) +
                 ", " + bg_name(seg.bg) + ")"};
  };
  if (seg.tb_crc != e.tb_crc) {
    return mismatch("tb_crc", static_cast<unsigned>(seg.tb_crc), static_cast<unsigned>(e.tb_crc));
  }
  if (seg.b != e.b) return mismatch("b", seg.b, e.b);
  if (seg.num_code_blocks != e.num_code_blocks) {
    return mismatch("num_code_blocks", seg.num_code_blocks, e.num_code_blocks);
  }
  if (seg.k_prime != e.k_prime) return mismatch("k_prime", seg.k_prime, e.k_prime);
  if (seg.k != e.k) return mismatch("k", seg.k, e.k);
  if (seg.z != e.z) return mismatch("z", seg.z, e.z);
  if (seg.filler != e.filler) return mismatch("filler", seg.filler, e.filler);
  if (seg.kb != e.kb) return mismatch("kb", seg.kb, e.kb);
  return Status::ok();
}

Status check_sizes(size_t tb_bytes, size_t code_block_bytes, const CodeBlockSegmentation& seg) {
  const size_t want_tb = (size_t{seg.tbs} + 7) / 8;
  if (tb_bytes != want_tb) {
    return Error{"tb has " + std::to_string(tb_bytes) + " bytes; ceil(tbs / 8) = " +
                 std::to_string(want_tb) + " expected for tbs = " + std::to_string(seg.tbs)};
  }
  const size_t want_cb = size_t{seg.num_code_blocks} * seg.k;
  if (code_block_bytes != want_cb) {
    return Error{"code_blocks has " + std::to_string(code_block_bytes) + " bytes; C * K = " +
                 std::to_string(seg.num_code_blocks) + " * " + std::to_string(seg.k) + " = " +
                 std::to_string(want_cb) + " expected (one bit per byte)"};
  }
  return Status::ok();
}

/// Where the TB and its parity bits sit in the concatenation of the code blocks' payloads.
/// When B is not a multiple of C (a TBS outside the 38.214 tables), the payloads hold
/// C * (K' - L) > B bits and the first `padding` of them are known zeros ahead of the TB.
struct PayloadLayout {
  size_t per_block;  ///< K' - L: TB (+ TB CRC) bits per code block
  size_t padding;    ///< zero bits before the first TB bit
  size_t tb_end;     ///< end of the TB bits: padding + A
  size_t crc_end;    ///< end of the TB CRC bits: padding + B
};

PayloadLayout layout_of(const CodeBlockSegmentation& seg) {
  const size_t per_block = seg.k_prime - (seg.has_cb_crc() ? kCbCrcBits : 0);
  const size_t padding = per_block * seg.num_code_blocks - seg.b;
  return {per_block, padding, padding + seg.tbs, padding + seg.b};
}

}  // namespace

LdpcBaseGraph ldpc_select_base_graph(unsigned tbs, double code_rate) {
  // TS 38.212 6.2.2 / 7.2.2.
  if (tbs <= 292 || (tbs <= 3824 && code_rate <= 0.67) || code_rate <= 0.25) {
    return LdpcBaseGraph::bg2;
  }
  return LdpcBaseGraph::bg1;
}

Expected<CodeBlockSegmentation> ldpc_segmentation(unsigned tbs, LdpcBaseGraph bg) {
  if (tbs == 0 || tbs > kMaxTransportBlockBits) {
    return Error{"tbs = " + std::to_string(tbs) + " bits is out of range: must be 1.." +
                 std::to_string(kMaxTransportBlockBits)};
  }
  if (bg != LdpcBaseGraph::bg1 && bg != LdpcBaseGraph::bg2) {
    return Error{"bg = " + std::to_string(static_cast<unsigned>(bg)) +
                 " is not a base graph: must be 1 or 2"};
  }
  CodeBlockSegmentation seg;
  seg.bg = bg;
  seg.tbs = tbs;
  // TS 38.212 6.2.1 / 7.2.1: CRC16 for A <= 3824, CRC24A above.
  seg.tb_crc = tbs > 3824 ? CrcType::crc24a : CrcType::crc16;
  seg.b = tbs + crc_length(seg.tb_crc);

  // TS 38.212 5.2.2.
  const unsigned kcb = bg == LdpcBaseGraph::bg1 ? 8448 : 3840;
  unsigned cb_crc = 0;
  if (seg.b <= kcb) {
    seg.num_code_blocks = 1;
  } else {
    cb_crc = kCbCrcBits;
    seg.num_code_blocks = (seg.b + (kcb - cb_crc) - 1) / (kcb - cb_crc);
  }
  // K' = B' / C with B' = B + C * L; rounded up so a B that C does not divide still fits.
  seg.k_prime = (seg.b + seg.num_code_blocks - 1) / seg.num_code_blocks + cb_crc;

  if (bg == LdpcBaseGraph::bg1) {
    seg.kb = 22;
  } else if (seg.b > 640) {
    seg.kb = 10;
  } else if (seg.b > 560) {
    seg.kb = 9;
  } else if (seg.b > 192) {
    seg.kb = 8;
  } else {
    seg.kb = 6;
  }
  for (uint16_t z : ldpc_lifting_sizes()) {
    if (seg.kb * z >= seg.k_prime) {
      seg.z = z;
      break;
    }
  }
  if (seg.z == 0) {
    return Error{"tbs = " + std::to_string(tbs) +
                 ": no lifting size Z with Kb * Z >= K' = " + std::to_string(seg.k_prime)};
  }
  seg.k = ldpc_k(bg, seg.z);
  seg.filler = seg.k - seg.k_prime;
  return seg;
}

Status ldpc_segment_transport_block(std::span<uint8_t> code_blocks, std::span<const uint8_t> tb,
                                    const CodeBlockSegmentation& seg) {
  if (Status s = check_segmentation(seg); !s) return s;
  if (Status s = check_sizes(tb.size(), code_blocks.size(), seg); !s) return s;

  const unsigned tb_crc_bits = crc_length(seg.tb_crc);
  const uint32_t tb_crc = crc_calculate_packed(seg.tb_crc, tb, seg.tbs);
  const PayloadLayout lay = layout_of(seg);

  for (size_t r = 0; r < seg.num_code_blocks; ++r) {
    uint8_t* block = code_blocks.data() + r * seg.k;
    const size_t start = r * lay.per_block;
    const size_t end = start + lay.per_block;
    // Padding zeros.
    const size_t pad_hi = std::min(end, lay.padding);
    if (start < pad_hi) std::memset(block, 0, pad_hi - start);
    // TB bits.
    const size_t tb_lo = std::max(start, lay.padding);
    const size_t tb_hi = std::min(end, lay.tb_end);
    if (tb_lo < tb_hi)
      unpack_bits(block + (tb_lo - start), tb.data(), tb_lo - lay.padding, tb_hi - tb_lo);
    // TB CRC bits, p0 first.
    const size_t crc_lo = std::max(start, lay.tb_end);
    const size_t crc_hi = std::min(end, lay.crc_end);
    for (size_t q = crc_lo; q < crc_hi; ++q) {
      const size_t i = q - lay.tb_end;
      block[q - start] = static_cast<uint8_t>((tb_crc >> (tb_crc_bits - 1 - i)) & 1u);
    }
    if (seg.has_cb_crc()) {
      const uint32_t cb_crc = crc_calculate(CrcType::crc24b, {block, lay.per_block});
      crc_unpack(CrcType::crc24b, cb_crc, {block + lay.per_block, kCbCrcBits});
    }
    // Filler bits <NULL> of 5.2.2, sent to the encoder as zeros.
    std::memset(block + seg.k_prime, 0, seg.filler);
  }
  return Status::ok();
}

Expected<TransportBlockCrcResult> ldpc_desegment_transport_block(
    std::span<uint8_t> tb, std::span<const uint8_t> code_blocks, const CodeBlockSegmentation& seg) {
  if (Status s = check_segmentation(seg); !s) return Error{s.message()};
  if (Status s = check_sizes(tb.size(), code_blocks.size(), seg); !s) return Error{s.message()};

  std::memset(tb.data(), 0, tb.size());
  const PayloadLayout lay = layout_of(seg);
  TransportBlockCrcResult result;
  uint32_t rx_tb_crc = 0;

  for (size_t r = 0; r < seg.num_code_blocks; ++r) {
    const uint8_t* block = code_blocks.data() + r * seg.k;
    if (seg.has_cb_crc()) {
      uint32_t rx_cb_crc = 0;
      for (unsigned i = 0; i < kCbCrcBits; ++i)
        rx_cb_crc = (rx_cb_crc << 1) | (block[lay.per_block + i] & 1u);
      if (crc_calculate(CrcType::crc24b, {block, lay.per_block}) == rx_cb_crc) {
        ++result.code_blocks_crc_ok;
      }
    }
    const size_t start = r * lay.per_block;
    const size_t end = start + lay.per_block;
    const size_t tb_lo = std::max(start, lay.padding);
    const size_t tb_hi = std::min(end, lay.tb_end);
    if (tb_lo < tb_hi)
      pack_bits(tb.data(), tb_lo - lay.padding, block + (tb_lo - start), tb_hi - tb_lo);
    const size_t crc_lo = std::max(start, lay.tb_end);
    const size_t crc_hi = std::min(end, lay.crc_end);
    for (size_t q = crc_lo; q < crc_hi; ++q) rx_tb_crc = (rx_tb_crc << 1) | (block[q - start] & 1u);
  }

  result.tb_crc_ok = crc_calculate_packed(seg.tb_crc, tb, seg.tbs) == rx_tb_crc;
  if (!seg.has_cb_crc()) result.code_blocks_crc_ok = result.tb_crc_ok ? 1 : 0;
  return result;
}

}  // namespace airan::phy
