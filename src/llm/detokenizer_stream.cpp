// Streaming detokenisation: hold back the bytes of a character until all of it has arrived
// (Japanese characters are 3 bytes and often come one byte token at a time).
#include "airan/llm/tokenizer.h"
#include "llm/unicode.h"

namespace airan::llm {
namespace {

// Valid UTF-8 from `bytes`: each byte that does not belong to a valid sequence becomes U+FFFD.
std::string repaired(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (uint32_t c : unicode::to_codepoints(bytes)) unicode::append_utf8(out, c);
  return out;
}

}  // namespace

StreamingDetokenizer::StreamingDetokenizer(Tokenizer tokenizer, bool render_special,
                                           bool strip_leading_space)
    : tokenizer_(std::move(tokenizer)),
      render_special_(render_special),
      strip_space_(strip_leading_space) {}

std::string StreamingDetokenizer::push(TokenId id) {
  std::string piece = tokenizer_.token_to_piece(id, render_special_);
  if (strip_space_ && !piece.empty()) {
    if (piece.front() == ' ') piece.erase(0, 1);
    strip_space_ = false;
  }
  pending_ += piece;
  const size_t ready = unicode::complete_utf8_prefix(pending_);
  std::string out = repaired(std::string_view(pending_).substr(0, ready));
  pending_.erase(0, ready);
  return out;
}

std::string StreamingDetokenizer::flush() {
  std::string out = repaired(pending_);
  pending_.clear();
  return out;
}

}  // namespace airan::llm
