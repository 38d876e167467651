// Chat templates: each family's published Jinja template is recognised and rendered into the exact
// text Jinja produces for it (expected strings worked out by hand from the templates).
#include "airan/llm/chat_template.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "airan/llm/gguf_writer.h"

namespace airan::llm {
namespace {

// Meta's Llama-2-chat template (tokenizer_config.json).
const char* kLlama2Jinja =
    "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{% set "
    "system_message = messages[0]['content'] %}{% else %}{% set loop_messages = messages %}{% set "
    "system_message = false %}{% endif %}{% for message in loop_messages %}{% if (message['role'] "
    "== 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate "
    "user/assistant/user/assistant/...') }}{% endif %}{% if loop.index0 == 0 and system_message != "
    "false %}{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + "
    "message['content'] %}{% else %}{% set content = message['content'] %}{% endif %}{% if "
    "message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}{% elif "
    "message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% "
    "endfor %}";

// Meta-Llama-3-8B-Instruct.
const char* kLlama3Jinja =
    "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = "
    "'<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | "
    "trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% "
    "endif "
    "%}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ "
    "'<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}";

// The parts of Llama 3.1/3.2's template that matter without tools.
const char* kLlama31Jinja =
    "{{- bos_token }}\n{%- if not date_string is defined %}\n    {%- set date_string = \"26 Jul "
    "2024\" %}\n{%- endif %}\n{%- if messages[0]['role'] == 'system' %}\n    {%- set "
    "system_message = messages[0]['content']|trim %}\n    {%- set messages = messages[1:] %}\n{%- "
    "else %}\n    {%- set system_message = \"\" %}\n{%- endif %}\n{{- "
    "\"<|start_header_id|>system<|end_header_id|>\\n\\n\" }}\n{{- \"Cutting Knowledge Date: "
    "December 2023\\n\" }}\n{{- \"Today Date: \" + date_string + \"\\n\\n\" }}\n{{- system_message "
    "}}\n{{- \"<|eot_id|>\" }}\n{%- for message in messages %}\n        {{- '<|start_header_id|>' "
    "+ "
    "message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' }}\n{%- "
    "endfor %}\n{%- if add_generation_prompt %}\n    {{- "
    "'<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}\n{%- endif %}\n";

// Qwen2.5-Instruct (without the tools branch's details).
const char* kQwen25Jinja =
    "{%- if tools %}\n    {{- '<|im_start|>system\\n' }}\n    {%- if messages[0]['role'] == "
    "'system' %}\n        {{- messages[0]['content'] }}\n    {%- else %}\n        {{- 'You are "
    "Qwen, created by Alibaba Cloud. You are a helpful assistant.' }}\n    {%- endif %}\n{%- else "
    "%}\n    {%- if messages[0]['role'] == 'system' %}\n        {{- '<|im_start|>system\\n' + "
    "messages[0]['content'] + '<|im_end|>\\n' }}\n    {%- else %}\n        {{- "
    "'<|im_start|>system\\nYou are Qwen, created by Alibaba Cloud. You are a helpful "
    "assistant.<|im_end|>\\n' }}\n    {%- endif %}\n{%- endif %}\n{%- for message in messages %}\n "
    "   {%- if (message.role == \"user\") or (message.role == \"system\" and not loop.first) %}\n  "
    "  "
    "    {{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' "
    "}}\n{%- "
    "endfor %}\n{%- if add_generation_prompt %}\n    {{- '<|im_start|>assistant\\n' }}\n{%- endif "
    "%}\n";

// Plain ChatML (OpenHermes).
const char* kChatMlJinja =
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] "
    "+ '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ "
    "'<|im_start|>assistant\\n' "
    "}}{% endif %}";

// llm-jp-3 instruct.
const char* kLlmJpJinja =
    "{{bos_token}}{% for message in messages %}{% if message['role'] == 'user' %}{{ '\\n\\n### "
    "指示:\\n' + message['content'] }}{% elif message['role'] == 'system' %}{{ "
    "'以下は、タスクを説明する指示です。要求を適切に満たす応答を書きなさい。' }}{% elif "
    "message['role'] == 'assistant' %}{{ '\\n\\n### 応答:\\n' + message['content'] + eos_token "
    "}}{% "
    "endif %}{% if loop.last and add_generation_prompt %}{{ '\\n\\n### 応答:\\n' }}{% endif %}{% "
    "endfor %}";

std::vector<ChatMessage> conversation() {
  return {{ChatRole::kSystem, "test"},
          {ChatRole::kUser, "hello"},
          {ChatRole::kAssistant, "response"},
          {ChatRole::kUser, "again"}};
}

std::string render(const char* jinja, const std::vector<ChatMessage>& m,
                   const ChatRenderOptions& o = {}) {
  auto t = ChatTemplate::from_jinja(jinja);
  EXPECT_TRUE(t) << t.error().message;
  if (!t) return "";
  auto r = t->render(m, o);
  EXPECT_TRUE(r) << r.error().message;
  return r ? *r : "";
}

TEST(ChatTemplate, Llama2) {
  auto t = ChatTemplate::from_jinja(kLlama2Jinja);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->family(), ChatFamily::kLlama2);
  EXPECT_EQ(render(kLlama2Jinja, conversation()),
            "<s>[INST] <<SYS>>\ntest\n<</SYS>>\n\nhello [/INST] response </s><s>[INST] again "
            "[/INST]");
  // .strip() on the content; no system message.
  EXPECT_EQ(render(kLlama2Jinja, {{ChatRole::kUser, "  hi\n"}}), "<s>[INST] hi [/INST]");
  auto bad = t->render({{ChatRole::kUser, "a"}, {ChatRole::kUser, "b"}});
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("alternate"), std::string::npos);
}

TEST(ChatTemplate, Llama3) {
  ChatRenderOptions o;
  o.bos_token = "<|begin_of_text|>";
  o.eos_token = "<|eot_id|>";
  EXPECT_EQ(render(kLlama3Jinja, conversation(), o),
            "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\ntest<|eot_id|>"
            "<|start_header_id|>user<|end_header_id|>\n\nhello<|eot_id|>"
            "<|start_header_id|>assistant<|end_header_id|>\n\nresponse<|eot_id|>"
            "<|start_header_id|>user<|end_header_id|>\n\nagain<|eot_id|>"
            "<|start_header_id|>assistant<|end_header_id|>\n\n");
  o.add_generation_prompt = false;
  o.strip_leading_bos = true;
  EXPECT_EQ(render(kLlama3Jinja, {{ChatRole::kUser, " trimmed \n"}}, o),
            "<|start_header_id|>user<|end_header_id|>\n\ntrimmed<|eot_id|>");
}

TEST(ChatTemplate, Llama31SystemPreamble) {
  ChatRenderOptions o;
  o.bos_token = "<|begin_of_text|>";
  EXPECT_EQ(render(kLlama31Jinja, {{ChatRole::kSystem, " Be brief. "}, {ChatRole::kUser, "hi"}}, o),
            "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
            "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n"
            "Be brief.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nhi<|eot_id|>"
            "<|start_header_id|>assistant<|end_header_id|>\n\n");
  o.date_string = "01 Apr 2025";
  EXPECT_EQ(render(kLlama31Jinja, {{ChatRole::kUser, "hi"}}, o),
            "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
            "Cutting Knowledge Date: December 2023\nToday Date: 01 Apr 2025\n\n<|eot_id|>"
            "<|start_header_id|>user<|end_header_id|>\n\nhi<|eot_id|>"
            "<|start_header_id|>assistant<|end_header_id|>\n\n");
}

TEST(ChatTemplate, QwenChatMlWithItsDefaultSystemMessage) {
  EXPECT_EQ(render(kQwen25Jinja, {{ChatRole::kUser, "日本の首都は？"}}),
            "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful "
            "assistant.<|im_end|>\n<|im_start|>user\n日本の首都は？<|im_end|>\n"
            "<|im_start|>assistant\n");
  // A system message replaces the default; content is not trimmed.
  EXPECT_EQ(render(kQwen25Jinja, {{ChatRole::kSystem, "sys "}, {ChatRole::kUser, "hi"}}),
            "<|im_start|>system\nsys <|im_end|>\n<|im_start|>user\nhi<|im_end|>\n"
            "<|im_start|>assistant\n");
}

TEST(ChatTemplate, PlainChatMl) {
  ChatRenderOptions o;
  o.add_generation_prompt = false;
  EXPECT_EQ(render(kChatMlJinja, conversation(), o),
            "<|im_start|>system\ntest<|im_end|>\n<|im_start|>user\nhello<|im_end|>\n"
            "<|im_start|>assistant\nresponse<|im_end|>\n<|im_start|>user\nagain<|im_end|>\n");
  EXPECT_EQ(render(kChatMlJinja, {{ChatRole::kUser, "hi"}}),
            "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n");
}

TEST(ChatTemplate, JapaneseInstructionStyle) {
  auto t = ChatTemplate::from_jinja(kLlmJpJinja);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->family(), ChatFamily::kJaInstruct);
  // llm-jp's template writes its own fixed sentence for a system turn.
  EXPECT_EQ(
      render(kLlmJpJinja, {{ChatRole::kSystem, "ignored"}, {ChatRole::kUser, "日本の首都は？"}}),
      "<s>以下は、タスクを説明する指示です。要求を適切に満たす応答を書きなさい。"
      "\n\n### 指示:\n日本の首都は？\n\n### 応答:\n");
  EXPECT_EQ(
      render(kLlmJpJinja, {{ChatRole::kUser, "こんにちは"},
                           {ChatRole::kAssistant, "はい。"},
                           {ChatRole::kUser, "次"}}),
      "<s>\n\n### 指示:\nこんにちは\n\n### 応答:\nはい。</s>\n\n### 指示:\n次\n\n### 応答:\n");
  // A variant whose system turn prints the message.
  std::string variant = kLlmJpJinja;
  const std::string fixed =
      "'以下は、タスクを説明する指示です。要求を適切に満たす応答を書きなさい。'";
  variant.replace(variant.find(fixed), fixed.size(), "message['content']");
  EXPECT_EQ(render(variant.c_str(), {{ChatRole::kSystem, "丁寧に。"}, {ChatRole::kUser, "質問"}}),
            "<s>丁寧に。\n\n### 指示:\n質問\n\n### 応答:\n");
}

TEST(ChatTemplate, UnknownTemplatesAreErrorsNamingWhatWasFound) {
  const char* gemma =
      "{{ bos_token }}{% for message in messages %}{{ '<start_of_turn>' + role + '\\n' + "
      "message['content'] | trim + '<end_of_turn>\\n' }}{% endfor %}";
  auto e = ChatTemplate::from_jinja(gemma);
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().message.find("not recognised"), std::string::npos);
  EXPECT_NE(e.error().message.find("none of them"), std::string::npos);
  EXPECT_NE(e.error().message.find("<start_of_turn>"), std::string::npos);  // quoted excerpt
  // Mistral style: [INST] without <<SYS>> is not Llama 2.
  auto m =
      ChatTemplate::from_jinja("{{ bos_token }}{{ '[INST] ' + message['content'] + ' [/INST]' }}");
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().message.find("only [INST]"), std::string::npos);
  EXPECT_FALSE(ChatTemplate::from_jinja(""));
  EXPECT_FALSE(ChatTemplate::from_name("vicuna"));
  EXPECT_FALSE(chat_role_from_name("tool"));
  EXPECT_EQ(*chat_role_from_name("assistant"), ChatRole::kAssistant);
}

TEST(ChatTemplate, UserFormat) {
  auto t = ChatTemplate::from_user_format(
      "<|im_start|>system\\n{system}<|im_end|>\\n<|im_start|>user\\n{user}<|im_end|>\\n"
      "<|im_start|>assistant\\n{assistant}<|im_end|>\\n");
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->family(), ChatFamily::kUser);
  // The same text as the ChatML family, with and without a system message.
  auto chatml = ChatTemplate::from_name("chatml");
  ASSERT_TRUE(chatml);
  for (bool gen : {true, false}) {
    ChatRenderOptions o;
    o.add_generation_prompt = gen;
    EXPECT_EQ(*t->render(conversation(), o), *chatml->render(conversation(), o));
    auto no_sys = conversation();
    no_sys.erase(no_sys.begin());
    EXPECT_EQ(*t->render(no_sys, o), *chatml->render(no_sys, o));
  }
  // No newline between placeholders: the text opens the next turn.
  auto inst = ChatTemplate::from_user_format("<s>[INST] {user} [/INST] {assistant}</s>");
  ASSERT_TRUE(inst);
  EXPECT_EQ(
      *inst->render({{ChatRole::kUser, "a"}, {ChatRole::kAssistant, "b"}, {ChatRole::kUser, "c"}}),
      "<s>[INST] a [/INST] b</s><s>[INST] c [/INST] ");
  auto sys = inst->render({{ChatRole::kSystem, "s"}, {ChatRole::kUser, "a"}});
  ASSERT_FALSE(sys);
  EXPECT_NE(sys.error().message.find("{system}"), std::string::npos);

  auto missing = ChatTemplate::from_user_format("{system} {user}");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("{assistant}"), std::string::npos);
  EXPECT_FALSE(ChatTemplate::from_user_format("{user}{user}{assistant}"));
}

TEST(ChatTemplate, FromModelFileMetadata) {
  GgufWriter w;
  w.set_string("general.architecture", "llama");
  w.set_string("tokenizer.chat_template", kLlmJpJinja);
  auto bytes = w.write_memory([](size_t, std::span<uint8_t>) { return Status::ok(); });
  ASSERT_TRUE(bytes);
  auto f = GgufFile::parse(*bytes, "chat.gguf");
  ASSERT_TRUE(f) << f.error().message;
  auto t = ChatTemplate::from_gguf(*f);
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->family(), ChatFamily::kJaInstruct);

  GgufWriter none;
  auto b2 = none.write_memory([](size_t, std::span<uint8_t>) { return Status::ok(); });
  auto f2 = GgufFile::parse(*b2, "none.gguf");
  ASSERT_TRUE(f2);
  auto e = ChatTemplate::from_gguf(*f2);
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().message.find("tokenizer.chat_template"), std::string::npos);
}

TEST(ChatTemplate, EmptyConversationIsAnError) {
  auto t = ChatTemplate::from_name("llama3");
  ASSERT_TRUE(t);
  EXPECT_FALSE(t->render({}));
}

}  // namespace
}  // namespace airan::llm
