// Transcript parsing and UTF-8 handling: every error names the field or the byte offset.
#include "airan/callcenter/transcript.h"

#include <gtest/gtest.h>

#include <string>

#include "airan/callcenter/utf8.h"

namespace airan::callcenter {
namespace {

std::string error_of(const std::string& json) {
  auto t = parse_transcript(json);
  EXPECT_FALSE(t.has_value()) << json;
  return t ? "" : t.error().message;
}

TEST(Utf8, ValidatesAndReportsByteOffset) {
  EXPECT_TRUE(validate_utf8("abc 日本語 😀").is_ok());
  EXPECT_EQ(validate_utf8("ab\x80").message(),
            "invalid UTF-8 at byte 2: continuation byte without a lead byte");
  EXPECT_EQ(validate_utf8("\xe6\x97").message(),
            "invalid UTF-8 at byte 0: sequence cut short by the end of the text");
  EXPECT_EQ(validate_utf8("x\xc0\xaf").message(), "invalid UTF-8 at byte 1: overlong encoding");
  EXPECT_EQ(validate_utf8("xy\xed\xa0\x80").message(), "invalid UTF-8 at byte 2: UTF-16 surrogate");
  EXPECT_EQ(validate_utf8("\xf4\x90\x80\x80").message(),
            "invalid UTF-8 at byte 0: code point past U+10FFFF");
  EXPECT_EQ(validate_utf8("\xff").message(), "invalid UTF-8 at byte 0: byte is never valid");
}

TEST(Utf8, DecodeOffsetsAndFolding) {
  auto d = decode_utf8("a日０－");
  ASSERT_TRUE(d.has_value());
  ASSERT_EQ(d->size(), 4u);
  EXPECT_EQ(d->byte_offset, (std::vector<size_t>{0, 1, 4, 7, 10}));
  EXPECT_EQ(d->folded[2], U'0');
  EXPECT_EQ(d->folded[3], U'-');
  EXPECT_EQ(d->cps[2], U'０');
  EXPECT_EQ(count_code_points("a日😀"), 3u);
  EXPECT_EQ(truncate_code_points("日本語テキスト", 3), "日本語");
  EXPECT_EQ(truncate_code_points("abc", 5), "abc");
  std::string s;
  append_utf8(U'😀', s);
  append_utf8(U'é', s);
  EXPECT_EQ(s, "😀é");
}

TEST(Transcript, ParsesAllForms) {
  auto t = parse_transcript(R"({"call_id": "C-1", "language": "en", "metadata": {"q": 1},
    "turns": [{"speaker": "agent", "start": 0, "end": 2.5, "text": "Hello"},
              {"speaker": "customer", "start": "00:00:03", "end": "00:00:04.5", "text": "Hi"},
              {"speaker": "customer", "start": "01:05", "text": "Bye"},
              {"speaker": "agent", "start": "1:00:00", "text": "Long call"}]})");
  ASSERT_TRUE(t.has_value()) << t.error().message;
  EXPECT_EQ(t->call_id, "C-1");
  EXPECT_EQ(t->language, Language::kEn);
  EXPECT_FALSE(t->language_detected);
  EXPECT_EQ(t->metadata["q"], 1);
  ASSERT_EQ(t->turns.size(), 4u);
  EXPECT_EQ(t->turns[0].speaker, Speaker::kAgent);
  EXPECT_DOUBLE_EQ(*t->turns[0].end_s, 2.5);
  EXPECT_DOUBLE_EQ(t->turns[1].start_s, 3.0);
  EXPECT_DOUBLE_EQ(*t->turns[1].end_s, 4.5);
  EXPECT_DOUBLE_EQ(t->turns[2].start_s, 65.0);
  EXPECT_FALSE(t->turns[2].end_s.has_value());
  EXPECT_DOUBLE_EQ(t->turns[3].start_s, 3600.0);
  EXPECT_EQ(format_time(3725.9), "01:02:05");
}

TEST(Transcript, DetectsLanguage) {
  auto ja = parse_transcript(
      R"({"turns": [{"speaker": "customer", "start": 0, "text": "請求が二重になっています。ID abc"}]})");
  ASSERT_TRUE(ja.has_value());
  EXPECT_EQ(ja->language, Language::kJa);
  EXPECT_TRUE(ja->language_detected);
  auto en = parse_transcript(
      R"({"turns": [{"speaker": "customer", "start": 0, "text": "My bill is wrong, 東京"}]})");
  ASSERT_TRUE(en.has_value());
  EXPECT_EQ(en->language, Language::kEn);
}

TEST(Transcript, ErrorsNameTheField) {
  EXPECT_EQ(error_of(R"({"turns": [{"speaker": "agent", "start": 0, "text": "a"},
    {"speaker": "agent", "start": 1, "text": "b"}, {"speaker": "agent", "start": 2, "text": "c"},
    {"speaker": "bot", "start": 3, "text": "d"}]})"),
            "turns[3].speaker: expected \"agent\" or \"customer\", got \"bot\"");
  EXPECT_EQ(error_of(R"({"turns": [{"speaker": 1, "start": 0, "text": "a"}]})"),
            "turns[0].speaker: expected \"agent\" or \"customer\", got number");
  EXPECT_EQ(error_of(R"({"turns": [{"start": 0, "text": "a"}]})"),
            "turns[0].speaker: missing (expected \"agent\" or \"customer\")");
  EXPECT_EQ(error_of(R"({"turns": [{"speaker": "agent", "text": "a"}]})"),
            "turns[0].start: missing (expected seconds or \"HH:MM:SS\")");
  EXPECT_EQ(
      error_of(R"({"turns": [{"speaker": "agent", "start": "00:61:00", "text": "a"}]})"),
      "turns[0].start: expected \"HH:MM:SS\" or \"MM:SS\" (optional .fraction), got \"00:61:00\"");
  EXPECT_EQ(error_of(R"({"turns": [{"speaker": "agent", "start": -1, "text": "a"}]})"),
            "turns[0].start: expected seconds >= 0, got -1");
  EXPECT_EQ(error_of(R"({"turns": [{"speaker": "agent", "start": true, "text": "a"}]})"),
            "turns[0].start: expected seconds (number) or \"HH:MM:SS\", got boolean");
  EXPECT_EQ(error_of(R"({"turns": [{"speaker": "agent", "start": 5, "end": 4, "text": "a"}]})"),
            "turns[0].end: 4.000000 s is before start 5.000000 s");
  EXPECT_EQ(error_of(R"({"turns": [{"speaker": "agent", "start": 0, "text": ""}]})"),
            "turns[0].text: expected a non-empty string, got \"\"");
  EXPECT_EQ(error_of(R"({"turns": [{"speaker": "agent", "start": 0, "text": ["a"]}]})"),
            "turns[0].text: expected a string, got array");
  EXPECT_EQ(error_of(R"({"turns": [{"speaker": "agent", "start": 0, "text": "a", "mood": 1}]})"),
            "turns[0]: unknown field \"mood\" (expected speaker, start, end, text)");
  EXPECT_EQ(error_of(R"({"turns": [{"speaker": "agent", "start": 5, "text": "a"},
    {"speaker": "agent", "start": 4, "text": "b"}]})"),
            "turns[1].start: 4.000000 s is before the previous turn's start 5.000000 s (turns must "
            "be in time order)");
  EXPECT_EQ(error_of(R"({"turns": []})"), "turns: expected at least one turn, got an empty array");
  EXPECT_EQ(error_of(R"({"turns": {}})"), "turns: expected an array, got object");
  EXPECT_EQ(error_of(R"({"call_id": "x"})"), "turns: missing (expected an array of turns)");
  EXPECT_EQ(error_of(R"({"language": "fr", "turns": []})"),
            "language: expected \"ja\" or \"en\", got \"fr\"");
  EXPECT_EQ(error_of(R"({"call_id": 5, "turns": []})"), "call_id: expected a string, got number");
  EXPECT_EQ(error_of(R"({"speakers": 5})"),
            "transcript: unknown field \"speakers\" (expected call_id, language, metadata, turns)");
  EXPECT_EQ(error_of("[1, 2]"), "transcript: expected a JSON object, got array");
  EXPECT_EQ(error_of(R"({"turns": [{"speaker": "agent", "start": 0, "text": 1}]})"),
            "turns[0].text: expected a string, got number");
}

TEST(Transcript, SyntaxAndEncodingErrorsGiveByteOffsets) {
  const std::string prefix = R"({"turns": [{"speaker": "agent", "start": 0, "text": "ab)";
  ASSERT_EQ(prefix.size(), 55u);
  const std::string bad = prefix + "\xe3\x81" + R"("}]})";
  EXPECT_EQ(
      error_of(bad),
      "transcript: invalid UTF-8 at byte 55: lead byte not followed by enough continuation bytes");
  const std::string syntax = error_of(R"({"turns": [}")");
  EXPECT_EQ(syntax.rfind("transcript: JSON syntax error at byte 12", 0), 0u) << syntax;
}

TEST(Transcript, Limits) {
  TranscriptLimits limits;
  limits.max_turns = 1;
  auto t = parse_transcript(R"({"turns": [{"speaker": "agent", "start": 0, "text": "a"},
    {"speaker": "agent", "start": 1, "text": "b"}]})",
                            limits);
  ASSERT_FALSE(t.has_value());
  EXPECT_EQ(t.error().message, "turns: 2 turns exceeds the limit of 1");
  TranscriptLimits shallow;
  shallow.max_depth = 4;
  auto deep = parse_transcript(R"({"metadata": {"a": [[[[1]]]]}, "turns": []})", shallow);
  ASSERT_FALSE(deep.has_value());
  EXPECT_EQ(deep.error().message, "transcript: nesting deeper than 4 levels at byte 21");
  limits = {};
  limits.max_bytes = 10;
  EXPECT_FALSE(parse_transcript(R"({"turns": []})", limits).has_value());
}

}  // namespace
}  // namespace airan::callcenter
