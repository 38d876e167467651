#pragma once
// JSON-constrained decoding (OpenAI's `response_format: {"type": "json_object"}`): the engine only
// samples tokens whose text keeps the output a prefix of one JSON object (RFC 8259), and the
// sequence ends when that object closes. Even a model that has never seen JSON then produces text
// that parses; whether the object holds what was asked for is the caller's schema check.
//
// JsonPrefix is an incremental recogniser (a pushdown automaton over bytes). It is a small
// trivially copyable value, so a candidate token is tested on a copy and the copy kept if it
// passes. Strings must be valid UTF-8 (checked across token boundaries); nesting is limited to
// kMaxDepth levels so that the state stays bounded.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "airan/llm/tokenizer.h"

namespace airan::llm {

class JsonPrefix {
 public:
  static constexpr int kMaxDepth = 32;

  /// Feeds one byte. False: no JSON object starts with the text so far plus `byte`; the state is
  /// then unspecified (test on a copy).
  bool push(uint8_t byte);
  /// Feeds `bytes` in order; false as soon as one is refused.
  bool push(std::string_view bytes);
  /// The root object has closed (only whitespace may follow).
  bool complete() const { return mode_ == Mode::kDone; }
  /// The shortest text that closes the root object from here (e.g. `"}]}`); "" once complete.
  std::string closing() const;

 private:
  enum class Mode : uint8_t {
    kRoot,           // before the root object: whitespace or '{'
    kValue,          // a value must start
    kKeyOrEnd,       // after '{': a key or '}'
    kKey,            // after ',' in an object: a key
    kColon,          // after a key
    kObjectNext,     // after a member's value: ',' or '}'
    kValueOrEnd,     // after '[': a value or ']'
    kArrayNext,      // after an element: ',' or ']'
    kString,         // inside a string
    kEscape,         // after a backslash in a string
    kUnicodeEscape,  // inside \uXXXX (hex_left_ digits to go)
    kNumber,         // inside a number (number_ tells where)
    kLiteral,        // inside true / false / null
    kDone,           // the root object closed
  };
  // Where a number is; the "end" states may be followed by a terminator.
  enum class Number : uint8_t { kMinus, kZero, kInt, kDot, kFrac, kExp, kExpSign, kExpInt };

  bool start_value(uint8_t byte);
  bool open_container(uint8_t kind);
  void value_done();
  bool push_string_byte(uint8_t byte);
  bool push_number_byte(uint8_t byte);
  bool number_can_end() const;

  Mode mode_ = Mode::kRoot;
  Number number_ = Number::kMinus;
  bool string_is_key_ = false;
  uint8_t utf8_left_ = 0;   // continuation bytes the current character still needs
  uint8_t utf8_lo_ = 0x80;  // allowed range of the next continuation byte (overlongs, surrogates)
  uint8_t utf8_hi_ = 0xBF;
  uint8_t hex_left_ = 0;
  uint8_t literal_ = 0;  // index into the literal table, and the position in it
  uint8_t literal_pos_ = 0;
  uint8_t depth_ = 0;
  uint8_t stack_[kMaxDepth] = {};  // '{' or '[' per open container
};

/// The byte text of every token of a vocabulary, for testing candidates against a JsonPrefix.
class JsonTokenFilter {
 public:
  explicit JsonTokenFilter(const Tokenizer& tokenizer);

  /// True when `token` may follow `state` (it is then advanced into `*next`): its text extends
  /// the JSON prefix, or it ends generation and the object is complete. Tokens with no text
  /// (control tokens) are never allowed, end-of-generation tokens only once the object is closed.
  /// `tokens_left`: tokens the sequence may still generate after this one; a token after which
  /// the object's closing text is longer than that is refused, so that the object closes within
  /// max_tokens (each closing character is assumed to have a token of its own, as byte-level and
  /// SentencePiece vocabularies do).
  bool allows(const JsonPrefix& state, TokenId token, size_t tokens_left, JsonPrefix* next) const;

 private:
  std::vector<std::string> pieces_;
  std::vector<uint8_t> end_of_generation_;
};

}  // namespace airan::llm
