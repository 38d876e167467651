#pragma once
// Chat prompts: turning a list of messages into the exact text a chat model was trained on.
//
// A model's `tokenizer.chat_template` is Jinja source. Like llama.cpp's built-in templates, airan
// does not run Jinja: it recognises the common families by distinctive markers and renders them
// natively, producing the text the Jinja template would:
//   llama2      `[INST]` and `<<SYS>>`            (Llama 2 chat, ELYZA, ...)
//   llama3      `<|start_header_id|>`             (Llama 3; 3.1+ with the "Cutting Knowledge
//               Date" system preamble when the template has it)
//   chatml      `<|im_start|>`                    (Qwen, SmolLM, ...; a default system message
//               written in the template is used when the messages have none)
//   ja-instruct `### 指示:` and `### 応答:`       (llm-jp and similar Japanese instruction style)
// Anything else is an error that names what was found; there is no silent default.
//
// User templates: a text with the placeholders `{system}` (optional), `{user}` and `{assistant}`,
// each at most once, describing one exchange. The text around the placeholders is cut into turns:
// text before the first placeholder opens that placeholder's turn; text between two placeholders
// is split after its first newline (the part up to and including the newline closes the earlier
// turn, the rest opens the later one; with no newline, all of it opens the later one); text after
// the last placeholder closes that turn. The generation prompt is the opening of the assistant
// turn. Escapes `\n`, `\t` and `\\` in the template text stand for newline, tab and backslash.
// Example (ChatML): "<|im_start|>system\n{system}<|im_end|>\n<|im_start|>user\n{user}<|im_end|>\n
// <|im_start|>assistant\n{assistant}<|im_end|>\n".

#include <string>
#include <string_view>
#include <vector>

#include "airan/common/expected.h"
#include "airan/llm/gguf.h"

namespace airan::llm {

enum class ChatRole { kSystem, kUser, kAssistant };

/// One chat message.
struct ChatMessage {
  ChatRole role = ChatRole::kUser;
  std::string content;
};

/// Role from its OpenAI name ("system", "user", "assistant"). Error: any other name.
Expected<ChatRole> chat_role_from_name(std::string_view name);

enum class ChatFamily { kLlama2, kLlama3, kChatMl, kJaInstruct, kUser };

/// "llama2", "llama3", "chatml", "ja-instruct" or "user".
std::string_view chat_family_name(ChatFamily family);

/// Rendering options; the token texts come from the model's vocabulary.
struct ChatRenderOptions {
  bool add_generation_prompt = true;  ///< end with the opening of an assistant turn
  std::string bos_token = "<s>";      ///< text of BOS, where the template writes bos_token
  std::string eos_token = "</s>";     ///< text of EOS, where the template writes eos_token
  /// Drop a leading BOS text (when the tokenizer adds BOS itself, as llama.cpp does).
  bool strip_leading_bos = false;
  /// Llama 3.1+ "Today Date:" line; the templates' own default when none is given.
  std::string date_string = "26 Jul 2024";
};

/// A recognised chat format.
class ChatTemplate {
 public:
  /// Recognises a model's Jinja `template_text`. Error: no known family's markers were found
  /// (the message names the markers looked for and quotes the start of the template).
  static Expected<ChatTemplate> from_jinja(std::string_view template_text);
  /// The template of a model file (`tokenizer.chat_template`). Error: the key is missing or the
  /// template is not recognised.
  static Expected<ChatTemplate> from_gguf(const GgufFile& file);
  /// A built-in family by name ("llama2", "llama3", "chatml", "ja-instruct"). Error: unknown name.
  static Expected<ChatTemplate> from_name(std::string_view name);
  /// A user template with {system}/{user}/{assistant} placeholders (see above). Error: a
  /// placeholder is missing or repeated.
  static Expected<ChatTemplate> from_user_format(std::string_view format);

  ChatFamily family() const { return family_; }

  /// The prompt text for `messages`. Error: a role the format cannot express (e.g. a system
  /// message for a user template without {system}, or Llama 2 roles that do not alternate).
  Expected<std::string> render(const std::vector<ChatMessage>& messages,
                               const ChatRenderOptions& options = {}) const;

 private:
  Expected<std::string> render_llama2(const std::vector<ChatMessage>& messages,
                                      const ChatRenderOptions& options) const;
  Expected<std::string> render_llama3(const std::vector<ChatMessage>& messages,
                                      const ChatRenderOptions& options) const;
  Expected<std::string> render_chatml(const std::vector<ChatMessage>& messages,
                                      const ChatRenderOptions& options) const;
  Expected<std::string> render_ja_instruct(const std::vector<ChatMessage>& messages,
                                           const ChatRenderOptions& options) const;
  Expected<std::string> render_user(const std::vector<ChatMessage>& messages,
                                    const ChatRenderOptions& options) const;

  ChatFamily family_ = ChatFamily::kChatMl;
  bool llama3_dated_ = false;        // Llama 3.1+: system preamble with the knowledge date
  bool llama3_today_ = false;        // ... and with the "Today Date:" line
  bool has_default_system_ = false;  // ChatML: default system message from the template
  std::string default_system_;
  bool ja_bos_ = true;            // ja-instruct: the template begins with bos_token
  bool ja_has_system_ = true;     // ja-instruct: the template has a system turn
  bool ja_fixed_system_ = false;  // ... which prints a fixed text, not the message
  std::string ja_system_text_;
  // User template: opening and closing text of each role's turn, indexed by ChatRole.
  bool user_has_system_ = false;
  std::string open_[3];
  std::string close_[3];
};

}  // namespace airan::llm
