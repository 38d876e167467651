// PII rules: every rule with positive and negative cases, offsets checked exactly.
#include "airan/callcenter/pii.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace airan::callcenter {
namespace {

struct Found {
  PiiType type;
  std::string text;  // the original bytes the span covers
};

std::vector<Found> found(const std::string& text) {
  auto spans = find_pii(text, 0);
  EXPECT_TRUE(spans.has_value());
  std::vector<Found> out;
  if (!spans) return out;
  for (const PiiSpan& s : *spans) {
    EXPECT_LE(s.byte_end, text.size());
    EXPECT_LT(s.byte_begin, s.byte_end);
    // Code point offsets agree with byte offsets.
    EXPECT_EQ(s.cp_begin, count_code_points(text.substr(0, s.byte_begin)));
    EXPECT_EQ(s.cp_end, count_code_points(text.substr(0, s.byte_end)));
    out.push_back({s.type, text.substr(s.byte_begin, s.byte_end - s.byte_begin)});
  }
  return out;
}

void expect_one(const std::string& text, PiiType type, const std::string& covered) {
  auto f = found(text);
  ASSERT_EQ(f.size(), 1u) << text;
  EXPECT_EQ(f[0].type, type) << text;
  EXPECT_EQ(f[0].text, covered) << text;
}

void expect_none(const std::string& text) {
  auto f = found(text);
  EXPECT_TRUE(f.empty()) << text << " -> " << (f.empty() ? "" : f[0].text);
}

TEST(Luhn, KnownNumbers) {
  EXPECT_TRUE(luhn_valid("4111111111111111"));
  EXPECT_TRUE(luhn_valid("4012888888881881"));
  EXPECT_TRUE(luhn_valid("378282246310005"));  // American Express test number
  EXPECT_TRUE(luhn_valid("79927398713"));      // the textbook example
  EXPECT_FALSE(luhn_valid("4111111111111112"));
  EXPECT_FALSE(luhn_valid("79927398710"));
  EXPECT_FALSE(luhn_valid(""));
  EXPECT_FALSE(luhn_valid("4111-1111"));
}

TEST(PiiPhone, JapaneseFormats) {
  expect_one("携帯は090-1234-5678です", PiiType::kPhone, "090-1234-5678");
  expect_one("自宅は03-1234-5678。", PiiType::kPhone, "03-1234-5678");
  expect_one("09012345678 にお願いします", PiiType::kPhone, "09012345678");
  expect_one("フリーダイヤル0120-123-456まで", PiiType::kPhone, "0120-123-456");
  expect_one("代表 (03)1234-5678", PiiType::kPhone, "(03)1234-5678");
  expect_one("番号は(090-1234-5678)です", PiiType::kPhone, "(090-1234-5678)");
}

TEST(PiiPhone, FullWidthDigitsKeepOriginalOffsets) {
  const std::string text = "電話は０９０－１２３４－５６７８です";
  auto spans = find_pii(text, 4);
  ASSERT_TRUE(spans.has_value());
  ASSERT_EQ(spans->size(), 1u);
  const PiiSpan& s = (*spans)[0];
  EXPECT_EQ(s.type, PiiType::kPhone);
  EXPECT_EQ(s.turn, 4u);
  EXPECT_EQ(s.cp_begin, 3u);
  EXPECT_EQ(s.cp_end, 16u);
  EXPECT_EQ(s.byte_begin, 9u);  // 3 kanji/kana x 3 bytes
  EXPECT_EQ(s.byte_end, 48u);   // + 13 full-width characters x 3 bytes
  EXPECT_EQ(text.substr(s.byte_begin, s.byte_end - s.byte_begin), "０９０－１２３４－５６７８");
  // The long vowel mark used as a dash.
  expect_one("０９０ー１２３４ー５６７８", PiiType::kPhone, "０９０ー１２３４ー５６７８");
}

TEST(PiiPhone, InternationalAndUs) {
  expect_one("call +81 90-1234-5678 now", PiiType::kPhone, "+81 90-1234-5678");
  expect_one("E.164 +819012345678.", PiiType::kPhone, "+819012345678");
  expect_one("It's +1 206 555 0147.", PiiType::kPhone, "+1 206 555 0147");
  expect_one("Sure, it's (415) 555-0132.", PiiType::kPhone, "(415) 555-0132");
  expect_one("reach me at 503-555-0199 if", PiiType::kPhone, "503-555-0199");
  expect_one("or 1-800-555-0100 toll free", PiiType::kPhone, "1-800-555-0100");
  expect_one("UK office 0044 20 7946 0958", PiiType::kPhone, "0044 20 7946 0958");
  expect_one("＋８１　９０　１２３４　５６７８", PiiType::kPhone,
             "＋８１　９０　１２３４　５６７８");
}

TEST(PiiPhone, NotPhones) {
  expect_none("It cost $65.40 on 2026-04-03.");
  expect_none("料金は3,278円です");
  expect_none("order A090-1234-5678");  // glued to a letter: a code
  expect_none("ref 090-1234-5678x");
  expect_none("1234-5678");      // too short for any rule
  expect_none("call 555-0132");  // a 7-digit local number is not enough to identify
  expect_none("version 1.090.1234.5678");
  expect_none("+0 123 4567 8901");  // country codes never start with 0
}

TEST(PiiPhone, NumberNextToAnotherNumber) {
  // A stray count before the number must not hide it.
  auto f = found("3 090-1234-5678");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].text, "090-1234-5678");
  // Two numbers in one run are two spans.
  f = found("090-1234-5678 03-1234-5678");
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f[0].text, "090-1234-5678");
  EXPECT_EQ(f[1].text, "03-1234-5678");
}

TEST(PiiCard, GroupsAndLuhn) {
  expect_one("card 4111 1111 1111 1111 thanks", PiiType::kCardNumber, "4111 1111 1111 1111");
  expect_one("The Visa, 4012-8888-8888-1881.", PiiType::kCardNumber, "4012-8888-8888-1881");
  expect_one("4111111111111111", PiiType::kCardNumber, "4111111111111111");
  expect_one("Amex 3782 822463 10005 ok", PiiType::kCardNumber, "3782 822463 10005");
  expect_one("カードは４１１１－１１１１－１１１１－１１１１です", PiiType::kCardNumber,
             "４１１１－１１１１－１１１１－１１１１");
}

TEST(PiiCard, FailingLuhnIsNotRedacted) {
  expect_none("card 4111 1111 1111 1112 thanks");
  expect_none("4111111111111112");
  // Right length, right check digit, wrong grouping: not a card as people say it.
  expect_none("41 1111 1111 1111 11");
}

TEST(PiiEmail, Addresses) {
  expect_one("send to maria.lopez@example.com right after", PiiType::kEmail,
             "maria.lopez@example.com");
  expect_one("メールは hanako.yamada@example.co.jp です", PiiType::kEmail,
             "hanako.yamada@example.co.jp");
  expect_one("(a+b_c@mail-1.example.org).", PiiType::kEmail, "a+b_c@mail-1.example.org");
  expect_one("ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ", PiiType::kEmail, "ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ");
  expect_none("at @ the office");
  expect_none("user@localhost");
  expect_none("user@example.c");
  expect_none("@example.com");
  expect_none("a@b..com");
}

TEST(PiiPostal, NeedsContext) {
  expect_one("〒160-0023", PiiType::kPostalCode, "160-0023");
  expect_one("〒 160-0023", PiiType::kPostalCode, "160-0023");
  expect_one("郵便番号530-0001です", PiiType::kPostalCode, "530-0001");
  expect_one("〒１６０００２３", PiiType::kPostalCode, "１６０００２３");
  expect_one("zip code 100-0001", PiiType::kPostalCode, "100-0001");
  expect_none("部品番号123-4567を注文");
  expect_none("1600023");
}

TEST(PiiAddress, Japanese) {
  auto f = found("〒160-0023 東京都新宿区西新宿2-8-1 サクラハイツ305です。");
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f[0].type, PiiType::kPostalCode);
  EXPECT_EQ(f[0].text, "160-0023");
  EXPECT_EQ(f[1].type, PiiType::kAddress);
  EXPECT_EQ(f[1].text, "東京都新宿区西新宿2-8-1 サクラハイツ305");
  expect_one("大阪府大阪市北区梅田一丁目3番1号です", PiiType::kAddress,
             "大阪府大阪市北区梅田一丁目3番1号");
  expect_one("住所は神奈川県横浜市中区山下町１０番地の者です", PiiType::kAddress,
             "神奈川県横浜市中区山下町１０番地");
  expect_one("北海道札幌市中央区北1条西2丁目に", PiiType::kAddress,
             "北海道札幌市中央区北1条西2丁目");
  // Prefecture and city alone do not locate a person.
  expect_none("東京都新宿区に住んでいます");
  expect_none("大阪に引っ越します");
  expect_none("東京都の天気");
}

TEST(PiiAddress, English) {
  expect_one("It's 1600 Elm Street, Apt 4B, Portland, Oregon 97205.", PiiType::kAddress,
             "1600 Elm Street, Apt 4B, Portland, Oregon 97205");
  expect_one("ship to 42 W 5th St. please", PiiType::kAddress, "42 W 5th St.");
  expect_one("at 221 Baker Street", PiiType::kAddress, "221 Baker Street");
  expect_none("I waited 20 Minutes on hold");
  expect_none("we have 3 plans");
}

TEST(PiiNames, OnlyWhereTheTextHasThem) {
  const std::string text = "名義は山田花子です。山田花子の口座";
  auto names = locate_name(text, "山田花子", 2, {});
  ASSERT_EQ(names.size(), 2u);
  EXPECT_EQ(names[0].type, PiiType::kName);
  EXPECT_EQ(names[0].source, PiiSource::kModel);
  EXPECT_EQ(names[0].turn, 2u);
  EXPECT_EQ(names[0].cp_begin, 3u);
  EXPECT_EQ(names[0].cp_end, 7u);
  EXPECT_EQ(names[0].byte_begin, 9u);
  EXPECT_EQ(names[0].byte_end, 21u);
  EXPECT_EQ(names[1].cp_begin, 10u);
  EXPECT_TRUE(locate_name(text, "佐藤太郎", 2, {}).empty());  // hallucinated
  EXPECT_TRUE(locate_name(text, "山", 2, {}).empty());        // too short to trust
  EXPECT_TRUE(locate_name(text, std::string("\xff\xfe"), 2, {}).empty());
  // A name inside an existing redaction is not added twice.
  std::vector<PiiSpan> taken = {names[0]};
  EXPECT_EQ(locate_name(text, "山田花子", 2, taken).size(), 1u);
}

TEST(PiiRedact, ReplacesSpans) {
  const std::string text = "Call (415) 555-0132 or mail a@example.com.";
  auto spans = find_pii(text, 0);
  ASSERT_TRUE(spans.has_value());
  EXPECT_EQ(redact(text, *spans), "Call [PHONE] or mail [EMAIL].");
  EXPECT_EQ(redact("no pii", {}), "no pii");
}

TEST(PiiInvalid, InvalidUtf8Rejected) {
  auto r = find_pii(std::string("ok \xc3\x28"), 0);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("byte 3"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace airan::callcenter
