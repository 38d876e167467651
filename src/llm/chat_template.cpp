// Chat templates: recognise a model's Jinja chat template by its markers and render the family's
// format natively (the text the Jinja template produces), or render a user's placeholder format.
#include "airan/llm/chat_template.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <utility>

namespace airan::llm {
namespace {

constexpr std::string_view kLlama3Header = "<|start_header_id|>";
constexpr std::string_view kImStart = "<|im_start|>";
constexpr std::string_view kInst = "[INST]";
constexpr std::string_view kSys = "<<SYS>>";
constexpr std::string_view kJaInstruction = "### 指示:";
constexpr std::string_view kJaResponse = "### 応答:";

bool contains(std::string_view s, std::string_view part) {
  return s.find(part) != std::string_view::npos;
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

std::string_view role_name(ChatRole role) {
  switch (role) {
    case ChatRole::kSystem:
      return "system";
    case ChatRole::kUser:
      return "user";
    case ChatRole::kAssistant:
      return "assistant";
  }
  return "user";
}

// Code point of the UTF-8 character starting at s[i] and its length; {0, 0} when invalid.
std::pair<uint32_t, size_t> decode_at(std::string_view s, size_t i) {
  const auto b0 = static_cast<uint8_t>(s[i]);
  if (b0 < 0x80) return {b0, 1};
  size_t len = 0;
  uint32_t cp = 0;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2;
    cp = b0 & 0x1F;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3;
    cp = b0 & 0x0F;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4;
    cp = b0 & 0x07;
  } else {
    return {0, 0};
  }
  if (i + len > s.size()) return {0, 0};
  for (size_t k = 1; k < len; ++k) {
    const auto b = static_cast<uint8_t>(s[i + k]);
    if ((b & 0xC0) != 0x80) return {0, 0};
    cp = (cp << 6) | (b & 0x3F);
  }
  return {cp, len};
}

// Python's str.isspace() (what Jinja's trim and str.strip() remove).
bool is_python_space(uint32_t cp) {
  return (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20) || cp == 0x85 || cp == 0xA0 ||
         cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 ||
         cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

// Jinja's `| trim` / Python's `.strip()`.
std::string_view strip(std::string_view s) {
  size_t begin = 0;
  while (begin < s.size()) {
    auto [cp, len] = decode_at(s, begin);
    if (len == 0 || !is_python_space(cp)) break;
    begin += len;
  }
  size_t end = s.size();
  while (end > begin) {
    // Step back to the start of the last character.
    size_t start = end - 1;
    while (start > begin && (static_cast<uint8_t>(s[start]) & 0xC0) == 0x80) --start;
    auto [cp, len] = decode_at(s, start);
    if (len == 0 || start + len != end || !is_python_space(cp)) break;
    end = start;
  }
  return s.substr(begin, end - begin);
}

// Decodes the escapes of a Jinja string literal's body (\n, \t, \r, \\, \', \").
std::string unescape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 == s.size()) {
      out += s[i];
      continue;
    }
    const char c = s[++i];
    switch (c) {
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case 'r':
        out += '\r';
        break;
      case '\\':
      case '\'':
      case '"':
        out += c;
        break;
      default:
        out += '\\';
        out += c;
    }
  }
  return out;
}

// The default system message a ChatML template writes when the messages have none: the literal
// text right after "<|im_start|>system\n" up to "<|im_end|>", if some occurrence has one.
bool find_default_system(std::string_view t, std::string* out) {
  const std::string_view head = "<|im_start|>system";
  for (size_t pos = t.find(head); pos != std::string_view::npos; pos = t.find(head, pos + 1)) {
    size_t body = pos + head.size();
    if (t.substr(body, 2) == "\\n") {
      body += 2;
    } else if (t.substr(body, 1) == "\n") {
      body += 1;
    } else {
      continue;
    }
    const size_t end = t.find("<|im_end|>", body);
    if (end == std::string_view::npos) continue;
    const std::string_view text = t.substr(body, end - body);
    if (text.empty() || text.find_first_of("'\"{}+") != std::string_view::npos) continue;
    *out = unescape(text);
    return true;
  }
  return false;
}

// The ja-instruct template's system branch: `{{ 'fixed text' }}` or `{{ message['content'] }}`.
// Returns false when the template has no system branch.
bool find_ja_system(std::string_view t, bool* fixed, std::string* text) {
  size_t pos = t.find("'system'");
  if (pos == std::string_view::npos) pos = t.find("\"system\"");
  if (pos == std::string_view::npos) return false;
  const size_t open = t.find("{{", pos);
  const size_t close = open == std::string_view::npos ? open : t.find("}}", open);
  if (close == std::string_view::npos) return false;
  std::string_view expr = t.substr(open + 2, close - open - 2);
  if (!expr.empty() && expr.front() == '-') expr.remove_prefix(1);
  if (!expr.empty() && expr.back() == '-') expr.remove_suffix(1);
  expr = strip(expr);
  *fixed = expr.size() >= 2 && (expr.front() == '\'' || expr.front() == '"') &&
           expr.back() == expr.front() &&
           expr.substr(1, expr.size() - 2).find(expr.front()) == std::string_view::npos;
  if (*fixed) *text = unescape(expr.substr(1, expr.size() - 2));
  return true;
}

// The start of a template for error messages: at most ~100 bytes, whole UTF-8 characters,
// newlines shown as \n.
std::string excerpt(std::string_view t) {
  size_t n = 0;
  while (n < t.size() && n < 100) {
    const size_t len = decode_at(t, n).second;
    n += len == 0 ? 1 : len;
  }
  std::string out;
  for (char c : t.substr(0, n)) {
    if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  if (n < t.size()) out += "...";
  return out;
}

}  // namespace

Expected<ChatRole> chat_role_from_name(std::string_view name) {
  if (name == "system") return ChatRole::kSystem;
  if (name == "user") return ChatRole::kUser;
  if (name == "assistant") return ChatRole::kAssistant;
  return Error{"chat message role \"" + std::string(name) +
               "\" is not one of system, user, assistant"};
}

std::string_view chat_family_name(ChatFamily family) {
  switch (family) {
    case ChatFamily::kLlama2:
      return "llama2";
    case ChatFamily::kLlama3:
      return "llama3";
    case ChatFamily::kChatMl:
      return "chatml";
    case ChatFamily::kJaInstruct:
      return "ja-instruct";
    case ChatFamily::kUser:
      return "user";
  }
  return "user";
}

Expected<ChatTemplate> ChatTemplate::from_jinja(std::string_view t) {
  ChatTemplate ct;
  if (contains(t, kLlama3Header)) {
    ct.family_ = ChatFamily::kLlama3;
    ct.llama3_dated_ = contains(t, "Cutting Knowledge Date");
    ct.llama3_today_ = ct.llama3_dated_ && contains(t, "Today Date");
    return ct;
  }
  if (contains(t, kImStart)) {
    ct.family_ = ChatFamily::kChatMl;
    ct.has_default_system_ = find_default_system(t, &ct.default_system_);
    return ct;
  }
  if (contains(t, kInst) && contains(t, kSys)) {
    ct.family_ = ChatFamily::kLlama2;
    return ct;
  }
  if (contains(t, kJaInstruction) && contains(t, kJaResponse)) {
    ct.family_ = ChatFamily::kJaInstruct;
    const size_t first_turn = t.find(kJaInstruction);
    ct.ja_bos_ = t.substr(0, first_turn).find("bos_token") != std::string_view::npos;
    ct.ja_has_system_ = find_ja_system(t, &ct.ja_fixed_system_, &ct.ja_system_text_);
    return ct;
  }
  std::string found;
  for (std::string_view marker : {kInst, kSys, kJaInstruction, kJaResponse}) {
    if (contains(t, marker)) found += (found.empty() ? "" : ", ") + std::string(marker);
  }
  return Error{
      "chat template not recognised: expected the markers of llama2 ([INST] with <<SYS>>), "
      "llama3 (<|start_header_id|>), chatml (<|im_start|>) or ja-instruct (### 指示: with ### "
      "応答:); found " +
      (found.empty() ? std::string("none of them") : "only " + found) + " in the " +
      std::to_string(t.size()) + "-byte template \"" + excerpt(t) +
      "\" (give a user template with {system}/{user}/{assistant} placeholders instead)"};
}

Expected<ChatTemplate> ChatTemplate::from_gguf(const GgufFile& file) {
  auto text = file.get_string("tokenizer.chat_template");
  if (!text) return text.error();
  auto ct = from_jinja(*text);
  if (!ct) return Error{file.name() + ": tokenizer.chat_template: " + ct.error().message};
  return ct;
}

Expected<ChatTemplate> ChatTemplate::from_name(std::string_view name) {
  ChatTemplate ct;
  if (name == "llama2") {
    ct.family_ = ChatFamily::kLlama2;
  } else if (name == "llama3") {
    ct.family_ = ChatFamily::kLlama3;
  } else if (name == "chatml") {
    ct.family_ = ChatFamily::kChatMl;
  } else if (name == "ja-instruct") {
    ct.family_ = ChatFamily::kJaInstruct;
  } else {
    return Error{"chat template name \"" + std::string(name) +
                 "\" is not one of llama2, llama3, chatml, ja-instruct"};
  }
  return ct;
}

Expected<ChatTemplate> ChatTemplate::from_user_format(std::string_view format) {
  const std::string text = unescape(format);
  struct Slot {
    ChatRole role;
    std::string_view name;
    size_t pos = std::string::npos;
  };
  std::array<Slot, 3> slots = {Slot{ChatRole::kSystem, "{system}"}, Slot{ChatRole::kUser, "{user}"},
                               Slot{ChatRole::kAssistant, "{assistant}"}};
  for (Slot& s : slots) {
    s.pos = text.find(s.name);
    if (s.pos != std::string::npos && text.find(s.name, s.pos + 1) != std::string::npos) {
      return Error{"chat template format: placeholder " + std::string(s.name) +
                   " appears more than once"};
    }
  }
  for (size_t i = 1; i < 3; ++i) {
    if (slots[i].pos == std::string::npos) {
      return Error{"chat template format: placeholder " + std::string(slots[i].name) +
                   " is missing (needed: {user} and {assistant}; {system} is optional)"};
    }
  }
  ChatTemplate ct;
  ct.family_ = ChatFamily::kUser;
  ct.user_has_system_ = slots[0].pos != std::string::npos;
  std::vector<Slot> present;
  for (const Slot& s : slots) {
    if (s.pos != std::string::npos) present.push_back(s);
  }
  std::sort(present.begin(), present.end(),
            [](const Slot& a, const Slot& b) { return a.pos < b.pos; });
  auto idx = [](ChatRole r) { return static_cast<size_t>(r); };
  ct.open_[idx(present.front().role)] = text.substr(0, present.front().pos);
  for (size_t i = 0; i + 1 < present.size(); ++i) {
    const size_t from = present[i].pos + present[i].name.size();
    const std::string between = text.substr(from, present[i + 1].pos - from);
    const size_t nl = between.find('\n');
    const size_t cut = nl == std::string::npos ? 0 : nl + 1;
    ct.close_[idx(present[i].role)] = between.substr(0, cut);
    ct.open_[idx(present[i + 1].role)] = between.substr(cut);
  }
  ct.close_[idx(present.back().role)] =
      text.substr(present.back().pos + present.back().name.size());
  return ct;
}

Expected<std::string> ChatTemplate::render(const std::vector<ChatMessage>& messages,
                                           const ChatRenderOptions& options) const {
  if (messages.empty()) return Error{"chat: messages is empty"};
  Expected<std::string> out = std::string();
  switch (family_) {
    case ChatFamily::kLlama2:
      out = render_llama2(messages, options);
      break;
    case ChatFamily::kLlama3:
      out = render_llama3(messages, options);
      break;
    case ChatFamily::kChatMl:
      out = render_chatml(messages, options);
      break;
    case ChatFamily::kJaInstruct:
      out = render_ja_instruct(messages, options);
      break;
    case ChatFamily::kUser:
      out = render_user(messages, options);
      break;
  }
  if (out && options.strip_leading_bos && !options.bos_token.empty() &&
      starts_with(*out, options.bos_token)) {
    out->erase(0, options.bos_token.size());
  }
  return out;
}

// Meta's Llama 2 chat template: the first system message goes inside the first [INST] block;
// user and assistant turns must alternate, starting with the user.
Expected<std::string> ChatTemplate::render_llama2(const std::vector<ChatMessage>& messages,
                                                  const ChatRenderOptions& o) const {
  size_t first = 0;
  std::string system;
  bool has_system = false;
  if (messages[0].role == ChatRole::kSystem) {
    has_system = true;
    system = messages[0].content;
    first = 1;
  }
  std::string out;
  for (size_t i = first; i < messages.size(); ++i) {
    const ChatMessage& m = messages[i];
    const size_t turn = i - first;
    const ChatRole expected = turn % 2 == 0 ? ChatRole::kUser : ChatRole::kAssistant;
    if (m.role != expected) {
      return Error{"chat (llama2): message " + std::to_string(i) + " has role " +
                   std::string(role_name(m.role)) + ", expected " +
                   std::string(role_name(expected)) +
                   " (roles must alternate user/assistant after an optional first system message)"};
    }
    std::string content = m.content;
    if (turn == 0 && has_system) content = "<<SYS>>\n" + system + "\n<</SYS>>\n\n" + content;
    if (m.role == ChatRole::kUser) {
      out.append(o.bos_token).append("[INST] ").append(strip(content)).append(" [/INST]");
    } else {
      out.append(" ").append(strip(content)).append(" ").append(o.eos_token);
    }
  }
  return out;  // the Llama 2 format has no separate generation prompt: it ends with [/INST]
}

Expected<std::string> ChatTemplate::render_llama3(const std::vector<ChatMessage>& messages,
                                                  const ChatRenderOptions& o) const {
  auto turn = [](std::string_view role, std::string_view content) {
    return "<|start_header_id|>" + std::string(role) + "<|end_header_id|>\n\n" +
           std::string(strip(content)) + "<|eot_id|>";
  };
  std::string out = o.bos_token;
  size_t first = 0;
  if (llama3_dated_) {
    // Llama 3.1+: the system turn always comes first, with the knowledge date preamble.
    std::string_view system;
    if (messages[0].role == ChatRole::kSystem) {
      system = strip(messages[0].content);
      first = 1;
    }
    out += "<|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\n";
    if (llama3_today_) out += "Today Date: " + o.date_string + "\n\n";
    out += std::string(system) + "<|eot_id|>";
  }
  for (size_t i = first; i < messages.size(); ++i) {
    out += turn(role_name(messages[i].role), messages[i].content);
  }
  if (o.add_generation_prompt) out += "<|start_header_id|>assistant<|end_header_id|>\n\n";
  return out;
}

Expected<std::string> ChatTemplate::render_chatml(const std::vector<ChatMessage>& messages,
                                                  const ChatRenderOptions& o) const {
  std::string out;
  if (has_default_system_ && messages[0].role != ChatRole::kSystem) {
    out += "<|im_start|>system\n" + default_system_ + "<|im_end|>\n";
  }
  for (const ChatMessage& m : messages) {
    out += "<|im_start|>" + std::string(role_name(m.role)) + "\n" + m.content + "<|im_end|>\n";
  }
  if (o.add_generation_prompt) out += "<|im_start|>assistant\n";
  return out;
}

// llm-jp style: BOS, the system text, then "\n\n### 指示:\n" user and "\n\n### 応答:\n"
// assistant turns (the assistant's ending with EOS).
Expected<std::string> ChatTemplate::render_ja_instruct(const std::vector<ChatMessage>& messages,
                                                       const ChatRenderOptions& o) const {
  std::string out = ja_bos_ ? o.bos_token : std::string();
  for (size_t i = 0; i < messages.size(); ++i) {
    const ChatMessage& m = messages[i];
    switch (m.role) {
      case ChatRole::kUser:
        out += "\n\n### 指示:\n" + m.content;
        break;
      case ChatRole::kSystem:
        if (!ja_has_system_) {
          return Error{"chat (ja-instruct): message " + std::to_string(i) +
                       " is a system message, and this template has no system turn"};
        }
        out += ja_fixed_system_ ? ja_system_text_ : m.content;
        break;
      case ChatRole::kAssistant:
        out += "\n\n### 応答:\n" + m.content + o.eos_token;
        break;
    }
  }
  if (o.add_generation_prompt) out += "\n\n### 応答:\n";
  return out;
}

Expected<std::string> ChatTemplate::render_user(const std::vector<ChatMessage>& messages,
                                                const ChatRenderOptions& o) const {
  std::string out;
  for (size_t i = 0; i < messages.size(); ++i) {
    const ChatMessage& m = messages[i];
    if (m.role == ChatRole::kSystem && !user_has_system_) {
      return Error{"chat (user template): message " + std::to_string(i) +
                   " is a system message, and the template has no {system} placeholder"};
    }
    const auto r = static_cast<size_t>(m.role);
    out += open_[r] + m.content + close_[r];
  }
  if (o.add_generation_prompt) out += open_[static_cast<size_t>(ChatRole::kAssistant)];
  return out;
}

}  // namespace airan::llm
