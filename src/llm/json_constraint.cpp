#include "airan/llm/json_constraint.h"

namespace airan::llm {
namespace {

constexpr std::string_view kLiterals[] = {"true", "false", "null"};

bool is_space(uint8_t b) { return b == ' ' || b == '\t' || b == '\n' || b == '\r'; }
bool is_digit(uint8_t b) { return b >= '0' && b <= '9'; }
bool is_hex(uint8_t b) {
  return is_digit(b) || (b >= 'a' && b <= 'f') || (b >= 'A' && b <= 'F');
}

}  // namespace

bool JsonPrefix::push(std::string_view bytes) {
  for (char c : bytes) {
    if (!push(static_cast<uint8_t>(c))) return false;
  }
  return true;
}

bool JsonPrefix::open_container(uint8_t kind) {
  if (depth_ == kMaxDepth) return false;
  stack_[depth_++] = kind;
  mode_ = kind == '{' ? Mode::kKeyOrEnd : Mode::kValueOrEnd;
  return true;
}

void JsonPrefix::value_done() {
  if (depth_ == 0) {
    mode_ = Mode::kDone;
  } else {
    mode_ = stack_[depth_ - 1] == '{' ? Mode::kObjectNext : Mode::kArrayNext;
  }
}

bool JsonPrefix::start_value(uint8_t b) {
  switch (b) {
    case '{':
    case '[':
      return open_container(b);
    case '"':
      mode_ = Mode::kString;
      string_is_key_ = false;
      return true;
    case '-':
      mode_ = Mode::kNumber;
      number_ = Number::kMinus;
      return true;
    case 't':
    case 'f':
    case 'n':
      mode_ = Mode::kLiteral;
      literal_ = b == 't' ? 0 : b == 'f' ? 1 : 2;
      literal_pos_ = 1;
      return true;
    default:
      if (!is_digit(b)) return false;
      mode_ = Mode::kNumber;
      number_ = b == '0' ? Number::kZero : Number::kInt;
      return true;
  }
}

bool JsonPrefix::number_can_end() const {
  return number_ == Number::kZero || number_ == Number::kInt || number_ == Number::kFrac ||
         number_ == Number::kExpInt;
}

// One byte inside a number; false when it cannot continue it (the caller then ends the number).
bool JsonPrefix::push_number_byte(uint8_t b) {
  switch (number_) {
    case Number::kMinus:
      if (!is_digit(b)) return false;
      number_ = b == '0' ? Number::kZero : Number::kInt;
      return true;
    case Number::kZero:
    case Number::kInt:
      if (is_digit(b) && number_ == Number::kInt) return true;
      if (b == '.') {
        number_ = Number::kDot;
        return true;
      }
      if (b == 'e' || b == 'E') {
        number_ = Number::kExp;
        return true;
      }
      return false;
    case Number::kDot:
    case Number::kFrac:
      if (is_digit(b)) {
        number_ = Number::kFrac;
        return true;
      }
      if (number_ == Number::kFrac && (b == 'e' || b == 'E')) {
        number_ = Number::kExp;
        return true;
      }
      return false;
    case Number::kExp:
      if (b == '+' || b == '-') {
        number_ = Number::kExpSign;
        return true;
      }
      [[fallthrough]];
    case Number::kExpSign:
    case Number::kExpInt:
      if (!is_digit(b)) return false;
      number_ = Number::kExpInt;
      return true;
  }
  return false;
}

bool JsonPrefix::push_string_byte(uint8_t b) {
  if (utf8_left_ > 0) {
    if (b < utf8_lo_ || b > utf8_hi_) return false;
    --utf8_left_;
    utf8_lo_ = 0x80;
    utf8_hi_ = 0xBF;
    return true;
  }
  if (b == '"') {
    if (string_is_key_) {
      mode_ = Mode::kColon;
    } else {
      value_done();
    }
    return true;
  }
  if (b == '\\') {
    mode_ = Mode::kEscape;
    return true;
  }
  if (b < 0x20) return false;  // control characters must be escaped
  if (b < 0x80) return true;
  // A UTF-8 lead byte: the number of continuation bytes and the range of the first one
  // (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF).
  if (b >= 0xC2 && b <= 0xDF) {
    utf8_left_ = 1;
  } else if (b >= 0xE0 && b <= 0xEF) {
    utf8_left_ = 2;
    if (b == 0xE0) utf8_lo_ = 0xA0;
    if (b == 0xED) utf8_hi_ = 0x9F;
  } else if (b >= 0xF0 && b <= 0xF4) {
    utf8_left_ = 3;
    if (b == 0xF0) utf8_lo_ = 0x90;
    if (b == 0xF4) utf8_hi_ = 0x8F;
  } else {
    return false;
  }
  return true;
}

bool JsonPrefix::push(uint8_t b) {
  switch (mode_) {
    case Mode::kRoot:
      if (is_space(b)) return true;
      return b == '{' && open_container(b);
    case Mode::kValue:
      if (is_space(b)) return true;
      return start_value(b);
    case Mode::kKeyOrEnd:
    case Mode::kKey:
      if (is_space(b)) return true;
      if (b == '"') {
        mode_ = Mode::kString;
        string_is_key_ = true;
        return true;
      }
      if (b == '}' && mode_ == Mode::kKeyOrEnd) {
        --depth_;
        value_done();
        return true;
      }
      return false;
    case Mode::kColon:
      if (is_space(b)) return true;
      if (b != ':') return false;
      mode_ = Mode::kValue;
      return true;
    case Mode::kObjectNext:
    case Mode::kArrayNext: {
      if (is_space(b)) return true;
      const bool object = mode_ == Mode::kObjectNext;
      if (b == ',') {
        mode_ = object ? Mode::kKey : Mode::kValue;
        return true;
      }
      if (b != (object ? '}' : ']')) return false;
      --depth_;
      value_done();
      return true;
    }
    case Mode::kValueOrEnd:
      if (is_space(b)) return true;
      if (b == ']') {
        --depth_;
        value_done();
        return true;
      }
      return start_value(b);
    case Mode::kString:
      return push_string_byte(b);
    case Mode::kEscape:
      mode_ = Mode::kString;
      if (b == 'u') {
        mode_ = Mode::kUnicodeEscape;
        hex_left_ = 4;
        return true;
      }
      return b == '"' || b == '\\' || b == '/' || b == 'b' || b == 'f' || b == 'n' || b == 'r' ||
             b == 't';
    case Mode::kUnicodeEscape:
      if (!is_hex(b)) return false;
      if (--hex_left_ == 0) mode_ = Mode::kString;
      return true;
    case Mode::kNumber:
      if (push_number_byte(b)) return true;
      if (!number_can_end()) return false;
      value_done();
      return push(b);  // the terminator belongs to the container
    case Mode::kLiteral: {
      const std::string_view lit = kLiterals[literal_];
      if (b != static_cast<uint8_t>(lit[literal_pos_])) return false;
      if (++literal_pos_ == lit.size()) value_done();
      return true;
    }
    case Mode::kDone:
      return is_space(b);
  }
  return false;
}

std::string JsonPrefix::closing() const {
  std::string text;
  switch (mode_) {
    case Mode::kRoot:
      return "{}";
    case Mode::kValue:
      text = "0";
      break;
    case Mode::kKey:
      text = "\"\":0";
      break;
    case Mode::kColon:
      text = ":0";
      break;
    case Mode::kString:
    case Mode::kEscape:
    case Mode::kUnicodeEscape:
      if (mode_ == Mode::kEscape) text = "n";
      if (mode_ == Mode::kUnicodeEscape) text.assign(hex_left_, '0');
      if (utf8_left_ > 0) {
        text += static_cast<char>(utf8_lo_);
        text.append(utf8_left_ - 1u, static_cast<char>(0x80));
      }
      text += string_is_key_ ? "\":0" : "\"";
      break;
    case Mode::kNumber:
      if (!number_can_end()) text = "0";
      break;
    case Mode::kLiteral:
      text = kLiterals[literal_].substr(literal_pos_);
      break;
    case Mode::kKeyOrEnd:
    case Mode::kObjectNext:
    case Mode::kValueOrEnd:
    case Mode::kArrayNext:
      break;
    case Mode::kDone:
      return text;
  }
  for (int i = depth_ - 1; i >= 0; --i) text += stack_[i] == '{' ? '}' : ']';
  return text;
}

JsonTokenFilter::JsonTokenFilter(const Tokenizer& tokenizer) {
  const size_t n = tokenizer.n_vocab();
  pieces_.resize(n);
  end_of_generation_.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const auto id = static_cast<TokenId>(i);
    pieces_[i] = tokenizer.token_to_piece(id);
    end_of_generation_[i] = tokenizer.is_end_of_generation(id) ? 1 : 0;
  }
}

bool JsonTokenFilter::allows(const JsonPrefix& state, TokenId token, size_t tokens_left,
                             JsonPrefix* next) const {
  if (token < 0 || static_cast<size_t>(token) >= pieces_.size()) return false;
  const auto t = static_cast<size_t>(token);
  if (end_of_generation_[t]) return state.complete();
  if (pieces_[t].empty()) return false;
  JsonPrefix copy = state;
  if (!copy.push(pieces_[t])) return false;
  // The closing text is at most a few characters plus one per open container.
  constexpr size_t kLongestClosing = JsonPrefix::kMaxDepth + 8;
  if (tokens_left < kLongestClosing && copy.closing().size() > tokens_left) return false;
  *next = copy;
  return true;
}

}  // namespace airan::llm
